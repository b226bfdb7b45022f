"""The largest stable learning rate near a point, from the curvature there: on a
quadratic with largest Hessian eigenvalue λ (plus the weight decay), plain gradient
descent is stable for α < 2/λ, heavy-ball momentum β (dampening τ) for
α < (2 + 2β)/((1 − τ)·λ) and Nesterov's for α < (2 + 2β)/((1 + 2β)·λ).  The adaptive
optimizers (Adam, RMSprop, Adagrad) have no such single bound."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gdsim.core.optimizers import validate_hyper

__all__ = ["StabilityBound", "stability_bound"]


@dataclass(frozen=True)
class StabilityBound:
    """``bound`` on α by ``rule`` for ``who``; ``bound`` is None when the curvature at
    the point is not positive (no bound)."""

    who: str
    rule: str
    bound: float | None


def stability_bound(surface, cfg) -> StabilityBound | None:
    """The bound for ``cfg``'s optimizer near its start, or None where no quadratic
    bound applies (adaptive steps; dampening 1; a Hessian that cannot be had)."""
    try:
        ev = np.linalg.eigvalsh(surface.hessian(cfg.resolved_start(surface)))
    except (np.linalg.LinAlgError, ValueError, ArithmeticError):
        return None
    h = validate_hyper(cfg.optimizer, cfg.hyper)
    if "momentum" not in h or "betas" in h or "alpha" in h or "lr_decay" in h:
        return None
    top = float(ev.max()) + float(h.get("weight_decay", 0.0))
    mom, damp = float(h["momentum"]), float(h.get("dampening", 0.0))
    if mom > 0 and damp >= 1.0:
        return None  # the buffer never takes in a gradient
    if mom == 0:
        rule, who = "2/λmax", "plain GD"
        bound = 2 / top if top > 0 else None
    elif h.get("nesterov"):
        rule, who = "(2+2β)/((1+2β)·λmax)", "Nesterov"
        bound = (2 + 2 * mom) / ((1 + 2 * mom) * top) if top > 0 else None
    else:
        rule = "(2+2β)/λmax" if damp == 0 else "(2+2β)/((1−τ)·λmax)"
        who = "momentum"
        bound = (2 + 2 * mom) / ((1 - damp) * top) if top > 0 else None
    if bound is not None and not np.isfinite(bound):
        bound = None
    return StabilityBound(who, rule, bound)
