"""One step of an optimizer that is not element-wise (L-BFGS, Adafactor, Newton, the
line search), written out as :mod:`gdsim.core.explain` writes a kernel's: its state is
a history rather than a row, so the run is replayed up to the step and the optimizer's
own terms (the inner iterations, the tried step lengths, the Hessian's eigenvalues) give
the lines; ``state`` is torch's, under torch's names, after the step."""

from __future__ import annotations

import math

import numpy as np

from gdsim.core.explain_text import Explanation, Line, header_lines, sub

__all__ = ["explain_vector_step"]


def _plain(value):
    """A state value as the JSON and the lines hold it: tuples of floats, numbers."""
    if isinstance(value, np.ndarray):
        return tuple(float(v) for v in value.reshape(-1))
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.floating | np.integer):
        return value.item()
    return value


def explain_vector_step(cfg, traj, k: int) -> Explanation:
    """Step ``k`` of a vector optimizer (L-BFGS, Adafactor, Newton, the line search):
    the run replayed up to that step (its state is a history, not a row), the step's own
    numbers from the optimizer (its terms), and torch's state names after it."""
    from gdsim.core.simulation import schedule_plan
    from gdsim.core.surfaces import get_surface
    from gdsim.core.vector_loop import VectorRun

    one = cfg.replace(max_steps=k + 1)
    lrs, _moms, _cycled = schedule_plan(one, one.lr, k + 2)
    replay = VectorRun(one, get_surface(cfg.surface), lrs, capture=k)
    replay.run()
    if replay.captured is None:
        raise ValueError(f"step {k} of this run could not be replayed")
    _before, result = replay.captured
    p = tuple(float(v) for v in traj.position[k])
    g = tuple(float(v) for v in traj.grad[k])
    lr = float(traj.lr[k])
    p_next = tuple(float(v) for v in result.theta)
    terms = {
        "grad_norm": math.sqrt(sum(x * x for x in g)),
        **{key: _plain(v) for key, v in result.terms.items()},
    }
    terms["evaluations"] = len(result.evaluations)
    terms["delta"] = tuple(b - a for a, b in zip(p, p_next, strict=True))
    lines = header_lines(cfg, k, p, g, g, lr, terms)
    h = replay.opt.hyper
    lines += _VECTOR_LINES[cfg.optimizer](k, terms, p_next, h)
    lines.append(Line(f"Δθ = θ{sub(k + 1)} − θ{sub(k)}", "delta", terms["delta"]))
    state = {key: _plain(v) for key, v in result.state._asdict().items()}
    return Explanation(k, cfg.optimizer, p, g, lr, state, p_next, terms, tuple(lines))


def _lbfgs_lines(k, terms, p_next, _h) -> list[Line]:
    t, s = sub(k + 1), sub(k)
    if "d" not in terms:
        return [Line(f"θ{t} = θ{s}", "params_next", p_next, f"no step: {terms['stop']}")]
    n = terms["iterations"]
    return [
        Line(
            f"i = 1…{n}: dᵢ = −Hᵢ·gᵢ, θ ← θ + tᵢ·dᵢ",
            "iterations",
            float(n),
            f"{n} inner iterations, each a quasi-Newton step; {terms['evaluations']}"
            f" evaluations of f; stopped by {terms['stop']}",
        ),
        Line(
            f"d{sub(n)} = −H{sub(n)}·g{sub(n)}",
            "d",
            terms["d"],
            f"the last inner direction; H{sub(n)} from {terms['memory']} pairs (s, y) of steps"
            " and gradient changes",
        ),
        Line(f"t{sub(n)}", "t", terms["t"], "its step length (line search, or lr)"),
        Line(f"θ{t} = θ{s} + Σᵢ tᵢ·dᵢ", "params_next", p_next),
    ]


def _adafactor_lines(k, terms, p_next, _h) -> list[Line]:
    t, s, n = sub(k + 1), sub(k), k + 1
    return [
        Line(f"1 − β̂₂ = {n}^beta2_decay", "beta2_hat_complement", terms["beta2_hat_complement"]),
        Line(f"ρ = min(α, 1/√{n})", "rho_t", terms["rho_t"]),
        Line("a = max(ε₂, RMS(θ))·ρ", "alpha", terms["alpha"], "steps relative to the size of θ"),
        Line("u = g / √max(v, ε₁²)", "update", terms["update"], "v: the variance of g"),
        Line("c = max(1, RMS(u) / d)", "denom", terms["denom"], "the update's RMS clipped at d"),
        Line(f"θ{t} = θ{s} − a·u / c", "params_next", p_next),
    ]


def _newton_lines(k, terms, p_next, h) -> list[Line]:
    t, s = sub(k + 1), sub(k)
    eig = terms["eigenvalues"]
    damping = float(h.get("damping", 0.0))
    kind = "a minimum's bowl" if min(eig) > 0 else "a saddle" if max(eig) > 0 else "a maximum's cap"
    if min(eig) <= 0:
        shifted = min(eig) + damping
        kind += (
            f"; H + λI is positive (λ = {damping:g}): a step downhill"
            if shifted > 0
            else ": Newton heads for it anyway"
        )
    return [
        Line(f"eig ∇²f(θ{s})", "eigenvalues", tuple(eig), kind),
        Line("d = (H + λI)⁻¹·g", "direction", terms["direction"], f"cond = {terms['cond']:.3g}"),
        Line(f"θ{t} = θ{s} − α·d", "params_next", p_next),
    ]


def _linesearch_lines(k, terms, p_next, _h) -> list[Line]:
    t, s = sub(k + 1), sub(k)
    tried = terms["tried"]
    return [
        Line(
            "t tried",
            "tried",
            tuple(tried),
            "halved until f(θ − t·g) ≤ f(θ) − c₁·t·‖g‖² (Armijo)",
        ),
        Line("f at each", "losses", tuple(terms["losses"])),
        Line(f"θ{t} = θ{s} − t·g", "params_next", p_next, f"t = {terms['t']:g} accepted"),
    ]


_VECTOR_LINES = {
    "lbfgs": _lbfgs_lines,
    "adafactor": _adafactor_lines,
    "newton": _newton_lines,
    "linesearch": _linesearch_lines,
}
