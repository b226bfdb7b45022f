"""Copies of a trail layer at a few steps along the runs, so that a jump along the
timeline starts from the nearest one below the cursor instead of an empty layer.

With 64 runs a jump (or a step back) drew every trail again, ~5 000 antialiased
segments; from a snapshot at most one spacing's worth of steps is drawn.  A snapshot
holds only the part of the layer where its trails lie (``Layer.used``: the ravine's
four trails at 3840×2160 each cover ~4 % of the map).  A layer keeps at most
``SNAPSHOTS`` of them, at multiples of a spacing that spreads them over
its longest run; they are made as the layer is drawn (while playing, when the layer
reaches one of those steps; on a jump, at the highest one below the cursor that is
missing) and dropped when the view or the window size changes, or the layer's runs
(one changed colour, was hidden, added or removed).

Inside a shared layer, where trails of different looks cross, which one is on top
depends on the order they were drawn in: while playing, a step's new segments lie over
the older ones; from a snapshot, the steps after it lie over the steps before it.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6 import QtCore, QtGui

#: snapshots a layer keeps (at 1920×1080 a whole layer of the map is ~2 MB, at
#: 3840×2160 ~9 MB; a snapshot is the part its trails cover)
SNAPSHOTS = 6
#: and a layer shared by many runs (57 of 64: drawn from the nearest, ~1 400 segments
#: at 6 a jump)
SHARED_SNAPSHOTS = 12
#: the bytes a layer's snapshots may hold, the oldest dropped beyond (trails all over a
#: 3840×2160 map: 64 runs' eight layers would hold ~0.4 GB, at most ~110 MB with this)
SNAPSHOT_BYTES = 12 * 2**20
SHARED_SNAPSHOT_BYTES = 24 * 2**20


@dataclass(frozen=True)
class Snapshot:
    state: tuple  # per run of the layer: (run id, trajectory, look, steps drawn)
    image: QtGui.QImage  # the part of the layer its trails cover
    origin: QtCore.QPointF  # where that part lies in the layer (logical pixels)


class LayerSnapshots:
    """The snapshots of one layer, valid for one layer key (view, size, scale)."""

    def __init__(self, count: int = SNAPSHOTS, most_bytes: int = SNAPSHOT_BYTES) -> None:
        self.count, self.most_bytes = count, most_bytes
        self._key = None
        self._shots: dict[int, Snapshot] = {}  # step -> snapshot, oldest first
        self._runs: list = []  # (run id, trajectory, look) of the snapshots kept

    def __len__(self) -> int:
        return len(self._shots)

    def _check(self, key, state: tuple) -> None:
        """Drop every snapshot of another layer key, or of other runs, trajectories or
        looks than ``state``'s (a run changed colour or was hidden: they never fit
        again, and would keep their steps from being taken anew)."""
        if key != self._key:
            self._key = key
            self._shots.clear()
        runs = [m[:3] for m in state]
        if _same_runs(runs, self._runs):  # (checked already: 57 runs × 12 snapshots)
            return
        self._runs = runs
        for step, shot in list(self._shots.items()):
            if not _same_runs(shot.state, runs):
                del self._shots[step]

    def spacing(self, longest: int) -> int:
        """The steps between snapshots for runs of ``longest`` steps."""
        return max(8, -(-longest // self.count))

    def best(self, key, state: tuple) -> Snapshot | None:
        """The snapshot furthest along that a layer at ``state`` can start from: none
        of its runs further along than there."""
        self._check(key, state)
        fitting = [  # (_check kept those of the same runs: the same length)
            s
            for s in self._shots.values()
            if all(a[3] <= b[3] for a, b in zip(s.state, state, strict=True))
        ]
        return max(fitting, key=lambda s: sum(m[3] for m in s.state), default=None)

    def wanted(self, key, state: tuple, base: int, longest: int) -> int | None:
        """The step, above ``base`` and at most as far as ``state`` goes, at which to
        take a snapshot while the layer is drawn from one to the other (the highest
        missing one)."""
        self._check(key, state)
        every = self.spacing(longest)
        target = max(m[3] for m in state)
        step = target - target % every
        return step if step > base and step > 0 and step not in self._shots else None

    def add(self, key, step: int, state: tuple, image: QtGui.QImage, used: QtCore.QRectF) -> None:
        """A snapshot of the layer ``image`` at ``step``: its part ``used`` (logical)."""
        self._check(key, state)
        dpr = image.devicePixelRatio()
        part = QtCore.QRectF(
            used.x() * dpr, used.y() * dpr, used.width() * dpr, used.height() * dpr
        )
        part = part.toAlignedRect().intersected(image.rect())
        # (copying an empty part would copy the whole image: trails out of the view)
        copy = image.copy(part) if not part.isEmpty() else QtGui.QImage()
        copy.setDevicePixelRatio(dpr)
        origin = QtCore.QPointF(part.x() / dpr, part.y() / dpr)
        self._shots[step] = Snapshot(state, copy, origin)
        while len(self._shots) > 1 and (
            len(self._shots) > self.count or self.bytes() > self.most_bytes
        ):
            del self._shots[next(iter(self._shots))]

    def bytes(self) -> int:
        """The bytes the snapshots' pictures hold."""
        return sum(s.image.sizeInBytes() for s in self._shots.values())


def _same_runs(a, b) -> bool:
    """True when two layer states hold the same runs, trajectories and looks."""
    return len(a) == len(b) and all(
        x[0] == y[0] and x[1] is y[1] and x[2] == y[2] for x, y in zip(a, b, strict=True)
    )
