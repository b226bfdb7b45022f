"""Optimizers that are not element-wise: L-BFGS, Adafactor, Newton's method and gradient
descent with a backtracking line search.

The optimizers of :mod:`gdsim.core.optimizers` update every coordinate on its own, so they
are kernels compiled for many runs at once.  These four need the whole vector (norms, dot
products, a linear solve), the function itself (a line search evaluates it at trial
points) or several evaluations in one step, so each is a pure step function over one
run's θ, a float64 vector of dimension 1 to 2000::

    opt = get_vector_optimizer("lbfgs", line_search_fn="strong_wolfe")
    state = opt.init(theta)
    result = opt.step(theta, loss, grad, state, lr, fg)   # newton: also hess=
    theta, state = result.theta, result.state

``fg(theta) -> (loss, grad)`` is the function (torch's closure); ``loss`` and ``grad`` at
``theta`` are the caller's, and ``result.evaluations`` lists every point where the step
called ``fg`` (the additional evaluations), in order.  That protocol is
:mod:`gdsim.core.vector_step`; L-BFGS, with its line search, is :mod:`gdsim.core.lbfgs`;
this module holds the other three and the registry.

L-BFGS and Adafactor are torch.optim.LBFGS and torch.optim.Adafactor (torch 2.13) in
torch's arithmetic and order of evaluation, with torch's state names.  torch's CPU
kernels contract ``add_(x, alpha=a)`` and ``lerp_`` into fused multiply-adds (one
rounding for ``y + a·x``); numpy has no fused multiply-add, so :func:`_axpy` computes
the correctly rounded ``y + a·x`` exactly (Boldo and Melquiond's emulation with
rounding to odd).  torch's dot products and norms are plain sums of products for a
vector of one or two coordinates, as here; for longer vectors torch's MKL and
vectorised reductions add in orders of their own, and the results differ from torch's
in the last bits.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, ClassVar, NamedTuple

import numpy as np

from gdsim.core import hyper as hp
from gdsim.core.hyper import Hyper, HyperError
from gdsim.core.lbfgs import LBFGS, LBFGS_PARAMS, LBFGSState
from gdsim.core.run_rules import UNDEFINED_ERRORS
from gdsim.core.torch_arith import _axpy, _dot, _lerp, _norm
from gdsim.core.vector_step import (
    StepCount,
    StepResult,
    VectorOptimizer,
    VectorOptimizerError,
    _int,
)

__all__ = [
    "VECTOR_OPTIMIZERS",
    "AdafactorState",
    "LBFGSState",
    "StepCount",
    "StepResult",
    "VectorOptimizer",
    "VectorOptimizerError",
    "VectorOptimizerSpec",
    "get_vector_optimizer",
    "validate_vector_hyper",
]

# ---------------------------------------------------------------------------------------
# Hyperparameters

_ADAFACTOR_PARAMS = (
    replace(
        hp.LR,
        default=1e-2,
        doc="the largest relative step size ρ_t = min(lr, 1/√t); also scales weight decay",
    ),
    Hyper(
        "beta2_decay",
        "float",
        -0.8,
        "the second moment's weight at step t is t^beta2_decay (≤ 0)",
        label="β₂ decay",
        hi=0.0,
        step=0.05,
    ),
    Hyper(
        "eps",
        "pair",
        (float(np.finfo(np.float64).eps), 1e-3),
        "(ε₁, ε₂): the denominator is at least ε₁ (torch's None: the float64 machine"
        " epsilon, 2.2e-16), the step at least ε₂ times ρ_t",
        label="ε₁, ε₂",
        lo=0.0,
        field=True,
    ),
    Hyper(
        "d",
        "float",
        1.0,
        "clipping threshold: the update is scaled down to an RMS of at most d",
        label="clip d",
        lo=1.0,
        step=0.1,
    ),
    hp.WEIGHT_DECAY,
)

_NEWTON_PARAMS = (
    replace(
        hp.LR,
        default=1.0,
        doc="α: the fraction of the Newton step taken (1: jump to the model's critical point)",
    ),
    Hyper(
        "damping",
        "float",
        0.0,
        "λ in θ ← θ − α·(H + λI)⁻¹g: a large λ turns Newton into gradient descent",
        label="damping λ",
        lo=0.0,
        step=0.1,
    ),
)

_LINESEARCH_PARAMS = (
    replace(hp.LR, default=1.0, doc="α₀: the first step size tried at every step"),
    Hyper(
        "c1",
        "float",
        1e-4,
        "Armijo's constant: t is accepted when f(θ − t·g) ≤ f(θ) − c1·t·‖g‖²",
        label="c₁",
        lo=0.0,
        hi=1.0,
        lo_open=True,
        hi_open=True,
        field=True,
    ),
    Hyper(
        "shrink",
        "float",
        0.5,
        "ρ: a refused step size t is tried again as ρ·t",
        label="ρ (shrink)",
        lo=0.0,
        hi=1.0,
        lo_open=True,
        hi_open=True,
        step=0.05,
    ),
    _int("max_backtracks", 30, "how many times t may shrink before the step gives up", 0, 200),
)


# ---------------------------------------------------------------------------------------
# States and results


class AdafactorState(NamedTuple):
    """torch.optim.Adafactor's state for a vector (not factored)."""

    step: int = 0
    variance: np.ndarray | None = None


# ---------------------------------------------------------------------------------------
# The optimizers


@dataclass(frozen=True)
class Adafactor(VectorOptimizer):
    """torch.optim.Adafactor for a vector (its single-tensor path; a vector's second
    moment is not factored).  The step is scaled by the RMS of θ and clipped by the RMS
    of the update: reductions over the whole vector.

    Terms: ``rho_t`` (relative step size), ``alpha`` (absolute step size),
    ``beta2_hat_complement`` (the weight 1 − β̂₂ = t^beta2_decay of g²), ``denom`` (the
    clipping divisor) and ``update`` (g / √v, before clipping).
    """

    name: ClassVar[str] = "adafactor"

    def init(self, theta):
        return AdafactorState(0, np.zeros_like(np.asarray(theta, dtype=float)))

    def step(self, theta, loss, grad, state, lr, fg, hess=None):
        h = self.hyper
        eps1, eps2 = h["eps"]
        beta2_decay, d, weight_decay = h["beta2_decay"], h["d"], h["weight_decay"]
        lr = float(lr)
        param = np.array(theta, dtype=float)
        grad = np.asarray(grad, dtype=float)
        with np.errstate(all="ignore"):
            step = state.step + 1
            step_float = float(step)
            one_minus_beta2_t = step_float**beta2_decay
            rho_t = min(lr, 1 / (step_float**0.5))
            alpha = max(eps2, _norm(param) / (param.size**0.5)) * rho_t
            if weight_decay != 0:
                param = param * (1 - lr * weight_decay)
            variance = _lerp(state.variance, grad * grad, one_minus_beta2_t)
            update = 1.0 / np.sqrt(np.maximum(variance, eps1 * eps1))
            update = update * grad
            denom = max(1.0, _norm(update) / ((update.size**0.5) * d))
            param = _axpy(-alpha / denom, update, param)
        terms = {
            "rho_t": rho_t,
            "alpha": alpha,
            "beta2_hat_complement": one_minus_beta2_t,
            "denom": denom,
            "update": update,
        }
        return StepResult(param, AdafactorState(step, variance), [], None, terms)


@dataclass(frozen=True)
class Newton(VectorOptimizer):
    """Newton's method with the exact Hessian: θ ← θ − α·(H + λI)⁻¹g (not in torch).

    It jumps to where the quadratic model's gradient vanishes, a saddle as readily as a
    minimum.  When H + λI is singular or ill-conditioned (condition number above 1e12)
    or the direction is not finite, θ stays and the run stops with the status
    "singular Hessian (det ≈ …)".

    Terms: ``direction`` ((H + λI)⁻¹g), ``eigenvalues`` (of H, ascending) and ``cond``
    (of H + λI).
    """

    name: ClassVar[str] = "newton"
    MAX_COND: ClassVar[float] = 1e12

    def step(self, theta, loss, grad, state, lr, fg, hess=None):
        if hess is None:
            raise VectorOptimizerError("newton needs the surface's exact Hessian")
        x = np.array(theta, dtype=float)
        g = np.asarray(grad, dtype=float)
        H = np.asarray(hess(x), dtype=float).reshape(x.size, x.size)
        if not np.all(np.isfinite(H)):
            return StepResult(x, state, [], "Hessian is not a finite number", {})
        with np.errstate(all="ignore"):
            eigenvalues = np.linalg.eigvalsh(H)
            shifted = np.abs(eigenvalues + self.hyper["damping"])
            cond = float(shifted.max() / shifted.min())
            det = float(np.prod(eigenvalues + self.hyper["damping"]))
            terms = {"eigenvalues": eigenvalues, "cond": cond}
            try:
                direction = np.linalg.solve(H + self.hyper["damping"] * np.eye(x.size), g)
            except np.linalg.LinAlgError:
                direction = np.full_like(x, np.nan)
            if not (cond <= self.MAX_COND and np.all(np.isfinite(direction))):
                return StepResult(x, state, [], f"singular Hessian (det ≈ {det:.3g})", terms)
            new = x - float(lr) * direction
        return StepResult(
            new, StepCount(state.step + 1), [], None, {"direction": direction, **terms}
        )


@dataclass(frozen=True)
class LineSearch(VectorOptimizer):
    """Gradient descent with Armijo backtracking (Nocedal and Wright, Numerical
    Optimization, Algorithm 3.1): from t = α₀ (the lr), t ← ρ·t until
    f(θ − t·g) ≤ f(θ) − c1·t·‖g‖², at most ``max_backtracks`` times; then θ ← θ − t·g.

    f can only go down, so it never diverges, whatever α₀.  A trial point where f is
    not a finite number (or cannot be computed) is refused.  When no t is accepted, θ
    stays and the run stops with the status "line search failed".

    Terms: ``tried`` (the step sizes tried, in order), ``losses`` (f at each), ``t`` (the
    one accepted, None if none).
    """

    name: ClassVar[str] = "linesearch"

    def step(self, theta, loss, grad, state, lr, fg, hess=None):
        c1, shrink = self.hyper["c1"], self.hyper["shrink"]
        x = np.array(theta, dtype=float)
        g = np.asarray(grad, dtype=float)
        loss = float(loss)
        tried: list[float] = []
        losses: list[float] = []
        evaluations: list[np.ndarray] = []
        with np.errstate(all="ignore"):
            gg = _dot(g, g)
            t = float(lr)
            for _ in range(self.hyper["max_backtracks"] + 1):
                point = x - t * g
                evaluations.append(point)
                tried.append(t)
                try:
                    f_new = float(fg(point)[0])
                except UNDEFINED_ERRORS:
                    f_new = math.nan
                losses.append(f_new)
                if f_new <= loss - c1 * t * gg:
                    terms = {"tried": tried, "losses": losses, "t": t}
                    return StepResult(point, StepCount(state.step + 1), evaluations, None, terms)
                t *= shrink
        terms = {"tried": tried, "losses": losses, "t": None}
        return StepResult(x, state, evaluations, "line search failed", terms)


# ---------------------------------------------------------------------------------------
# The registry


@dataclass(frozen=True)
class VectorOptimizerSpec(hp.Declared):
    """A named optimizer: its torch class (None if torch has none), class, declared
    hyperparameters (torch's names and defaults where torch has it), description, and
    whether it needs the exact Hessian."""

    name: str
    torch_class: str | None
    factory: type[VectorOptimizer]
    params: tuple[Hyper, ...]
    description: str
    needs_hessian: bool = False
    evaluates_f: bool = False  # at points of its own (a closure, trial steps): exact f only
    scale_free: bool = True  # lr scales a step the optimizer sizes (see starting_lr)
    element_wise: ClassVar[bool] = False  # (the kernels' OptimizerSpec says True)
    fixed: ClassVar[Mapping[str, Any]] = {}


VECTOR_OPTIMIZERS: dict[str, VectorOptimizerSpec] = {
    s.name: s
    for s in [
        VectorOptimizerSpec(
            "lbfgs",
            "LBFGS",
            LBFGS,
            LBFGS_PARAMS,
            "quasi-Newton: a curvature estimate from the last steps' gradients, up to"
            " max_iter inner iterations per step (torch.optim.LBFGS)",
            evaluates_f=True,
        ),
        VectorOptimizerSpec(
            "adafactor",
            "Adafactor",
            Adafactor,
            _ADAFACTOR_PARAMS,
            "steps relative to the size of θ, divided by a running RMS of g and clipped by"
            " the update's RMS (torch.optim.Adafactor)",
        ),
        VectorOptimizerSpec(
            "newton",
            None,
            Newton,
            _NEWTON_PARAMS,
            "Newton's method θ ← θ − α·(H + λI)⁻¹g with the exact Hessian: it jumps to"
            " where the gradient of the quadratic model vanishes (not in torch.optim)",
            needs_hessian=True,
        ),
        VectorOptimizerSpec(
            "linesearch",
            None,
            LineSearch,
            _LINESEARCH_PARAMS,
            "gradient descent with Armijo backtracking: halve t until f goes down enough"
            " (Nocedal & Wright, Algorithm 3.1; not in torch.optim)",
            evaluates_f=True,
        ),
    ]
}


def validate_vector_hyper(name: str, hyper: Mapping[str, Any]) -> dict[str, Any]:
    """Defaults filled in and every value checked against the declarations;
    VectorOptimizerError (one line) when invalid.  A value of None is not given."""
    if name not in VECTOR_OPTIMIZERS:
        names = ", ".join(VECTOR_OPTIMIZERS)
        raise VectorOptimizerError(f"unknown optimizer {name!r}; choose one of: {names}")
    spec = VECTOR_OPTIMIZERS[name]
    try:
        h = hp.filled(name, spec.params, hyper)
    except HyperError as e:
        raise VectorOptimizerError(str(e)) from None
    if name == "lbfgs" and h["max_eval"] is None:
        h["max_eval"] = h["max_iter"] * 5 // 4
    return h


def get_vector_optimizer(name: str, **hyper: Any) -> VectorOptimizer:
    """The optimizer ``name`` configured with its hyperparameters (validated)."""
    h = validate_vector_hyper(name, hyper)
    return VECTOR_OPTIMIZERS[name].factory(h)
