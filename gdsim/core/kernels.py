"""The optimizers' kernels: each torch.optim class's element-wise update, written once
as text in torch's names and torch's order of evaluation (``addcdiv_`` computes
``p + (value * t1) / t2``, ``lerp_`` switches formula at weight 0.5, ...), chosen by the
configuration.  The same text is compiled into an in-place numpy step for arrays
(:mod:`gdsim.core.kernel_compiler`) and into an unrolled single-run loop over Python
floats (:mod:`gdsim.core.scalar_loop`), so both paths give bit-identical numbers.  The
language a kernel may use: docs/adding-an-optimizer.md.  No user input reaches it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "ARRAY_FUNCTIONS",
    "SCALAR_FUNCTIONS",
    "Kernel",
    "adadelta_kernel",
    "adagrad_kernel",
    "adam_kernel",
    "adamax_kernel",
    "asgd_kernel",
    "lion_kernel",
    "nadam_kernel",
    "radam_kernel",
    "rmsprop_kernel",
    "rprop_kernel",
    "sgd_kernel",
]


def _sign(x: float) -> float:
    """torch.sign / numpy.sign of one float: 1, −1, 0 (also for −0) or NaN."""
    return 1.0 if x > 0.0 else -1.0 if x < 0.0 else 0.0 if x == 0.0 else x


def _where(cond, a, b):
    return a if cond else b


#: the functions a kernel may call, on Python floats (the single-run loop, explanations)
#: and by the numpy name that computes the same thing on arrays (in-place step, scripts)
SCALAR_FUNCTIONS = {
    "sqrt": math.sqrt,
    "maximum": max,
    "minimum": min,
    "abs": abs,
    "sign": _sign,
    "where": _where,
}
ARRAY_FUNCTIONS = {
    "sqrt": "sqrt",
    "maximum": "maximum",
    "minimum": "minimum",
    "abs": "absolute",
    "sign": "sign",
    "where": "where",
}


@dataclass(frozen=True)
class Kernel:
    """The element-wise update of one optimizer configuration, as Python source text.

    ``state`` names the per-element state (torch's state keys); ``init`` gives each one's
    initial value as an expression of ``p``; ``prelude`` runs once per step and may use
    ``k`` (the step number, 1-based, a float as torch's ``_get_value(step_t)``) and
    ``lr``; ``body`` updates ``p`` from ``g``.  ``temps`` lists other per-element names.
    ``consts`` binds the names of hyperparameters and derived constants.
    ``scalars`` names state that is one number per run, not per element (NAdam's
    ``mu_product``, ASGD's ``eta`` and ``mu``): 0.0 before the first step, set by the
    prelude (``if k == 1.0: …``) and by the ``epilogue``, which runs once per step after
    the body.  Both see only scalars, so an explanation can replay them from the
    learning rates alone.
    """

    state: tuple[str, ...]
    init: Mapping[str, str]
    prelude: str
    body: str
    consts: Mapping[str, float]
    temps: tuple[str, ...] = ()
    velocity: str | None = None
    scale: str | None = None
    scalars: tuple[str, ...] = ()
    epilogue: str = ""

    @property
    def elements(self) -> tuple[str, ...]:
        return ("p", "g", *self.state, *self.temps)

    @property
    def source_key(self) -> tuple:
        return (
            self.state,
            tuple(self.init.items()),
            self.prelude,
            self.body,
            self.temps,
            tuple(sorted(self.consts)),
            self.scalars,
            self.epilogue,
        )


def _lines(*parts: str) -> str:
    return "\n".join(p for p in parts if p)


def _lerp(out: str, start: str, end: str, weight_name: str, weight: float) -> str:
    """torch.lerp: ``start + w (end − start)`` if w < 0.5 else ``end − (end − start)(1 − w)``."""
    if weight < 0.5:
        return f"{out} = {start} + {weight_name} * ({end} - {start})"
    return f"{out} = {end} - ({end} - {start}) * (1.0 - {weight_name})"


# ---------------------------------------------------------------------------------------
# The kernels, one per torch class (configuration decides the text)


def sgd_kernel(h) -> Kernel:
    mom, wd = float(h["momentum"]), float(h["weight_decay"])
    body = _lines(
        "g = g + weight_decay * p" if wd != 0 else "",
        # torch: the buffer starts as a copy of the first gradient, then b = μb + (1 − τ)g
        "if k == 1.0:\n    momentum_buffer = g + 0.0\n"
        "else:\n    momentum_buffer = momentum_buffer * momentum + one_minus_dampening * g"
        if mom != 0
        else "",
        ("g = g + momentum * momentum_buffer" if h["nesterov"] else "g = momentum_buffer")
        if mom != 0
        else "",
        "p = p + neg_lr * g",
    )
    state = ("momentum_buffer",) if mom != 0 else ()
    return Kernel(
        state=state,
        init={"momentum_buffer": "p * 0.0"} if mom != 0 else {},
        prelude="neg_lr = -lr",
        body=body,
        consts={
            "weight_decay": wd,
            "momentum": mom,
            "one_minus_dampening": 1 - float(h["dampening"]),
        },
        velocity="momentum_buffer" if mom != 0 else None,
    )


def adagrad_kernel(h) -> Kernel:
    wd = float(h["weight_decay"])
    body = _lines(
        "g = g + weight_decay * p" if wd != 0 else "",
        "sum = sum + 1.0 * g * g",  # addcmul_(grad, grad, value=1)
        "std = sqrt(sum) + eps",
        "p = p + (neg_clr * g) / std",  # addcdiv_(grad, std, value=-clr)
    )
    return Kernel(
        state=("sum",),
        init={"sum": "p * 0.0 + initial_accumulator_value"},
        prelude="neg_clr = -(lr / (1 + (k - 1) * lr_decay))",
        body=body,
        consts={
            "weight_decay": wd,
            "lr_decay": float(h["lr_decay"]),
            "initial_accumulator_value": float(h["initial_accumulator_value"]),
            "eps": float(h["eps"]),
        },
        temps=("std",),
        scale="sum",
    )


def rmsprop_kernel(h) -> Kernel:
    wd, mom, alpha = float(h["weight_decay"]), float(h["momentum"]), float(h["alpha"])
    centered = bool(h["centered"])
    one_minus_alpha = 1 - alpha
    body = _lines(
        "g = g + weight_decay * p" if wd != 0 else "",
        "square_avg = square_avg * alpha + one_minus_alpha * g * g",
        _lerp("grad_avg", "grad_avg", "g", "one_minus_alpha", one_minus_alpha) if centered else "",
        "avg = sqrt(square_avg + -1.0 * grad_avg * grad_avg)"
        if centered
        else "avg = sqrt(square_avg)",
        "avg = avg + eps",
        "momentum_buffer = momentum_buffer * momentum + g / avg" if mom > 0 else "",
        "p = p + neg_lr * momentum_buffer" if mom > 0 else "p = p + (neg_lr * g) / avg",
    )
    state = (
        ("square_avg",)
        + (("momentum_buffer",) if mom > 0 else ())
        + (("grad_avg",) if centered else ())
    )
    return Kernel(
        state=state,
        init={s: "p * 0.0" for s in state},
        prelude="neg_lr = -lr",
        body=body,
        consts={
            "weight_decay": wd,
            "alpha": alpha,
            "one_minus_alpha": one_minus_alpha,
            "eps": float(h["eps"]),
            "momentum": mom,
        },
        temps=("avg",),
        velocity="momentum_buffer" if mom > 0 else None,
        scale="square_avg",
    )


def adam_kernel(h, decoupled: bool) -> Kernel:
    wd = float(h["weight_decay"])
    beta1, beta2 = (float(b) for b in h["betas"])
    amsgrad = bool(h["amsgrad"])
    w1 = 1 - beta1
    second = "max_exp_avg_sq" if amsgrad else "exp_avg_sq"
    body = _lines(
        ("p = p * decay" if decoupled else "g = g + weight_decay * p") if wd != 0 else "",
        _lerp("exp_avg", "exp_avg", "g", "one_minus_beta1", w1),
        "exp_avg_sq = exp_avg_sq * beta2 + one_minus_beta2 * g * g",
        "max_exp_avg_sq = maximum(max_exp_avg_sq, exp_avg_sq)" if amsgrad else "",
        f"denom = sqrt({second}) / bias_correction2_sqrt + eps",
        "p = p + (neg_step_size * exp_avg) / denom",
    )
    state = ("exp_avg", "exp_avg_sq") + (("max_exp_avg_sq",) if amsgrad else ())
    prelude = _lines(
        "decay = 1 - lr * weight_decay" if decoupled and wd != 0 else "",
        "bias_correction1 = 1.0 - beta1**k",
        "bias_correction2 = 1.0 - beta2**k",
        "neg_step_size = -(lr / bias_correction1)",
        "bias_correction2_sqrt = bias_correction2**0.5",
    )
    return Kernel(
        state=state,
        init={s: "p * 0.0" for s in state},
        prelude=prelude,
        body=body,
        consts={
            "weight_decay": wd,
            "beta1": beta1,
            "beta2": beta2,
            "one_minus_beta1": w1,
            "one_minus_beta2": 1 - beta2,
            "eps": float(h["eps"]),
        },
        temps=("denom",),
        velocity="exp_avg",
        scale=second,
    )


def _coupled_decay(h) -> str:
    """``grad.add(param, alpha=weight_decay)``: L2 weight decay folded into g."""
    return "g = g + weight_decay * p" if float(h["weight_decay"]) != 0 else ""


def _decay(h, decoupled: bool) -> tuple[str, str]:
    """(prelude, body) lines of weight decay: decoupled ``param.mul_(1 − lr·wd)`` or
    coupled into the gradient."""
    if float(h["weight_decay"]) == 0:
        return "", ""
    if decoupled:
        return "decay = 1 - lr * weight_decay", "p = p * decay"
    return "", _coupled_decay(h)


def _moments(h) -> str:
    """Adam's two moments, as NAdam and RAdam update them too."""
    w1 = 1 - float(h["betas"][0])
    return _lines(
        _lerp("exp_avg", "exp_avg", "g", "one_minus_beta1", w1),
        "exp_avg_sq = exp_avg_sq * beta2 + one_minus_beta2 * g * g",
    )


def _beta_consts(h) -> dict[str, float]:
    beta1, beta2 = (float(b) for b in h["betas"])
    return {
        "weight_decay": float(h["weight_decay"]),
        "beta1": beta1,
        "beta2": beta2,
        "one_minus_beta1": 1 - beta1,
        "one_minus_beta2": 1 - beta2,
        "eps": float(h["eps"]),
    }


def nadam_kernel(h) -> Kernel:
    """torch.optim.NAdam: momentum decay μ_t = β₁(1 − ½·0.96^(t·ψ)) and their product."""
    pre_decay, decay = _decay(h, bool(h["decoupled_weight_decay"]))
    prelude = _lines(
        "bias_correction2 = 1 - beta2**k",
        pre_decay,
        "mu = beta1 * (1.0 - 0.5 * (0.96 ** (k * momentum_decay)))",
        "mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((k + 1) * momentum_decay)))",
        "if k == 1.0:\n    mu_product = 1.0",
        "mu_product = mu_product * mu",
        "mu_product_next = mu_product * mu_next",
        "grad_coef = -lr * (1.0 - mu) / (1.0 - mu_product)",
        "avg_coef = (-lr * mu_next) / (1.0 - mu_product_next)",
    )
    body = _lines(
        decay,
        _moments(h),
        "denom = sqrt(exp_avg_sq / bias_correction2)",
        "denom = denom + eps",
        "p = p + (grad_coef * g) / denom",
        "p = p + (avg_coef * exp_avg) / denom",
    )
    return Kernel(
        state=("exp_avg", "exp_avg_sq"),
        init={"exp_avg": "p * 0.0", "exp_avg_sq": "p * 0.0"},
        prelude=prelude,
        body=body,
        consts={**_beta_consts(h), "momentum_decay": float(h["momentum_decay"])},
        temps=("denom",),
        velocity="exp_avg",
        scale="exp_avg_sq",
        scalars=("mu_product",),
    )


def radam_kernel(h) -> Kernel:
    """torch.optim.RAdam: Adam's step rectified once the variance estimate is
    trustworthy (ρ_t > 5), plain momentum before."""
    pre_decay, decay = _decay(h, bool(h["decoupled_weight_decay"]))
    prelude = _lines(
        pre_decay,
        "bias_correction1 = 1 - beta1**k",
        "bias_correction2 = 1 - beta2**k",
        "rho_inf = 2 / (1 - beta2) - 1",
        "rho_t = rho_inf - 2 * k * (beta2**k) / bias_correction2",
        "rect = 0.0",
        "if rho_t > 5.0:\n"
        "    rect = ((rho_t - 4) * (rho_t - 2) * rho_inf"
        " / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5",
        "bias_correction2_sqrt = bias_correction2**0.5",
    )
    body = _lines(
        decay,
        _moments(h),
        "exp_avg_hat = exp_avg / bias_correction1",
        "if rho_t > 5.0:\n"
        "    adaptive = bias_correction2_sqrt / (sqrt(exp_avg_sq) + eps)\n"
        "    p = p + -1.0 * (exp_avg_hat * lr * adaptive * rect)\n"
        "else:\n    p = p + -1.0 * (exp_avg_hat * lr)",
    )
    return Kernel(
        state=("exp_avg", "exp_avg_sq"),
        init={"exp_avg": "p * 0.0", "exp_avg_sq": "p * 0.0"},
        prelude=prelude,
        body=body,
        consts=_beta_consts(h),
        temps=("exp_avg_hat", "adaptive"),
        velocity="exp_avg",
        scale="exp_avg_sq",
    )


def adamax_kernel(h) -> Kernel:
    """torch.optim.Adamax: Adam with the infinity norm u = max(β₂u, |g| + ε)."""
    body = _lines(
        _coupled_decay(h),
        _lerp("exp_avg", "exp_avg", "g", "one_minus_beta1", 1 - float(h["betas"][0])),
        "exp_inf = maximum(exp_inf * beta2, abs(g) + eps)",
        "p = p + (neg_clr * exp_avg) / exp_inf",
    )
    prelude = _lines(
        "bias_correction = 1 - beta1**k",
        "clr = lr / bias_correction",
        "neg_clr = -clr",
    )
    return Kernel(
        state=("exp_avg", "exp_inf"),
        init={"exp_avg": "p * 0.0", "exp_inf": "p * 0.0"},
        prelude=prelude,
        body=body,
        consts=_beta_consts(h),
        velocity="exp_avg",
        scale="exp_inf",
    )


def adadelta_kernel(h) -> Kernel:
    """torch.optim.Adadelta: the step is √(running mean of Δ²) / √(running mean of g²)."""
    rho = float(h["rho"])
    body = _lines(
        _coupled_decay(h),
        "square_avg = square_avg * rho + one_minus_rho * g * g",
        "std = sqrt(square_avg + eps)",
        "delta = sqrt(acc_delta + eps)",
        "delta = delta / std * g",
        "acc_delta = acc_delta * rho + one_minus_rho * delta * delta",
        "p = p + neg_lr * delta",
    )
    return Kernel(
        state=("square_avg", "acc_delta"),
        init={"square_avg": "p * 0.0", "acc_delta": "p * 0.0"},
        prelude="neg_lr = -lr",
        body=body,
        consts={
            "weight_decay": float(h["weight_decay"]),
            "rho": rho,
            "one_minus_rho": 1 - rho,
            "eps": float(h["eps"]),
        },
        temps=("std", "delta"),
        scale="square_avg",
    )


def rprop_kernel(h) -> Kernel:
    """torch.optim.Rprop: only the gradient's sign counts; each coordinate's step size
    grows by η₊ while the sign holds and shrinks by η₋ when it flips."""
    etaminus, etaplus = (float(v) for v in h["etas"])
    lo, hi = (float(v) for v in h["step_sizes"])
    body = _lines(
        "if k == 1.0:\n    step_size = p * 0.0 + lr",  # torch: full_like(grad, lr)
        "s = sign(g * prev)",
        "s = where(s > 0.0, etaplus, where(s < 0.0, etaminus, where(s == 0.0, 1.0, s)))",
        "step_size = minimum(maximum(step_size * s, step_size_min), step_size_max)",
        "g = where(s == etaminus, 0.0, g)",
        "p = p + -1.0 * sign(g) * step_size",
        "prev = g",
    )
    return Kernel(
        state=("prev", "step_size"),
        init={"prev": "p * 0.0", "step_size": "p * 0.0"},
        prelude="",
        body=body,
        consts={
            "etaminus": etaminus,
            "etaplus": etaplus,
            "step_size_min": lo,
            "step_size_max": hi,
        },
        temps=("s",),
        scale="step_size",
    )


def asgd_kernel(h) -> Kernel:
    """torch.optim.ASGD: SGD with a decaying rate η and the running average θ̄ (``ax``)."""
    body = _lines(
        _coupled_decay(h),
        "p = p * decay",
        "p = p + neg_eta * g",
        "if mu != 1:\n    ax = ax + (p - ax) * mu\nelse:\n    ax = p",
    )
    prelude = _lines(
        "if k == 1.0:\n    eta = lr\n    mu = 1.0",
        "decay = 1 - lambd * eta",
        "neg_eta = -eta",
    )
    epilogue = _lines(
        "eta = lr / ((1 + lambd * lr * k) ** alpha)",
        "mu = 1 / max(1, k - t0)",
    )
    return Kernel(
        state=("ax",),
        init={"ax": "p * 0.0"},
        prelude=prelude,
        body=body,
        consts={
            "weight_decay": float(h["weight_decay"]),
            "lambd": float(h["lambd"]),
            "alpha": float(h["alpha"]),
            "t0": float(h["t0"]),
        },
        scalars=("eta", "mu"),
        epilogue=epilogue,
    )


def lion_kernel(h) -> Kernel:
    """Lion (Chen et al. 2023, Algorithm 2): the sign of an interpolation of the
    momentum and the gradient, decoupled weight decay, then the momentum update."""
    beta1, beta2 = (float(b) for b in h["betas"])
    wd = float(h["weight_decay"])
    body = _lines(
        "p = p * decay" if wd != 0 else "",
        "c = exp_avg * beta1 + one_minus_beta1 * g",
        "p = p + neg_lr * sign(c)",
        "exp_avg = exp_avg * beta2 + one_minus_beta2 * g",
    )
    return Kernel(
        state=("exp_avg",),
        init={"exp_avg": "p * 0.0"},
        prelude=_lines("decay = 1 - lr * weight_decay" if wd != 0 else "", "neg_lr = -lr"),
        body=body,
        consts={
            "weight_decay": wd,
            "beta1": beta1,
            "beta2": beta2,
            "one_minus_beta1": 1 - beta1,
            "one_minus_beta2": 1 - beta2,
        },
        temps=("c",),
        velocity="exp_avg",
    )
