"""The single-run loop for many parameters: a model's tens to thousands of weights.

The unrolled loop of :mod:`gdsim.core.scalar_loop` writes every coordinate out in
Python floats, which is the fastest way for a 2-vector and unworkable for a 371-vector.
Here one run is a numpy vector, stepped by the kernel's in-place step (the one many runs
at once use: the same operations, so the same bits) and checked by the rules of
:mod:`gdsim.core.run_rules` on it as a column.  Rows are recorded as the scalar loop
records them: θ, the loss, the gradient given, the exact one, every state buffer.
"""

from __future__ import annotations

import numpy as np

from gdsim.core.run_rules import UNDEFINED_ERRORS, Stop, batch_stops, bounds, clip_batch
from gdsim.core.trajectory import Trajectory

__all__ = ["run_array"]


def run_array(cfg, surface, opt, plan, gradients, interrupted=None):
    """``(traj, code, step)`` of ``cfg`` with the kernel optimizer ``opt``; ``plan`` is
    simulation.schedule_plan's (rates, momenta, the cycled constant), ``gradients(θ)``
    gives (f, ∇f, the gradient the optimizer uses — None: ∇f) for a vector θ."""
    lrs, moms, cycled = plan
    n = cfg.max_steps
    theta = np.array(cfg.resolved_start(surface), dtype=float)
    dim = theta.shape[0]
    lo, hi = (np.array(b)[:, None] for b in bounds(surface))
    kern = opt.kernel
    step = opt.inplace_step()
    p = theta[:, None].copy()  # a column: the in-place step's arrays are (dims, runs)
    buffers = opt.buffers(opt.init(p))
    buffers.update({name: np.empty_like(p) for name in kern.temps})
    scratch = [np.empty_like(p) for _ in range(step.n_temps)]
    consts = dict(kern.consts)
    traj = Trajectory(dim, capacity=min(n + 1, 1024), state=kern.state)
    g = np.empty_like(p)
    code, at, prev = Stop.MAX_STEPS, n, None
    with np.errstate(all="ignore"):
        for k in range(n + 1):
            if interrupted is not None and k % 256 == 255 and interrupted():
                return traj, Stop.CANCELLED, k
            try:  # rule 1: f and ∇f at θ_k
                loss, full, used = gradients(p[:, 0])
                used = full if used is None else used
            except UNDEFINED_ERRORS:
                code, at = Stop.UNDEFINED, k
                break
            full = np.asarray(full, dtype=float)
            used = np.asarray(used, dtype=float)
            stopped, why = batch_stops(
                k, np.array([loss]), full[:, None], p, lo, hi, cfg.grad_tol, cfg.loss_tol, prev
            )
            if (stopped[0] and why[0] == Stop.UNDEFINED) or not np.isfinite(used).all():
                code, at = Stop.UNDEFINED, k
                break
            lr = lrs(k, loss) if callable(lrs) else lrs[k]
            traj.append_row(
                p[:, 0], loss, used, full, lr, {n: buffers[n][:, 0] for n in kern.state}
            )
            if stopped[0]:
                code, at = Stop(int(why[0])), k
                break
            if k == n:
                break
            prev = np.array([loss])
            g[:, 0] = used
            if cfg.clip_norm is not None:
                clip_batch(g, cfg.clip_norm)
            if cycled is not None:  # torch's scheduler wrote it into the parameter group
                consts[cycled] = moms[k]
                if f"one_minus_{cycled}" in consts:
                    consts[f"one_minus_{cycled}"] = 1 - moms[k]
            step(p, g, buffers, scratch, lr, float(k + 1), consts)
    return traj, code, at
