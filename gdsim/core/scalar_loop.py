"""The single-run loop, unrolled over the coordinates, in plain Python floats.

One run of a 2-parameter problem is a 2-vector: a numpy call costs more than the
arithmetic it does.  This module turns an optimizer's kernel text (see
:mod:`gdsim.core.optimizers`) into a loop whose per-coordinate variables are
ordinary locals (``p_0``, ``exp_avg_1``...), compiled once per kernel shape and cached;
hyperparameter values are passed in at call time, so dragging α never recompiles.

The loop records one row per step and returns ``(rows, code, step)`` where ``code``
says why it stopped: a :class:`gdsim.core.run_rules.Stop`, whose rules (and their
source text, shared with the exported scripts) live in :mod:`gdsim.core.run_rules`.
The generated source is registered with ``linecache``, so a traceback from inside the
loop shows its lines.
"""

from __future__ import annotations

import linecache
import re
from array import array
from functools import lru_cache
from itertools import count

from gdsim.core import run_rules
from gdsim.core.kernels import SCALAR_FUNCTIONS, Kernel
from gdsim.core.run_rules import Stop

__all__ = ["compile_loop"]


def _per_coordinate(text: str, names: tuple[str, ...], i: int) -> str:
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b")
    return pattern.sub(lambda m: f"{m.group(1)}_{i}", text)


def _ind(text: str, n: int) -> str:
    return "\n".join((" " * n + ln) if ln else ln for ln in text.splitlines())


def _tuple(names: list[str]) -> str:
    return ", ".join(names) + ("," if len(names) == 1 else "")


def compile_loop(
    kernel: Kernel,
    dim: int,
    stochastic: bool,
    grad_tol: bool,
    loss_tol: bool,
    clip: bool,
    lr_from_loss: bool = False,
    cycled: str | None = None,
):
    """The loop function ``run(theta, fg, sgrad, lrs, n, lo, hi, gtol2, ltol, clip, C, stop,
    moms)``.

    ``fg(*p)`` returns the loss and the exact gradient; ``sgrad(*p)`` (stochastic runs
    only) the gradient the optimizer uses.  ``lrs[k]`` is the rate of step k, or with
    ``lr_from_loss`` (ReduceLROnPlateau) ``lrs(k, loss)`` gives it from the loss at θ_k.
    ``cycled`` names the constant a schedule sets at every step (``momentum`` or
    ``beta1``: OneCycleLR, CyclicLR) to ``moms[k]``.
    """
    return _compile(
        kernel.source_key,
        kernel.elements,
        dim,
        stochastic,
        grad_tol,
        loss_tol,
        clip,
        lr_from_loss,
        cycled,
    )


@lru_cache(maxsize=256)
def _compile(key, elements, dim, stochastic, grad_tol, loss_tol, clip, lr_from_loss, cycled):
    state, init_items, prelude, body, _temps, consts, scalars, epilogue = key
    R = range(dim)
    p = [f"p_{i}" for i in R]
    g = [f"g_{i}" for i in R]
    full = [f"f_{i}" for i in R] if stochastic else g
    rec = p + ["loss"] + g + (full if stochastic else [])
    for name in state:  # every buffer, as carried into the step (torch's state names)
        rec += [f"{name}_{i}" for i in R]
    L = []
    funcs = ", ".join(f"{f}={f}" for f in SCALAR_FUNCTIONS)  # locals: fast lookups
    L.append(
        "def run(theta, fg, sgrad, lrs, n, lo, hi, gtol2, ltol, clip, C, stop=None, moms=None,"
        f" {funcs}):"
    )
    L += [f"    {c} = C[{c!r}]" for c in consts]
    L += [f"    {name} = 0.0" for name in scalars]
    L.append(f"    {_tuple(p)} = theta")
    L.append(f"    {_tuple([f'lo_{i}' for i in R])} = lo")
    L.append(f"    {_tuple([f'hi_{i}' for i in R])} = hi")
    for name, expr in init_items:
        for i in R:
            L.append(f"    {name}_{i} = {_per_coordinate(expr, elements, i)}")
    L += [
        "    rows = []",
        "    done = darray('d')  # 8 bytes a number, not a Python float's 32",
        "    def out():",
        "        done.extend(rows)",
        "        return done",
        "    ext = rows.extend",
        "    prev = 0.0",
        "    k0 = 0",
        "    k = 0.0",
        "    try:",
    ]
    # rows 0..n-1 are recorded then stepped, in chunks of 256 steps between two questions
    # to the caller (has it given up on this run: closed, or a newer configuration?);
    # row n is recorded after the loop, so no step asks "is this the last row?"
    H = []  # row k0: evaluate, check, record (the rules of run_rules, steps 1-5)
    H.append(f"loss, {_tuple(full)} = fg({', '.join(p)})")
    if stochastic:
        H.append(f"{_tuple(g)} = sgrad({', '.join(p)})")
    H += run_rules.check_lines(
        undefined=run_rules.not_finite(["loss", *g, *(full if stochastic else [])]),
        inside=" and ".join(f"lo_{i} <= p_{i} <= hi_{i}" for i in R),
        grad_sq=" + ".join(f"{x} * {x}" for x in full) if grad_tol else None,
        loss_tol="ltol" if loss_tol else None,
        record=[f"ext(({_tuple(rec)}))"],
        stop=lambda code: [f"return out(), {int(code)}, k0"],
    )
    U = []  # one optimizer step (step 7)
    if clip:
        U += run_rules.clip_lines(g)
    U.append("lr = lrs(k0, loss)" if lr_from_loss else "lr = lrs[k0]")
    if cycled is not None:  # torch's scheduler wrote it into the parameter group
        U.append(f"{cycled} = moms[k0]")
        if f"one_minus_{cycled}" in consts:
            U.append(f"one_minus_{cycled} = 1 - {cycled}")
    U.append("k = k + 1.0")
    U.append(prelude)
    for i in R:
        U.append(_per_coordinate(body, elements, i))
    U.append(epilogue)
    L.append("        for c0 in range(0, n, 256):")
    L.append("            if stop is not None and stop():")
    L.append(f"                return out(), {int(Stop.CANCELLED)}, c0")
    L.append("            done.extend(rows)  # each chunk's rows into the compact record")
    L.append("            del rows[:]")
    L.append("            for k0 in range(c0, c0 + 256 if c0 + 256 < n else n):")
    L.append(_ind("\n".join(H + U), 16))
    L.append("        k0 = n")
    L.append(_ind("\n".join(H), 8))
    # an arithmetic error in f or ∇f at row k0 (row not recorded) is undefined at k0; one
    # in the optimizer's step after row k0 was recorded shows at the row after it, as
    # the inf or NaN it gives in numpy (many runs at once) does
    L.append("    except UNDEFINED_ERRORS:")
    L.append("        recorded = len(done) + len(rows)")
    L.append(f"        return out(), {int(Stop.UNDEFINED)}, k0 + (recorded > k0 * {len(rec)})")
    L.append(f"    return out(), {int(Stop.MAX_STEPS)}, k0")
    src = "\n".join(L) + "\n"
    ns = {
        **SCALAR_FUNCTIONS,
        "UNDEFINED_ERRORS": run_rules.UNDEFINED_ERRORS,
        "darray": array,
    }
    filename = _register(src)
    exec(compile(src, filename, "exec"), ns)
    fn = ns["run"]
    fn.source = src
    fn.layout = {"stochastic": stochastic, "state": state}
    return fn


_sources = count(1)


def _register(src: str) -> str:
    """Put generated source where tracebacks look for it: a traceback from the loop
    then shows the line that failed instead of nothing."""
    name = f"<gdsim scalar loop {next(_sources)}>"
    linecache.cache[name] = (len(src), None, src.splitlines(True), name)
    return name
