"""Arrows drawn as three segments (a shaft and two head strokes), for the −∇f and step
arrows of the map and the 1D curve; their lengths and heads measured on screen.  numpy
only."""

from __future__ import annotations

import numpy as np

from gdsim.qt.views.base import arrow_vectors, screen_stretch

__all__ = ["arrow_segments", "arrows_segments", "screen_arrows"]


def arrow_segments(origin, vec, head: float = 0.28, max_head: float = np.inf) -> np.ndarray:
    """Points (6, 2) of an arrow drawn as three segments (shaft and two head strokes);
    the head is ``head`` of the length, at most ``max_head``."""
    return arrows_segments(origin, vec, head, max_head)[0]


def arrows_segments(origins, vecs, head: float = 0.28, max_head: float = np.inf) -> np.ndarray:
    """arrow_segments of many arrows at once: origins and vectors (m, 2) → (m, 6, 2)."""
    o = np.asarray(origins, dtype=float).reshape(-1, 2)
    v = np.asarray(vecs, dtype=float).reshape(-1, 2)
    tip = o + v
    n = np.hypot(v[:, 0], v[:, 1])
    with np.errstate(divide="ignore", invalid="ignore"):
        back = -v * (np.minimum(np.minimum(head * n, n), max_head) / n)[:, None]
    back[n == 0.0] = 0.0  # a zero arrow: every point at its origin
    c, s = np.cos(0.45), np.sin(0.45)
    bx, by = back[:, 0], back[:, 1]
    left = tip + np.column_stack([c * bx - s * by, s * bx + c * by])
    right = tip + np.column_stack([c * bx + s * by, -s * bx + c * by])
    return np.stack([o, tip, tip, left, tip, right], axis=1)


def screen_arrows(origins, vecs, scale: float, ref: float, aspect: float = 1.0) -> np.ndarray:
    """The arrows_segments of ``arrow_vectors(vecs, scale, ref)`` from ``origins``
    (m, 2) → (m, 6, 2), with their lengths and heads measured on screen (``aspect``: see
    base.screen_stretch; a model's slice fills its view, and there a head built in data
    units was lopsided and a vertical arrow as long in data units as a horizontal one was
    far longer on screen)."""
    v = arrow_vectors(np.asarray(vecs, dtype=float).reshape(-1, 2), scale, ref)
    if aspect == 1.0:
        return arrows_segments(origins, v)
    k = np.array([1.0, aspect])
    # as the screen shows them, in x data units, as long there as v is in data units
    shown = v * screen_stretch(v, aspect)[:, None] / k
    o = np.asarray(origins, dtype=float).reshape(-1, 1, 2)
    return o + arrows_segments(np.zeros_like(shown), shown) * k
