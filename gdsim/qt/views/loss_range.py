"""The loss plot's y range.  On the linear scale the runs that do not diverge show
whole, and a diverging run's loss runs off the top (or the bottom) once it climbs (or
falls) well past where the runs are, as its marble runs off the map (log loss shows it
whole).  With the
curvature lens on, λmax's range keeps the stability edges in view."""

from __future__ import annotations

import numpy as np

from gdsim.core.trajectory import DIVERGED

__all__ = ["RUNAWAY", "curvature_range", "linear_range"]

#: a diverging run stretches the linear axis to at most this many times the span of the
#: other runs and the starts, then leaves the plot (they fill at least a third of it)
RUNAWAY = 2.0


def _diverged(traj) -> bool:
    status = getattr(traj, "status", None)
    return getattr(status, "state", None) == DIVERGED


def linear_range(curves, lo: float, hi: float) -> tuple[float, float]:
    """The linear axis's range for ``curves`` (each with ``y`` and its trajectory,
    ``source``) whose lowest and highest losses are ``lo`` and ``hi``: what the runs that
    did not diverge and every run's start span, widened by RUNAWAY − 1 times that span
    on each side, within which a diverging run climbs or falls before it leaves the
    plot.  With no run that stays put (or one flat start), RUNAWAY times the highest
    start above ``lo`` at most."""
    starts = [float(c.y[0]) for c in curves if len(c.y) and np.isfinite(c.y[0])]
    if not starts:
        return lo, hi
    calm = [c.y[np.isfinite(c.y)] for c in curves if not _diverged(c.source)]
    calm = [y for y in calm if y.size]
    base_lo = min([*starts, *(float(y.min()) for y in calm)])
    base_hi = max([*starts, *(float(y.max()) for y in calm)])
    if not calm or base_hi <= base_lo:
        top = lo + RUNAWAY * (max(starts) - lo) if max(starts) > lo else hi
        return lo, min(hi, top)
    reach = (RUNAWAY - 1.0) * (base_hi - base_lo)
    return max(lo, base_lo - reach), min(hi, base_hi + reach)


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
