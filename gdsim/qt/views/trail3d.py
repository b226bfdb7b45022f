"""Where the 3D view draws a run: its trajectory in the normalised box of the view
(x, y in [−1, 1], height 0..HEIGHT in the map's colour coordinate) and its trail laid on
the surface (each step's straight line cut into pieces whose heights are the surface's,
so that a long step follows the hills instead of cutting through the air).  numpy only:
tested without OpenGL."""

from __future__ import annotations

import numpy as np

__all__ = ["HEIGHT", "laid_on_surface", "to_box"]

HEIGHT = 0.9
TRAIL_PIECE = 0.04  # a trail's pieces in the 3D box are at most this long (the box is 2 wide)
TRAIL_EXTRA = 20_000  # at most this many points added per run to lay its trail on the surface


def to_box(surface, grid, pos: np.ndarray, loss: np.ndarray) -> np.ndarray:
    """Positions (n, 2) and their losses (n,) as points (n, 3) of the 3D box."""
    (x0, x1), (y0, y1) = surface.domain
    u = (pos[:, 0] - (x0 + x1) / 2) / ((x1 - x0) / 2)
    v = (pos[:, 1] - (y0 + y1) / 2) / ((y1 - y0) / 2)
    z = grid.normalised(loss) * HEIGHT
    return np.column_stack([np.clip(u, -1.2, 1.2), np.clip(v, -1.2, 1.2), z + 0.025])


def laid_on_surface(surface, grid, pos: np.ndarray, pts: np.ndarray):
    """The polyline through ``pts`` (box points of positions ``pos``) with each step
    cut into pieces whose heights are the surface's; and the index in it where each
    step ends."""
    n = len(pts)
    if n < 2:
        return pts, np.zeros(0, dtype=np.int64)
    flat = np.hypot(*(pts[1:, :2] - pts[:-1, :2]).T)
    k = np.clip(np.ceil(flat / TRAIL_PIECE), 1, 32).astype(np.int64)
    on_map = (np.abs(pts[:, :2]) <= 1.0).all(axis=1)
    k[~(np.isfinite(flat) & on_map[:-1] & on_map[1:])] = 1  # off the map: a straight line
    extra = int(k.sum()) - (n - 1)
    if extra > TRAIL_EXTRA:  # a long zig-zagging run: fewer pieces per step
        k = 1 + ((k - 1) * (TRAIL_EXTRA / extra)).astype(np.int64)
    step = np.repeat(np.arange(n - 1), k)
    first = np.repeat(np.cumsum(k) - k, k)
    frac = (np.arange(int(k.sum())) - first + 1) / np.repeat(k, k)  # 1/k … 1 per step
    mid = pos[step] + frac[:, None] * (pos[step + 1] - pos[step])
    ends = np.cumsum(k)
    with np.errstate(all="ignore"):
        try:
            loss = np.asarray(surface.value(mid), dtype=float)
        except (ArithmeticError, ValueError):
            loss = np.full(len(mid), np.nan)
        chain = to_box(surface, grid, mid, loss)
    chord = pts[step] + frac[:, None] * (pts[step + 1] - pts[step])
    bad = ~np.isfinite(chain[:, 2])  # undefined on the way: the straight line there
    chain[bad] = chord[bad]
    chain[ends - 1] = pts[1:]  # each step ends exactly where the run is
    return np.vstack([pts[:1], chain]), ends
