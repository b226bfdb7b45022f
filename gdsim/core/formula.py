"""Custom surfaces from a formula a teacher types, e.g. ``sin(x)*cos(y) + 0.1*(x^2+y^2)``.

The text is never executed, nor handed to ``eval``, ``sympify`` or ``parse_expr``. It is
parsed (:mod:`gdsim.core.formula_parse`) by Python's ``ast`` (which only builds a
tree), and every node of that tree is checked against a short whitelist: numbers,
``x``, ``y``, ``pi``, ``e``, ``+ - * / ^ **``, parentheses and the functions in
``FUNCTIONS``, each with one argument. The checked tree is turned into a sympy
expression node by node; sympy differentiates it exactly (twice, for the Hessian, on
first use), and sympy's code printers write f and ∇f as Python source over numpy
(one-element arrays for a run, many points at once for drawing). That source is
compiled from sympy's tree, never from the text.

Building is bounded: sympy would evaluate a function of a number (``sin(exp(exp(20.0)))``)
at whatever precision it needs, for minutes or for ever, so a function or power of
numbers is computed here in float64, as the run will compute it, and refused when it
leaves float range; only sums, products and whole powers of whole numbers stay exact.
``abs`` differentiates as sign(u)·u′ (what torch does), which stays real where u is.

A surface made from a formula is named ``formula:<text>`` (``surface_name``), so the
scene, sessions, the command line and the exports carry it like any other surface name.
"""

from __future__ import annotations

import math
from dataclasses import replace
from functools import lru_cache

import numpy as np

from gdsim.core.formula_parse import (
    DOMAIN,
    FUNCTIONS,
    PREFIX,
    SYMPY_FAILURES,
    VARIABLES,
    FormulaError,
    check_numbers,
    formula_text,
    is_formula,
    parse,
    surface_name,
)

__all__ = [  # the parser's names too: callers import them from here
    "FUNCTIONS",
    "PREFIX",
    "FormulaError",
    "formula_surface",
    "formula_text",
    "is_formula",
    "parse",
    "surface_name",
]

# -- the surface ------------------------------------------------------------------------


def _compile(expr_list, params):
    """Python source and function for ``fg(*params)`` -> the expressions, printed by
    sympy's numpy printer: over arrays of many points, and over one-element arrays for
    one run, so that both round alike (a negative number to a fractional power is NaN,
    which a run reports as undefined)."""
    import sympy
    from sympy.printing.numpy import NumPyPrinter

    printer = NumPyPrinter()
    shared, reduced = sympy.cse(expr_list, symbols=sympy.numbered_symbols("t"))
    lines = [f"def fg({', '.join(params)}, xp=None):"]
    lines += [f"    {s} = {printer.doprint(e)}" for s, e in shared]
    lines.append(f"    return ({', '.join(printer.doprint(e) for e in reduced)},)")
    src = "\n".join(lines) + "\n"
    namespace = {"math": math, "numpy": np}
    exec(compile(src, "<gdsim formula>", "exec"), namespace)  # sympy's printout, not the text
    return src, namespace["fg"]


_CANDIDATES = ((-4.0, 3.5), (3.5, -4.0), (4.0, 4.0), (-4.0, -4.0), (2.0, 1.0), (1.0, 0.5))


def _default_start(scalar, grid_points, grid_ok) -> tuple[float, ...]:
    """The first candidate start where f and ∇f are defined, else the nearest grid
    point where they are."""
    dim = grid_points.shape[-1]
    for c in _CANDIDATES:
        point = c[:dim]
        try:
            values = scalar(*point)
        except (ArithmeticError, ValueError, TypeError):
            continue
        if all(isinstance(v, int | float) and math.isfinite(v) for v in values):
            return point
    ok = grid_points[grid_ok]
    best = np.argmin(np.sum((ok - np.array(_CANDIDATES[0][:dim])) ** 2, axis=-1))
    return tuple(float(v) for v in ok[best])


@lru_cache(maxsize=32)
def formula_surface(text: str):
    """The Surface of a formula (its name is ``surface_name(text)``); FormulaError if the
    formula is refused or has no finite value anywhere on the domain, whatever the
    reason (one line, never another exception)."""
    try:
        return _formula_surface(text)
    except FormulaError:
        raise
    except SYMPY_FAILURES as e:
        raise FormulaError(f"this formula cannot be computed with ({type(e).__name__})") from None


def _formula_surface(text: str):
    import sympy

    from gdsim.core.surface import Surface

    text = text.strip()
    expr = parse(text)
    names = [v for v in VARIABLES if sympy.Symbol(v, real=True) in expr.free_symbols]
    params = ("x", "y") if "y" in names else ("x",)
    symbols = [sympy.Symbol(p, real=True) for p in params]
    grads = [sympy.diff(expr, s) for s in symbols]
    for g in grads:
        check_numbers(g)
    if any(g.has(sympy.I) for g in grads):  # e.g. (-2)^x: defined at whole x only
        raise FormulaError(
            "the formula's slope has imaginary values (a negative number to a power x?)"
        )
    source, vector = _compile([expr, *grads], params)
    hess = _lazy_hessian(grads, symbols, params)

    def fg(*coords, xp=None):
        if xp is np:
            return vector(*(np.asarray(c, dtype=float) for c in coords))
        # one run: one-element arrays, so that numpy rounds as for many points at once
        out = vector(*(np.array([c], dtype=float) for c in coords))
        return tuple(float(np.asarray(v, dtype=float).reshape(-1)[0]) for v in out)

    def scalar(*coords):
        with np.errstate(all="ignore"):
            return fg(*coords)

    # f and ∇f on a coarse grid: is the formula defined anywhere, and how do levels look
    axis = np.linspace(*DOMAIN, 41)
    mesh = np.meshgrid(*([axis] * len(params)), indexing="ij")
    with np.errstate(all="ignore"):
        comps = [
            np.broadcast_to(np.asarray(c, dtype=float), mesh[0].shape) for c in fg(*mesh, xp=np)
        ]
    defined = np.logical_and.reduce([np.isfinite(c) for c in comps])
    if not defined.any():
        raise FormulaError("the formula has no finite value for x, y in [−5, 5]")
    low, mid, high = np.quantile(comps[0][defined], [0.0, 0.5, 1.0])
    log_levels = bool(low >= 0.0 and high - low > 100.0 * (mid - low + 1e-12))
    signature = "f(x, y)" if len(params) == 2 else "f(x)"
    surface = Surface(
        name=surface_name(text),
        title="Your formula",
        formula=f"{signature} = {text}",
        params=params,
        fg=fg,
        domain=(DOMAIN,) * len(params),
        critical_points=(),
        description=(
            "Your own formula. sympy differentiates it exactly; the marbles follow that "
            "gradient. Click the map to drop more marbles."
        ),
        log_levels=log_levels,
        default_start=_default_start(scalar, np.stack(mesh, axis=-1), defined),
        hess=hess,
        extra={"numpy_source": source, "expression": str(expr)},
    )
    return replace(surface, default_lr=_default_lr(surface))


def _lazy_hessian(grads, symbols, params):
    """The Hessian's entries, derived and compiled on first use (the curvature lens, the
    stability hint), not while a formula is checked as it is typed; None from a formula
    whose second derivatives sympy cannot print (the surface then takes differences)."""
    compiled = []

    def hess(*coords):
        if not compiled:
            try:
                compiled.append(_hessian(grads, symbols, params))
            except (FormulaError, *SYMPY_FAILURES):
                compiled.append(None)
        return None if compiled[0] is None else compiled[0](*coords)

    return hess


def _hessian(grads, symbols, params):
    """The exact Hessian's entries on and above the diagonal, compiled as f and ∇f are;
    |u|'s kink and sign(u)'s step count as flat (no Dirac delta), as in torch."""
    import sympy

    entries = []
    for i, g in enumerate(grads):
        for s in symbols[i:]:
            h = sympy.diff(g, s).replace(sympy.DiracDelta, lambda *a: sympy.S.Zero)
            h = h.replace(
                lambda e: isinstance(e, sympy.Derivative) and e.expr.func is sympy.sign,
                lambda e: sympy.S.Zero,
            )
            check_numbers(h)
            entries.append(h)
    if any(h.has(sympy.I) or h.has(sympy.Derivative) for h in entries):
        return None  # second derivatives by differences of the exact gradient
    _, compiled = _compile(entries, params)

    def hess(*coords):
        return compiled(*(np.asarray(c, dtype=float) for c in coords))

    return hess


def _default_lr(surface) -> float:
    """0.1, or less where the surface curves sharply at the start (α < 1/λmax there,
    from the Hessian by differences of the exact gradient)."""
    try:
        with np.errstate(all="ignore"):  # differences: the exact one is built on first use
            h = surface.hessians_by_differences(np.asarray(surface.default_start, dtype=float))
            lam = float(np.max(np.abs(np.linalg.eigvalsh(h))))
    except (ArithmeticError, ValueError, np.linalg.LinAlgError):
        return 0.1
    if not math.isfinite(lam) or lam <= 10.0:
        return 0.1
    return float(f"{1.0 / lam:.0e}")
