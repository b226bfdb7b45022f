"""Compile an optimizer kernel's text into an in-place numpy step over preallocated arrays.

A kernel body (see :mod:`gdsim.core.optimizers`) is a few assignments of arithmetic
expressions.  Evaluated naively on arrays, every operator allocates a new array,
and for tens of thousands of runs the allocations cost more than the arithmetic.
Here each assignment becomes a sequence of ufunc calls with ``out=``, writing
sub-expressions into a small pool of scratch arrays and the result into the target's
own buffer.  Operations and their order are exactly those of the text, so the
numbers are bit-identical to the single-run loop.

Names in the body are either per-element (``p``, ``g``, state and temporaries:
arrays) or scalars (hyperparameters, prelude results, ``lr``, ``k``).
"""

from __future__ import annotations

import ast
from functools import lru_cache

import numpy as np

from gdsim.core.kernels import ARRAY_FUNCTIONS

__all__ = ["compile_inplace"]

_UFUNC = {ast.Add: "add", ast.Sub: "subtract", ast.Mult: "multiply", ast.Div: "true_divide"}
_COMPARE = {ast.Gt: "greater", ast.Lt: "less", ast.Eq: "equal", ast.NotEq: "not_equal"}


class _Emitter:
    def __init__(self, elements: set[str]):
        self.elements = elements
        self.lines: list[str] = []
        self.n_temps = 0
        self._free: list[str] = []

    # -- scratch arrays ---------------------------------------------------------------
    def _temp(self) -> str:
        if self._free:
            return self._free.pop()
        name = f"_t{self.n_temps}"
        self.n_temps += 1
        return name

    def _release(self, name: str) -> None:
        if name.startswith("_t") and name not in self._free:
            self._free.append(name)

    # -- expressions ------------------------------------------------------------------
    def is_array(self, node: ast.AST) -> bool:
        return any(isinstance(n, ast.Name) and n.id in self.elements for n in ast.walk(node))

    def expr(self, node: ast.AST, out: str | None, indent: str) -> str:
        """Emit code computing ``node``; return the name holding it (``out`` if given)."""
        if not self.is_array(node):  # a scalar: plain Python, evaluated once per step
            src = ast.unparse(node)
            if out is None:
                return f"({src})"
            self.lines.append(f"{indent}np.copyto({out}, {src})")
            return out
        if isinstance(node, ast.Name):
            if out is not None and out != node.id:
                self.lines.append(f"{indent}np.copyto({out}, {node.id})")
                return out
            return node.id
        if isinstance(node, ast.BinOp) and type(node.op) in _UFUNC:
            a = self.expr(node.left, None, indent)
            b = self.expr(node.right, None, indent)
            dest = out or (a if a.startswith("_t") else b if b.startswith("_t") else self._temp())
            self.lines.append(f"{indent}np.{_UFUNC[type(node.op)]}({a}, {b}, out={dest})")
            for x in (a, b):
                if x != dest:
                    self._release(x)
            return dest
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            a = self.expr(node.operand, None, indent)
            dest = out or (a if a.startswith("_t") else self._temp())
            self.lines.append(f"{indent}np.negative({a}, out={dest})")
            return dest
        if (
            isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _COMPARE
        ):  # 1.0 where true, 0.0 where not (a where()'s condition)
            a = self.expr(node.left, None, indent)
            b = self.expr(node.comparators[0], None, indent)
            dest = out or (a if a.startswith("_t") else b if b.startswith("_t") else self._temp())
            self.lines.append(f"{indent}np.{_COMPARE[type(node.ops[0])]}({a}, {b}, out={dest})")
            for x in (a, b):
                if x != dest:
                    self._release(x)
            return dest
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            fn = ARRAY_FUNCTIONS[node.func.id]
            args = [self.expr(a, None, indent) for a in node.args]
            temps = [a for a in args if a.startswith("_t")]
            dest = out or (temps[0] if temps else self._temp())
            if fn == "where":  # (numpy's where has no out=)
                self.lines.append(f"{indent}np.copyto({dest}, np.where({', '.join(args)}))")
            else:
                self.lines.append(f"{indent}np.{fn}({', '.join(args)}, out={dest})")
            for x in args:
                if x != dest:
                    self._release(x)
            return dest
        raise ValueError(f"kernel expression not supported: {ast.unparse(node)}")

    def statements(self, body: list[ast.stmt], indent: str) -> None:
        for st in body:
            if isinstance(st, ast.Assign) and len(st.targets) == 1:
                target = st.targets[0].id
                if target not in self.elements:
                    self.lines.append(f"{indent}{ast.unparse(st)}")
                else:
                    self.expr(st.value, target, indent)
            elif isinstance(st, ast.If) and not self.is_array(st.test):
                self.lines.append(f"{indent}if {ast.unparse(st.test)}:")
                self.statements(st.body, indent + "    ")
                if st.orelse:
                    self.lines.append(f"{indent}else:")
                    self.statements(st.orelse, indent + "    ")
            else:
                raise ValueError(f"kernel statement not supported: {ast.unparse(st)}")


@lru_cache(maxsize=256)
def compile_inplace(
    body: str,
    prelude: str,
    elements: tuple[str, ...],
    consts: tuple[str, ...],
    scalars: tuple[str, ...] = (),
    epilogue: str = "",
):
    """``step(p, g, S, T, lr, k, C)``: update ``p`` and the state arrays in ``S`` in place.

    ``S`` maps state names to arrays (and each scalar state name to its number, 0.0
    before the first step), ``T`` is a list of ``step.n_temps`` scratch arrays of the
    same shape, ``C`` maps constant names to floats.
    """
    em = _Emitter(set(elements))
    em.statements(ast.parse(body).body, "    ")
    state = [e for e in elements if e not in ("p", "g") and not e.startswith("_")]
    head = ["def step(p, g, S, T, lr, k, C):"]
    head += [f"    {c} = C[{c!r}]" for c in consts]
    head += [f"    {s} = S.get({s!r})" for s in state]
    head += [f"    {s} = S.get({s!r}, 0.0)" for s in scalars]
    head += [f"    _t{i} = T[{i}]" for i in range(em.n_temps)]
    head += ["    " + line for line in prelude.splitlines() if line]
    tail = ["    " + line for line in epilogue.splitlines() if line]
    tail += [f"    S[{s!r}] = {s}" for s in scalars]
    src = "\n".join(head + em.lines + tail) + "\n"
    ns = {"np": np}
    exec(compile(src, "<gdsim in-place kernel>", "exec"), ns)
    fn = ns["step"]
    fn.n_temps = em.n_temps
    fn.source = src
    return fn
