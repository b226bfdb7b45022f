"""Learning-rate schedules: the torch.optim.lr_scheduler schedules gdsim offers, each
declared once in :data:`SPECS` (its name, torch class, a line of description and its
parameters as :class:`~gdsim.core.hyper.Hyper` declarations under torch's keywords and
defaults).  Validation, session files, the window's rows, the command line's flags
(``--t-max``), the exported scripts and the descriptions all derive from the specs.

Torch's keywords are kept, written in lower case where torch capitalises them
(``T_max`` is ``t_max``, ``T_0`` is ``t_0``, ``T_mult`` is ``t_mult``).  Where torch has no
default (``StepLR(step_size)``, ``ExponentialLR(gamma)``, ``OneCycleLR(max_lr)``...) gdsim
has one, and StepLR's gamma is gdsim's 0.5 rather than torch's 0.1 (saved sessions rely
on it); each such parameter says so in its line of documentation.

The numbers are torch 2.13's own: each schedule is the arithmetic of its ``step()`` in
the same order of evaluation, recursive where torch is (CosineAnnealingLR multiplies the
previous rate by a ratio of cosines; its closed form differs in the last bits), so the
rates equal torch's ``optimizer.param_groups[0]["lr"]`` bit for bit.

The API (a :class:`Schedule` is frozen and hashable):

- ``Schedule(kind="constant", **params)``: unknown or inapplicable parameters are refused
  with a one-line :class:`ScheduleError`, defaults filled in, values checked;
  ``s.gamma``, ``s.t_max``... read a parameter.
- ``s.lrs(lr, n)``: the rate in force at updates 0..n-1 (torch's ``lr`` after k calls of
  ``scheduler.step()``, k = 0..n-1), ``lr`` being the optimizer's.  OneCycleLR and CyclicLR
  set their own rates (``max_lr``, ``base_lr``) whatever ``lr`` is; OneCycleLR refuses to
  step past ``total_steps`` (ScheduleError when n - 1 > total_steps).  The plateau
  schedule depends on the loss: ``lrs`` raises ScheduleError (a ValueError) and callers
  use ``plateau_stepper``.
- ``s.depends_on_loss``: True for plateau.
- ``s.momenta(momentum, n)``: for onecycle and cyclic with ``cycle_momentum``, the momentum
  torch writes into the parameter group (SGD/RMSprop ``momentum``, or ``betas[0]`` of the
  Adam family) at updates 0..n-1, whatever ``momentum`` was; None otherwise (the
  optimizer's own momentum stays).  torch refuses cycle_momentum for an optimizer without
  ``momentum`` or ``betas`` in its defaults: the caller decides.
- ``s.plateau_stepper(lr)``: an object whose ``step(metric)`` is torch's
  ``ReduceLROnPlateau.step(metric)`` and returns the rate in force afterwards;
  ``s.plateau_stepper(lr, runs=N)`` does the same for N independent runs, ``step(metrics)``
  taking and giving arrays of N (bit-identical to the scalar one per run).
- ``s.torch_source("opt")``: the constructor call for a PyTorch script ("" for constant).
- ``s.describe()``: one line for a tooltip ("cosine, T_max 100").
- ``s.to_dict()`` / ``Schedule.from_dict(d)``: a session's ``{"kind": ..., <its params>}``;
  the old format (step_size, gamma, t_max and eta_min whatever the kind) is read too.
- ``schedule_source(s)``: Python source (math only) defining ``schedule(lr, n)`` -> (lrs,
  momenta or None), or for plateau ``plateau_stepper(lr)``, for the exported numpy
  script: the very functions ``lrs`` runs, so the script's rates are the same bit for bit.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from gdsim.core.hyper import Declared, Hyper, HyperError
from gdsim.core.limits import MAX_RUN_STEPS

__all__ = [
    "SCHEDULES",
    "SPECS",
    "PlateauStepper",
    "Schedule",
    "ScheduleError",
    "ScheduleSpec",
    "all_schedule_params",
    "schedule_flags",
    "schedule_source",
    "torch_keyword",
]


class ScheduleError(ValueError):
    """A schedule or one of its values that is refused (one line)."""


# -- the rates, as torch's step() computes them (standalone: schedule_source copies them) --
def sched_constant(lr, n):
    return [lr] * n, None


def sched_step(lr, n, step_size, gamma):
    out = []
    for e in range(n):  # StepLR: × gamma at every multiple of step_size but 0
        if e != 0 and e % step_size == 0:
            lr = lr * gamma
        out.append(lr)
    return out, None


def sched_multistep(lr, n, milestones, gamma):
    counts = {}
    for m in milestones:  # MultiStepLR counts repeated milestones: × gamma ** count
        counts[m] = counts.get(m, 0) + 1
    out = []
    for e in range(n):
        if e in counts:
            lr = lr * gamma ** counts[e]
        out.append(lr)
    return out, None


def sched_exponential(lr, n, gamma):
    out = []
    for e in range(n):
        if e > 0:
            lr = lr * gamma
        out.append(lr)
    return out, None


def sched_cosine_next(lr, base, e, t_max, eta_min):
    """CosineAnnealingLR's recursive step to epoch e > 0 from the rate ``lr``."""
    if (e - 1 - t_max) % (2 * t_max) == 0:
        return lr + (base - eta_min) * (1 - math.cos(math.pi / t_max)) / 2
    return (1 + math.cos(math.pi * e / t_max)) / (1 + math.cos(math.pi * (e - 1) / t_max)) * (
        lr - eta_min
    ) + eta_min


def sched_cosine(lr, n, t_max, eta_min):
    base, out = lr, []
    for e in range(n):
        if e > 0:
            lr = sched_cosine_next(lr, base, e, t_max, eta_min)
        out.append(lr)
    return out, None


def sched_cosine_restarts(lr, n, t_0, t_mult, eta_min):
    base, t_cur, t_i, out = lr, 0, t_0, []
    for e in range(n):
        if e > 0:
            t_cur = t_cur + 1
            if t_cur >= t_i:
                t_cur = t_cur % t_i
                t_i = t_i * t_mult
        out.append(eta_min + (base - eta_min) * (1 + math.cos(math.pi * t_cur / t_i)) / 2)
    return out, None


def sched_linear_next(lr, e, start_factor, end_factor, total_iters):
    """LinearLR's recursive step to epoch e in 1..total_iters."""
    return lr * (
        1.0
        + (end_factor - start_factor)
        / (total_iters * start_factor + (e - 1) * (end_factor - start_factor))
    )


def sched_linear(lr, n, start_factor, end_factor, total_iters):
    out = []
    for e in range(n):
        if e == 0:
            lr = lr * start_factor
        elif e <= total_iters:
            lr = sched_linear_next(lr, e, start_factor, end_factor, total_iters)
        out.append(lr)
    return out, None


def sched_polynomial(lr, n, total_iters, power):
    out = []
    for e in range(n):
        if 0 < e <= total_iters:
            lr = lr * ((1.0 - e / total_iters) / (1.0 - (e - 1) / total_iters)) ** power
        out.append(lr)
    return out, None


def sched_onecycle_phases(total_steps, pct_start, three_phase):
    """OneCycleLR's phases: (end step, start rate, end rate, start/end momentum)."""
    if three_phase:
        return [
            (float(pct_start * total_steps) - 1, "initial", "max", "max_m", "base_m"),
            (float(2 * pct_start * total_steps) - 2, "max", "initial", "base_m", "max_m"),
            (total_steps - 1, "initial", "min", "max_m", "max_m"),
        ]
    return [
        (float(pct_start * total_steps) - 1, "initial", "max", "max_m", "base_m"),
        (total_steps - 1, "max", "min", "base_m", "max_m"),
    ]


def sched_onecycle(
    lr,
    n,
    max_lr,
    total_steps,
    pct_start,
    anneal_strategy,
    div_factor,
    final_div_factor,
    three_phase,
    cycle_momentum,
    base_momentum,
    max_momentum,
):
    initial = max_lr / div_factor  # torch sets the group's lr: the optimizer's is unused
    at = {"initial": initial, "max": max_lr, "min": initial / final_div_factor}
    at.update(max_m=max_momentum, base_m=base_momentum)
    phases = sched_onecycle_phases(total_steps, pct_start, three_phase)

    def anneal(start, end, pct):
        if anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    lrs, momenta = [], []
    for step_num in range(n):
        start_step = 0.0
        for i, (end_step, lr0, lr1, m0, m1) in enumerate(phases):
            if step_num <= end_step or i == len(phases) - 1:
                pct = (step_num - start_step) / (end_step - start_step)
                lrs.append(anneal(at[lr0], at[lr1], pct))
                momenta.append(anneal(at[m0], at[m1], pct))
                break
            start_step = end_step
    return lrs, momenta if cycle_momentum else None


def sched_cyclic(
    lr,
    n,
    base_lr,
    max_lr,
    step_size_up,
    step_size_down,
    mode,
    gamma,
    cycle_momentum,
    base_momentum,
    max_momentum,
):
    up = float(step_size_up)  # torch sets the group's lr to base_lr: the optimizer's is unused
    down = float(step_size_down) if step_size_down is not None else up
    total_size = up + down
    step_ratio = up / total_size
    lrs, momenta = [], []
    for e in range(n):
        cycle = math.floor(1 + e / total_size)
        x = 1.0 + e / total_size - cycle
        if x <= step_ratio:
            scale_factor = x / step_ratio
        else:
            scale_factor = (x - 1) / (step_ratio - 1)
        if mode == "triangular":
            scale = 1.0
        elif mode == "triangular2":
            scale = 1 / (2.0 ** (cycle - 1))
        else:  # exp_range scales by iterations
            scale = gamma**e
        lrs.append(base_lr + (max_lr - base_lr) * scale_factor * scale)
        momenta.append(max_momentum - (max_momentum - base_momentum) * scale_factor * scale)
    return lrs, momenta if cycle_momentum else None


def sched_warmup_cosine(lr, n, warmup_steps, start_factor, t_max, eta_min):
    """SequentialLR([LinearLR(start_factor, total_iters=warmup_steps),
    CosineAnnealingLR(T_max, eta_min)], milestones=[warmup_steps])."""
    base, out = lr, []
    for e in range(n):
        if e == 0:
            lr = lr * start_factor
        elif e < warmup_steps:
            lr = sched_linear_next(lr, e, start_factor, 1.0, warmup_steps)
        elif e == warmup_steps:  # SequentialLR restarts the cosine in its closed form
            lr = eta_min + (base - eta_min) * (1 + math.cos(math.pi * 0 / t_max)) / 2
        else:
            lr = sched_cosine_next(lr, base, e - warmup_steps, t_max, eta_min)
        out.append(lr)
    return out, None


class PlateauStepper:
    """torch.optim.lr_scheduler.ReduceLROnPlateau on one run: ``step(metric)`` returns
    the rate in force after it."""

    def __init__(
        self, lr, mode, factor, patience, threshold, threshold_mode, cooldown, min_lr, eps
    ):
        self.lr, self.mode, self.factor, self.patience = lr, mode, factor, patience
        self.threshold, self.threshold_mode = threshold, threshold_mode
        self.cooldown, self.min_lr, self.eps = cooldown, min_lr, eps
        self.best = math.inf if mode == "min" else -math.inf
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    def is_better(self, a, best):
        if self.mode == "min" and self.threshold_mode == "rel":
            return a < best * (1.0 - self.threshold)
        if self.mode == "min":
            return a < best - self.threshold
        if self.threshold_mode == "rel":
            return a > best * (self.threshold + 1.0)
        return a > best + self.threshold

    def step(self, metric):
        current = float(metric)
        if self.is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs in cooldown are ignored
        if self.num_bad_epochs > self.patience:
            old_lr = float(self.lr)
            new_lr = max(old_lr * self.factor, self.min_lr)
            if old_lr - new_lr > self.eps:
                self.lr = new_lr
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        return self.lr


class PlateauRuns(PlateauStepper):
    """ReduceLROnPlateau for many independent runs at once: ``step(metrics)`` takes an
    array of one metric per run and returns the rates in force after it."""

    def __init__(self, lr, runs, mode, **params):
        super().__init__(float(lr), mode, **params)
        self.lr = np.full(runs, float(lr))
        self.best = np.full(runs, self.best)
        self.cooldown_counter = np.zeros(runs, dtype=np.int64)
        self.num_bad_epochs = np.zeros(runs, dtype=np.int64)

    def step(self, metrics):
        current = np.asarray(metrics, dtype=float)
        with np.errstate(invalid="ignore"):  # inf · 0 (threshold 1) is NaN, as in torch
            better = self.is_better(current, self.best)
        self.best = np.where(better, current, self.best)
        bad = np.where(better, 0, self.num_bad_epochs + 1)
        cooling = self.cooldown_counter > 0
        self.cooldown_counter = np.where(cooling, self.cooldown_counter - 1, self.cooldown_counter)
        bad[cooling] = 0
        reduce = bad > self.patience
        new_lr = np.maximum(self.lr * self.factor, self.min_lr)
        self.lr = np.where(reduce & (self.lr - new_lr > self.eps), new_lr, self.lr)
        self.cooldown_counter = np.where(reduce, self.cooldown, self.cooldown_counter)
        bad[reduce] = 0
        self.num_bad_epochs = bad
        return self.lr.copy()


# -- the declarations -------------------------------------------------------------------
@dataclass(frozen=True)
class ScheduleSpec(Declared):
    """One schedule: its name, torch class, description, parameters (torch's keywords in
    lower case, torch's defaults where it has them) and the functions computing it (the
    last one is called as ``fn(lr, n, **params)``; the others are its helpers)."""

    kind: str
    torch_class: str
    description: str
    params: tuple[Hyper, ...]
    code: tuple[Callable, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(h.name for h in self.params)


def torch_keyword(name: str) -> str:
    """torch's keyword of a parameter: ``t_max`` is ``T_max`` (torch capitalises T)."""
    return "T" + name[1:] if name.startswith("t_") else name


def _whole(name, default, doc, lo=1, **kw) -> Hyper:
    return Hyper(name, "int", default, doc, lo=lo, hi=MAX_RUN_STEPS, **kw)


def _share(name, default, doc, **kw) -> Hyper:
    """A share in [0, 1] by default, e.g. a factor or a momentum."""
    kw.setdefault("lo", 0.0)
    kw.setdefault("hi", 1.0)
    return Hyper(name, "float", default, doc, step=0.05, decimals=4, **kw)


def _rate(name, default, doc, **kw) -> Hyper:
    """A learning rate or another non-negative number of any magnitude (a typed field)."""
    return Hyper(name, "float", default, doc, lo=0.0, field=True, **kw)


_GAMMA = _share("gamma", 0.1, "the factor the rate is multiplied by", lo_open=True, label="γ")
_ETA_MIN = _rate("eta_min", 0.0, "the lowest rate of the cosine", label="η min")
_T_MAX = _whole("t_max", 100, "half a cosine period, in updates (torch has no default)")
_START_FACTOR = _share("start_factor", 1.0 / 3, "the first rate as a share of lr", lo_open=True)
_TOTAL_ITERS = _whole("total_iters", 5, "updates until the decay ends", lo=0)
_CYCLE_MOMENTUM = Hyper(
    "cycle_momentum",
    "bool",
    True,
    "cycle the momentum (or Adam's β1) against the rate, between base and max momentum",
)
_BASE_MOMENTUM = _share(
    "base_momentum", 0.85, "the momentum at the rate's peak", hi_open=True, label="base momentum"
)
_MAX_MOMENTUM = _share(
    "max_momentum", 0.95, "the momentum at the rate's lows", hi_open=True, label="max momentum"
)
_MAX_LR = _rate("max_lr", 0.1, "the highest rate (torch has no default)", lo_open=True)

SPECS: dict[str, ScheduleSpec] = {
    s.kind: s
    for s in (
        ScheduleSpec("constant", "", "the rate stays lr", (), (sched_constant,)),
        ScheduleSpec(
            "step",
            "StepLR",
            "the rate is multiplied by γ every step_size updates",
            (
                _whole("step_size", 30, "updates between two decays (torch has no default)"),
                replace(_GAMMA, default=0.5, doc=_GAMMA.doc + " (torch's default: 0.1)"),
            ),
            (sched_step,),
        ),
        ScheduleSpec(
            "multistep",
            "MultiStepLR",
            "the rate is multiplied by γ at each milestone",
            (
                Hyper(
                    "milestones",
                    "ints",
                    (30, 80),
                    "the updates at which the rate decays (torch has no default)",
                    lo=0,
                    hi=MAX_RUN_STEPS,
                ),
                _GAMMA,
            ),
            (sched_multistep,),
        ),
        ScheduleSpec(
            "exponential",
            "ExponentialLR",
            "the rate is multiplied by γ at every update",
            (replace(_GAMMA, default=0.5, doc=_GAMMA.doc + " (torch has no default)"),),
            (sched_exponential,),
        ),
        ScheduleSpec(
            "cosine",
            "CosineAnnealingLR",
            "the rate follows a cosine from lr down to η min over T_max updates",
            (_T_MAX, _ETA_MIN),
            (sched_cosine_next, sched_cosine),
        ),
        ScheduleSpec(
            "cosine-restarts",
            "CosineAnnealingWarmRestarts",
            "a cosine from lr down to η min, restarted after T_0, T_0·T_mult ... updates",
            (
                _whole("t_0", 10, "updates until the first restart (torch has no default)"),
                _whole("t_mult", 1, "each period is T_mult times the last"),
                _ETA_MIN,
            ),
            (sched_cosine_restarts,),
        ),
        ScheduleSpec(
            "linear",
            "LinearLR",
            "the rate goes linearly from start_factor·lr to end_factor·lr",
            (
                _START_FACTOR,
                _share("end_factor", 1.0, "the last rate as a share of lr"),
                _TOTAL_ITERS,
            ),
            (sched_linear_next, sched_linear),
        ),
        ScheduleSpec(
            "polynomial",
            "PolynomialLR",
            "the rate decays as (1 − k/total_iters)^power down to 0",
            (
                _TOTAL_ITERS,
                Hyper("power", "float", 1.0, "the power of the decay", lo=0.0, step=0.1),
            ),
            (sched_polynomial,),
        ),
        ScheduleSpec(
            "onecycle",
            "OneCycleLR",
            "the 1cycle policy: up from max_lr/div_factor to max_lr, then down to a "
            "tiny rate; the optimizer's lr is not used",
            (
                _MAX_LR,
                _whole(
                    "total_steps",
                    100,
                    "updates of the cycle; torch refuses to step past it (torch has no "
                    "default: gdsim's is its default number of steps)",
                ),
                _share("pct_start", 0.3, "the share of the cycle spent raising the rate"),
                Hyper(
                    "anneal_strategy",
                    "choice",
                    "cos",
                    "how the rate moves: a cosine or a line",
                    choices=("cos", "linear"),
                ),
                Hyper(
                    "div_factor",
                    "float",
                    25.0,
                    "the first rate is max_lr / div_factor",
                    lo=0.0,
                    lo_open=True,
                    step=1.0,
                ),
                _rate(
                    "final_div_factor",
                    1e4,
                    "the last rate is the first / final_div_factor",
                    lo_open=True,
                ),
                Hyper(
                    "three_phase",
                    "bool",
                    False,
                    "come back down to the first rate before annihilating it",
                ),
                _CYCLE_MOMENTUM,
                _BASE_MOMENTUM,
                _MAX_MOMENTUM,
            ),
            (sched_onecycle_phases, sched_onecycle),
        ),
        ScheduleSpec(
            "cyclic",
            "CyclicLR",
            "the rate cycles between base_lr and max_lr; the optimizer's lr is not used",
            (
                _rate("base_lr", 0.01, "the lowest rate (torch has no default)"),
                _MAX_LR,
                _whole("step_size_up", 2000, "updates from base_lr up to max_lr"),
                _whole(
                    "step_size_down",
                    None,
                    "updates from max_lr down to base_lr (none: as step_size_up)",
                    lo=0,
                ),
                Hyper(
                    "mode",
                    "choice",
                    "triangular",
                    "triangular; triangular2 halves the height every cycle; exp_range "
                    "scales it by γ^k",
                    choices=("triangular", "triangular2", "exp_range"),
                ),
                replace(_GAMMA, default=1.0, doc="exp_range: the height is multiplied by γ^k"),
                _CYCLE_MOMENTUM,
                _BASE_MOMENTUM.with_default(0.8),
                _MAX_MOMENTUM.with_default(0.9),
            ),
            (sched_cyclic,),
        ),
        ScheduleSpec(
            "plateau",
            "ReduceLROnPlateau",
            "the rate is multiplied by factor when the loss stops improving",
            (
                Hyper(
                    "mode",
                    "choice",
                    "min",
                    "min: the loss should fall; max: the metric should rise",
                    choices=("min", "max"),
                ),
                _share("factor", 0.1, "the factor the rate is multiplied by", hi_open=True),
                _whole("patience", 10, "updates without improvement before a decay", lo=0),
                _rate("threshold", 1e-4, "how much better counts as an improvement"),
                Hyper(
                    "threshold_mode",
                    "choice",
                    "rel",
                    "rel: better than best·(1 ∓ threshold); abs: than best ∓ threshold",
                    choices=("rel", "abs"),
                ),
                _whole("cooldown", 0, "updates after a decay during which none is counted", lo=0),
                _rate("min_lr", 0.0, "the rate never goes below it"),
                _rate(
                    "eps",
                    1e-8,
                    "a decay smaller than eps is not made",
                    label="ε",
                    aliases=("--plateau-eps",),
                ),
            ),
            (),
        ),
        ScheduleSpec(
            "warmup-cosine",
            "SequentialLR",
            "a linear warm-up from start_factor·lr to lr over warmup_steps updates, then a "
            "cosine down to η min over T_max updates",
            (
                _whole("warmup_steps", 5, "updates of the warm-up (LinearLR's total_iters)"),
                _START_FACTOR,
                _T_MAX,
                _ETA_MIN,
            ),
            (sched_linear_next, sched_cosine_next, sched_warmup_cosine),
        ),
    )
}

SCHEDULES = tuple(SPECS)

#: the old session format holds these four whatever the kind
_LEGACY = {h.name: h for h in (*SPECS["step"].params, *SPECS["cosine"].params)}


def all_schedule_params() -> dict[str, list[tuple[str, Hyper]]]:
    """Every parameter name any schedule takes -> [(kind, its declaration), ...]."""
    out: dict[str, list[tuple[str, Hyper]]] = {}
    for spec in SPECS.values():
        for h in spec.params:
            out.setdefault(h.name, []).append((spec.kind, h))
    return out


def schedule_flags(h: Hyper) -> list[str]:
    """A parameter's command-line options: its flag and aliases but those the optimizers
    take (plateau's eps is ``--plateau-eps``: ``--eps`` is the optimizers')."""
    from gdsim.core.optimizers import all_params

    taken = {f for o in all_params().values() for f in (o.flag, *o.aliases)}
    return [f for f in (h.flag, *h.aliases) if f not in taken]


def _text(v) -> str:
    if isinstance(v, tuple):
        return ",".join(map(str, v))
    if isinstance(v, bool) or v is None:
        return {True: "on", False: "off", None: "none"}[v]
    return f"{v:g}" if isinstance(v, float) else str(v)


def _literal(v) -> str:
    return repr(list(v)) if isinstance(v, tuple) else repr(v)


@dataclass(frozen=True, init=False, repr=False)
class Schedule:
    """A schedule and its parameters: ``Schedule("cosine", t_max=300)``."""

    kind: str
    params: tuple[tuple[str, Any], ...]

    def __init__(self, kind: str = "constant", **params):
        if not isinstance(kind, str) or kind not in SPECS:
            raise ScheduleError(f"unknown schedule {kind!r}; choose one of: {', '.join(SCHEDULES)}")
        spec = SPECS[kind]
        for name in params:
            if name not in spec.names:
                takes = f"(it takes: {', '.join(spec.names) or 'nothing'})"
                if name in all_schedule_params():
                    raise ScheduleError(f"{name} does not apply to the {kind} schedule {takes}")
                raise ScheduleError(f"unknown schedule parameter {name!r} {takes}")
        try:
            values = tuple((h.name, h.check(params.get(h.name, h.default))) for h in spec.params)
        except HyperError as e:
            raise ScheduleError(str(e)) from None
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "params", values)
        if kind == "onecycle":
            self._check_phases()

    def _check_phases(self) -> None:
        """OneCycleLR divides by each phase's length: none may be empty."""
        start = 0.0
        for end, *_ in sched_onecycle_phases(self.total_steps, self.pct_start, self.three_phase):
            if end == start:
                raise ScheduleError(
                    f"onecycle: pct_start {self.pct_start:g} of total_steps {self.total_steps} "
                    "leaves a phase with no updates"
                )
            start = end

    def __getattr__(self, name: str):
        if name in ("kind", "params") or name.startswith("_"):
            raise AttributeError(name)
        for key, value in self.params:
            if key == name:
                return value
        if name in _LEGACY:  # the old format's four, read on any kind by older code
            return _LEGACY[name].default
        raise AttributeError(f"the {self.kind} schedule has no parameter {name!r}")

    def __repr__(self) -> str:
        args = "".join(f", {k}={v!r}" for k, v in self.params)
        return f"Schedule({self.kind!r}{args})"

    @property
    def spec(self) -> ScheduleSpec:
        return SPECS[self.kind]

    @property
    def depends_on_loss(self) -> bool:
        return self.kind == "plateau"

    def _run(self, lr: float, n: int):
        if self.depends_on_loss:
            raise ScheduleError("plateau depends on the loss: use plateau_stepper")
        if self.kind == "onecycle" and n - 1 > self.total_steps:
            raise ScheduleError(
                f"onecycle: total_steps is {self.total_steps} and torch's OneCycleLR refuses "
                f"to step past it ({n - 1} asked)"
            )
        return self.spec.code[-1](float(lr), n, **dict(self.params))

    def lrs(self, lr: float, n: int) -> list[float]:
        """The rate in force at updates 0..n-1 (see the module's docstring)."""
        return self._run(lr, n)[0]

    @property
    def sets_own_rates(self) -> bool:
        """True where the rates ignore the optimizer's lr (OneCycleLR, CyclicLR)."""
        return self.kind in ("onecycle", "cyclic")

    def momenta(self, momentum: float, n: int) -> list[float] | None:
        """The momentum (or β1) torch sets at updates 0..n-1; None where the schedule
        leaves ``momentum`` alone."""
        if not dict(self.params).get("cycle_momentum"):
            return None
        return self._run(0.0, n)[1]

    def plateau_stepper(self, lr: float, runs: int | None = None):
        """torch's ReduceLROnPlateau from rate ``lr``: ``step(metric) -> lr``; with
        ``runs`` for that many independent runs (arrays in, arrays out)."""
        if not self.depends_on_loss:
            raise ScheduleError(f"the {self.kind} schedule does not depend on the loss")
        if runs is None:
            return PlateauStepper(float(lr), **dict(self.params))
        return PlateauRuns(lr, runs, **dict(self.params))

    def torch_source(self, opt_name: str = "opt") -> str:
        """The torch.optim.lr_scheduler constructor call ("" for constant)."""
        if self.kind == "constant":
            return ""
        p = dict(self.params)
        if self.kind == "warmup-cosine":
            w = p.pop("warmup_steps")
            warm = _call("LinearLR", opt_name, start_factor=p.pop("start_factor"), total_iters=w)
            cos = _call("CosineAnnealingLR", opt_name, **p)
            return (
                f"torch.optim.lr_scheduler.SequentialLR({opt_name}, schedulers=[{warm}, {cos}], "
                f"milestones=[{w}])"
            )
        return _call(self.spec.torch_class, opt_name, **p)

    def describe(self) -> str:
        """One line: the kind, its first parameter and those away from their defaults."""
        parts = [self.kind]
        for i, h in enumerate(self.spec.params):
            v = getattr(self, h.name)
            if i == 0 or v != h.default:
                parts.append(f"{torch_keyword(h.name)} {_text(v)}")
        return ", ".join(parts)

    def to_dict(self) -> dict:
        return {"kind": self.kind, **{k: _json(v) for k, v in self.params}}

    @classmethod
    def from_dict(cls, d) -> Schedule:
        """A schedule from a session: ``{"kind": ..., <its params>}``, or the old format
        (step_size, gamma, t_max and eta_min whatever the kind: checked, then dropped
        where the kind does not use them)."""
        if not isinstance(d, dict):
            raise ScheduleError(f"a schedule is a mapping of names to values, got {d!r}")
        d = dict(d)
        kind = d.pop("kind", "constant")
        if not all(isinstance(k, str) for k in d):
            raise ScheduleError("a schedule's names must be strings")
        uses = SPECS[kind].names if isinstance(kind, str) and kind in SPECS else ()
        for name in [k for k in d if k in _LEGACY and k not in uses]:
            try:
                _LEGACY[name].check(d.pop(name))
            except HyperError as e:
                raise ScheduleError(str(e)) from None
        return cls(kind, **d)


def _json(v):
    return list(v) if isinstance(v, tuple) else v


def _call(cls: str, opt_name: str, **params) -> str:
    args = "".join(f", {torch_keyword(k)}={_literal(v)}" for k, v in params.items())
    return f"torch.optim.lr_scheduler.{cls}({opt_name}{args})"


def schedule_source(schedule: Schedule) -> str:
    """Python source (it needs ``import math`` only) computing ``schedule`` exactly as
    :meth:`Schedule.lrs` does: ``schedule(lr, n)`` -> (lrs, momenta or None), or for
    plateau ``plateau_stepper(lr)`` with the scalar stepper class."""
    p = ", ".join(f"{k}={_literal(v)}" for k, v in schedule.params)
    if schedule.depends_on_loss:
        return (
            inspect.getsource(PlateauStepper)
            + f"\n\ndef plateau_stepper(lr):\n    return PlateauStepper(lr, {p})\n"
        )
    code = schedule.spec.code
    head = "\n\n".join(inspect.getsource(fn) for fn in code)
    call = f"{code[-1].__name__}(lr, n{', ' if p else ''}{p})"
    return f"{head}\n\ndef schedule(lr, n):\n    return {call}\n"
