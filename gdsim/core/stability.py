"""When gradient descent is stable, from the curvature: on a quadratic whose largest
Hessian eigenvalue is λ (plus the weight decay), plain gradient descent is stable for
α·λ < 2, heavy-ball momentum β (dampening τ) for α·λ < (2 + 2β)/(1 − τ) and Nesterov's
for α·λ < (2 + 2β)/(1 + 2β).  One rule gives both readings: the largest stable α at a
point (the hint under α) and the edge λ < c/α that a run's λmax is drawn against (the
curvature lens).  The adaptive optimizers (Adam, RMSprop, Adagrad) have no such bound.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from gdsim.core.optimizers import validate_hyper

__all__ = ["StabilityBound", "StabilityRule", "stability_bound", "stability_rule"]


@dataclass(frozen=True)
class StabilityRule:
    """Stable while α·(λ + weight_decay) < ``factor``; ``who`` and the rule as text."""

    who: str
    factor: float
    weight_decay: float
    bound_text: str  # on α, e.g. "(2+2β)/λmax"
    edge_text: str  # on λ, e.g. "(2+2β)/α"

    def bound(self, lam: float) -> float | None:
        """The largest stable α where the largest eigenvalue is ``lam``; None when the
        surface does not curve up there."""
        top = float(lam) + self.weight_decay
        bound = self.factor / top if top > 0 else None
        return bound if bound is not None and np.isfinite(bound) else None

    def edge(self, lr):
        """The largest stable λmax at learning rate(s) ``lr``: factor/α − weight decay."""
        with np.errstate(divide="ignore"):
            return self.factor / np.asarray(lr, dtype=float) - self.weight_decay


def stability_rule(optimizer: str, hyper: dict) -> StabilityRule | None:
    """The rule of ``optimizer`` with ``hyper``, or None where no quadratic bound applies
    (adaptive steps, learning-rate decay, dampening 1)."""
    rule = _rule(validate_hyper(optimizer, hyper))
    if rule is not None and rule.weight_decay:  # the edge is lower by the decay
        wd = f" − {rule.weight_decay:g}"
        rule = replace(rule, edge_text=rule.edge_text + wd)
    return rule


def _rule(h: dict) -> StabilityRule | None:
    if "momentum" not in h or "betas" in h or "alpha" in h or "lr_decay" in h:
        return None
    wd = float(h.get("weight_decay", 0.0))
    mom, damp = float(h["momentum"]), float(h.get("dampening", 0.0))
    if mom == 0:
        return StabilityRule("plain GD", 2.0, wd, "2/λmax", "2/α")
    if damp >= 1.0:
        return None  # the buffer never takes in a gradient
    if h.get("nesterov"):
        c = (2 + 2 * mom) / (1 + 2 * mom)
        return StabilityRule("Nesterov", c, wd, "(2+2β)/((1+2β)·λmax)", "(2+2β)/((1+2β)·α)")
    if damp == 0:
        return StabilityRule("momentum", 2 + 2 * mom, wd, "(2+2β)/λmax", "(2+2β)/α")
    c = (2 + 2 * mom) / (1 - damp)
    return StabilityRule("momentum", c, wd, "(2+2β)/((1−τ)·λmax)", "(2+2β)/((1−τ)·α)")


@dataclass(frozen=True)
class StabilityBound:
    """``bound`` on α by ``rule`` for ``who``; ``bound`` is None when the curvature at
    the point is not positive (no bound)."""

    who: str
    rule: str
    bound: float | None


def stability_bound(surface, cfg) -> StabilityBound | None:
    """The bound for ``cfg``'s optimizer at its start (from the exact Hessian there, the
    curvature lens' λmax), or None where no quadratic bound applies."""
    from gdsim.core.curvature import lambda_max

    rule = stability_rule(cfg.optimizer, cfg.hyper)
    if rule is None:
        return None
    try:
        lam = float(lambda_max(surface, np.asarray(cfg.resolved_start(surface), dtype=float)))
    except (np.linalg.LinAlgError, ValueError, ArithmeticError):
        return None
    if not np.isfinite(lam):
        return None
    return StabilityBound(rule.who, rule.bound_text, rule.bound(lam))
