"""The numpy script of an optimizer that is not element-wise (L-BFGS, Adafactor, Newton,
the line search; see :mod:`gdsim.io.code_export`): gdsim's own source of its class and
of torch's arithmetic it follows, stepped by the rules of run_rules as
:mod:`gdsim.core.vector_loop` steps it, so the script prints gdsim's trajectory."""

from __future__ import annotations

import inspect
import textwrap

from gdsim.core import lbfgs, run_rules
from gdsim.core import torch_arith as ta
from gdsim.core import vector_optimizers as vo
from gdsim.core import vector_step as vs
from gdsim.core.optimizers import OPTIMIZERS, validate_hyper
from gdsim.core.simulation import RunConfig
from gdsim.io.script_parts import (
    CodeExportError,
    _function_source,
    _loop_head,
    _numpy_head,
    _numpy_rows,
    _schedule_lines,
    _schedule_setup,
)

__all__ = ["vector_numpy_script"]


# what the optimizers that are not element-wise need of gdsim.core (vector_step, lbfgs,
# vector_optimizers)
_VECTOR_COMMON = (
    ta._two_sum,
    ta._split,
    ta._axpy,
    ta._fma,
    ta._in_safe_range,
    ta._exact_axpy,
    ta._dot,
    ta._norm,
    ta._lerp,
    ta._max_abs,
    vs.StepCount,
    vs.StepResult,
    vs.VectorOptimizer,
)
_VECTOR_OWN = {
    "lbfgs": (
        lbfgs.LBFGSState,
        lbfgs._cubic_interpolate,
        lbfgs._div,
        lbfgs._strong_wolfe,
        lbfgs.LBFGS,
    ),
    "adafactor": (vo.AdafactorState, vo.Adafactor),
    "newton": (vo.Newton,),
    "linesearch": (vo.LineSearch,),
}


def _vector_source(name: str) -> str:
    """The optimizer's class and the helpers it uses, gdsim's own source."""
    head = [
        "import math",
        "import struct",
        "from abc import ABC, abstractmethod",
        "from collections.abc import Callable, Mapping",
        "from dataclasses import dataclass, field, replace",
        "from fractions import Fraction",
        "from typing import Any, ClassVar, NamedTuple",
        "",
        f"UNDEFINED_ERRORS = {run_rules.UNDEFINED_ERRORS!r}".replace("<class '", "").replace(
            "'>", ""
        ),
        f"_SPLIT = {ta._SPLIT!r}",
        f"_SAFE = {ta._SAFE!r}",
        f"_FEW = {ta._FEW!r}",
        "FG = Callable",
        "Hess = Callable",
        "",
    ]
    parts = [inspect.getsource(obj) for obj in (*_VECTOR_COMMON, *_VECTOR_OWN[name])]
    return "\n".join(head) + "\n\n" + "\n\n".join(parts)


def _hessian_source(surface) -> str:
    """``hess(theta)``: the exact Hessian as gdsim assembles it (the built-in analytic
    surfaces write their second derivatives out; CodeExportError otherwise)."""
    fn = surface.hess
    if fn is None or inspect.getmodule(fn).__name__ != "gdsim.core.functions":
        raise CodeExportError(
            f"newton's numpy script needs {surface.name}'s Hessian written out: only the"
            " built-in analytic surfaces have it"
        )
    return _function_source(fn, "hess_entries") + textwrap.dedent(f"""

        def hess(theta):
            entries = iter(hess_entries(*(float(v) for v in theta)))
            d = {surface.dim}
            out = np.empty((d, d))
            for i in range(d):
                for j in range(i, d):
                    out[i, j] = out[j, i] = next(entries)
            return out
        """)


def vector_numpy_script(cfg: RunConfig, surface) -> str:
    """The numpy script of a vector optimizer: its class (gdsim's source) stepped by the
    rules of run_rules, as gdsim.core.vector_loop steps it."""
    spec = OPTIMIZERS[cfg.optimizer]
    h = validate_hyper(cfg.optimizer, cfg.hyper)
    cls = spec.factory.__name__
    lines = [
        *_numpy_head(cfg, surface),
        _hessian_source(surface) if spec.needs_hessian else "hess = None",
        "",
        f"# {spec.description}",
        _vector_source(cfg.optimizer),
        "",
        "",
        "def closure(theta):",
        "    loss, *grad = fg(*(float(v) for v in theta))",
        "    return float(loss), np.array(grad, dtype=float)",
        "",
        "",
        f"opt = {cls}({h!r})",
        *_loop_head(cfg, surface),
        "p = np.array(START, dtype=float)",
        "state = opt.init(p)",
        f"lr = {cfg.lr!r}",
        *_schedule_setup(cfg),
        "prev, perm, N = 0.0, None, 0",
        "pos = N",
        *_numpy_rows(cfg, surface),
        *_schedule_lines(cfg, None, {}),
        "    try:",
        "        result = opt.step(p, loss, np.array(g, dtype=float), state, lr, closure, hess)",
        "    except UNDEFINED_ERRORS:",
        "        p = np.full(len(p), np.nan)",
        "        continue",
        "    if result.status is not None:",
        "        print(f'stopped at step {k0} ({result.status})', file=sys.stderr)",
        "        break",
        "    p, state = result.theta, result.state",
        "",
    ]
    return "\n".join(lines)
