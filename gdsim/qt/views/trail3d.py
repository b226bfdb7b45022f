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


def laid_on_surface(surface, grid, pos: np.ndarray, pts: np.ndarray, segs=None):
    """The trail's segments pts[i] → pts[i+1] for i in ``segs`` (default: all), each cut
    into pieces whose heights are the surface's, as point pairs (2m, 3) for GL lines;
    and after how many pairs each of the segments ends (cumulative, one per segment)."""
    n = len(pts)
    segs = np.arange(max(n - 1, 0)) if segs is None else np.asarray(segs, dtype=np.int64)
    if n < 2 or not len(segs):
        return np.zeros((0, 3)), np.zeros(0, dtype=np.int64)
    a, b = segs, segs + 1
    flat = np.hypot(*(pts[b, :2] - pts[a, :2]).T)
    k = np.clip(np.ceil(flat / TRAIL_PIECE), 1, 32).astype(np.int64)
    on_map = (np.abs(pts[:, :2]) <= 1.0).all(axis=1)
    k[~(np.isfinite(flat) & on_map[a] & on_map[b])] = 1  # off the map: a straight line
    extra = int(k.sum()) - len(segs)
    if extra > TRAIL_EXTRA:  # a long zig-zagging run: fewer pieces per step
        k = 1 + ((k - 1) * (TRAIL_EXTRA / extra)).astype(np.int64)
    seg = np.repeat(np.arange(len(segs)), k)
    first = np.repeat(np.cumsum(k) - k, k)
    j = np.arange(int(k.sum())) - first  # a piece's place in its segment: 0 … k − 1
    kk = np.repeat(k, k)
    # the points of each segment: its start, k − 1 on the way, its end
    frac = np.concatenate([j / kk, (j + 1) / kk])  # starts, then ends of the pieces
    s2 = np.concatenate([seg, seg])
    mid = pos[a[s2]] + frac[:, None] * (pos[b[s2]] - pos[a[s2]])
    with np.errstate(all="ignore"):
        try:
            loss = np.asarray(surface.value(mid), dtype=float)
        except (ArithmeticError, ValueError):
            loss = np.full(len(mid), np.nan)
        laid = to_box(surface, grid, mid, loss)
    chord = pts[a[s2]] + frac[:, None] * (pts[b[s2]] - pts[a[s2]])
    bad = ~np.isfinite(laid[:, 2])  # undefined on the way: the straight line there
    laid[bad] = chord[bad]
    m = len(seg)
    starts, ends = laid[:m], laid[m:]
    starts[j == 0] = pts[a[seg[j == 0]]]  # each segment starts and ends exactly where
    ends[j == kk - 1] = pts[b[seg[j == kk - 1]]]  # the run is
    pairs = np.empty((2 * m, 3))
    pairs[0::2], pairs[1::2] = starts, ends
    return pairs, np.cumsum(k)
