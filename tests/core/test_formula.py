"""Typed formulas: parsed by a whitelist, never executed; exact gradients by sympy."""

import ast
import math
import pathlib

import numpy as np
import pytest

import gdsim.core.formula as formula_module
from gdsim.core.formula import FormulaError, formula_surface, parse, surface_name
from gdsim.core.simulation import RunConfig, simulate
from gdsim.core.surfaces import get_surface


def test_a_typed_formula_gets_its_exact_gradient_on_both_paths():
    s = formula_surface("sin(x)*cos(y) + 0.1*(x^2 + y^2)")
    assert s.params == ("x", "y") and s.formula == "f(x, y) = sin(x)*cos(y) + 0.1*(x^2 + y^2)"
    rng = np.random.default_rng(0)
    pts = rng.uniform(-5, 5, size=(50, 2))
    for x, y in pts:
        f, gx, gy = s.fg(x, y)  # the single-run path: Python floats over math
        assert f == pytest.approx(math.sin(x) * math.cos(y) + 0.1 * (x * x + y * y), rel=1e-14)
        assert gx == pytest.approx(math.cos(x) * math.cos(y) + 0.2 * x, rel=1e-13, abs=1e-15)
        assert gy == pytest.approx(-math.sin(x) * math.sin(y) + 0.2 * y, rel=1e-13, abs=1e-15)
    values, grads = s.evaluate(pts)  # many points at once over numpy
    scalar = np.array([s.fg(x, y) for x, y in pts])
    np.testing.assert_allclose(values, scalar[:, 0], rtol=1e-15, atol=0)
    np.testing.assert_allclose(grads, scalar[:, 1:], rtol=1e-14, atol=1e-16)
    h = s.hessian((0.3, -0.7))
    np.testing.assert_allclose(
        h,
        [
            [-math.sin(0.3) * math.cos(-0.7) + 0.2, -math.cos(0.3) * math.sin(-0.7)],
            [-math.cos(0.3) * math.sin(-0.7), -math.sin(0.3) * math.cos(-0.7) + 0.2],
        ],
        rtol=1e-8,  # by central differences of the exact gradient
    )


@pytest.mark.parametrize(
    ("typed", "same_as"),
    [
        ("x^2 + 3*y^2", "x**2 + 3*y**2"),
        ("x²·y − 3", "x**2*y - 3"),
        ("π*x^3", "pi*x**3"),
        ("  ln(x^2 + 1)\t+ y ", "log(x**2 + 1) + y"),
        ("e^x + abs(y)", "e**x + abs(y)"),
    ],
)
def test_slide_typography_means_what_it_says(typed, same_as):
    assert parse(typed) == parse(same_as)


def test_the_dimension_follows_the_variables_used():
    assert formula_surface("x^4 - 3*x^2").params == ("x",)
    assert formula_surface("x^4 - 3*x^2").formula.startswith("f(x) = ")
    assert formula_surface("y^2").params == ("x", "y")


@pytest.mark.parametrize(
    ("text", "column", "says"),
    [
        ("x^2 + 3y", 7, "write a product with *"),
        ("2x", 1, "write a product with *"),
        ("x + z", 5, "unknown name 'z'"),
        ("x % 2", 3, "'%' cannot be part of a formula"),
        ("foo(x) + y", 1, "unknown function 'foo'"),
        ("log(x, 2)", 1, "takes one argument"),
        ("sin + x", 1, "sin is a function"),
        ("(x + y", 1, "never closed"),
        ("x +* y", 4, "not a formula here"),
        ("x.real", 1, "dots are not allowed"),
        ("x if y else 1", 1, "not allowed"),
        ("1e400 * x", 1, "at most 10^15"),
        ("x / 0", 5, "division by zero"),
        ("9^9^9 + x", 1, "too large"),
    ],
)
def test_refused_formulas_say_what_and_where(text, column, says):
    with pytest.raises(FormulaError) as err:
        parse(text)
    assert err.value.column == column
    assert says in str(err.value)
    assert str(err.value).startswith(f"column {column}: ")


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "type a formula"),
        ("pi + 1", "must use x"),
        ("x" * 201, "at most 200 characters"),
        ("-" * 150 + "x", "too long or too deeply nested"),
        ("sqrt(-1) * x", "imaginary"),
    ],
)
def test_refused_formulas_without_a_column(text, says):
    with pytest.raises(FormulaError, match=says):
        parse(text)


@pytest.mark.parametrize(
    "hostile",
    [
        "__import__('os').system('touch {canary}')",
        "open('{canary}', 'w')",
        "exec(\"open('{canary}', 'w')\")",
        "(lambda: open('{canary}', 'w'))()",
        "().__class__.__bases__[0].__subclasses__()",
        "x.__class__",
        "[open('{canary}', 'w') for x in 'a']",
        "x; open('{canary}', 'w')",
        "eval('1') + x",
        "globals()",
        "x if open('{canary}', 'w') else y",
    ],
)
def test_hostile_text_is_refused_and_never_runs(hostile, tmp_path):
    canary = tmp_path / "ran"
    text = hostile.format(canary=canary)
    with pytest.raises(FormulaError):
        formula_surface(text)
    with pytest.raises(ValueError):
        get_surface(surface_name(text))
    assert not canary.exists()


def test_the_module_never_evaluates_the_text():
    """No eval / sympify / parse_expr / S(...) anywhere in the formula modules."""
    from gdsim.core import formula_parse

    called = set()
    for module in (formula_module, formula_parse):
        tree = ast.parse(pathlib.Path(module.__file__).read_text(encoding="utf-8"))
        called |= {
            n.func.attr if isinstance(n.func, ast.Attribute) else getattr(n.func, "id", None)
            for n in ast.walk(tree)
            if isinstance(n, ast.Call)
        }
    assert not called & {"eval", "sympify", "parse_expr", "S", "simplify", "lambdify"}


def test_a_formula_with_no_finite_value_is_refused():
    with pytest.raises(FormulaError, match="no finite value"):
        formula_surface("log(-x^2 - 1 - y^2)")


def test_a_formula_surface_runs_and_diverges_as_a_status(recwarn):
    s = get_surface("formula:exp(x)")
    traj = simulate(RunConfig("formula:exp(x)", "gd", {"lr": 50.0}, (4.0,), max_steps=20))
    assert traj.status.state == "diverged"
    assert np.isfinite(traj.position[0]).all() and s.default_start == (-4.0,)
    ok = simulate(RunConfig("formula:x^2 + y^2", "gd", {"lr": 0.1}, (3.0, -4.0), max_steps=3))
    np.testing.assert_array_equal(ok.position[1], [2.4, -3.2])
    assert len(recwarn) == 0


def test_the_default_learning_rate_respects_the_curvature_at_the_start():
    assert formula_surface("x^2 + y^2").default_lr == 0.1
    steep = formula_surface("x^4 + y^2")  # f'' = 12 x² = 192 at the start x = −4
    assert steep.default_lr < 1.0 / 192.0 * 1.5
    traj = simulate(RunConfig(steep.name, "gd", {"lr": steep.default_lr}, max_steps=200))
    assert traj.status.state != "diverged"


@pytest.mark.parametrize(
    "text",
    [
        "(1/2)^(10^15)*x",
        "(2/3)^(10^15)*x",
        "(1/2)^(10^6)*x",
        "10^300*10^300*x + y^2",
        "1e-200*1e-200*x",
    ],
)
def test_numbers_beyond_float_range_are_refused_at_once(text):
    with pytest.raises(FormulaError, match="too large or too small"):
        parse(text)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("(-2)^x + y^2", "imaginary"),
        ("x + (-1)^(1/3)", "imaginary"),
        ("0x1F*x", "write numbers in decimal"),
        ("1_000*x", "write numbers in decimal"),
        ("(x)(y)", "write a product with *"),
    ],
)
def test_more_refusals(text, says):
    with pytest.raises(FormulaError, match=says):
        formula_surface(text)


def test_superscripts_and_unbreakable_spaces():
    assert parse("x²³ + y") == parse("x**23 + y")
    assert parse("x\u00a0+\u2009y") == parse("x + y")


@pytest.mark.parametrize("start", [(-1.0, 1.0), (4.0, 1.0)])
def test_fractional_powers_end_a_run_with_a_status_not_an_exception(start, recwarn):
    s = formula_surface("x^0.5 + y^2")
    assert s.default_start == (3.5, -4.0)  # (−4, 3.5) is outside the formula's domain
    traj = simulate(RunConfig(s.name, "gd", {"lr": 57.0}, start, max_steps=50))
    assert traj.status.state in ("diverged", "max steps")
    if start[0] < 0:
        assert str(traj.status) == "diverged at step 0 (overflow or undefined value)"
    assert len(recwarn) == 0


def test_a_start_is_found_where_the_formula_is_defined():
    s = formula_surface("log(x - 4.5) + y^2")
    f, *g = s.fg(*s.default_start)
    assert math.isfinite(f) and all(math.isfinite(v) for v in g)


def test_a_formula_that_stops_short_says_so():
    with pytest.raises(FormulaError) as err:
        parse("x^2 +")
    assert str(err.value) == "column 5: the formula stops short: something is missing at its end"
