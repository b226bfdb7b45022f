"""The schedules gdsim offers, each declared once: its name, torch class, a line of
description, its parameters (:class:`~gdsim.core.hyper.Hyper` under torch's keywords and
defaults) and the functions of :mod:`gdsim.core.schedule_rates` that compute it.  The
command line's flags and the window's rows derive from :data:`SPECS`; a
:class:`gdsim.core.schedules.Schedule` is one of them with its values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from gdsim.core.hyper import Declared, Hyper
from gdsim.core.limits import MAX_RUN_STEPS
from gdsim.core.schedule_rates import (
    sched_constant,
    sched_cosine,
    sched_cosine_next,
    sched_cosine_restarts,
    sched_cyclic,
    sched_exponential,
    sched_linear,
    sched_linear_next,
    sched_multistep,
    sched_onecycle,
    sched_onecycle_phases,
    sched_polynomial,
    sched_step,
    sched_warmup_cosine,
)

__all__ = [
    "LEGACY_PARAMS",
    "SCHEDULES",
    "SPECS",
    "ScheduleSpec",
    "all_schedule_params",
    "schedule_flags",
    "torch_keyword",
]


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
# the parameters of the old session format (whatever the kind): step's and cosine's
LEGACY_PARAMS = {h.name: h for h in (*SPECS["step"].params, *SPECS["cosine"].params)}


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
