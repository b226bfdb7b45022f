"""Where the 3D view draws a run: its trajectory in the normalised box of the view
(x, y in [−1, 1], height 0..HEIGHT in the map's colour coordinate) and its trail laid on
the surface (each step's straight line cut into pieces whose heights are the surface's,
so that a long step follows the hills instead of cutting through the air), cut where it
leaves the map: off the map there is no surface to lie on, and a step that leaves it
ends at its edge, as on the contour map.  numpy only: tested without OpenGL."""

from __future__ import annotations

import numpy as np

__all__ = ["HEIGHT", "laid_on_surface", "on_map", "to_box"]

HEIGHT = 0.9
TRAIL_PIECE = 0.04  # a trail's pieces in the 3D box are at most this long (the box is 2 wide)
TRAIL_EXTRA = 20_000  # at most this many points added per run to lay its trail on the surface


def _unit(surface, pos: np.ndarray) -> np.ndarray:
    """Positions (n, 2) in the box's x, y: the domain is [−1, 1]² (not clipped)."""
    (x0, x1), (y0, y1) = surface.domain
    centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
    half = np.array([(x1 - x0) / 2, (y1 - y0) / 2])
    with np.errstate(all="ignore"):
        return (np.asarray(pos, dtype=float)[:, :2] - centre) / half


def to_box(surface, grid, pos: np.ndarray, loss: np.ndarray) -> np.ndarray:
    """Positions (n, 2) and their losses (n,) as points (n, 3) of the 3D box."""
    z = grid.normalised(loss) * HEIGHT
    return np.column_stack([np.clip(_unit(surface, pos), -1.2, 1.2), z + 0.025])


def on_map(pts: np.ndarray) -> np.ndarray:
    """Which points (n, 3) of the box lie over the map (to_box keeps the others just
    outside it)."""
    return (np.abs(pts[:, :2]) <= 1.0).all(axis=1)


def _on_map_part(surface, pos: np.ndarray, a: np.ndarray, b: np.ndarray):
    """The part of each segment pos[a] → pos[b] over the map, as fractions (t0, t1) of
    the way (Liang–Barsky clipping in the box's coordinates), t0 > t1 where none is;
    and the length of that part in the box."""
    start = _unit(surface, pos[a])
    with np.errstate(all="ignore"):
        d = _unit(surface, pos[b]) - start
        t0, t1 = np.zeros(len(a)), np.ones(len(a))
        for axis in (0, 1):
            for p, q in ((-d[:, axis], start[:, axis] + 1.0), (d[:, axis], 1.0 - start[:, axis])):
                r = q / p
                t0 = np.where(p < 0, np.maximum(t0, r), t0)
                t1 = np.where(p > 0, np.minimum(t1, r), t1)
                t1 = np.where((p == 0) & (q < 0), -1.0, t1)  # parallel to an edge, outside
        length = np.hypot(d[:, 0], d[:, 1]) * np.maximum(t1 - t0, 0.0)
    bad = ~(np.isfinite(t0) & np.isfinite(t1) & np.isfinite(length))
    t0[bad], t1[bad], length[bad] = 1.0, 0.0, 0.0
    return t0, t1, length


def laid_on_surface(surface, grid, pos: np.ndarray, pts: np.ndarray, segs=None):
    """The trail's segments pts[i] → pts[i+1] for i in ``segs`` (default: all), each cut
    into pieces whose heights are the surface's, as point pairs (2m, 3) for GL lines;
    and after how many pairs each of the segments ends (cumulative, one per segment).
    Only a segment's part over the map is drawn (a segment wholly off it: no pair)."""
    n = len(pts)
    segs = np.arange(max(n - 1, 0)) if segs is None else np.asarray(segs, dtype=np.int64)
    if n < 2 or not len(segs):
        return np.zeros((0, 3)), np.zeros(0, dtype=np.int64)
    a, b = segs, segs + 1
    t0, t1, flat = _on_map_part(surface, pos, a, b)
    shown = t1 > t0
    k = np.clip(np.ceil(flat / TRAIL_PIECE), 1, 32).astype(np.int64)
    k[~shown] = 0
    extra = int(k.sum()) - int(shown.sum())
    if extra > TRAIL_EXTRA:  # a long zig-zagging run: fewer pieces per step
        k = np.where(shown, 1 + ((k - 1) * (TRAIL_EXTRA / extra)).astype(np.int64), 0)
    seg = np.repeat(np.arange(len(segs)), k)
    first = np.repeat(np.cumsum(k) - k, k)
    j = np.arange(int(k.sum())) - first  # a piece's place in its segment: 0 … k − 1
    kk = np.repeat(k, k)
    # the points of each segment: its start, k − 1 on the way, its end
    s2 = np.concatenate([seg, seg])
    lo, span = t0[s2], (t1 - t0)[s2]  # the pieces share out the part over the map
    frac = lo + span * np.concatenate([j / kk, (j + 1) / kk])  # starts, then ends
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
    first_piece = (j == 0) & (t0[seg] == 0.0)  # each segment starts and ends exactly
    last_piece = (j == kk - 1) & (t1[seg] == 1.0)  # where the run is (not cut at an edge)
    starts[first_piece] = pts[a[seg[first_piece]]]
    ends[last_piece] = pts[b[seg[last_piece]]]
    pairs = np.empty((2 * m, 3))
    pairs[0::2], pairs[1::2] = starts, ends
    return pairs, np.cumsum(k)
