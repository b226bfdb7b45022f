"""Every surface: exact gradient, stationary known minima, domain, data-driven MSE."""

import math

import numpy as np
import pytest

from gdsim.core.datasets import HOUSE_AREAS, HOUSE_PRICES, house_prices, linear_regression
from gdsim.core.surfaces import SURFACES, get_surface, surface_names, surface_title

ALL = surface_names()


def test_registry_holds_every_surface_of_the_product_table():
    expected = {
        "parabola",
        "shifted-parabola",
        "house-prices",
        "bowl",
        "ravine",
        "saddle",
        "monkey-saddle",
        "two-wells",
        "plateau",
        "rosenbrock",
        "himmelblau",
        "beale",
        "booth",
        "rastrigin",
        "ackley",
        "six-hump-camel",
        "goldstein-price",
        "styblinski-tang",
        "linear-regression",
    }
    assert set(ALL) == expected


@pytest.mark.parametrize("name", ALL)
def test_gradient_equals_central_differences_at_random_points(name):
    s = get_surface(name)
    rng = np.random.default_rng(abs(hash(name)) % 2**32)
    lo = np.array([a for a, _ in s.domain])
    hi = np.array([b for _, b in s.domain])
    pts = rng.uniform(lo, hi, size=(50, s.dim))
    grad = s.gradient(pts)
    h = 1e-6 * np.maximum(1.0, np.abs(pts))
    for i in range(s.dim):
        e = np.zeros(s.dim)
        e[i] = 1.0
        fd = (s.value(pts + h[:, i : i + 1] * e) - s.value(pts - h[:, i : i + 1] * e)) / (
            2 * h[:, i]
        )
        scale = np.maximum(1.0, np.abs(grad[:, i]))
        np.testing.assert_allclose(grad[:, i] / scale, fd / scale, atol=2e-5, err_msg=name)


@pytest.mark.parametrize("name", ALL)
def test_scalar_and_vectorised_evaluation_agree(name):
    s = get_surface(name)
    p = np.array([np.mean(d) + 0.3 * (d[1] - d[0]) * 0.5 for d in s.domain])
    value, grad = s.evaluate(p[None, :])
    scalar = s.fg(*p.tolist())
    np.testing.assert_allclose(value[0], scalar[0], rtol=1e-13)
    np.testing.assert_allclose(grad[0], scalar[1:], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", ALL)
def test_known_critical_points_are_stationary_with_their_values(name):
    s = get_surface(name)
    assert s.critical_points, name
    for cp in s.critical_points:
        p = np.array(cp.position)
        g = s.gradient(p)
        assert np.linalg.norm(g) < 1e-6 * max(1.0, abs(cp.value)), (name, cp, g)
        assert s.value(p) == pytest.approx(cp.value, abs=1e-9, rel=1e-9)


@pytest.mark.parametrize(
    ("name", "position", "value"),
    [
        ("rosenbrock", (1.0, 1.0), 0.0),
        ("beale", (3.0, 0.5), 0.0),
        ("booth", (1.0, 3.0), 0.0),
        ("goldstein-price", (0.0, -1.0), 3.0),
        ("rastrigin", (0.0, 0.0), 0.0),
        ("ackley", (0.0, 0.0), 0.0),
        ("six-hump-camel", (0.0898, -0.7126), -1.0316),
        ("styblinski-tang", (-2.903534, -2.903534), -39.16617 * 2),
        ("himmelblau", (-2.805118, 3.131312), 0.0),
    ],
)
def test_published_minima_of_the_standard_test_functions(name, position, value):
    s = get_surface(name)
    assert any(np.allclose(cp.position, position, atol=1e-4) for cp in s.minima)
    assert s.value(np.array(position)) == pytest.approx(value, abs=1e-3)


def test_saddles_and_wells_are_classified():
    assert [c.kind for c in get_surface("saddle").critical_points] == ["saddle"]
    assert [c.kind for c in get_surface("monkey-saddle").critical_points] == ["degenerate"]
    wells = get_surface("two-wells")
    kinds = {c.kind: c for c in wells.critical_points}
    assert set(kinds) == {"global", "local", "saddle"}
    assert kinds["global"].value < kinds["local"].value  # the deep one is global
    h = wells.hessian(kinds["saddle"].position)
    assert np.linalg.eigvalsh(h).min() < 0 < np.linalg.eigvalsh(h).max()


def test_ravine_is_ill_conditioned():
    ev = np.linalg.eigvalsh(get_surface("ravine").hessian((0.0, 0.0)))
    assert ev.max() / ev.min() >= 20


def test_plateau_is_flat_far_from_its_valley():
    s = get_surface("plateau")
    far = np.linalg.norm(s.gradient(np.array(s.default_start)))
    near = np.linalg.norm(s.gradient(np.array([1.0, 0.5])))
    assert far < 1e-3 * 50 and near > 100 * far


def test_house_prices_is_the_seed_data_and_minimum():
    s = house_prices()
    np.testing.assert_array_equal(s.X[:, 0], HOUSE_AREAS)
    np.testing.assert_array_equal(s.y, HOUSE_PRICES)
    area, price = np.array(HOUSE_AREAS), np.array(HOUSE_PRICES)
    m_star = (area @ price) / (area @ area)
    assert s.minima[0].position[0] == pytest.approx(m_star, rel=1e-14)
    assert round(m_star, 4) == 2.7805
    for m in (1.0, 2.5, 3.7):
        assert s.value(np.array([m])) == pytest.approx(np.mean((price - m * area) ** 2))


def test_linear_regression_data_is_seeded_and_its_minimum_is_least_squares():
    a, b = linear_regression(), linear_regression()
    np.testing.assert_array_equal(a.y, b.y)
    assert a.n_samples == 1000
    x = a.X[:, 0]
    w, c = np.polyfit(x, a.y, 1)
    np.testing.assert_allclose(a.minima[0].position, (w, c), rtol=1e-9)
    assert abs(w - 2.0) < 0.1 and abs(c + 1.0) < 0.2


def test_mini_batch_gradient_is_the_mean_over_the_batch():
    s = linear_regression()
    theta = np.array([[0.5, 1.5]])
    idx = np.array([3, 10, 999])
    x, y = s.X[idx, 0], s.y[idx]
    r = 0.5 * x + 1.5 - y
    expected = [2 * np.mean(r * x), 2 * np.mean(r)]
    np.testing.assert_allclose(s.batch_gradient(theta, idx)[0], expected, rtol=1e-12)
    np.testing.assert_allclose(s.batch_gradient(theta)[0], s.gradient(theta[0]), rtol=1e-9)


def test_every_surface_has_description_formula_and_sane_defaults():
    for name in ALL:
        s = get_surface(name)
        assert len(s.description) > 40 and s.formula and s.title
        assert len(s.default_start) == s.dim == len(s.domain)
        for (lo, hi), v in zip(s.domain, s.default_start, strict=True):
            assert lo < v < hi, name
        assert s.default_lr > 0 and math.isfinite(s.value(np.array(s.default_start)))


def test_analytic_surfaces_are_not_data_driven():
    assert not any(s.is_data for s in SURFACES.values())
    assert house_prices().is_data and linear_regression().is_data


def test_titles_are_known_without_building_the_data():
    for name in surface_names():
        assert surface_title(name) == get_surface(name).title
