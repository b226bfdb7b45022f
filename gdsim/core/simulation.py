"""Runs: a configuration in, a trajectory with a status out.

``simulate(config)`` advances one run and records every step (fast path in plain
Python floats: the per-step cost of numpy calls on a 2-vector would dominate).
Many runs of one surface at once: :mod:`gdsim.core.batch_runs`; where a run's
gradients come from: :mod:`gdsim.core.gradient_sources`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from gdsim.core.array_loop import run_array
from gdsim.core.datasets import DataSurface
from gdsim.core.formula import FormulaError
from gdsim.core.gradient_sources import gradient_sources, vector_gradients
from gdsim.core.limits import MAX_RUN_STEPS, count, run_numbers_error
from gdsim.core.optimizers import (
    OPTIMIZERS,
    Optimizer,
    OptimizerError,
    get_optimizer,
    is_element_wise,
    validate_hyper,
)
from gdsim.core.run_rules import Stop, bounds, status
from gdsim.core.scalar_loop import compile_loop
from gdsim.core.schedules import Schedule, ScheduleError
from gdsim.core.surface import Surface
from gdsim.core.surfaces import get_surface
from gdsim.core.trajectory import Trajectory
from gdsim.core.vector_loop import run_vector

__all__ = [
    "ConfigError",
    "RunConfig",
    "simulate",
]


class ConfigError(ValueError):
    """A run configuration that cannot run (the message is one line)."""


def _is_int(v) -> bool:
    """A whole number as JSON and Python write one (True is not 1 here)."""
    return isinstance(v, int) and not isinstance(v, bool)


def _is_real(v) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


class SimulationCancelled(Exception):
    """``simulate`` gave up because its ``interrupted()`` callback said so."""


@dataclass(frozen=True)
class RunConfig:
    """Everything that determines one run: surface + optimizer + hyperparameters + start."""

    surface: str = "bowl"
    optimizer: str = "gd"
    hyper: Mapping[str, Any] = field(default_factory=dict)  # torch.optim names
    start: tuple[float, ...] | None = None  # None: the surface's default start
    seed: int = 0
    batch_size: int | None = None  # data surfaces: None = full batch
    noise: float = 0.0  # analytic surfaces: gradient-noise σ
    schedule: Schedule = field(default_factory=Schedule)
    clip_norm: float | None = None
    max_steps: int = 100
    grad_tol: float | None = None
    loss_tol: float | None = None

    def replace(self, **changes) -> RunConfig:
        return replace(self, **changes)

    @property
    def lr(self) -> float:
        return float(validate_hyper(self.optimizer, self.hyper)["lr"])

    def to_dict(self) -> dict:
        d = asdict(self)
        d["hyper"] = {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.hyper.items()}
        d["start"] = None if self.start is None else list(self.start)
        d["schedule"] = self.schedule.to_dict()
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> RunConfig:
        d = dict(d)
        unknown = set(d) - {f for f in cls.__dataclass_fields__}
        if unknown:
            raise ConfigError(f"unknown run field {sorted(unknown)[0]!r}")
        if d.get("start") is not None:
            if not isinstance(d["start"], list | tuple) or not all(map(_is_real, d["start"])):
                raise ConfigError("start must be a list of numbers")
            d["start"] = tuple(float(v) for v in d["start"])
        hyper = dict(d.get("hyper") or {})
        if "betas" in hyper:
            hyper["betas"] = tuple(hyper["betas"])
        d["hyper"] = hyper
        if "schedule" in d:
            try:
                d["schedule"] = Schedule.from_dict(d["schedule"])
            except ScheduleError as e:
                raise ConfigError(f"bad schedule: {e}") from None
        return cls(**d)

    def resolved_start(self, surface: Surface) -> tuple[float, ...]:
        return tuple(surface.default_start if self.start is None else self.start)

    def validate(self, surface: Surface | None = None) -> Surface:
        """The surface, after checking every field; ConfigError with a one-line reason."""
        try:
            surface = surface or get_surface(self.surface)
        except KeyError as e:
            raise ConfigError(e.args[0]) from None
        except FormulaError as e:
            raise ConfigError(f"formula: {e}") from None
        try:
            validate_hyper(self.optimizer, self.hyper)
        except OptimizerError as e:
            raise ConfigError(str(e)) from None
        start = self.resolved_start(surface)
        if len(start) != surface.dim:
            raise ConfigError(
                f"start needs {surface.dim} coordinate{'s' if surface.dim > 1 else ''} "
                f"({', '.join(surface.params)}) for {surface.name}, got {len(start)}"
            )
        if not all(_is_real(v) and math.isfinite(v) for v in start):
            raise ConfigError("start coordinates must be finite numbers")
        if not (_is_int(self.max_steps) and 0 <= self.max_steps <= MAX_RUN_STEPS):
            raise ConfigError(f"steps must be a whole number in 0..{count(MAX_RUN_STEPS)}")
        too_much = run_numbers_error(surface.dim, self.max_steps)
        if too_much:
            raise ConfigError(too_much)
        if self.batch_size is not None:
            if not isinstance(surface, DataSurface):
                raise ConfigError(
                    f"batch size applies to data-driven surfaces only, not {surface.name}"
                )
            n = surface.n_samples
            if not (_is_int(self.batch_size) and 1 <= self.batch_size <= n):
                raise ConfigError(f"batch size must be in 1..{n} for {surface.name}")
        if not (_is_real(self.noise) and math.isfinite(self.noise) and self.noise >= 0):
            raise ConfigError(f"noise must be >= 0, got {self.noise!r}")
        for name, v in (
            ("clip", self.clip_norm),
            ("tol", self.grad_tol),
            ("loss tol", self.loss_tol),
        ):
            if v is not None and not (_is_real(v) and math.isfinite(v) and v > 0):
                raise ConfigError(f"{name} must be > 0, got {v!r}")
        if not _is_int(self.seed) or self.seed < 0:
            raise ConfigError(f"seed must be a non-negative integer, got {self.seed!r}")
        self._validate_schedule()
        if getattr(OPTIMIZERS[self.optimizer], "evaluates_f", False):
            batches = self.batch_size is not None and self.batch_size < surface.n_samples
            if self.noise > 0 or batches:
                raise ConfigError(
                    f"{self.optimizer} evaluates f itself: it takes no mini-batches or noise"
                )
        return surface

    def _validate_schedule(self) -> None:
        sched = self.schedule
        if sched.kind == "onecycle" and self.max_steps > sched.total_steps:
            raise ConfigError(
                f"onecycle schedules total_steps = {sched.total_steps} steps: a run of"
                f" {self.max_steps} steps needs total_steps >= {self.max_steps}"
            )
        if sched.momenta(0.0, 1) is not None and cycled_name(self.optimizer) is None:
            raise ConfigError(
                f"the {sched.kind} schedule cycles the momentum (cycle_momentum) but"
                f" {self.optimizer} has no momentum or betas: set cycle_momentum false"
            )


def cycled_name(optimizer: str) -> str | None:
    """What a momentum-cycling schedule (OneCycleLR, CyclicLR) sets in the parameter
    group of this optimizer's torch class: ``momentum`` or ``betas`` (None: neither)."""
    spec = OPTIMIZERS[optimizer]
    if not spec.element_wise:
        return None
    keys = {*spec.defaults, *spec.fixed}
    return "momentum" if "momentum" in keys else "betas" if "betas" in keys else None


class LossSchedule:
    """The rates of ReduceLROnPlateau as a run produces them: the rate of step k ≥ 1 is
    known once the loss at θ_k is (torch steps the scheduler after each update with the
    loss at the new position).  ``values`` collects them, one per row."""

    def __init__(self, schedule: Schedule, lr: float):
        self.schedule = schedule
        self.stepper = schedule.plateau_stepper(lr)
        self.lr0 = self.lr = float(lr)
        self.values: list[float] = []

    def __call__(self, k: int, loss: float) -> float:
        if k:
            self.lr = self.stepper.step(loss)
        self.values.append(self.lr)
        return self.lr

    def rows(self, losses) -> list[float]:
        """One rate per recorded row (the last row's: after one more scheduler step)."""
        while len(self.values) < len(losses):
            self(len(self.values), float(losses[len(self.values)]))
        return self.values


def schedule_plan(cfg: RunConfig, lr: float, n: int):
    """``(lrs, moms, cycled)`` for a run of ``n`` rows: the rates (a list, or a
    LossSchedule), the momentum or β₁ the schedule sets at each step (None if it does
    not) and which constant that is in the kernel (``momentum`` / ``beta1``)."""
    sched = cfg.schedule
    lrs = LossSchedule(sched, lr) if sched.depends_on_loss else sched.lrs(lr, n)
    moms = sched.momenta(0.0, n)
    name = cycled_name(cfg.optimizer) if moms is not None else None
    return lrs, moms, {"momentum": "momentum", "betas": "beta1", None: None}[name]


def configured_optimizer(cfg: RunConfig, moms) -> Optimizer:
    """The kernel optimizer of ``cfg``; under a momentum-cycling schedule built with the
    schedule's first momentum (torch's SGD keeps a buffer once momentum ≠ 0)."""
    if moms is None:
        return get_optimizer(cfg.optimizer, **cfg.hyper)
    h = validate_hyper(cfg.optimizer, cfg.hyper)
    if cycled_name(cfg.optimizer) == "momentum":
        h["momentum"] = moms[0]
    else:
        h["betas"] = (moms[0], h["betas"][1])
    return Optimizer(cfg.optimizer, h, OPTIMIZERS[cfg.optimizer].kernel(h))


#: runs of more parameters than this take the array loop (the unrolled loop's source
#: grows with the parameters; at 8 the two are about as fast)
UNROLLED_DIMS = 8


def _simulate_array(cfg, surface, opt, plan, stoch_grad, interrupted) -> Trajectory:
    gradients = vector_gradients(surface, stoch_grad)
    traj, code, step = run_array(cfg, surface, opt, plan, gradients, interrupted)
    if code == Stop.CANCELLED:
        raise SimulationCancelled()
    traj.status = status(code, step, cfg.grad_tol, cfg.loss_tol)
    return traj


def simulate(cfg: RunConfig, surface: Surface | None = None, interrupted=None) -> Trajectory:
    """Run ``cfg`` to its end (a stop rule, divergence or max steps), recording each step.

    ``interrupted()``, if given, is asked every 256 steps; when it returns True the run
    is abandoned with SimulationCancelled (the window closing, or α changed again).
    """
    surface = cfg.validate(surface)
    dim = surface.dim
    fg, stoch_grad = gradient_sources(surface, cfg)
    n = cfg.max_steps
    lrs, moms, cycled = schedule_plan(cfg, cfg.lr, n + 1)
    if not is_element_wise(cfg.optimizer):
        traj, code = run_vector(cfg, surface, lrs, stoch_grad, interrupted)
        if code == Stop.CANCELLED:
            raise SimulationCancelled()
        return traj
    opt = configured_optimizer(cfg, moms)
    if dim > UNROLLED_DIMS:  # a model's weights: one numpy vector, not unrolled floats
        return _simulate_array(cfg, surface, opt, (lrs, moms, cycled), stoch_grad, interrupted)
    lo, hi = bounds(surface)
    loop = compile_loop(
        opt.kernel,
        dim,
        stochastic=stoch_grad is not None,
        grad_tol=cfg.grad_tol is not None,
        loss_tol=cfg.loss_tol is not None,
        clip=cfg.clip_norm is not None,
        lr_from_loss=isinstance(lrs, LossSchedule),
        cycled=cycled,
    )
    gtol2 = 0.0 if cfg.grad_tol is None else cfg.grad_tol * cfg.grad_tol
    with np.errstate(all="ignore"):
        rows, code, step = loop(
            tuple(float(v) for v in cfg.resolved_start(surface)),
            fg,
            stoch_grad,
            lrs,
            n,
            lo,
            hi,
            gtol2,
            cfg.loss_tol or 0.0,
            cfg.clip_norm or 0.0,
            opt.kernel.consts,
            interrupted,
            moms,
        )
    if code == Stop.CANCELLED:
        raise SimulationCancelled()
    if isinstance(lrs, LossSchedule):
        traj = Trajectory.from_rows(rows, dim, loop.layout, [math.nan] * (n + 1))
        traj.set_lr(lrs.rows(traj.loss))
    else:
        traj = Trajectory.from_rows(rows, dim, loop.layout, lrs)
    traj.status = status(code, step, cfg.grad_tol, cfg.loss_tol)
    return traj
