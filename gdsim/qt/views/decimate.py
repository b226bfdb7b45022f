"""Level of detail for long trails: the pieces of a polyline that show at the
resolution it is drawn at.  A run of a million steps that has converged, or that
zig-zags inside a pixel, draws the same few segments over and over; drawing each of them
once draws the same picture.  numpy only, O(n log n) once per trajectory and view; a
step then takes a prefix (the pieces are ordered by when the run first drew them)."""

from __future__ import annotations

import numpy as np

__all__ = ["envelope", "visible_points", "visible_segments"]

_REACH = float(2**30)  # cells further out (far off screen) are clamped


def _cells(pts: np.ndarray, cell: float) -> np.ndarray:
    """Each point's cell as one int64 key (up to 3 coordinates)."""
    with np.errstate(invalid="ignore", over="ignore"):
        c = np.floor(pts / cell)
    np.clip(c, -_REACH, _REACH - 1, out=c)  # in place: a million points, one array
    c[np.isnan(c)] = _REACH - 1
    c = c.astype(np.int64)
    c += int(_REACH)  # 31 bits each
    if c.shape[1] == 1:
        return c[:, 0]
    if c.shape[1] == 2:
        return (c[:, 0] << 31) | c[:, 1]
    # 3D: 21 bits a coordinate after the clamp (the box is a few units across)
    c = np.clip(c - int(_REACH) + 2**20, 0, 2**21 - 1)
    return (c[:, 0] << 42) | (c[:, 1] << 21) | c[:, 2]


def visible_points(pts: np.ndarray, cell: float) -> np.ndarray:
    """Indices (ascending) of the first point in each ``cell``-sized cell."""
    if len(pts) <= 2:
        return np.arange(len(pts))
    _, first = np.unique(_cells(pts, cell), return_index=True)
    return np.sort(first)


def visible_segments(pts: np.ndarray, cell: float) -> np.ndarray:
    """Indices i (ascending) of the segments pts[i] → pts[i+1] to draw at resolution
    ``cell``: the first of the segments joining the same two cells, either way round,
    and none that stays inside one cell (those show as the points' dots).  Drawing
    these draws every segment's pixels to within a cell."""
    if len(pts) < 2:
        return np.zeros(0, dtype=np.int64)
    keys = _cells(pts, cell)
    a, b = keys[:-1], keys[1:]
    moving = np.flatnonzero(a != b)
    if not len(moving):
        return moving
    lo, hi = np.minimum(a[moving], b[moving]), np.maximum(a[moving], b[moving])
    # one 64-bit key per pair of cells (a multiplicative hash: two different pairs share
    # a key with a chance of ~n²/2⁶⁵, 3·10⁻⁸ for a million segments; one segment of the
    # two would then be left out)
    with np.errstate(over="ignore"):
        key = lo.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15) ^ hi.astype(np.uint64)
    _, first = np.unique(key, return_index=True)
    return moving[np.sort(first)]


def envelope(y: np.ndarray, columns: int) -> np.ndarray:
    """Indices (ascending) of the points of a curve over x = 0 … n−1 that draw it at
    ``columns`` columns or fewer: in each column of steps its first, lowest, highest and
    last point, so that the polyline through them covers each column from its lowest to
    its highest value and joins the columns as the curve does.  A column holding
    undefined values (a diverged run) keeps all of its points but, when it holds
    nothing else, its first and last (the break in the line).  O(n), independent of
    the view: a step then draws the same picture as every point would, as long as a
    column is narrower than half a pixel."""
    n = len(y)
    size = max(1, -(-n // max(columns, 1)))
    m = n // size * size
    if size == 1 or m == 0:
        return np.arange(n)
    Y = y[:m].reshape(-1, size)
    finite = np.isfinite(Y)
    good = finite.all(axis=1)
    base = np.arange(len(Y)) * size
    lo = np.where(finite, Y, np.inf).argmin(axis=1)
    hi = np.where(finite, Y, -np.inf).argmax(axis=1)
    keep = [base, base + lo, base + hi, base + size - 1, np.arange(m, n)]
    mixed = np.flatnonzero(~good & finite.any(axis=1))
    if len(mixed):
        keep.append((mixed[:, None] * size + np.arange(size)).ravel())
    return np.unique(np.concatenate(keep))
