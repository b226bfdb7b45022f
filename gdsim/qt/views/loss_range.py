"""The loss plot's y range.  On the linear scale the runs that do not diverge show
whole, and a diverging run's loss runs off the top once it climbs well above where the
runs began, as its marble runs off the map (log loss shows it whole).  With the
curvature lens on, λmax's range keeps the stability edges in view."""

from __future__ import annotations

import numpy as np

from gdsim.core.trajectory import DIVERGED

__all__ = ["RUNAWAY", "curvature_range", "linear_top"]

#: a diverging run stretches the linear axis to at most this many times the highest
#: start above the lowest loss, then runs off the top (a calm run below still fills at
#: least half the plot)
RUNAWAY = 2.0


def _diverged(traj) -> bool:
    status = getattr(traj, "status", None)
    return getattr(status, "state", None) == DIVERGED


def linear_top(curves, lo: float, hi: float) -> float:
    """The top of the linear axis for ``curves`` (each with ``y`` and its trajectory,
    ``source``) whose lowest and highest losses are ``lo`` and ``hi``: the highest loss
    of the runs that did not diverge, or RUNAWAY times the highest start above ``lo`` if
    that is higher (a diverging run climbs that far before it leaves the top)."""
    starts = [float(c.y[0]) for c in curves if len(c.y) and np.isfinite(c.y[0])]
    if not starts or max(starts) <= lo:
        return hi
    top = lo + RUNAWAY * (max(starts) - lo)
    for c in curves:
        y = c.y[np.isfinite(c.y)]
        if y.size and not _diverged(c.source):
            top = max(top, float(y.max()))
    return min(hi, top)


def curvature_range(curves, lo, hi, edges, own) -> tuple[float, float]:
    """λmax's range: the lens run's edge in view, the other edges unless far above
    the curves, and at most a few times the larger of the edges and the starts'
    λmax (a diverging run's λmax flies off the top, as its marble leaves the map)."""
    starts = [abs(float(c.y[0])) for c in curves.values() if np.isfinite(c.y[0])]
    ref = max([*starts, float(own.max()) if own.size else 0.0, 1e-12])
    top = 3.0 * ref
    if edges.size:  # every edge within ten times the curvature in view
        lo = min(lo, float(edges.min()))
        top = max(top, min(float(edges.max()), 10.0 * ref))
        hi = max(hi, min(float(edges.max()), top))
    return max(lo, -3.0 * ref), min(hi, top)
