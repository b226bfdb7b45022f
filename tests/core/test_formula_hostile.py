"""Formulas typed by a hostile user: each is accepted or refused with one line, quickly.

sympy would evaluate a function of a number at whatever precision it needs (minutes, or
for ever, for ``sin(exp(exp(20.0)))``); the builder computes those in float64 instead.
"""

import math
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gdsim.core.formula import FUNCTIONS, FormulaError, formula_surface, parse
from tests import timeouts

#: a formula is accepted or refused within this, or the test fails (a hang, not a speed)
HANG = 3.0


def no_hang(seconds: float = HANG):
    return timeouts.no_hang(seconds, "building")


def outcome(text: str):
    """The surface, or the refusal's one line; anything else fails the test."""
    formula_surface.cache_clear()
    with no_hang():
        try:
            return formula_surface(text)
        except FormulaError as e:
            message = str(e)
            assert message and "\n" not in message and message.isprintable(), repr(message)
            return message


@pytest.mark.parametrize(
    "text",
    [
        "x+exp(exp(exp(exp(3.0))))",
        "x+sin(exp(exp(20.0)))",
        "x+cos(exp(exp(30.0)))",
        "x+cosh(cosh(cosh(9.0)))",
        "x+exp(exp(1e15))",
        "x*10^300*10^10",
        "(1e15*x)^30",
        "x + exp(-800)",
        "x + log(0)",
        "x + 10^400",
        "sinh(sinh(sinh(sinh(7))))*x",
    ],
)
def test_numbers_sympy_would_compute_for_ever_are_refused_at_once(text):
    t0 = time.perf_counter()
    result = outcome(text)
    assert isinstance(result, str) and "too large or too small" in result
    assert time.perf_counter() - t0 < 1.0


def test_a_function_of_numbers_is_computed_as_the_run_computes_it():
    assert not isinstance(outcome("x*tan(exp(exp(5.0)))"), str)  # tan(2.7e64): a float
    s = formula_surface("x + sin(exp(2.5)) * y + 2^0.5")
    f, gx, gy = s.fg(1.0, 2.0)
    assert gy == np.sin(np.exp(2.5))  # the same float64, to the bit
    assert f == 1.0 + np.sin(np.exp(2.5)) * 2.0 + np.float64(2.0) ** 0.5
    assert (gx, formula_surface("x^2 + 3*y").fg(1.0, 1.0)) == (1.0, (4.0, 2.0, 3.0))


@pytest.mark.parametrize(
    "text",
    [
        "abs(asin(x/5))+abs(acos(y/5))",
        "abs(atan(x))+abs(sinh(y/3))",
        "abs(log(x))+abs(y)",
        "abs(sqrt(x+5))*abs(y)",
        "abs(x-1)^2 + abs(tanh(y))",
        "abs(abs(x)-1) + abs(abs(y)-1)",
        "abs(x^3 - y)",
    ],
)
def test_abs_of_anything_defined_on_the_view_is_accepted(text):
    s = outcome(text)
    assert not isinstance(s, str), s
    assert "real" not in s.extra["numpy_source"] and "imag" not in s.extra["numpy_source"]


def test_abs_slopes_as_sign_times_the_inner_slope_as_torch_does():
    s = formula_surface("abs(asin(x/5)) + abs(y)")
    _f, gx, gy = s.fg(1.0, -2.0)
    assert gx == pytest.approx((1 / 5) / math.sqrt(1 - 1 / 25), rel=1e-15) and gy == -1.0
    _f, gx, gy = s.fg(0.0, 0.0)  # at the kink: 0, not NaN (torch.abs's backward is sign)
    assert (gx, gy) == (0.0, 0.0)


@pytest.mark.parametrize(
    ("text", "column"),
    [("x+\ny", 3), ("x\r", 2), ("x\x00+y", 2), ("x\x1b[31m", 2), ("x+\u200by", 3)],
)
def test_control_and_invisible_characters_are_refused_printably(text, column):
    with pytest.raises(FormulaError) as e:
        parse(text)
    assert e.value.column == column
    assert str(e.value).isprintable() and "U+" in str(e.value)


# -- fuzzing: formulas built from the grammar, and any text at all -------------------------

numbers = st.one_of(
    st.integers(0, 10**15).map(str),
    st.floats(0, 1e15, allow_nan=False).map(repr),
    st.sampled_from(["1e15", "1e-15", "0.5", "3.0", "20.0", "9.0", "1e300", "0"]),
)
atoms = st.one_of(numbers, st.sampled_from(["x", "y", "pi", "e"]))


def combine(children):
    return st.one_of(
        st.builds(lambda f, a: f"{f}({a})", st.sampled_from(sorted(FUNCTIONS)), children),
        st.builds(lambda a, op, b: f"({a}){op}({b})", children, st.sampled_from("+-*/^"), children),
        st.builds(lambda a: f"-{a}", children),
    )


formulas = st.recursive(atoms, combine, max_leaves=12)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
@given(formulas)
def test_any_formula_of_the_grammar_is_accepted_or_refused_in_one_line(text):
    result = outcome(text)
    if not isinstance(result, str):  # accepted: it computes, and runs end with a status
        with np.errstate(all="ignore"):
            values = result.fg(*result.default_start)
        assert all(isinstance(v, float) for v in values)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.text(max_size=60))
def test_any_text_is_accepted_or_refused_in_one_line(text):
    outcome(text)
