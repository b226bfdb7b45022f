"""Each optimizer's hyperparameters, declared once: torch's keyword, type, default,
allowed range (open or closed ends), a line of documentation, and how a control shows it
(label, step, decimals, a typed field for tiny numbers such as eps).

Everything else derives from these declarations: validation of a run's hyperparameters
(:func:`gdsim.core.optimizers.validate_hyper`), the window's controls, the command
line's flags (torch's keyword with ``_`` written ``-``: ``--initial-accumulator-value``),
the checks of a session file, and ``gdsim list optimizers --long``.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, replace
from typing import Any

__all__ = ["Declared", "Hyper", "HyperError", "filled"]


class HyperError(ValueError):
    """A hyperparameter value that is refused (one line)."""


@dataclass(frozen=True)
class Hyper:
    """One hyperparameter of an optimizer.

    ``kind`` is ``float``, ``bool`` or ``pair`` (two floats, torch's ``betas``); ``lo`` and
    ``hi`` bound a number (or each number of a pair), ``lo_open`` / ``hi_open`` leave an
    end out; ``field`` shows it as a typed field (any magnitude, e.g. eps) rather than a
    spin box with ``step`` and ``decimals``.

    The schedules (:mod:`gdsim.core.schedules`) add three kinds: ``int`` (a whole number;
    one whose default is None also takes None, torch's "the same as …"), ``ints`` (whole
    numbers, e.g. ``"30,80"``, held sorted) and ``choice`` (one of ``choices``).
    """

    name: str
    kind: str
    default: Any
    doc: str
    label: str = ""
    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False
    step: float = 0.01
    decimals: int = 3
    field: bool = False
    aliases: tuple[str, ...] = ()  # other command-line spellings
    choices: tuple[str, ...] = ()  # the values of a ``choice``

    def with_default(self, default) -> Hyper:
        return replace(self, default=default)

    @property
    def flag(self) -> str:
        """The command line's option: torch's keyword with ``_`` written ``-``."""
        return "--" + self.name.replace("_", "-")

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ")

    def range_text(self) -> str:
        """The allowed values in interval notation: [0, 1), (0, ∞), true or false."""
        if self.kind == "bool":
            return "true or false"
        if self.kind == "choice":
            return "one of: " + ", ".join(self.choices)
        whole = self.kind in ("int", "ints")
        lo = "−∞" if self.lo is None else _num(self.lo, whole)
        hi = "∞" if self.hi is None else _num(self.hi, whole)
        left = "(" if self.lo_open or self.lo is None else "["
        right = ")" if self.hi_open or self.hi is None else "]"
        text = f"{left}{lo}, {hi}{right}"
        if self.kind == "ints":
            return f"whole numbers in {text}, comma-separated"
        if self.kind == "int":
            return f"a whole number in {text}" + (", or none" if self.default is None else "")
        return f"two numbers in {text}" if self.kind == "pair" else text

    def check(self, value) -> Any:
        """``value`` as this hyperparameter holds it (a float, a bool, a pair of
        floats), or HyperError saying what is allowed."""
        if self.kind == "bool":
            if isinstance(value, bool) or (isinstance(value, int) and value in (0, 1)):
                return bool(value)
            raise HyperError(f"{self.name} must be true or false, got {_shown(value)}")
        if self.kind == "choice":
            if isinstance(value, str) and value in self.choices:
                return value
            raise HyperError(f"{self.name} must be {self.range_text()}; got {_shown(value)}")
        if self.kind == "int":
            if value is None and self.default is None:
                return None
            v = _int(value, self.name)
            self._in_range(v, value)
            return v
        if self.kind == "ints":
            return self._ints(value)
        if self.kind == "pair":
            parts = value.split(",") if isinstance(value, str) else value  # "0.9,0.999"
            try:
                pair = tuple(
                    _float(float(v) if isinstance(v, str) else v, self.name) for v in parts
                )
            except (TypeError, ValueError):  # (HyperError is a ValueError)
                pair = ()
            if len(pair) != 2:
                raise HyperError(f"{self.name} must be {self.range_text()}, got {value!r}")
            for v in pair:
                self._in_range(v, value)
            return pair
        v = _float(value, self.name)
        self._in_range(v, value)
        return v

    def _ints(self, value) -> tuple[int, ...]:
        """Whole numbers from a list or a comma list (\"30,80\"), sorted."""
        parts = value.split(",") if isinstance(value, str) else value
        if not isinstance(parts, list | tuple) or not parts:
            raise HyperError(f"{self.name} must be {self.range_text()}, got {_shown(value)}")
        out = []
        for part in parts:
            if isinstance(part, str):
                try:
                    part = int(part)
                except ValueError:
                    raise HyperError(
                        f"{self.name} must be {self.range_text()}, got {_shown(value)}"
                    ) from None
            v = _int(part, self.name)
            self._in_range(v, value)
            out.append(v)
        return tuple(sorted(out))

    def _in_range(self, v: float, shown) -> None:
        low_ok = self.lo is None or (v > self.lo if self.lo_open else v >= self.lo)
        high_ok = self.hi is None or (v < self.hi if self.hi_open else v <= self.hi)
        if not (low_ok and high_ok):
            text = self.range_text()
            where = text if self.kind in ("pair", "int", "ints") else f"in {text}"
            raise HyperError(f"{self.name} must be {where}, got {_shown(shown)}")


class Declared:
    """A thing that declares its parameters (``params``, a tuple of Hyper): an optimizer,
    a schedule.  Their defaults, and one of them by name (KeyError if it has none)."""

    params: tuple[Hyper, ...]

    @property
    def defaults(self) -> dict[str, Any]:
        return {h.name: h.default for h in self.params}

    def param(self, name: str) -> Hyper:
        for h in self.params:
            if h.name == name:
                return h
        raise KeyError(name)


def filled(owner: str, params: tuple[Hyper, ...], given) -> dict[str, Any]:
    """``owner``'s declared ``params`` with their defaults, each value ``given`` checked
    (None: not given); HyperError (one line) for a name ``owner`` does not take or a value
    it refuses."""
    given = {k: v for k, v in given.items() if v is not None}
    declared = {h.name: h for h in params}
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise HyperError(
            f"{owner} has no hyperparameter {unknown[0]!r} (it takes: {', '.join(declared)})"
        )
    out = {h.name: h.default for h in params}
    for key, value in given.items():
        out[key] = declared[key].check(value)
    return out


def _float(value, name: str) -> float:
    if isinstance(value, bool | str):  # a number in a file or a call is a number
        raise HyperError(f"{name} must be a number, got {_shown(value)}")
    try:
        v = float(value)
    except (TypeError, ValueError, OverflowError):  # (an int too large for a float)
        raise HyperError(f"{name} must be a number, got {_shown(value)}") from None
    if not math.isfinite(v):
        raise HyperError(f"{name} must be a finite number, got {_shown(value)}")
    return v


def _int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise HyperError(f"{name} must be a whole number, got {_shown(value)}")
    return int(value)


def _shown(value) -> str:
    """``repr(value)`` for a one-line message: cut when long, never raising."""
    try:
        text = repr(value)
    except ValueError:  # an int with more digits than Python writes out
        return "a number too large to write"
    return text if len(text) <= 60 else text[:57] + "..."


def _num(v: float, whole: bool = False) -> str:
    return str(int(v)) if whole else f"{v:g}"


# -- the hyperparameters of torch.optim, as gdsim's optimizers take them -----------------
LR = Hyper(
    "lr",
    "float",
    1e-3,
    "learning rate α: the step is α times the (scaled) gradient",
    label="α (lr)",
    lo=0.0,
    lo_open=True,
    field=True,
)
MOMENTUM = Hyper(
    "momentum",
    "float",
    0.0,
    "how much of the previous step is kept: b ← β·b + (1 − dampening)·g",
    label="β (momentum)",
    lo=0.0,
    hi=1.0,
    hi_open=True,
    step=0.05,
)
DAMPENING = Hyper(
    "dampening",
    "float",
    0.0,
    "scales the new gradient in the momentum buffer by (1 − dampening)",
    lo=0.0,
    hi=1.0,
    step=0.1,
)
NESTEROV = Hyper(
    "nesterov",
    "bool",
    False,
    "step along g + β·b instead of b (needs momentum > 0 and dampening = 0)",
    label="Nesterov",
)
WEIGHT_DECAY = Hyper(
    "weight_decay",
    "float",
    0.0,
    "L2 penalty: g ← g + weight_decay·θ (AdamW: θ ← θ·(1 − α·weight_decay))",
    lo=0.0,
    decimals=4,
)
BETAS = Hyper(
    "betas",
    "pair",
    (0.9, 0.999),
    "decay rates of the first and second moment estimates",
    label="β1, β2",
    lo=0.0,
    hi=1.0,
    hi_open=True,
    decimals=4,
)
EPS = Hyper(
    "eps",
    "float",
    1e-8,
    "added to the denominator for numerical stability",
    label="ε",
    lo=0.0,
    hi=1.0,
    field=True,
)
AMSGRAD = Hyper(
    "amsgrad",
    "bool",
    False,
    "divide by the largest second moment so far (AMSGrad)",
    label="AMSGrad",
)
ALPHA = Hyper(
    "alpha",
    "float",
    0.99,
    "smoothing constant of the running mean of g²",
    label="smoothing α",
    lo=0.0,
    hi=1.0,
    hi_open=True,
    decimals=4,
)
CENTERED = Hyper(
    "centered",
    "bool",
    False,
    "divide by an estimate of the gradient's variance instead of its mean square",
)
LR_DECAY = Hyper(
    "lr_decay",
    "float",
    0.0,
    "the learning rate at step k is lr / (1 + (k − 1)·lr_decay)",
    lo=0.0,
    decimals=4,
)
INITIAL_ACCUMULATOR_VALUE = Hyper(
    "initial_accumulator_value",
    "float",
    0.0,
    "the starting value of the sum of squared gradients",
    label="initial accumulator",
    lo=0.0,
    step=0.1,
    aliases=("--initial-accumulator",),
)
MOMENTUM_DECAY = Hyper(
    "momentum_decay",
    "float",
    4e-3,
    "ψ in NAdam's momentum schedule μ_t = β₁·(1 − ½·0.96^(t·ψ))",
    label="momentum decay ψ",
    lo=0.0,
    decimals=4,
    step=0.001,
)
DECOUPLED_WEIGHT_DECAY = Hyper(
    "decoupled_weight_decay",
    "bool",
    False,
    "apply weight decay as θ ← θ·(1 − α·weight_decay) (as AdamW) instead of adding it to g",
    label="decoupled weight decay",
)
RHO = Hyper(
    "rho",
    "float",
    0.9,
    "decay rate of Adadelta's running means of g² and of Δθ²",
    label="ρ (rho)",
    lo=0.0,
    hi=1.0,
    decimals=4,
)
ETAS = Hyper(
    "etas",
    "pair",
    (0.5, 1.2),
    "(η₋, η₊): a step size shrinks by η₋ when its gradient's sign flips, grows by η₊ when"
    " it holds (0 < η₋ < 1 < η₊)",
    label="η₋, η₊",
    lo=0.0,
    lo_open=True,
    decimals=3,
)
STEP_SIZES = Hyper(
    "step_sizes",
    "pair",
    (1e-6, 50.0),
    "the smallest and the largest step size Rprop allows",
    label="step size min, max",
    lo=0.0,
    decimals=6,
)
LAMBD = Hyper(
    "lambd",
    "float",
    1e-4,
    "ASGD's decay term: θ ← θ·(1 − λη) before each step",
    label="λ (lambd)",
    lo=0.0,
    decimals=5,
    field=True,
)
ASGD_ALPHA = Hyper(
    "alpha",
    "float",
    0.75,
    "ASGD's power in the rate η_t = lr / (1 + λ·lr·t)^alpha",
    label="power α",
    lo=0.0,
    decimals=3,
    step=0.05,
)
T0 = Hyper(
    "t0",
    "float",
    1e6,
    "the step from which ASGD starts averaging θ",
    label="t0 (averaging from)",
    lo=0.0,
    field=True,
)
