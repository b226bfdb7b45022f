"""The single-run loop, unrolled over the coordinates, in plain Python floats.

One run of a 2-parameter problem is a 2-vector: a numpy call costs more than the
arithmetic it does.  This module turns an optimizer's kernel text (see
:mod:`gdsim.core.optimizers`) into a loop whose per-coordinate variables are
ordinary locals (``p_0``, ``exp_avg_1``...), compiled once per kernel shape and cached;
hyperparameter values are passed in at call time, so dragging α never recompiles.

The loop records one row per step and returns ``(rows, code, step)`` where ``code``
says why it stopped (see ``STOP_*``).
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

from gdsim.core.optimizers import Kernel

__all__ = ["STOP_REASONS", "compile_loop"]

(
    STOP_MAX,
    STOP_NONFINITE,
    STOP_OUTSIDE,
    STOP_GRAD_TOL,
    STOP_LOSS_TOL,
    STOP_OVERFLOW,
    STOP_CANCELLED,
) = range(7)
STOP_REASONS = {
    STOP_MAX: "max steps",
    STOP_NONFINITE: "non-finite loss",
    STOP_OUTSIDE: "left the domain",
    STOP_GRAD_TOL: "gradient norm below tol",
    STOP_LOSS_TOL: "loss change below tol",
    STOP_OVERFLOW: "overflow or undefined value",
    STOP_CANCELLED: "cancelled",
}


def _per_coordinate(text: str, names: tuple[str, ...], i: int) -> str:
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b")
    return pattern.sub(lambda m: f"{m.group(1)}_{i}", text)


def _ind(text: str, n: int) -> str:
    return "\n".join((" " * n + ln) if ln else ln for ln in text.splitlines())


def _tuple(names: list[str]) -> str:
    return ", ".join(names) + ("," if len(names) == 1 else "")


def compile_loop(
    kernel: Kernel, dim: int, stochastic: bool, grad_tol: bool, loss_tol: bool, clip: bool
):
    """The loop function ``run(theta, fg, sgrad, lrs, n, lo, hi, gtol2, ltol, clip, C, stop)``.

    ``fg(*p)`` returns the loss and the exact gradient; ``sgrad(*p)`` (stochastic runs
    only) the gradient the optimizer uses.
    """
    return _compile(
        kernel.source_key,
        kernel.elements,
        kernel.velocity,
        kernel.scale,
        dim,
        stochastic,
        grad_tol,
        loss_tol,
        clip,
    )


@lru_cache(maxsize=256)
def _compile(key, elements, velocity, scale, dim, stochastic, grad_tol, loss_tol, clip):
    _state, init_items, prelude, body, _temps, consts = key
    R = range(dim)
    p = [f"p_{i}" for i in R]
    g = [f"g_{i}" for i in R]
    full = [f"f_{i}" for i in R] if stochastic else g
    rec = p + ["loss"] + g + (full if stochastic else [])
    if velocity:
        rec += [f"{velocity}_{i}" for i in R]
    if scale:
        rec += [f"{scale}_{i}" for i in R]
    L = []
    L.append(
        "def run(theta, fg, sgrad, lrs, n, lo, hi, gtol2, ltol, clip, C, stop=None, sqrt=sqrt,"
        " maximum=maximum):"
    )
    L += [f"    {c} = C[{c!r}]" for c in consts]
    L.append(f"    {_tuple(p)} = theta")
    L.append(f"    {_tuple([f'lo_{i}' for i in R])} = lo")
    L.append(f"    {_tuple([f'hi_{i}' for i in R])} = hi")
    for name, expr in init_items:
        for i in R:
            L.append(f"    {name}_{i} = {_per_coordinate(expr, elements, i)}")
    L += [
        "    rows = []",
        "    ext = rows.extend",
        "    prev = 0.0",
        "    k0 = 0",
        "    k = 0.0",
        "    try:",
    ]
    # rows 0..n-1 are recorded then stepped, in chunks of 256 steps between two questions
    # to the caller (has it given up on this run: closed, or a newer configuration?);
    # row n is recorded after the loop, so no step asks "is this the last row?"
    H = []  # record row k0 (and stop on a non-finite value, outside the domain, a tolerance)
    H.append(f"loss, {_tuple(full)} = fg({', '.join(p)})")
    if stochastic:
        H.append(f"{_tuple(g)} = sgrad({', '.join(p)})")
    # x − x is 0 for every finite x and NaN for ±inf and NaN
    H.append(f"s = loss + {' + '.join(g + (full if stochastic else []))}")
    H.append("if s - s != 0.0:")
    H.append(f"    return rows, {STOP_NONFINITE}, k0")
    H.append(f"ext(({_tuple(rec)}))")
    inside = " and ".join(f"lo_{i} <= p_{i} <= hi_{i}" for i in R)
    H.append(f"if not ({inside}):")
    H.append(f"    return rows, {STOP_OUTSIDE}, k0")
    if grad_tol:
        H.append(f"if {' + '.join(f'{x} * {x}' for x in full)} < gtol2:")
        H.append(f"    return rows, {STOP_GRAD_TOL}, k0")
    if loss_tol:
        H.append("if k0 and abs(loss - prev) < ltol:")
        H.append(f"    return rows, {STOP_LOSS_TOL}, k0")
        H.append("prev = loss")
    U = []  # one optimizer step
    if clip:  # torch.nn.utils.clip_grad_norm_: coef = max_norm / (norm + 1e-6), clamped at 1
        U.append(f"c = clip / (sqrt({' + '.join(f'{x} * {x}' for x in g)}) + 1e-6)")
        U.append("if c > 1.0:")
        U.append("    c = 1.0")
        U += [f"{x} = {x} * c" for x in g]
    U.append("lr = lrs[k0]")
    U.append("k = k + 1.0")
    U.append(prelude)
    for i in R:
        U.append(_per_coordinate(body, elements, i))
    L.append("        for c0 in range(0, n, 256):")
    L.append("            if stop is not None and stop():")
    L.append(f"                return rows, {STOP_CANCELLED}, c0")
    L.append("            for k0 in range(c0, c0 + 256 if c0 + 256 < n else n):")
    L.append(_ind("\n".join(H + U), 16))
    L.append("        k0 = n")
    L.append(_ind("\n".join(H), 8))
    L.append("    except (OverflowError, ZeroDivisionError, ValueError):")
    L.append(f"        return rows, {STOP_OVERFLOW}, k0")
    L.append(f"    return rows, {STOP_MAX}, k0")
    src = "\n".join(L) + "\n"
    ns = {"sqrt": math.sqrt, "maximum": max}
    exec(compile(src, "<gdsim scalar loop>", "exec"), ns)
    fn = ns["run"]
    fn.source = src
    fn.layout = {"stochastic": stochastic, "velocity": bool(velocity), "scale": bool(scale)}
    return fn
