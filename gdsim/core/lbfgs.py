"""torch.optim.LBFGS (torch 2.13) in torch's arithmetic and order of evaluation, with
its strong-Wolfe line search (torch.optim.lbfgs._strong_wolfe) and its state names."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar, NamedTuple

import numpy as np

from gdsim.core import hyper as hp
from gdsim.core.hyper import Hyper
from gdsim.core.torch_arith import _axpy, _dot, _max_abs
from gdsim.core.vector_step import StepResult, VectorOptimizer, _int

__all__ = ["LBFGS", "LBFGS_PARAMS", "LBFGSState"]

LBFGS_PARAMS = (
    replace(
        hp.LR,
        default=1.0,
        doc="the step size L-BFGS starts from (the first step: lr·min(1, 1/‖g‖₁))",
    ),
    _int("max_iter", 20, "iterations of L-BFGS within one step", 1, 1000),
    _int(
        "max_eval",
        None,
        "evaluations of f within one step (default: max_iter·5 // 4)",
        1,
        10_000,
    ),
    Hyper(
        "tolerance_grad",
        "float",
        1e-7,
        "a step ends, or does nothing, once max |g| ≤ tolerance_grad",
        lo=0.0,
        field=True,
    ),
    Hyper(
        "tolerance_change",
        "float",
        1e-9,
        "a step ends once the step, the change of f or the slope along d is below this",
        lo=0.0,
        field=True,
    ),
    _int("history_size", 100, "the number of (s, y) pairs L-BFGS remembers", 1, 1000),
    Hyper(
        "line_search_fn",
        "choice",
        "none",
        "none: step lr·d; strong_wolfe: a line search for the strong Wolfe conditions",
        label="line search",
        choices=("none", "strong_wolfe"),
    ),
)


class LBFGSState(NamedTuple):
    """torch.optim.LBFGS's state (its names; None where torch has not set it yet)."""

    func_evals: int = 0
    n_iter: int = 0
    d: np.ndarray | None = None
    t: float | None = None
    old_dirs: tuple[np.ndarray, ...] | None = None
    old_stps: tuple[np.ndarray, ...] | None = None
    ro: tuple[float, ...] | None = None
    H_diag: float | None = None
    prev_flat_grad: np.ndarray | None = None
    prev_loss: float | None = None
    al: tuple[float | None, ...] | None = None


@dataclass(frozen=True)
class LBFGS(VectorOptimizer):
    """torch.optim.LBFGS: one gdsim step is one ``step(closure)``.

    torch's step calls the closure first, at θ; here that evaluation is the caller's
    ``loss``/``grad`` (it counts in ``func_evals`` as torch counts it), and each call of
    ``fg`` is one of torch's further closure calls.  torch keeps no evaluation from one
    step to the next (``prev_flat_grad`` is the gradient at the start of the last inner
    iteration, not at the end), so the caller's evaluation at the new θ, made to record
    the next row, is exactly torch's first closure call of its next step.  Without a line
    search the last inner iteration does not evaluate f (torch's rule), so the step may
    end at a point no ``fg`` call saw.

    Terms: ``iterations`` (inner iterations), ``stop`` (why the inner loop ended), ``t``
    (the last step size), ``d`` (the last direction), ``H_diag`` and ``memory`` (pairs
    kept).
    """

    name: ClassVar[str] = "lbfgs"

    def init(self, theta):
        return LBFGSState()

    def torch_hyper(self):
        h = dict(self.hyper)
        h["line_search_fn"] = None if h["line_search_fn"] == "none" else h["line_search_fn"]
        return h

    def step(self, theta, loss, grad, state, lr, fg, hess=None):
        h = self.hyper
        max_iter, max_eval = h["max_iter"], h["max_eval"]
        tolerance_grad, tolerance_change = h["tolerance_grad"], h["tolerance_change"]
        history_size = h["history_size"]
        lr = float(lr)
        x = np.array(theta, dtype=float)
        flat_grad = np.array(grad, dtype=float)
        loss = float(loss)
        evaluations: list[np.ndarray] = []

        def evaluate(point):
            f, g = fg(point)
            evaluations.append(point)
            return float(f), np.array(g, dtype=float)

        def obj_func(x, t, d):
            return evaluate(_axpy(t, d, x))

        with np.errstate(all="ignore"):
            func_evals, n_total = state.func_evals + 1, state.n_iter
            current_evals = 1
            opt_cond = _max_abs(flat_grad) <= tolerance_grad
            if opt_cond:
                terms = {"iterations": 0, "stop": "max |g| ≤ tolerance_grad"}
                return StepResult(x, state._replace(func_evals=func_evals), [], None, terms)

            d, t, H_diag = state.d, state.t, state.H_diag
            old_dirs = list(state.old_dirs or ())
            old_stps = list(state.old_stps or ())
            ro = list(state.ro or ())
            al = None if state.al is None else list(state.al)
            prev_flat_grad, prev_loss = state.prev_flat_grad, state.prev_loss
            stop = "max_iter"
            n_iter = 0
            while n_iter < max_iter:
                n_iter += 1
                n_total += 1
                # the descent direction
                if n_total == 1:
                    d = -flat_grad
                    old_dirs, old_stps, ro = [], [], []
                    H_diag = 1.0
                else:
                    y = flat_grad - prev_flat_grad
                    s = d * t
                    ys = _dot(y, s)
                    if ys > 1e-10:
                        if len(old_dirs) == history_size:
                            old_dirs.pop(0)
                            old_stps.pop(0)
                            ro.pop(0)
                        old_dirs.append(y)
                        old_stps.append(s)
                        ro.append(1.0 / ys)
                        H_diag = ys / _dot(y, y)
                    num_old = len(old_dirs)
                    if al is None:
                        al = [None] * history_size
                    q = -flat_grad
                    for i in range(num_old - 1, -1, -1):
                        al[i] = _dot(old_stps[i], q) * ro[i]
                        q = _axpy(-al[i], old_dirs[i], q)
                    d = q * H_diag
                    for i in range(num_old):
                        be_i = _dot(old_dirs[i], d) * ro[i]
                        d = _axpy(al[i] - be_i, old_stps[i], d)
                prev_flat_grad = flat_grad
                prev_loss = loss
                # the step size
                if n_total == 1:
                    t = min(1.0, 1.0 / np.sum(np.abs(flat_grad))) * lr
                else:
                    t = lr
                gtd = _dot(flat_grad, d)
                if gtd > -tolerance_change:
                    stop = "slope along d ≥ −tolerance_change"
                    break
                ls_func_evals = 0
                if h["line_search_fn"] == "strong_wolfe":
                    loss, flat_grad, t, ls_func_evals = _strong_wolfe(
                        obj_func, x, t, d, loss, flat_grad, gtd, max_ls=max_eval - current_evals
                    )
                    x = _axpy(t, d, x)
                    opt_cond = _max_abs(flat_grad) <= tolerance_grad
                else:
                    x = _axpy(t, d, x)
                    if n_iter != max_iter:
                        loss, flat_grad = evaluate(x)
                        opt_cond = _max_abs(flat_grad) <= tolerance_grad
                        ls_func_evals = 1
                current_evals += ls_func_evals
                func_evals += ls_func_evals
                # the conditions that end the step
                if n_iter == max_iter:
                    break
                if current_evals >= max_eval:
                    stop = "max_eval"
                    break
                if opt_cond:
                    stop = "max |g| ≤ tolerance_grad"
                    break
                if _max_abs(d * t) <= tolerance_change:
                    stop = "step ≤ tolerance_change"
                    break
                if abs(loss - prev_loss) < tolerance_change:
                    stop = "|Δf| < tolerance_change"
                    break

        new_state = LBFGSState(
            func_evals,
            n_total,
            d,
            float(t),
            tuple(old_dirs),
            tuple(old_stps),
            tuple(float(r) for r in ro),
            float(H_diag),
            prev_flat_grad,
            prev_loss,
            None if al is None else tuple(None if a is None else float(a) for a in al),
        )
        terms = {
            "iterations": n_iter,
            "stop": stop,
            "t": float(t),
            "d": d,
            "H_diag": float(H_diag),
            "memory": len(old_dirs),
        }
        return StepResult(x, new_state, evaluations, None, terms)


def _cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds=None):
    """torch.optim.lbfgs._cubic_interpolate: the minimiser of the cubic through two
    points with their slopes, kept within ``bounds``."""
    if bounds is not None:
        xmin_bound, xmax_bound = bounds
    else:
        xmin_bound, xmax_bound = (x1, x2) if x1 <= x2 else (x2, x1)
    d1 = g1 + g2 - _div(3 * (f1 - f2), x1 - x2)
    d2_square = d1 * d1 - g1 * g2
    if d2_square >= 0:
        d2 = np.sqrt(d2_square)
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(min_pos, xmin_bound), xmax_bound)
    return (xmin_bound + xmax_bound) / 2.0


def _div(a, b):
    """``a / b`` as torch computes it when ``b`` is a tensor (a numpy scalar here, as the
    values torch holds in tensors are: dot products and what is computed from them):
    ``b.reciprocal() * a``, rounded twice."""
    return a * (1.0 / b) if isinstance(b, np.floating) else a / b


def _strong_wolfe(obj_func, x, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9, max_ls=25):
    """torch.optim.lbfgs._strong_wolfe: bracket a step size satisfying the strong Wolfe
    conditions, then zoom in on it; ``(f_new, g_new, t, evaluations)``."""
    d_norm = _max_abs(d)
    f_new, g_new = obj_func(x, t, d)
    ls_func_evals = 1
    gtd_new = _dot(g_new, d)

    # bracket an interval containing a point satisfying the Wolfe criteria
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    done = False
    ls_iter = 0
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        # interpolate
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        tmp = t
        t = _cubic_interpolate(
            t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=(min_step, max_step)
        )
        t_prev, f_prev, g_prev, gtd_prev = tmp, f_new, g_new, gtd_new
        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = _dot(g_new, d)
        ls_iter += 1

    if ls_iter == max_ls:  # reached max number of iterations
        bracket, bracket_f, bracket_g = [0, t], [f, f_new], [g, g_new]

    # zoom phase: refine the bracket until a point satisfies the criteria
    insuf_progress = False
    low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(
            bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1]
        )
        # too close to an end of the bracket (twice, or at an end): 0.1 of its length in
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:
            if insuf_progress or t >= max(bracket) or t <= min(bracket):
                if abs(t - max(bracket)) < abs(t - min(bracket)):
                    t = max(bracket) - eps
                else:
                    t = min(bracket) + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False

        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = _dot(g_new, d)
        ls_iter += 1

        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low_pos]:
            # Armijo condition not satisfied or not lower than lowest point
            bracket[high_pos], bracket_f[high_pos] = t, f_new
            bracket_g[high_pos], bracket_gtd[high_pos] = g_new, gtd_new
            low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True  # Wolfe conditions satisfied
            elif gtd_new * (bracket[high_pos] - bracket[low_pos]) >= 0:
                # old high becomes new low
                bracket[high_pos], bracket_f[high_pos] = bracket[low_pos], bracket_f[low_pos]
                bracket_g[high_pos] = bracket_g[low_pos]
                bracket_gtd[high_pos] = bracket_gtd[low_pos]
            # new point becomes new low
            bracket[low_pos], bracket_f[low_pos] = t, f_new
            bracket_g[low_pos], bracket_gtd[low_pos] = g_new, gtd_new

    return bracket_f[low_pos], bracket_g[low_pos], bracket[low_pos], ls_func_evals
