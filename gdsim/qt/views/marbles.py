"""Where the marbles of the map are drawn and how far their pictures reach."""

from __future__ import annotations

import numpy as np

from gdsim.qt import theme

SPREAD = 0.7  # coinciding marbles lie on a circle of this radius, in marble sizes
ROW = 1.1  # ... or, on a curve, in a row this long either side of their place


def spread_coinciding(dev: np.ndarray, size: float, along=None) -> np.ndarray:
    """Marbles (``size`` pixels) that lie on each other (runs from one start, at step
    0) drawn side by side on a small circle around their place, so that every one of
    them shows; on a curve (``along``: each marble's direction of the curve on the
    screen) in a row along it instead, so that they stay on the curve."""
    radius = SPREAD * size
    out = dev.copy()
    finite = np.flatnonzero(np.isfinite(dev).all(axis=1))
    places: dict[tuple, list[int]] = {}  # a few marbles: a dict beats np.unique's sort
    for i, key in zip(finite.tolist(), np.round(dev[finite] / 3.0).tolist(), strict=True):
        places.setdefault(tuple(key), []).append(i)  # within about 3 pixels: one place
    for members in places.values():
        if len(members) < 2:
            continue
        centre = dev[members].mean(axis=0)
        if along is not None:
            d = np.asarray(along, dtype=float)[members].mean(axis=0)
            norm = float(np.hypot(*d))
            d = d / norm if np.isfinite(norm) and norm > 0 else np.array([1.0, 0.0])
            pitch = min(2 * radius, 2 * ROW * size / (len(members) - 1))
            offsets = (np.arange(len(members)) - (len(members) - 1) / 2) * pitch
            out[members] = centre + offsets[:, None] * d
            continue
        angle = np.pi / 2 + 2 * np.pi * np.arange(len(members)) / len(members)
        out[members, 0] = centre[0] + radius * np.cos(angle)
        out[members, 1] = centre[1] - radius * np.sin(angle)
    return out


#: a marker's size relative to the marble's, so that every shape looks as heavy
MARBLE_EXTENT = {"o": 1.0, "s": 0.9, "d": 1.15, "t1": 1.2, "t": 1.2, "star": 1.35}


def marble_reach() -> float:
    """How far a marble's picture reaches from its place, in screen pixels: half its
    widest shape and its outline, and the circle or row coinciding ones are spread on
    (a jump repaints that far around the marbles)."""
    size = theme.MARBLE_SIZE * theme.LINE_SCALE
    spread = max(SPREAD, ROW)
    return (spread + 0.5 * max(MARBLE_EXTENT.values())) * size + 2.0 * theme.LINE_SCALE + 2.0
