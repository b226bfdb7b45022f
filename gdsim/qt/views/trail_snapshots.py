"""Copies of a shared trail layer at a few steps along the runs, so that a jump along
the timeline starts from the nearest one below the cursor instead of an empty layer.

With 64 runs a jump (or a step back) drew every trail again, ~5 000 antialiased
segments; from a snapshot at most one spacing's worth of steps is drawn.  A layer
keeps at most ``SNAPSHOTS`` of them, at multiples of a spacing that spreads them over
its longest run; they are made as the layer is drawn (while playing, when the layer
reaches one of those steps; on a jump, at the highest one below the cursor that is
missing) and all dropped when the view, the window size or the layer's runs change.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6 import QtGui

#: snapshots a layer keeps (at 1920×1080 the map's layer is ~2 MB, at 3840×2160 ~9 MB)
SNAPSHOTS = 6
#: layers holding at least this many runs keep snapshots (a layer of one run is drawn
#: again in well under a millisecond)
SNAPSHOT_RUNS = 2


@dataclass(frozen=True)
class Snapshot:
    state: tuple  # per run of the layer: (run id, trajectory, look, steps drawn)
    image: QtGui.QImage


def fits(shot_state: tuple, state: tuple) -> bool:
    """True when a layer drawn up to ``state`` can start from ``shot_state``: the same
    runs in the same order, each with the same trajectory and look, none of them
    further along in the snapshot."""
    return len(shot_state) == len(state) and all(
        a[0] == b[0] and a[1] is b[1] and a[2] == b[2] and a[3] <= b[3]
        for a, b in zip(shot_state, state, strict=True)
    )


class LayerSnapshots:
    """The snapshots of one layer, valid for one layer key (view, size, scale)."""

    def __init__(self) -> None:
        self._key = None
        self._shots: dict[int, Snapshot] = {}  # step -> snapshot, oldest first

    def __len__(self) -> int:
        return len(self._shots)

    def _check(self, key) -> None:
        if key != self._key:
            self._key = key
            self._shots.clear()

    @staticmethod
    def spacing(longest: int) -> int:
        """The steps between snapshots for runs of ``longest`` steps."""
        return max(8, -(-longest // SNAPSHOTS))

    def best(self, key, state: tuple) -> Snapshot | None:
        """The snapshot furthest along that a layer at ``state`` can start from."""
        self._check(key)
        fitting = [s for s in self._shots.values() if fits(s.state, state)]
        return max(fitting, key=lambda s: sum(m[3] for m in s.state), default=None)

    def wanted(self, key, base: int, target: int, longest: int) -> int | None:
        """The step, above ``base`` and at most ``target``, at which to take a snapshot
        while the layer is drawn from one to the other (the highest missing one)."""
        self._check(key)
        every = self.spacing(longest)
        step = target - target % every
        return step if step > base and step > 0 and step not in self._shots else None

    def add(self, key, step: int, state: tuple, image: QtGui.QImage) -> None:
        self._check(key)
        copy = image.copy()
        copy.setDevicePixelRatio(image.devicePixelRatio())  # drawn 1:1 over the layer
        self._shots[step] = Snapshot(state, copy)
        while len(self._shots) > SNAPSHOTS:
            del self._shots[next(iter(self._shots))]
