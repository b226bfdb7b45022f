"""The curvature lens' numbers: every surface's exact Hessian against sympy's, λmax
along a trajectory, the stability rule read both ways, and the stability hint from the
same Hessian."""

import numpy as np
import pytest
import sympy

from gdsim.core.curvature import curvature_at, eigenvalues, lambda_max
from gdsim.core.formula import formula_surface
from gdsim.core.simulation import RunConfig, simulate
from gdsim.core.stability import stability_bound, stability_rule
from gdsim.core.surfaces import get_surface, surface_names

X, Y = sympy.symbols("x y", real=True)

#: each built-in written out independently, as the SFU library and PRODUCT.md write it
WRITTEN = {
    "parabola": X**2,
    "shifted-parabola": X**2 + 5 * X + 6,
    "bowl": X**2 + Y**2,
    "ravine": sympy.Rational(1, 100) * X**2 + 2 * Y**2,
    "saddle": X**2 - Y**2,
    "monkey-saddle": X**3 - 3 * X * Y**2,
    "two-wells": (X**2 - 1) ** 2 + sympy.Rational(2, 5) * X + Y**2,
    "plateau": 1 - sympy.exp(-((X - 2) ** 2 + Y**2) / 2),
    "rosenbrock": 100 * (Y - X**2) ** 2 + (1 - X) ** 2,
    "himmelblau": (X**2 + Y - 11) ** 2 + (X + Y**2 - 7) ** 2,
    "beale": (sympy.Rational(3, 2) - X + X * Y) ** 2
    + (sympy.Rational(9, 4) - X + X * Y**2) ** 2
    + (sympy.Rational(21, 8) - X + X * Y**3) ** 2,
    "booth": (X + 2 * Y - 7) ** 2 + (2 * X + Y - 5) ** 2,
    "rastrigin": 20
    + X**2
    - 10 * sympy.cos(2 * sympy.pi * X)
    + Y**2
    - 10 * sympy.cos(2 * sympy.pi * Y),
    "ackley": -20 * sympy.exp(-sympy.Rational(1, 5) * sympy.sqrt((X**2 + Y**2) / 2))
    - sympy.exp((sympy.cos(2 * sympy.pi * X) + sympy.cos(2 * sympy.pi * Y)) / 2)
    + 20
    + sympy.E,
    "six-hump-camel": (4 - sympy.Rational(21, 10) * X**2 + X**4 / 3) * X**2
    + X * Y
    + (-4 + 4 * Y**2) * Y**2,
    "goldstein-price": (
        1 + (X + Y + 1) ** 2 * (19 - 14 * X + 3 * X**2 - 14 * Y + 6 * X * Y + 3 * Y**2)
    )
    * (30 + (2 * X - 3 * Y) ** 2 * (18 - 32 * X + 12 * X**2 + 48 * Y - 36 * X * Y + 27 * Y**2)),
    "styblinski-tang": (X**4 - 16 * X**2 + 5 * X + Y**4 - 16 * Y**2 + 5 * Y) / 2,
}


def sympy_hessian(expr, dim):
    syms = (X, Y)[:dim]
    h = sympy.hessian(expr, syms).replace(sympy.DiracDelta, lambda *a: 0)  # away from kinks
    return sympy.lambdify(syms, h, "numpy")


def test_every_analytic_surface_is_written_out_here():
    analytic = {n for n in surface_names() if not get_surface(n).is_data}
    assert analytic == set(WRITTEN)


@pytest.mark.parametrize("name", sorted(WRITTEN))
def test_each_surface_s_hessian_is_sympy_s(name):
    surface = get_surface(name)
    assert surface.hess is not None, "no exact Hessian"
    exact = sympy_hessian(WRITTEN[name], surface.dim)
    rng = np.random.default_rng(3)
    lo, hi = np.array(surface.domain).T
    points = rng.uniform(lo, hi, size=(25, surface.dim))
    many = surface.hessians(points)
    for p, h in zip(points, many, strict=True):
        want = np.array(exact(*p), dtype=float)
        assert np.allclose(h, want, rtol=1e-10, atol=1e-9 * max(1.0, np.abs(want).max())), p
        assert np.array_equal(surface.hessian(p), h)


def test_the_data_surfaces_hessian_is_twice_the_normal_matrix():
    s = get_surface("linear-regression")
    X_ = s.X
    want = 2.0 * X_.T @ X_ / len(X_)
    assert np.allclose(s.hessian(s.default_start), want)
    assert s.hessians(np.zeros((7, 2))).shape == (7, 2, 2)


@pytest.mark.parametrize(
    "text",
    [
        "x^2 + 3*y^2",
        "sin(x)*cos(y)",
        "sqrt(x^2 + y^2 + 1)",
        "exp(-x^2)*y^3",
        "x^3 - x",
        "abs(x) + y^2",
    ],
)
def test_a_typed_formula_s_hessian_is_sympy_s(text):
    surface = formula_surface(text)
    expr = sympy.sympify(text.replace("^", "**").replace("abs", "Abs"), locals={"x": X, "y": Y})
    exact = sympy_hessian(expr, surface.dim)
    for p in [(0.3, -0.7), (1.2, 2.1), (-2.5, 0.4)]:
        p = p[: surface.dim]
        want = np.array(exact(*p), dtype=float)
        assert np.allclose(surface.hessian(p), want, rtol=1e-12, atol=1e-12)


def test_the_kink_of_abs_is_flat_as_in_torch():
    """|x|'s second derivative is 0 everywhere (no Dirac delta at the kink)."""
    s = formula_surface("abs(x) + y^2")
    assert s.hessian((0.0, 1.0)).tolist() == [[0.0, 0.0], [0.0, 2.0]]
    s = formula_surface("abs(asin(x/5)) + abs(acos(y/5))")  # sympy leaves d sign(u)/dx
    assert s.hess is not None and np.isfinite(s.hessian((0.3, 0.2))).all()


def test_lambda_max_in_closed_form_is_numpy_s_eigvalsh():
    s = get_surface("rosenbrock")
    pts = np.random.default_rng(0).normal(size=(500, 2))
    assert np.allclose(lambda_max(s, pts), np.linalg.eigvalsh(s.hessians(pts))[:, 1], rtol=1e-12)
    lo, hi = eigenvalues(np.array([[[2.0, 0.0], [0.0, -2.0]]]))
    assert (lo[0], hi[0]) == (-2.0, 2.0)
    assert lambda_max(get_surface("parabola"), np.array([[1.0], [2.0]])).tolist() == [2.0, 2.0]


def test_the_curvature_at_a_point_gives_the_axes():
    c = curvature_at(get_surface("ravine"), (3.0, 1.0))
    assert c.values.tolist() == [0.02, 4.0]
    assert np.allclose(np.abs(c.vectors), np.eye(2))
    assert c.condition == pytest.approx(200.0)
    assert curvature_at(get_surface("ackley"), (0.0, 0.0)) is None  # a cone's tip
    assert curvature_at(get_surface("saddle"), (0.0, 0.0)).condition is None


@pytest.mark.parametrize(
    ("optimizer", "hyper", "factor", "edge_text"),
    [
        ("gd", {"lr": 0.1}, 2.0, "2/α"),
        ("momentum", {"lr": 0.1, "momentum": 0.9}, 3.8, "(2+2β)/α"),
        ("sgd", {"lr": 0.1, "momentum": 0.5, "dampening": 0.5}, 6.0, "(2+2β)/((1−τ)·α)"),
        ("nesterov", {"lr": 0.1, "momentum": 0.9}, 3.8 / 2.8, "(2+2β)/((1+2β)·α)"),
    ],
)
def test_the_stability_rule_reads_both_ways(optimizer, hyper, factor, edge_text):
    rule = stability_rule(optimizer, hyper)
    assert rule.factor == pytest.approx(factor) and rule.edge_text == edge_text
    for lr in (1e-3, 0.1, 0.45):
        assert rule.bound(rule.edge(lr)) == pytest.approx(lr)
    assert rule.bound(-1.0) is None  # a surface that bends down: no bound


def test_adaptive_optimizers_have_no_rule():
    for opt in ("adam", "adamw", "rmsprop", "adagrad"):
        assert stability_rule(opt, {"lr": 0.1}) is None
    assert stability_rule("sgd", {"lr": 0.1, "momentum": 0.9, "dampening": 1.0}) is None


def test_weight_decay_moves_the_edge_down():
    rule = stability_rule("gd", {"lr": 0.1, "weight_decay": 0.5})
    assert float(rule.edge(0.1)) == pytest.approx(19.5)
    assert rule.edge_text == "2/α − 0.5"  # the label says so


def test_the_hint_uses_the_lens_numbers_and_gd_diverges_just_past_it():
    surface = get_surface("rosenbrock")
    cfg = RunConfig(surface="rosenbrock", optimizer="gd", hyper={"lr": 1e-3}, start=(-1.5, 2.0))
    b = stability_bound(surface, cfg)
    lam = float(lambda_max(surface, np.array([-1.5, 2.0])))
    assert b.bound == pytest.approx(2.0 / lam) and b.rule == "2/λmax"
    # on a quadratic the bound is exact: 1 % under it converges, 1 % over diverges
    bowl = get_surface("ravine")
    edge = stability_bound(
        bowl, RunConfig(surface="ravine", optimizer="gd", hyper={"lr": 0.1})
    ).bound
    assert edge == pytest.approx(0.5)
    under = simulate(
        RunConfig(surface="ravine", optimizer="gd", hyper={"lr": 0.99 * edge}, max_steps=3000)
    )
    over = simulate(
        RunConfig(surface="ravine", optimizer="gd", hyper={"lr": 1.01 * edge}, max_steps=3000)
    )
    assert abs(under.position[-1, 1]) < 1e-6
    assert "diverged" in str(over.status)
