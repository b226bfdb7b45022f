"""One step of a run, written out: the optimizer's update as torch's documentation writes
its algorithm, with the run's own options, each line followed by its numbers at that
step — what a teacher points at: "here is the gradient, here is the momentum, here is
why the marble went there".

The numbers are the run's own.  Step k starts from the trajectory's row k (θ_k, the
gradient the optimizer was given, the learning rate in force and every state buffer
carried into the step) and replays the kernel's text once, coordinate by coordinate, in
Python floats exactly as the single-run loop does; θ_{k+1} comes out equal, bit for
bit, to the trajectory's next row (tests check it).  ``state`` is the optimizer's state
after the update under torch's own names (``exp_avg``, ``momentum_buffer``, ``sum``,
``step``…), the same numbers as torch's ``optimizer.state[p]`` after its (k+1)-th
``step()``; ``terms`` holds what the lines show besides (documented in ``TERMS``).
"""

from __future__ import annotations

import math

from gdsim.core import run_rules
from gdsim.core.explain_lines import FAMILIES
from gdsim.core.explain_text import Explanation, Line, fmt, header_lines, sub, sup
from gdsim.core.kernels import SCALAR_FUNCTIONS
from gdsim.core.optimizers import OPTIMIZERS

__all__ = [
    "STATE_SYMBOLS",
    "TERMS",
    "Explanation",
    "Line",
    "explain_step",
    "fmt",
    "sub",
    "sup",
]

#: the derived values an explanation gives, by name (``Explanation.terms``)
TERMS = {
    "grad_norm": "‖g‖ of the gradient given, before clipping",
    "clip_coef": "min(1, C / (‖g‖ + 1e-6)): the factor clipping applied (1: not clipped)",
    "grad_clipped": "g after clipping",
    "grad_weight_decay": "g + λθ (coupled weight decay)",
    "decay": "1 − αλ, the factor of decoupled weight decay (AdamW)",
    "direction": "what α multiplies: the step's direction before the minus sign",
    "clr": "Adagrad's decayed rate α / (1 + (t − 1)·lr_decay)",
    "bias_correction1": "1 − β₁ᵗ",
    "bias_correction2": "1 − β₂ᵗ",
    "exp_avg_hat": "m̂ = m / (1 − β₁ᵗ), the bias-corrected first moment",
    "exp_avg_sq_hat": "v̂ = v / (1 − β₂ᵗ), the bias-corrected second moment",
    "denom": "√v / √(1 − β₂ᵗ) + ε (Adam), √ṽ + ε (RMSprop), √s + ε (Adagrad)",
    "delta": "Δθ = θ_{k+1} − θ_k",
    "mu": "NAdam's μ_t = β₁·(1 − ½·0.96^(t·ψ)) and μ_{t+1} (mu_next)",
    "mu_next": "NAdam's μ_{t+1}",
    "rho_t": "RAdam's length of the approximated simple moving average",
    "rect": "RAdam's rectification r_t (0 while ρ_t ≤ 5: no adaptive step yet)",
    "step_factor": "Rprop's factor per coordinate: η₊ (same sign), η₋ (flipped) or 1",
    "eta": "ASGD's rate η used by this step",
    "std": "Adadelta's √(v + ε)",
}

#: how the lines (and the step table) write each state buffer, by torch's name
STATE_SYMBOLS = {
    "momentum_buffer": "b",
    "exp_avg": "m",
    "exp_avg_sq": "v",
    "max_exp_avg_sq": "v̂max",
    "sum": "s",
    "square_avg": "v",
    "grad_avg": "ḡ",
    "exp_inf": "u",
    "acc_delta": "u",
    "prev": "g′",
    "step_size": "η",
    "ax": "θ̄",
}


def explain_step(cfg, traj, k: int) -> Explanation:
    """Step ``k`` of the run of ``cfg`` recorded in ``traj`` (0 ≤ k < len(traj) − 1:
    the last row has no step after it; ValueError otherwise)."""
    if len(traj) < 2:
        raise ValueError("this run has no step to explain")
    if not 0 <= k < len(traj) - 1:
        raise ValueError(f"step must be in 0..{len(traj) - 2} (the steps this run took), got {k}")
    from gdsim.core.simulation import configured_optimizer, schedule_plan

    if not OPTIMIZERS[cfg.optimizer].element_wise:
        from gdsim.core.explain_vector import explain_vector_step

        return explain_vector_step(cfg, traj, k)
    _lrs, moms, cycled = schedule_plan(cfg, cfg.lr, k + 1)
    opt = configured_optimizer(cfg, moms)
    kern = opt.kernel
    cycle = _cycled_consts(kern, cycled, moms)
    dim = traj.dim
    p = tuple(float(v) for v in traj.position[k])
    g = tuple(float(v) for v in traj.grad[k])
    lr = float(traj.lr[k])
    before = {name: tuple(float(v) for v in traj.state[name][k]) for name in kern.state}
    terms: dict = {"grad_norm": math.sqrt(sum(x * x for x in g))}
    # clipping, exactly as the loop does it (run_rules' source)
    g_used = g
    if cfg.clip_norm is not None:
        names = [f"g_{i}" for i in range(dim)]
        ns = {"sqrt": math.sqrt, "clip": float(cfg.clip_norm), **dict(zip(names, g, strict=True))}
        exec("\n".join(run_rules.clip_lines(names)), {"__builtins__": {}}, ns)
        terms["clip_coef"] = ns["c"]
        g_used = tuple(ns[n] for n in names)
        terms["grad_clipped"] = g_used
    # the prelude (once per step), then the body per coordinate
    scalars = {
        "lr": lr,
        "k": float(k + 1),
        **kern.consts,
        **cycle(k),
        **_scalars_before(kern, traj.lr, k, cycle),
    }
    exec(kern.prelude, _SCALAR_ENV, scalars)
    per: list[dict] = []
    for i in range(dim):
        ns = {
            **scalars,
            "p": p[i],
            "g": g_used[i],
            **{name: before[name][i] for name in kern.state},
        }
        exec(kern.body, _SCALAR_ENV, ns)
        per.append(ns)
    if kern.scalars:  # what the step leaves in the scalar state
        after_scalars = dict(scalars)
        exec(kern.epilogue, _SCALAR_ENV, after_scalars)
        scalars_after = {name: float(after_scalars[name]) for name in kern.scalars}
    else:
        scalars_after = {}

    def vec(name):
        return tuple(float(ns[name]) for ns in per)

    p_next = vec("p")
    after = {name: vec(name) for name in kern.state}
    family = OPTIMIZERS[cfg.optimizer].torch_class
    # as torch keeps it: SGD counts no steps (and keeps no buffer without momentum)
    state: dict = after if family == "SGD" else {"step": k + 1, **after, **scalars_after}
    terms["delta"] = tuple(b - a for a, b in zip(p, p_next, strict=True))
    lines = header_lines(cfg, k, p, g, g_used, lr, terms)
    h = dict(opt.hyper)
    if cycled is not None:  # the momentum or β₁ the schedule set for this step
        h.update(momentum=moms[k]) if cycled == "momentum" else h.update(
            betas=(moms[k], h["betas"][1])
        )
    lines += FAMILIES[family](h, k, p, g_used, lr, scalars, per, before, after, terms)
    lines.append(Line(f"Δθ = θ{sub(k + 1)} − θ{sub(k)}", "delta", terms["delta"]))
    return Explanation(
        k, cfg.optimizer, p, g, lr, state, p_next, terms, tuple(lines), state_before=before
    )


# -- the lines, per torch class -------------------------------------------------------------


_SCALAR_ENV = {"__builtins__": {}, "max": max, **SCALAR_FUNCTIONS}


def _cycled_consts(kern, cycled, moms):
    """``cycle(k)``: the constants a momentum-cycling schedule sets at step k (none if
    the schedule does not)."""
    if cycled is None:
        return lambda _k: {}
    derived = f"one_minus_{cycled}"

    def cycle(k: int) -> dict:
        out = {cycled: moms[k]}
        if derived in kern.consts:
            out[derived] = 1 - moms[k]
        return out

    return cycle


def _scalars_before(kern, lrs, k: int, cycle) -> dict[str, float]:
    """A kernel's scalar state carried into step ``k``: its prelude and epilogue (which
    see no element) replayed over steps 0..k−1 with the run's own learning rates."""
    if not kern.scalars:
        return {}
    ns = {**kern.consts, **dict.fromkeys(kern.scalars, 0.0)}
    for j in range(k):
        ns.update(lr=float(lrs[j]), k=float(j + 1), **cycle(j))
        exec(kern.prelude, _SCALAR_ENV, ns)
        exec(kern.epilogue, _SCALAR_ENV, ns)
    return {name: ns[name] for name in kern.scalars}
