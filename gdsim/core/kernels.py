"""The optimizers' kernels: each torch.optim class's element-wise update, written once
as text in torch's names and torch's order of evaluation (``addcdiv_`` computes
``p + (value * t1) / t2``, ``lerp_`` switches formula at weight 0.5, ...), chosen by the
configuration.  The same text is compiled into an in-place numpy step for arrays
(:mod:`gdsim.core.kernel_compiler`) and into an unrolled single-run loop over Python
floats (:mod:`gdsim.core.scalar_loop`), so both paths give bit-identical numbers.  The
language a kernel may use: docs/adding-an-optimizer.md.  No user input reaches it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["Kernel", "adagrad_kernel", "adam_kernel", "rmsprop_kernel", "sgd_kernel"]


@dataclass(frozen=True)
class Kernel:
    """The element-wise update of one optimizer configuration, as Python source text.

    ``state`` names the per-element state (torch's state keys); ``init`` gives each one's
    initial value as an expression of ``p``; ``prelude`` runs once per step and may use
    ``k`` (the step number, 1-based, a float as torch's ``_get_value(step_t)``) and
    ``lr``; ``body`` updates ``p`` from ``g``.  ``temps`` lists other per-element names.
    ``consts`` binds the names of hyperparameters and derived constants.
    """

    state: tuple[str, ...]
    init: Mapping[str, str]
    prelude: str
    body: str
    consts: Mapping[str, float]
    temps: tuple[str, ...] = ()
    velocity: str | None = None
    scale: str | None = None

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
