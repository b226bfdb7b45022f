"""Runs: a configuration in, a trajectory with a status out.

``simulate(config)`` advances one run and records every step (fast path in plain
Python floats: the per-step cost of numpy calls on a 2-vector would dominate).
``simulate_batch(...)`` advances many runs of one surface at once on (runs, dims)
arrays and keeps only how each run ended (basin maps, sweeps, benchmarks).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from gdsim.core.array_loop import run_array
from gdsim.core.datasets import BatchSampler, DataSurface
from gdsim.core.formula import FormulaError
from gdsim.core.limits import MAX_RUN_STEPS, count, run_numbers_error
from gdsim.core.optimizers import (
    OPTIMIZERS,
    Optimizer,
    OptimizerError,
    get_optimizer,
    is_element_wise,
    validate_hyper,
)
from gdsim.core.run_rules import Stop, batch_stops, bounds, clip_batch, status
from gdsim.core.scalar_loop import compile_loop
from gdsim.core.schedules import Schedule, ScheduleError
from gdsim.core.surface import Surface
from gdsim.core.surfaces import get_surface
from gdsim.core.trajectory import Trajectory
from gdsim.core.vector_loop import run_vector

__all__ = [
    "BatchResult",
    "ConfigError",
    "RunConfig",
    "simulate",
    "simulate_batch",
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


def _gradient_sources(surface: Surface, cfg: RunConfig):
    """(fg, stochastic_grad or None) as callables on coordinates -> floats.

    ``fg`` gives the loss and the exact (full-batch) gradient — the surface's own, for a
    data surface its closed form over the whole data set, as many runs at once use it;
    the stochastic gradient is a mini-batch gradient (data surfaces, B < N) or the exact
    one plus N(0, σ²) noise.
    """
    # (the generator is made only where it is used: numpy.random costs ~17 ms to import)
    fg = surface.fg
    if isinstance(surface, DataSurface):
        rng = np.random.default_rng(cfg.seed)
        sampler = BatchSampler(surface.n_samples, cfg.batch_size or surface.n_samples, rng)
        if sampler.full:
            return fg, None

        def stochastic(*t):
            return tuple(surface.batch_gradient(t, sampler.next())[0].tolist())

        stochastic.batches = sampler  # (a model's array loop draws them itself)
        return fg, stochastic

    if cfg.noise > 0:
        sigma, dim = cfg.noise, surface.dim
        rng = np.random.default_rng(cfg.seed)

        def noisy(*t):
            z = rng.standard_normal(dim).tolist()
            return tuple(gi + sigma * zi for gi, zi in zip(fg(*t)[1:], z, strict=True))

        return fg, noisy
    return fg, None


#: runs of more parameters than this take the array loop (the unrolled loop's source
#: grows with the parameters; at 8 the two are about as fast)
UNROLLED_DIMS = 8


def _vector_gradients(surface, stoch_grad):
    """gradients(θ) -> (f, ∇f, the gradient the optimizer uses or None) for vectors θ:
    a model's mini-batch gradient comes from the same pass of the network as f and ∇f."""
    batches = getattr(stoch_grad, "batches", None)
    if batches is not None and hasattr(surface, "vector_fg_batch"):
        return lambda theta: surface.vector_fg_batch(theta, batches.next())
    if hasattr(surface, "vector_fg"):
        vector_fg = surface.vector_fg
    else:

        def vector_fg(theta):
            out = surface.fg(*theta.tolist())
            return out[0], np.array(out[1:])

    if stoch_grad is None:
        return lambda theta: (*vector_fg(theta), None)
    return lambda theta: (*vector_fg(theta), np.array(stoch_grad(*theta.tolist())))


def _simulate_array(cfg, surface, opt, plan, stoch_grad, interrupted) -> Trajectory:
    gradients = _vector_gradients(surface, stoch_grad)
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
    fg, stoch_grad = _gradient_sources(surface, cfg)
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


@dataclass
class BatchResult:
    """How each of many runs ended: final position (its last recorded row) and loss,
    its Stop code and step, as the single run of the same start would say."""

    position: np.ndarray  # (runs, dim)
    loss: np.ndarray  # (runs,)
    code: np.ndarray  # a run_rules.Stop per run
    stop_step: np.ndarray  # (runs,)
    last_move: np.ndarray | None = None  # (runs,) length of each run's last step

    def state(self) -> np.ndarray:
        """converged / diverged / max steps per run."""
        return np.array([Stop(c).state for c in self.code])

    @property
    def diverged(self) -> np.ndarray:
        return np.isin(self.code, (Stop.UNDEFINED, Stop.OUTSIDE))


def simulate_batch(
    surface: Surface,
    optimizer: str,
    starts: np.ndarray,
    max_steps: int,
    hyper: Mapping[str, Any] | None = None,
    grad_tol: float | None = None,
    schedule: Schedule | None = None,
    cancelled=None,
    chunk: int = 10000,
    clip_norm: float | None = None,
    loss_tol: float | None = None,
    progress=None,
) -> BatchResult:
    """Advance many runs of an analytic surface at once and report how each one ended.

    ``starts`` has shape (runs, dims).  Runs are independent, so they are advanced in
    chunks whose arrays stay in cache (and below the size at which every allocation
    would be a fresh mmap).  ``cancelled()``, if given, is polled every 16 steps; when
    it returns True the runs stop where they are.  (Two threads were tried: on this
    2-core machine they were no faster than one.)  Gradient clipping and the |Δf| stop
    rule work as in ``simulate``; gradient noise and mini-batches are single-run only.
    ``progress(done, runs)``, if given, is called after each chunk.
    """
    starts = np.asarray(starts, dtype=float)
    runs = starts.shape[0]
    cfg = RunConfig(
        surface.name,
        optimizer,
        dict(hyper or {}),
        max_steps=max_steps,
        grad_tol=grad_tol,
        loss_tol=loss_tol,
        clip_norm=clip_norm,
        schedule=schedule or Schedule(),
    )
    result = BatchResult(
        np.empty_like(starts),
        np.empty(runs),
        np.full(runs, Stop.MAX_STEPS, dtype=np.int8),
        np.full(runs, max_steps, dtype=np.int64),
        np.zeros(runs),
    )
    if not is_element_wise(optimizer):
        _batch_one_by_one(surface, cfg, starts, cancelled, result, progress)
        return result
    lrs, moms, cycled = schedule_plan(cfg, cfg.lr, max(max_steps, 1))
    opt = configured_optimizer(cfg, moms)
    plan = (lrs, moms, cycled)
    stops = (grad_tol, loss_tol, clip_norm)
    for a in range(0, runs, chunk):
        b = min(a + chunk, runs)
        _batch_chunk(surface, opt, starts[a:b], max_steps, plan, stops, cancelled, result, a)
        if progress is not None:
            progress(b, runs)
    return result


def _batch_one_by_one(surface, cfg, starts, cancelled, out, progress) -> None:
    """A vector optimizer's runs, one after another (each steps on its own: a line
    search, an inner loop), reported as the many-runs path reports them."""
    runs = len(starts)
    for i, start in enumerate(starts):
        if cancelled is not None and cancelled():
            out.position[i:] = starts[i:]
            out.loss[i:] = surface.value(starts[i:])
            out.stop_step[i:] = 0
            break
        one = cfg.replace(start=tuple(float(v) for v in start))
        lrs, _moms, _cycled = schedule_plan(one, one.lr, one.max_steps + 1)
        traj, code = run_vector(one, surface, lrs)
        out.code[i] = code
        out.stop_step[i] = traj.status.step
        last = len(traj) - 1
        out.position[i] = traj.position[last] if last >= 0 else start
        out.loss[i] = traj.loss[last] if last >= 0 else np.nan
        if code == Stop.UNDEFINED or last < 1:
            out.last_move[i] = np.nan if code == Stop.UNDEFINED else 0.0
        else:
            out.last_move[i] = float(np.linalg.norm(traj.position[last] - traj.position[last - 1]))
        if progress is not None and (i % 64 == 63 or i == runs - 1):
            progress(i + 1, runs)


def _batch_chunk(surface, opt, starts, max_steps, plan, stops, cancelled, out, offset):
    """Advance one chunk in place; arrays are (dims, runs) so each coordinate is contiguous.
    Each row is checked by run_rules.batch_stops, the rules of the single-run loop.
    ``plan`` is schedule_plan's: the rates (a ReduceLROnPlateau per run, from each run's
    loss, where the schedule depends on the loss) and the momentum it sets."""
    grad_tol, loss_tol, clip = stops
    lrs, moms, cycled = plan
    plateau = None
    if isinstance(lrs, LossSchedule):  # one plateau per run, stepped with each run's loss
        plateau = lrs.schedule.plateau_stepper(lrs.lr0, runs=starts.shape[0])
    p = np.array(starts.T, dtype=float, order="C")  # a copy: the caller's starts stay
    dim, runs = p.shape
    lo, hi = (np.array(b)[:, None] for b in bounds(surface))
    fg = surface.fg
    step = opt.inplace_step()
    buffers = opt.buffers(opt.init(p))
    buffers.update({name: np.empty_like(p) for name in opt.kernel.temps})
    scratch = [np.empty_like(p) for _ in range(step.n_temps)]
    consts = dict(opt.kernel.consts)
    active = np.ones(runs, dtype=bool)
    code = np.full(runs, Stop.MAX_STEPS, dtype=np.int8)
    stop = np.full(runs, max_steps, dtype=np.int64)
    final = np.empty_like(p)
    g = np.empty_like(p)
    before = p.copy()  # the position before the last step: the last row recorded
    moved = np.zeros(runs)
    prev_loss = None
    with np.errstate(all="ignore"):
        for k in range(max_steps + 1):
            comps = fg(*p, xp=np)
            for i in range(dim):
                g[i] = comps[i + 1]
            loss = np.broadcast_to(np.asarray(comps[0], dtype=float), (runs,))
            stopped, why = batch_stops(k, loss, g, p, lo, hi, grad_tol, loss_tol, prev_loss)
            if k == max_steps:
                stopped = active
            now = active & stopped
            if now.any():
                undefined = why == Stop.UNDEFINED  # row k is not recorded: the one before
                last = np.where(undefined, before, p)
                final[:, now] = last[:, now]
                ran = now & ~undefined
                moved[ran] = np.sqrt(np.sum((p[:, ran] - before[:, ran]) ** 2, axis=0))
                moved[now & undefined] = np.nan
                stop[now] = k
                code[now] = why[now]
                active &= ~now
                if not active.any():
                    break
            if loss_tol is not None:
                prev_loss = np.array(loss)
            if cancelled is not None and k % 16 == 15 and cancelled():
                final[:, active] = p[:, active]
                stop[active] = k
                break
            if clip is not None:
                clip_batch(g, clip)
            np.copyto(before, p)
            if plateau is None:
                lr = lrs[k]
            else:
                lr = lrs.lr0 if k == 0 else plateau.step(loss)
            if cycled is not None:  # torch's scheduler wrote it into the parameter group
                consts[cycled] = moms[k]
                if f"one_minus_{cycled}" in consts:
                    consts[f"one_minus_{cycled}"] = 1 - moms[k]
            step(p, g, buffers, scratch, lr, float(k + 1), consts)
        s = slice(offset, offset + runs)
        out.position[s] = final.T
        out.loss[s] = surface.value(final.T)
        out.code[s] = code
        out.stop_step[s] = stop
        out.last_move[s] = moved
