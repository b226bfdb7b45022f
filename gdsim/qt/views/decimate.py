"""Level of detail for long trails: the pieces of a polyline that show at the
resolution it is drawn at.  A run of a million steps that has converged, or that
zig-zags inside a pixel, draws the same few segments over and over; drawing each of them
once draws the same picture.  numpy only, O(n log n) once per trajectory and view; a
step then takes a prefix (the pieces are ordered by when the run first drew them)."""

from __future__ import annotations

import numpy as np

__all__ = ["visible_points", "visible_segments"]

_REACH = float(2**30)  # cells further out (far off screen) are clamped


def _cells(pts: np.ndarray, cell: float) -> np.ndarray:
    """Each point's cell as one int64 key (up to 3 coordinates)."""
    with np.errstate(invalid="ignore", over="ignore"):
        c = np.clip(np.floor(pts / cell), -_REACH, _REACH - 1)
    c = np.nan_to_num(c, nan=_REACH - 1).astype(np.int64) + int(_REACH)  # 31 bits each
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
