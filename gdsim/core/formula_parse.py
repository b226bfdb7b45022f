"""Reading a formula a teacher types: the text is parsed by Python's ``ast`` (which only
builds a tree), every node is checked against a short whitelist (numbers, ``x``, ``y``,
``pi``, ``e``, ``+ - * / ^ **``, parentheses and the functions in ``FUNCTIONS``), and the
checked tree is turned into a sympy expression node by node, with functions and powers
of numbers computed in float64 (see :mod:`gdsim.core.formula`, which makes the surface).
Never ``eval``, ``sympify`` or ``parse_expr``.
"""

from __future__ import annotations

import ast
import math
import re
from functools import lru_cache

import numpy as np

__all__ = [
    "DOMAIN",
    "FUNCTIONS",
    "PREFIX",
    "SYMPY_FAILURES",
    "VARIABLES",
    "FormulaError",
    "check_numbers",
    "formula_text",
    "is_formula",
    "parse",
    "surface_name",
]

PREFIX = "formula:"
MAX_LENGTH = 200  # characters
MAX_NODES = 120  # nodes of the parsed tree
MAX_DEPTH = 24  # nesting of the parsed tree
MAX_LITERAL = 1e15  # larger written numbers are refused
MAX_DIGITS = 300  # a power of numbers must stay within float range (10^300)
DOMAIN = (-5.0, 5.0)

# name typed -> sympy function name
FUNCTIONS = {
    "sin": "sin",
    "cos": "cos",
    "tan": "tan",
    "asin": "asin",
    "acos": "acos",
    "atan": "atan",
    "sinh": "sinh",
    "cosh": "cosh",
    "tanh": "tanh",
    "exp": "exp",
    "log": "log",
    "ln": "log",
    "sqrt": "sqrt",
    "abs": "Abs",
}
VARIABLES = ("x", "y")
CONSTANTS = ("pi", "e")
_NUMPY_NAMES = {
    **{n: n for n in ("sin", "cos", "tan", "sinh", "cosh", "tanh", "exp", "log", "sqrt")},
    **{"asin": "arcsin", "acos": "arccos", "atan": "arctan", "ln": "log", "abs": "abs"},
}
_ARITHMETIC = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}
_SHRINKING = (_ARITHMETIC[ast.Mult], _ARITHMETIC[ast.Div], _ARITHMETIC[ast.Pow], np.exp)
_OPERATORS = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.Pow: "^",
}
# what a teacher may paste from a slide, and what it means
_TYPOGRAPHY = {"^": "**", "·": "*", "×": "*", "−": "-", "π": "pi"}
_SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789", strict=True))  # x²³ is x**23
_SPACES = "\t\u00a0\u2009\u202f"  # a tab is a space; a newline is refused
_NUMBER = re.compile(r"(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")  # no 0x1F, 1_000 or 1j
_ALLOWED_CHARS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.+-*/(), "
)


class FormulaError(ValueError):
    """A formula that is refused; ``column`` (1-based, in the text as typed) or None."""

    def __init__(self, message: str, column: int | None = None):
        self.message = message
        self.column = column
        super().__init__(f"column {column}: {message}" if column is not None else message)


def is_formula(name: str) -> bool:
    return name.startswith(PREFIX)


def surface_name(text: str) -> str:
    """The surface name of a formula (its text, trimmed, after ``formula:``)."""
    return PREFIX + text.strip()


def formula_text(name: str) -> str:
    return name[len(PREFIX) :] if is_formula(name) else name


def _normalise(text: str) -> tuple[str, list[int]]:
    """The text with slide typography spelled as Python (``^`` -> ``**``, ``x²`` ->
    ``x**2``), and for each of its characters the 1-based column it came from."""
    out: list[str] = []
    cols: list[int] = []
    for i, ch in enumerate(text, start=1):
        if ch in _SUPERSCRIPTS:
            rep = _SUPERSCRIPTS[ch]
            if i == 1 or text[i - 2] not in _SUPERSCRIPTS:
                rep = "**" + rep
        elif ch in _TYPOGRAPHY:
            rep = _TYPOGRAPHY[ch]
        elif ch in _SPACES:
            rep = " "
        elif ch in _ALLOWED_CHARS:
            rep = ch
        elif not ch.isprintable():  # a newline, a control or invisible character
            raise FormulaError(f"the invisible character U+{ord(ch):04X} is not allowed", i)
        else:
            raise FormulaError(f"'{ch}' cannot be part of a formula", i)
        out.append(rep)
        cols += [i] * len(rep)
    return "".join(out), cols


def parse(text: str):
    """The sympy expression of a formula in x (and y); FormulaError if it is refused."""
    if not isinstance(text, str) or not text.strip():
        raise FormulaError("type a formula in x (and y), e.g. x^2 + 3*y^2")
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"a formula is at most {MAX_LENGTH} characters long")
    source, cols = _normalise(text)

    def column(offset: int | None) -> int | None:
        if offset is None:
            return None
        return cols[offset] if offset < len(cols) else len(text) + 1

    stripped = source.strip()
    try:
        tree = ast.parse(stripped, mode="eval")
    except SyntaxError as e:
        lead = len(source) - len(source.lstrip())
        offset = None if e.offset is None else lead + e.offset - 1
        message = (e.msg or "invalid syntax").replace("invalid syntax", "not a formula here")
        if "decimal literal" in message:
            message = "write a product with *, e.g. 2*x"
        elif e.msg == "invalid syntax" and not (e.offset and e.offset <= len(stripped)):
            message = "the formula stops short: something is missing at its end"
            offset = lead + len(stripped) - 1
        raise FormulaError(message, column(offset)) from None
    lead = len(source) - len(source.lstrip())
    try:
        return _Builder(source, lead, column).build(tree.body)
    except FormulaError:
        raise
    except SYMPY_FAILURES as e:
        raise FormulaError(f"this formula cannot be computed with ({type(e).__name__})") from None


class _Builder:
    """Turns a parsed, whitelisted tree into sympy, node by node."""

    def __init__(self, source: str, lead: int, column):
        import sympy

        self.sp = sympy
        self.source = source
        self.lead = lead
        self.column = column
        self.nodes = 0
        self.symbols = {v: sympy.Symbol(v, real=True) for v in VARIABLES}

    def number(self, value, node: ast.AST):
        """A number computed from numbers (float64, as a run computes), within range."""
        value = float(value)
        if math.isnan(value):
            self.fail("this number is imaginary or undefined (a root or log of a negative?)", node)
        if math.isinf(value) or (value != 0.0 and not abs(value) >= 10.0**-MAX_DIGITS):
            self.fail("this number is too large or too small", node)
        return self.sp.Float(value, 17)  # 17 digits: printed back to the same float

    def fold(self, compute, node: ast.AST, *numbers):
        """``compute`` over float64 numbers (no warnings: the result says what went wrong);
        a product, quotient, power or exp that comes out 0 from nonzero numbers fell
        below float range."""
        with np.errstate(all="ignore"):
            args = [np.float64(float(n)) for n in numbers]
            value = compute(*args)
        if value == 0 and compute in _SHRINKING and all(a != 0 for a in args):
            self.fail("this number is too large or too small", node)
        return self.number(value, node)

    def fail(self, message: str, node: ast.AST | None = None, offset: int | None = None):
        if offset is None and node is not None:
            offset = self.lead + node.col_offset
        raise FormulaError(message, self.column(offset))

    def build(self, node: ast.AST):
        expr = self.node(node, 0)
        sp = self.sp
        if not (expr.free_symbols & set(self.symbols.values())):
            self.fail("the formula must use x (and y)")
        if expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
            self.fail("the formula is undefined (a division by zero?)")
        if expr.has(sp.I) or any(
            n.is_number and n.is_extended_real is False for n in sp.preorder_traversal(expr)
        ):
            self.fail("the formula has imaginary values (a root or log of a negative number?)")
        check_numbers(expr)
        return expr

    def node(self, node: ast.AST, depth: int):
        self.nodes += 1
        if self.nodes > MAX_NODES or depth > MAX_DEPTH:
            self.fail("the formula is too long or too deeply nested", node)
        sp = self.sp
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool) or not isinstance(value, int | float):
                self.fail("only numbers, x, y, pi and e can be operands", node)
            written = self.source[self.lead + node.col_offset : self.lead + node.end_col_offset]
            if not _NUMBER.fullmatch(written):
                self.fail(f"write numbers in decimal, like 12 or 0.5 or 3e-4, not {written}", node)
            if not math.isfinite(value) or abs(value) > MAX_LITERAL:
                self.fail("numbers are at most 10^15 in size", node)
            return sp.Integer(value) if isinstance(value, int) else sp.Float(value)
        if isinstance(node, ast.Name):
            if node.id in self.symbols:
                return self.symbols[node.id]
            if node.id == "pi":
                return sp.pi
            if node.id == "e":
                return sp.E
            if node.id in FUNCTIONS:
                self.fail(f"{node.id} is a function: write {node.id}(...)", node)
            self.fail(f"unknown name '{node.id}': use x, y, pi, e", node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            operand = self.node(node.operand, depth + 1)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp):
            return self.binop(node, depth)
        if isinstance(node, ast.Call):
            return self.call(node, depth)
        self.fail(self.what_is_refused(node), node)

    def binop(self, node: ast.BinOp, depth: int):
        if type(node.op) not in _OPERATORS:
            offset = self.operator_offset(node)
            op = self.source[offset] if offset is not None else "this operator"
            self.fail(f"'{op}' is not allowed: use + - * / ^", offset=offset)
        a = self.node(node.left, depth + 1)
        b = self.node(node.right, depth + 1)
        if isinstance(node.op, ast.Div) and b == 0:
            self.fail("division by zero", node.right)
        constants = not a.free_symbols and not b.free_symbols
        exact = a.is_Rational and b.is_Rational
        if isinstance(node.op, ast.Pow):
            exact = exact and b.is_Integer
            if exact and a != 0:  # a whole power of a whole number: its size first
                size = abs(float(b) * math.log10(abs(float(a))))
                if not size <= MAX_DIGITS:
                    self.fail("this power of numbers is too large or too small", node)
        if constants and not exact:  # in float64, as the run computes it
            return self.fold(_ARITHMETIC[type(node.op)], node, a, b)
        value = _ARITHMETIC[type(node.op)](a, b)
        if value.is_Number and value != 0 and not _in_range(value):
            self.fail("this number is too large or too small", node)
        return value

    def call(self, node: ast.Call, depth: int):
        sp = self.sp
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name is None or name in VARIABLES or name in CONSTANTS:
            self.fail("write a product with *, e.g. (x)*(y)", node)
        if name not in FUNCTIONS:
            listed = ", ".join(sorted(FUNCTIONS))
            label = f"'{name}'" if name else "this"
            self.fail(f"unknown function {label}: use {listed}", node)
        if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
            self.fail(f"{name}(...) takes one argument", node)
        arg = self.node(node.args[0], depth + 1)
        if not arg.free_symbols:  # of a number: in float64 (sympy's precision has no end)
            return self.fold(getattr(np, _NUMPY_NAMES[name]), node, arg)
        if name == "abs":
            return real_abs()(arg)
        return getattr(sp, FUNCTIONS[name])(arg)

    def operator_offset(self, node: ast.BinOp) -> int | None:
        """Where the operator between two operands is written."""
        start = self.lead + node.left.end_col_offset
        end = self.lead + node.right.col_offset
        for i in range(start, min(end, len(self.source))):
            if not self.source[i].isspace() and self.source[i] != ")":
                return i
        return None

    @staticmethod
    def what_is_refused(node: ast.AST) -> str:
        if isinstance(node, ast.Compare | ast.BoolOp):
            return "comparisons and logic are not allowed"
        if isinstance(node, ast.Attribute):
            return "dots are not allowed (write sin(x), not math.sin(x))"
        if isinstance(node, ast.Tuple):
            return "a formula is one expression (no commas)"
        if isinstance(node, ast.Subscript | ast.List | ast.Dict | ast.Set):
            return "brackets [ ] and braces { } are not allowed: use ( )"
        return "this is not allowed in a formula"


def _in_range(number) -> bool:
    """Whether a sympy number is 0 or within 10^±MAX_DIGITS (exact comparisons)."""
    import sympy

    if number.is_finite is not True:  # nan, zoo, oo
        return False
    big = sympy.Integer(10) ** MAX_DIGITS
    size = abs(number)
    return bool(size == 0 or (size <= big and size * big >= 1))


def check_numbers(expr) -> None:
    """FormulaError unless every number in ``expr`` is within float range: sympy merges
    coefficients (x·10^300·10^10 is 10^310·x), which no float can hold."""
    for atom in expr.atoms():
        if atom.is_Number and not _in_range(atom):
            if atom.is_finite is not True:
                raise FormulaError("the formula or its slope is undefined (a division by zero?)")
            raise FormulaError("a number in the formula is too large or too small (beyond 10^±300)")


@lru_cache(maxsize=1)
def real_abs():
    """|u| of a real u, as sympy's Abs, but differentiated as sign(u)·u′ (torch's
    choice; 0 at u = 0) rather than through the real and imaginary parts of u."""
    import sympy

    class Abs(sympy.Function):
        nargs = 1

        @classmethod
        def eval(cls, u):
            if u.is_number:
                return sympy.Abs(u)
            if u.is_extended_nonnegative:
                return u
            if u.is_extended_nonpositive:
                return -u
            return None

        def _eval_derivative(self, s):
            u = self.args[0]
            return sympy.sign(u) * sympy.diff(u, s)

        def _eval_is_extended_real(self):
            return self.args[0].is_extended_real

        def _eval_is_extended_nonnegative(self):
            return True if self.args[0].is_extended_real else None

        def _numpycode(self, printer):
            return f"numpy.abs({printer._print(self.args[0])})"

    return Abs


#: what sympy may raise from deep inside on a formula it cannot handle
SYMPY_FAILURES = (
    ArithmeticError,
    ValueError,
    TypeError,
    AttributeError,
    NotImplementedError,
    RecursionError,
    MemoryError,
)
