"""Many runs of one surface at once: ``simulate_batch(...)`` advances them on (runs, dims)
arrays and keeps only how each run ended, as the single run of the same start would say
(basin maps, sweeps, benchmarks); what the vectorised kernels cannot do is run one by one
with :func:`gdsim.core.simulation.simulate`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from gdsim.core.optimizers import is_element_wise
from gdsim.core.run_rules import Stop, batch_stops, bounds, clip_batch
from gdsim.core.schedules import Schedule
from gdsim.core.simulation import (
    LossSchedule,
    RunConfig,
    configured_optimizer,
    schedule_plan,
)
from gdsim.core.surface import Surface
from gdsim.core.vector_loop import run_vector

__all__ = ["BatchResult", "simulate_batch"]


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
