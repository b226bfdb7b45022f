"""The gradient flow dθ/dt = −∇f(θ): against the closed-form flow of quadratics and
against scipy's solve_ivp (DOP853 at tight tolerances), its stops, and plain GD
following it at small α and leaving it at large α."""

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from gdsim.core.flow import gradient_flow, run_times
from gdsim.core.formula import formula_surface
from gdsim.core.simulation import RunConfig, simulate
from gdsim.core.surfaces import get_surface


@pytest.mark.parametrize(
    ("name", "start", "diag"),
    [("ravine", (-8.0, 1.5), (0.02, 4.0)), ("bowl", (-3.0, 2.5), (2.0, 2.0))],
)
def test_a_quadratic_s_flow_is_the_exponential(name, start, diag):
    flow = gradient_flow(get_surface(name).grad, start, 20.0)
    assert flow.status in ("done", "stationary")
    want = np.array(start) * np.exp(-np.outer(flow.t, diag))
    assert np.allclose(flow.theta, want, rtol=1e-6, atol=1e-9)


def test_a_saddle_s_flow_leaves_along_the_falling_axis_and_stops_at_the_edge():
    flow = gradient_flow(get_surface("saddle").grad, (2.0, 0.01), 10.0, bounds=((-4, 4), (-4, 4)))
    assert flow.status == "left"
    x, y = flow.theta[-1]
    assert abs(y) > 4.0
    t = flow.t[-1]
    assert y == pytest.approx(0.01 * np.exp(2 * t), rel=1e-6)
    assert x == pytest.approx(2.0 * np.exp(-2 * t), rel=1e-6)


def test_one_parameter():
    flow = gradient_flow(get_surface("parabola").grad, (5.0,), 3.0)
    assert flow.theta.shape[1] == 1
    assert flow.theta[-1, 0] == pytest.approx(5.0 * np.exp(-6.0), rel=1e-7)


@pytest.mark.parametrize(
    ("name", "start", "t_end"),
    [
        ("rosenbrock", (-1.5, 2.0), 5.0),
        ("himmelblau", (0.0, 0.0), 2.0),
        ("beale", (1.0, 1.4), 3.0),
        ("six-hump-camel", (-1.5, 0.8), 4.0),
        ("goldstein-price", (0.5, -0.5), 0.01),
    ],
)
def test_the_flow_agrees_with_scipy(name, start, t_end):
    s = get_surface(name)
    flow = gradient_flow(s.grad, start, t_end)
    ref = solve_ivp(
        lambda _t, y: [-g for g in s.grad(*y)],
        (0.0, float(flow.t[-1])),
        start,
        method="DOP853",
        rtol=1e-12,
        atol=1e-12,
        t_eval=flow.t,
    )
    scale = max(1.0, float(np.abs(flow.theta).max()))
    assert np.abs(ref.y.T - flow.theta).max() < 1e-5 * scale


def test_the_flow_stops_where_the_gradient_vanishes():
    flow = gradient_flow(get_surface("bowl").grad, (1.0, 1.0), 1e6)
    assert flow.status == "stationary"
    assert np.abs(flow.theta[-1]).max() < 1e-7
    assert np.allclose(flow.at([2e6]), flow.theta[-1])  # past its end: where it rests


def test_the_flow_stops_where_the_surface_is_undefined():
    s = formula_surface("log(x) + y^2")  # the flow of log x runs to x = 0 at t = x0²/2
    flow = gradient_flow(s.grad, (1.0, 1.0), 5.0)
    assert flow.status == "undefined"
    assert flow.t[-1] == pytest.approx(0.5, abs=1e-3)


def test_a_too_stiff_path_says_so():
    flow = gradient_flow(get_surface("rosenbrock").grad, (-1.5, 2.0), 50.0, max_steps=100)
    assert flow.status == "stiff" and len(flow.t) <= 101


def test_between_its_points_the_flow_is_interpolated_to_a_tight_tolerance():
    flow = gradient_flow(get_surface("ravine").grad, (-9.0, 3.0), 67.5)
    times = np.linspace(0.0, 67.5, 997)
    want = np.column_stack([-9.0 * np.exp(-0.02 * times), 3.0 * np.exp(-4.0 * times)])
    assert np.abs(flow.at(times) - want).max() < 1e-5


def test_run_times_are_the_sums_of_the_learning_rates():
    assert run_times([0.1, 0.2, 0.3]).tolist() == pytest.approx([0.0, 0.1, 0.3])


def distance_from_flow(lr, steps):
    s = get_surface("rosenbrock")
    cfg = RunConfig(surface="rosenbrock", optimizer="gd", hyper={"lr": lr}, max_steps=steps)
    traj = simulate(cfg, s)
    times = run_times(traj.lr)
    flow = gradient_flow(s.grad, traj.position[0], float(times[-1]))
    return float(np.abs(flow.at(times) - traj.position).max())


def test_plain_gd_follows_the_flow_at_small_alpha_and_leaves_it_near_the_edge():
    """Rosenbrock from (−1.5, 2), where 2/λmax = 0.00096: α = 1e-5 stays within 0.003 of
    the flow over its 2000 steps, α = 0.0009 bounces off it by more than 0.01."""
    assert distance_from_flow(1e-5, 2000) < 3e-3
    assert distance_from_flow(9e-4, 20) > 1e-2
