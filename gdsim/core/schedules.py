"""Learning-rate schedules: the torch.optim.lr_scheduler schedules gdsim offers, each
declared once in :data:`SPECS` (its name, torch class, a line of description and its
parameters as :class:`~gdsim.core.hyper.Hyper` declarations under torch's keywords and
defaults).  Validation, session files, the window's rows, the command line's flags
(``--t-max``), the exported scripts and the descriptions all derive from the specs.  The
specs live in :mod:`gdsim.core.schedule_specs`, the arithmetic of the rates in
:mod:`gdsim.core.schedule_rates`; this module is the :class:`Schedule` made of them.

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
from dataclasses import dataclass
from typing import Any

from gdsim.core.hyper import HyperError
from gdsim.core.schedule_rates import (
    PlateauRuns,
    PlateauStepper,
    sched_onecycle_phases,
)
from gdsim.core.schedule_specs import (
    LEGACY_PARAMS,
    SCHEDULES,
    SPECS,
    ScheduleSpec,
    all_schedule_params,
    schedule_flags,
    torch_keyword,
)

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
        if name in LEGACY_PARAMS:  # the old format's four, read on any kind by older code
            return LEGACY_PARAMS[name].default
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
        for name in [k for k in d if k in LEGACY_PARAMS and k not in uses]:
            try:
                LEGACY_PARAMS[name].check(d.pop(name))
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
