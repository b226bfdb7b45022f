"""What every view shares: the scene, the controller's trajectories, per-run lookup."""

from __future__ import annotations

import weakref

import numpy as np

from gdsim.core.formula import is_formula
from gdsim.core.trajectory import Trajectory
from gdsim.model import Run


def plot_title(surface) -> str:
    """The surface's formula, prefixed by its title unless the formula already names it
    (data-driven surfaces, typed formulas); theme.set_title cuts it to the plot's width."""
    if surface.is_data or is_formula(surface.name):
        return surface.formula
    return f"{surface.title}: {surface.formula}"


def index_at(traj: Trajectory, cursor: int) -> int:
    """The row a run shows at the cursor (its last row once it has stopped)."""
    return min(cursor, len(traj) - 1)


def finite_prefix(rows: np.ndarray) -> np.ndarray:
    """The rows up to the first one holding a non-finite value (a diverging run's end)."""
    bad = ~np.isfinite(rows).all(axis=1)
    return rows[: int(np.argmax(bad))] if bad.any() else rows


_FINITE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def trail_at(traj: Trajectory, k: int, rows: np.ndarray | None = None) -> np.ndarray:
    """``rows`` (the positions by default) up to step k and before the trajectory's
    first non-finite position, without scanning the rows at each step: the first
    non-finite row is found once per trajectory (and length)."""
    n = len(traj.position)
    known = _FINITE.get(traj)
    if known is None or known[0] != n:
        known = (n, len(finite_prefix(traj.position)))
        _FINITE[traj] = known
    rows = traj.position if rows is None else rows
    return rows[: min(k + 1, known[1])]


def prefix_boxes(rows: np.ndarray, after: np.ndarray | None = None) -> np.ndarray:
    """(n, 2, 2): for each k, the lowest and the highest x and y of the first k + 1
    rows, up to the first non-finite one (as ``trail_at`` cuts a trail): any prefix's
    box in one look-up, so that a jump repaints only where the trails were and are.
    ``after``: the box of the rows before these (a trajectory that grew)."""
    rows = finite_prefix(np.asarray(rows, dtype=float).reshape(len(rows), -1))
    lo, hi = (
        (rows, rows)
        if after is None
        else (np.vstack([after[:1], rows]), np.vstack([after[1:], rows]))
    )
    boxes = np.stack([np.minimum.accumulate(lo, axis=0), np.maximum.accumulate(hi, axis=0)], axis=1)
    return boxes if after is None else boxes[1:]


class TrailBoxes:
    """The running boxes (``prefix_boxes``) of trajectories' trails, made once per
    trajectory and extended as it grows (a million-step run arrives in pieces while the
    window plays)."""

    def __init__(self) -> None:
        self.known: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def corners(self, source, n: int, rows_of) -> np.ndarray:
        """The lowest and the highest point of the first ``n`` points of the trail of
        ``source`` (through the points ``rows_of(source)``); none for an empty trail."""
        known = self.known.get(source)
        if known is None or known[0] != len(source):
            rows = rows_of(source)
            if known is not None and 0 < len(known[1]) == known[0] < len(rows):
                more = prefix_boxes(rows[known[0] :], after=known[1][-1])  # (grown)
                known = (len(rows), np.concatenate([known[1], more]))
            else:
                known = (len(rows), prefix_boxes(rows))
            self.known[source] = known
        i = min(n, len(known[1]))
        return known[1][i - 1] if i > 0 else _NO_CORNERS


_NO_CORNERS = np.empty((0, 2))


def screen_stretch(vecs, aspect: float) -> np.ndarray:
    """How many times longer each row of ``vecs`` (m, 2) must be in data units to be as
    long on screen (in x data units) as it is in data units; ``aspect``: the y data units
    one x data unit's length of screen shows (1 where x and y share a scale: no stretch)."""
    v = np.asarray(vecs, dtype=float).reshape(-1, 2)
    if aspect == 1.0:
        return np.ones(len(v))
    n, shown = np.hypot(v[:, 0], v[:, 1]), np.hypot(v[:, 0], v[:, 1] / aspect)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(shown > 0, n / shown, 1.0)


def arrow_vectors(vecs, scale: float, ref: float) -> np.ndarray:
    """arrow_vector of each row of ``vecs`` (m, d); a zero, NaN or infinite one: none."""
    v = np.asarray(vecs, dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):  # (hypot: no overflow at 1e200)
        n = np.hypot(v[:, 0], v[:, 1]) if v.shape[1] == 2 else np.linalg.norm(v, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = scale / (n + ref)  # (v / n) · scale n / (n + ref)
        out = v * factor[:, None]
    none = ~np.isfinite(n) | (n == 0.0) | ~np.isfinite(factor)
    out[none] = 0.0  # (a NaN vector: no arrow)
    return out


def arrow_vector(vec, scale: float, ref: float) -> np.ndarray:
    """A saturating arrow length: about ``scale`` for large vectors, shorter for small."""
    v = np.asarray(vec, dtype=float)
    return arrow_vectors(v.reshape(1, -1), scale, ref).reshape(v.shape)


class RunView:
    """Mixin: ``self.model`` and ``self.controller`` must be set."""

    surface = None

    def _current(self) -> bool:
        """True when the view is built for the scene's surface (views of the other kind,
        e.g. the 3D view under a 1D surface, keep their last surface and stay idle)."""
        return self.surface is not None and self.surface.name == self.model.surface

    def sync_items(self, items: dict, create, remove) -> dict:
        """Make ``items`` (run id -> item) match the scene's runs: ``remove(item)`` for
        runs that are gone, ``create(run)`` for new ones; returns ``items``."""
        ids = {r.id for r in self.model.runs}
        for rid in [rid for rid in items if rid not in ids]:
            remove(items.pop(rid))
        for run in self.model.runs:
            if run.id not in items:
                items[run.id] = create(run)
        return items

    def lens_run(self) -> tuple[Run, Trajectory] | None:
        """The run the curvature lens and the gradient flow follow: the selected one if
        it is shown, else the first shown."""
        shown = self.shown_runs()
        chosen = [rt for rt in shown if rt[0].id == self.model.selected]
        return (chosen or shown or [None])[0]

    def shown_runs(self) -> list[tuple[Run, Trajectory]]:
        out = []
        for run in self.model.runs:
            traj = self.controller.trajectories.get(run.id)
            if run.visible and traj is not None and len(traj):
                out.append((run, traj))
        return out
