"""Optimizers with exactly the update rules, names and defaults of ``torch.optim``.

Each optimizer is a pair of pure functions, shaped like optax's
``GradientTransformation``::

    state = opt.init(params)
    params, state = opt.update(grad, state, params, lr)

over arrays of shape (runs, dims): one call advances many runs at once.

Every torch optimizer here is element-wise, so each one is written once, as a short
*kernel* (:mod:`gdsim.core.kernels`) compiled for arrays and for one run; this module
holds the registry: each optimizer's torch class, kernel, declared hyperparameters
(:mod:`gdsim.core.hyper`) and state (NamedTuples with torch's state names), and the
validation that follows from the declarations.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, NamedTuple

import numpy as np

from gdsim.core import hyper as hp
from gdsim.core.hyper import Hyper, HyperError
from gdsim.core.kernel_compiler import compile_inplace
from gdsim.core.kernels import (
    Kernel,
    adadelta_kernel,
    adagrad_kernel,
    adam_kernel,
    adamax_kernel,
    asgd_kernel,
    lion_kernel,
    nadam_kernel,
    radam_kernel,
    rmsprop_kernel,
    rprop_kernel,
    sgd_kernel,
)
from gdsim.core.vector_optimizers import (
    VECTOR_OPTIMIZERS,
    VectorOptimizerError,
    validate_vector_hyper,
)

__all__ = [
    "OPTIMIZERS",
    "Kernel",
    "Optimizer",
    "OptimizerError",
    "get_optimizer",
    "optimizer_names",
    "validate_hyper",
]


class OptimizerError(ValueError):
    """An optimizer or hyperparameter that gdsim refuses (the message is one line)."""


# ---------------------------------------------------------------------------------------
# The public optimizer object


class SGDState(NamedTuple):
    """torch.optim.SGD's state (its names): the momentum buffer when momentum > 0."""

    step: int
    momentum_buffer: np.ndarray | None = None


class AdagradState(NamedTuple):
    step: int
    sum: np.ndarray | None = None


class RMSpropState(NamedTuple):
    step: int
    square_avg: np.ndarray | None = None
    momentum_buffer: np.ndarray | None = None  # momentum > 0
    grad_avg: np.ndarray | None = None  # centered


class AdamState(NamedTuple):
    step: int
    exp_avg: np.ndarray | None = None
    exp_avg_sq: np.ndarray | None = None
    max_exp_avg_sq: np.ndarray | None = None  # amsgrad


class NAdamState(NamedTuple):
    step: int
    exp_avg: np.ndarray | None = None
    exp_avg_sq: np.ndarray | None = None
    mu_product: float = 1.0


class AdamaxState(NamedTuple):
    step: int
    exp_avg: np.ndarray | None = None
    exp_inf: np.ndarray | None = None


class AdadeltaState(NamedTuple):
    step: int
    square_avg: np.ndarray | None = None
    acc_delta: np.ndarray | None = None


class RpropState(NamedTuple):
    step: int
    prev: np.ndarray | None = None
    step_size: np.ndarray | None = None


class ASGDState(NamedTuple):
    step: int
    ax: np.ndarray | None = None
    eta: float = 0.0
    mu: float = 1.0


class LionState(NamedTuple):
    step: int
    exp_avg: np.ndarray | None = None


_STATES = {
    "SGD": SGDState,
    "Adagrad": AdagradState,
    "RMSprop": RMSpropState,
    "NAdam": NAdamState,
    "Adamax": AdamaxState,
    "Adadelta": AdadeltaState,
    "Rprop": RpropState,
    "ASGD": ASGDState,
    "Lion": LionState,
}


@dataclass(frozen=True)
class Optimizer:
    """A configured optimizer: pure ``init``/``update`` plus what the views draw."""

    name: str
    hyper: Mapping[str, Any]
    kernel: Kernel

    @property
    def lr(self) -> float:
        return float(self.hyper["lr"])

    def inplace_step(self):
        """The kernel compiled to an in-place numpy step (see kernel_compiler)."""
        k = self.kernel
        return compile_inplace(
            k.body, k.prelude, k.elements, tuple(sorted(k.consts)), k.scalars, k.epilogue
        )

    def init(self, params):
        """The state for ``params`` (an array of shape (runs, dims))."""
        p = np.asarray(params, dtype=float)
        env = {"p": p, **self.kernel.consts}
        values = {
            name: np.array(eval(e, {"__builtins__": {}}, env), dtype=float)
            for name, e in self.kernel.init.items()
        }
        return self.state_class(0, **values, **dict.fromkeys(self.kernel.scalars, 0.0))

    @property
    def state_class(self):
        """The NamedTuple of this optimizer's state (torch's names)."""
        return _STATES.get(OPTIMIZERS[self.name].torch_class, AdamState)

    def buffers(self, state) -> dict[str, np.ndarray]:
        """The state's arrays that this configuration uses, by name."""
        return {name: getattr(state, name) for name in self.kernel.state}

    def update(self, grad, state, params, lr: float | None = None):
        """One step: ``(new_params, new_state)``; ``lr`` defaults to the configured one.

        Pure: the inputs are copied, then advanced by the in-place step.
        """
        p = np.array(params, dtype=float)
        g = np.array(grad, dtype=float)
        buffers = {name: np.array(getattr(state, name)) for name in self.kernel.state}
        buffers.update({name: getattr(state, name) for name in self.kernel.scalars})
        buffers.update({name: np.empty_like(p) for name in self.kernel.temps})
        step = self.inplace_step()
        scratch = [np.empty_like(p) for _ in range(step.n_temps)]
        with np.errstate(all="ignore"):
            step(
                p,
                g,
                buffers,
                scratch,
                self.lr if lr is None else float(lr),
                float(state.step + 1),
                self.kernel.consts,
            )
        kept = (*self.kernel.state, *self.kernel.scalars)
        new_state = self.state_class(state.step + 1, **{n: buffers[n] for n in kept})
        return p, new_state


@dataclass(frozen=True)
class OptimizerSpec(hp.Declared):
    """A named optimizer: its torch class, kernel builder, hyperparameters (declared in
    :mod:`gdsim.core.hyper`, with torch's defaults) and description; ``fixed`` is what a
    preset of a torch class pins (``momentum`` is SGD with momentum 0.9 and no nesterov)."""

    name: str
    torch_class: str
    kernel: Callable[[Mapping[str, Any]], Kernel]
    params: tuple[Hyper, ...]  # what a user may set
    description: str
    fixed: Mapping[str, Any] = field(default_factory=dict)
    scale_free: bool = False  # lr is a factor of a step sized by the optimizer itself
    element_wise: ClassVar[bool] = True  # a kernel (the vector optimizers' spec: False)


_SGD_PARAMS = (hp.LR, hp.MOMENTUM, hp.DAMPENING, hp.WEIGHT_DECAY, hp.NESTEROV)
_PLAIN = {"momentum": 0.0, "dampening": 0.0, "nesterov": False}
_ADAM_PARAMS = (hp.LR, hp.BETAS, hp.EPS, hp.WEIGHT_DECAY, hp.AMSGRAD)

OPTIMIZERS: dict[str, OptimizerSpec] = {
    s.name: s
    for s in [
        OptimizerSpec(
            "gd",
            "SGD",
            sgd_kernel,
            (hp.LR, hp.WEIGHT_DECAY),
            "vanilla gradient descent θ ← θ − lr·g (torch.optim.SGD, momentum=0)",
            fixed=_PLAIN,
        ),
        OptimizerSpec(
            "sgd",
            "SGD",
            sgd_kernel,
            _SGD_PARAMS,
            "torch.optim.SGD with momentum, dampening, nesterov and weight_decay",
        ),
        OptimizerSpec(
            "momentum",
            "SGD",
            sgd_kernel,
            (hp.LR, hp.MOMENTUM.with_default(0.9), hp.DAMPENING, hp.WEIGHT_DECAY),
            "heavy-ball momentum b ← βb + g, θ ← θ − lr·b (torch.optim.SGD, momentum=0.9)",
            fixed={"nesterov": False},
        ),
        OptimizerSpec(
            "nesterov",
            "SGD",
            sgd_kernel,
            (hp.LR, hp.MOMENTUM.with_default(0.9), hp.WEIGHT_DECAY),
            "Nesterov momentum θ ← θ − lr·(g + βb) (torch.optim.SGD, nesterov=True)",
            fixed={"nesterov": True, "dampening": 0.0},
        ),
        OptimizerSpec(
            "adagrad",
            "Adagrad",
            adagrad_kernel,
            (
                hp.LR.with_default(1e-2),
                hp.LR_DECAY,
                hp.WEIGHT_DECAY,
                hp.INITIAL_ACCUMULATOR_VALUE,
                hp.EPS.with_default(1e-10),
            ),
            "divides each step by the root of all squared gradients so far (torch.optim.Adagrad)",
        ),
        OptimizerSpec(
            "rmsprop",
            "RMSprop",
            rmsprop_kernel,
            (
                hp.LR.with_default(1e-2),
                hp.ALPHA,
                hp.EPS,
                hp.WEIGHT_DECAY,
                hp.MOMENTUM,
                hp.CENTERED,
            ),
            "divides each step by a running RMS of the gradient (torch.optim.RMSprop)",
        ),
        OptimizerSpec(
            "adam",
            "Adam",
            lambda h: adam_kernel(h, decoupled=False),
            _ADAM_PARAMS,
            "bias-corrected first and second moments (torch.optim.Adam)",
        ),
        OptimizerSpec(
            "adamw",
            "AdamW",
            lambda h: adam_kernel(h, decoupled=True),
            (hp.LR, hp.BETAS, hp.EPS, hp.WEIGHT_DECAY.with_default(1e-2), hp.AMSGRAD),
            "Adam with decoupled weight decay (torch.optim.AdamW)",
        ),
        OptimizerSpec(
            "nadam",
            "NAdam",
            nadam_kernel,
            (
                hp.LR.with_default(2e-3),
                hp.BETAS,
                hp.EPS,
                hp.WEIGHT_DECAY,
                hp.MOMENTUM_DECAY,
                hp.DECOUPLED_WEIGHT_DECAY,
            ),
            "Adam with Nesterov momentum and a momentum schedule (torch.optim.NAdam)",
        ),
        OptimizerSpec(
            "radam",
            "RAdam",
            radam_kernel,
            (hp.LR, hp.BETAS, hp.EPS, hp.WEIGHT_DECAY, hp.DECOUPLED_WEIGHT_DECAY),
            "Adam whose adaptive step is switched on and rectified as its variance estimate"
            " becomes reliable (torch.optim.RAdam)",
        ),
        OptimizerSpec(
            "adamax",
            "Adamax",
            adamax_kernel,
            (hp.LR.with_default(2e-3), hp.BETAS, hp.EPS, hp.WEIGHT_DECAY),
            "Adam with the infinity norm: divides by the largest recent |g| (torch.optim.Adamax)",
        ),
        OptimizerSpec(
            "adadelta",
            "Adadelta",
            adadelta_kernel,
            (hp.LR.with_default(1.0), hp.RHO, hp.EPS.with_default(1e-6), hp.WEIGHT_DECAY),
            "steps of the size of recent steps: √(mean Δθ²) / √(mean g²) (torch.optim.Adadelta)",
            scale_free=True,
        ),
        OptimizerSpec(
            "rprop",
            "Rprop",
            rprop_kernel,
            (
                replace(
                    hp.LR,
                    default=1e-2,
                    doc="every coordinate's first step size (Rprop then grows or shrinks it;"
                    " only the sign of g counts, not its size)",
                ),
                hp.ETAS,
                hp.STEP_SIZES,
            ),
            "only the gradient's sign counts; step sizes grow while it holds, shrink when it"
            " flips (torch.optim.Rprop)",
        ),
        OptimizerSpec(
            "asgd",
            "ASGD",
            asgd_kernel,
            (hp.LR.with_default(1e-2), hp.LAMBD, hp.ASGD_ALPHA, hp.T0, hp.WEIGHT_DECAY),
            "SGD with a decaying rate and the running average of θ (torch.optim.ASGD)",
        ),
        OptimizerSpec(
            "lion",
            "Lion",
            lion_kernel,
            (hp.LR.with_default(1e-4), hp.BETAS.with_default((0.9, 0.99)), hp.WEIGHT_DECAY),
            "the sign of a momentum interpolation: every coordinate moves by ±α (Chen et al."
            " 2023; not in torch.optim)",
        ),
    ]
}


#: the optimizers that are not element-wise (L-BFGS, Adafactor, Newton, the line search)
#: are declared in their own module and listed here with the kernels: one registry
OPTIMIZERS.update(VECTOR_OPTIMIZERS)


def is_element_wise(name: str) -> bool:
    """True for a kernel optimizer (many runs at once); False for a vector one."""
    return OPTIMIZERS[name].element_wise


def starting_lr(optimizer: str, surface) -> float:
    """The α a new run of ``optimizer`` on ``surface`` gets: the surface's own (tuned for
    plain gradient descent), or the optimizer's default where lr scales a step the
    optimizer sizes itself (Newton, the line search, L-BFGS, Adadelta, Adafactor: 1 is
    the full step)."""
    spec = OPTIMIZERS[optimizer]
    return float(spec.defaults["lr"]) if spec.scale_free else float(surface.default_lr)


def optimizer_names() -> list[str]:
    return list(OPTIMIZERS)


def all_params() -> dict[str, Hyper]:
    """Every hyperparameter any optimizer takes, by name (the command line's flags)."""
    out: dict[str, Hyper] = {}
    for spec in OPTIMIZERS.values():
        for h in spec.params:
            out.setdefault(h.name, h)
    return out


def checked_hyper(name: str, hyper: Mapping[str, Any]) -> dict[str, Any]:
    """The hyperparameters given (no defaults added), each as its declaration holds it
    (a float, a bool, a pair); OptimizerError (one line) for an unknown name or a value
    of the wrong type or range (a session file's check)."""
    validate_hyper(name, hyper)
    spec = OPTIMIZERS[name]
    return {k: spec.param(k).check(v) for k, v in hyper.items() if v is not None}


def validate_hyper(name: str, hyper: Mapping[str, Any]) -> dict[str, Any]:
    """Defaults filled in and every value checked against the optimizer's declared
    hyperparameters; OptimizerError (one line) when invalid."""
    if name not in OPTIMIZERS:
        raise OptimizerError(f"unknown optimizer {name!r}; choose one of: {', '.join(OPTIMIZERS)}")
    if name in VECTOR_OPTIMIZERS:
        try:
            return validate_vector_hyper(name, hyper)
        except VectorOptimizerError as e:
            raise OptimizerError(str(e)) from None
    spec = OPTIMIZERS[name]
    try:
        h = {**hp.filled(name, spec.params, hyper), **spec.fixed}
    except HyperError as e:
        raise OptimizerError(str(e)) from None
    if h.get("nesterov") and (float(h["momentum"]) <= 0 or float(h["dampening"]) != 0):
        raise OptimizerError("nesterov needs momentum > 0 and dampening = 0")
    if "etas" in h and not h["etas"][0] < 1.0 < h["etas"][1]:
        raise OptimizerError(f"etas must satisfy 0 < η₋ < 1 < η₊, got {h['etas']!r}")
    if "step_sizes" in h and not h["step_sizes"][0] <= h["step_sizes"][1]:
        sizes = h["step_sizes"]
        raise OptimizerError(f"step_sizes must be (min, max) with min <= max, got {sizes!r}")
    return h


def get_optimizer(name: str, **hyper: Any) -> Optimizer:
    """The optimizer ``name`` configured with torch's hyperparameter names (validated)."""
    h = validate_hyper(name, hyper)
    if not is_element_wise(name):
        raise OptimizerError(f"{name} is not element-wise: it runs in gdsim.core.vector_loop")
    return Optimizer(name, h, OPTIMIZERS[name].kernel(h))


def user_hyper(name: str, hyper: Mapping[str, Any]) -> dict[str, Any]:
    """Only the hyperparameters a user of optimizer ``name`` may set (defaults filled in)."""
    h = validate_hyper(name, hyper)
    return {k: h[k] for k in OPTIMIZERS[name].defaults}
