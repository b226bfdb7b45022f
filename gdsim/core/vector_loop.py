"""The run loop of the optimizers that are not element-wise (L-BFGS, Adafactor, Newton,
the line search: :mod:`gdsim.core.vector_optimizers`).

Each row follows :mod:`gdsim.core.run_rules` as the single-run loop does (the rules
applied by ``batch_stops`` to one run in a column, clipping by ``clip_batch``), and each
step is one ``step()`` of the optimizer, handed the function itself for its inner
evaluations (and the exact Hessian, for Newton).  The points evaluated inside each step
are kept with the trajectory (``traj.evaluations``): the map draws them, the step table
counts them.  A step that cannot be taken ends the run *stopped* with the optimizer's
reason.
"""

from __future__ import annotations

import numpy as np

from gdsim.core.run_rules import UNDEFINED_ERRORS, Stop, batch_stops, bounds, clip_batch, status
from gdsim.core.trajectory import Trajectory
from gdsim.core.vector_optimizers import VECTOR_OPTIMIZERS, get_vector_optimizer

__all__ = ["VectorRun", "run_vector"]


class VectorRun:
    """One run of a vector optimizer, stepped row by row (``capture`` keeps the
    StepResult of one step: an explanation of that step)."""

    def __init__(self, cfg, surface, lrs, stochastic=None, capture: int | None = None):
        self.cfg, self.surface, self.lrs = cfg, surface, lrs
        self.opt = get_vector_optimizer(cfg.optimizer, **cfg.hyper)
        spec = VECTOR_OPTIMIZERS[cfg.optimizer]
        self.hess = surface.hessian if spec.needs_hessian else None
        self.stochastic = stochastic
        self.capture = capture
        self.captured = None  # (state before, StepResult) of step ``capture``

    def fg(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """The closure: f and the exact ∇f at ``theta`` (Python floats in, numpy out)."""
        if hasattr(self.surface, "vector_fg"):  # a model: its weights as one vector
            return self.surface.vector_fg(theta)
        out = self.surface.fg(*(float(v) for v in theta))
        return float(out[0]), np.array(out[1:], dtype=float)

    def run(self, interrupted=None):
        """``(traj, code, step, reason)``: every row, and how the run ended."""
        cfg, surface = self.cfg, self.surface
        dim, n = surface.dim, cfg.max_steps
        lo, hi = (np.array(b)[:, None] for b in bounds(surface))
        theta = np.array(cfg.resolved_start(surface), dtype=float)
        state = self.opt.init(theta)
        rows: dict[str, list] = {"position": [], "loss": [], "grad": [], "full_grad": []}
        inner: list[np.ndarray] = []
        code, step, reason = Stop.MAX_STEPS, n, ""
        prev = None
        with np.errstate(all="ignore"):
            for k in range(n + 1):
                if interrupted is not None and k % 256 == 255 and interrupted():
                    code, step = Stop.CANCELLED, k
                    break
                try:  # rule 1: f and ∇f at θ_k
                    loss, full = self.fg(theta)
                    g = full if self.stochastic is None else np.array(self.stochastic(*theta))
                except UNDEFINED_ERRORS:
                    code, step = Stop.UNDEFINED, k
                    break
                stopped, why = batch_stops(
                    k, np.array([loss]), full[:, None], theta[:, None], lo, hi,
                    cfg.grad_tol, cfg.loss_tol, prev,
                )  # fmt: skip
                if (stopped[0] and why[0] == Stop.UNDEFINED) or not np.isfinite(g).all():
                    code, step = Stop.UNDEFINED, k
                    break
                row = {"position": theta, "loss": loss, "grad": g, "full_grad": full}
                for key, v in row.items():
                    rows[key].append(v)
                if stopped[0]:
                    code, step = Stop(int(why[0])), k
                    break
                if k == n:
                    break
                prev = np.array([loss])
                used = g.copy()
                if cfg.clip_norm is not None:
                    clip_batch(used[:, None], cfg.clip_norm)
                lr = self.lrs(k, loss) if callable(self.lrs) else self.lrs[k]
                try:
                    result = self.opt.step(theta, loss, used, state, lr, self.fg, self.hess)
                except UNDEFINED_ERRORS:  # shows at the next row, as in the scalar loop
                    theta = np.full(dim, np.nan)
                    inner.append(np.empty((0, dim)))
                    continue
                if self.capture == k:
                    self.captured = (state, result)
                inner.append(np.array(result.evaluations, dtype=float).reshape(-1, dim))
                if result.status is not None:
                    code, step, reason = Stop.STUCK, k, result.status
                    break
                theta, state = result.theta, result.state
        m = len(rows["loss"])
        traj = Trajectory(dim, capacity=max(m, 1))
        if m:
            losses = np.array(rows["loss"])
            lrs = self.lrs.rows(losses) if callable(self.lrs) else self.lrs[:m]
            traj.append(
                position=np.array(rows["position"]),
                loss=losses,
                grad=np.array(rows["grad"]),
                full_grad=np.array(rows["full_grad"]),
                lr=np.asarray(lrs[:m], dtype=float),
            )
        traj.evaluations = (inner + [np.empty((0, dim))] * m)[:m]  # one per row
        return traj, code, step, reason


def run_vector(cfg, surface, lrs, stochastic=None, interrupted=None):
    """The trajectory of ``cfg`` (a vector optimizer) with its status set, and the Stop
    code (CANCELLED when ``interrupted()`` said so)."""
    traj, code, step, reason = VectorRun(cfg, surface, lrs, stochastic).run(interrupted)
    if code != Stop.CANCELLED:
        traj.status = status(code, step, cfg.grad_tol, cfg.loss_tol, reason)
    return traj, code
