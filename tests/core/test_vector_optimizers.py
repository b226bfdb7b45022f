"""The optimizers that need the whole vector (gdsim.core.vector_optimizers), derived by
hand; test_vector_parity.py checks L-BFGS and Adafactor against torch itself."""

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest

from gdsim.core.hyper import Hyper
from gdsim.core.vector_optimizers import (
    VECTOR_OPTIMIZERS,
    StepCount,
    VectorOptimizerError,
    _axpy,
    get_vector_optimizer,
)


def quadratic(a, b, cx=0.0, cy=0.0):
    """f = a·(x − cx)² + b·(y − cy)², its gradient and (constant) Hessian."""

    def fg(p):
        x, y = p[0] - cx, p[1] - cy
        return a * x * x + b * y * y, np.array([2 * a * x, 2 * b * y])

    return fg, lambda p: np.diag([2.0 * a, 2.0 * b])


def run_step(name, theta, fg, hess=None, lr=None, state=None, **hyper):
    opt = get_vector_optimizer(name, **hyper)
    theta = np.array(theta, dtype=float)
    loss, grad = fg(theta)
    state = opt.init(theta) if state is None else state
    return opt.step(theta, loss, grad, state, opt.hyper["lr"] if lr is None else lr, fg, hess)


# -- Newton --------------------------------------------------------------------------------
def test_newton_lands_on_the_minimiser_of_a_quadratic_in_one_step():
    fg, hess = quadratic(1.0, 3.0, 1.0, -2.0)  # g = (6, 42) at (4, 5), H = diag(2, 6)
    r = run_step("newton", (4.0, 5.0), fg, hess)
    assert r.theta.tolist() == [1.0, -2.0]
    assert r.terms["direction"].tolist() == [3.0, 7.0]
    assert r.terms["eigenvalues"].tolist() == [2.0, 6.0]
    assert r.status is None and r.evaluations == [] and r.state == StepCount(1)


def test_newton_damping_and_step_size():
    # (H + 2I)⁻¹g = (6/4, 42/8) = (1.5, 5.25); half of it: θ = (4 − 0.75, 5 − 2.625)
    fg, hess = quadratic(1.0, 3.0, 1.0, -2.0)
    r = run_step("newton", (4.0, 5.0), fg, hess, lr=0.5, damping=2.0)
    assert r.terms["direction"].tolist() == [1.5, 5.25]
    assert r.theta.tolist() == [3.25, 2.375]


@pytest.mark.parametrize("start", [(3.0, -2.0), (-0.7, 1e-3), (1e4, 5.5)])
def test_pure_newton_jumps_onto_the_saddle(start):
    def fg(p):
        return p[0] ** 2 - p[1] ** 2, np.array([2 * p[0], -2 * p[1]])

    r = run_step("newton", start, fg, lambda p: np.diag([2.0, -2.0]))
    assert r.theta.tolist() == [0.0, 0.0]
    assert r.terms["eigenvalues"].tolist() == [-2.0, 2.0]  # a saddle: one of each sign


@pytest.mark.parametrize(
    ("fg", "hess", "start"),
    [
        (lambda p: (p[0], np.array([1.0])), lambda p: np.zeros((1, 1)), (2.0,)),  # f = x
        (
            lambda p: (p[0] ** 2 + p[1], np.array([2 * p[0], 1.0])),
            lambda p: np.diag([2.0, 0]),
            (1.0, 1.0),
        ),
        (lambda p: (0.0, np.array([1.0, 1.0])), lambda p: np.diag([1.0, 1e-13]), (1.0, 1.0)),
    ],
)
def test_newton_stops_on_a_singular_hessian_without_moving(fg, hess, start):
    r = run_step("newton", start, fg, hess)
    assert r.status.startswith("singular Hessian (det ≈ ")
    assert r.theta.tolist() == list(start)


def test_newton_damping_makes_a_singular_hessian_usable():
    fg = lambda p: (p[0], np.array([1.0]))  # noqa: E731
    r = run_step("newton", (2.0,), fg, lambda p: np.zeros((1, 1)), damping=4.0)
    assert r.status is None and r.theta.tolist() == [1.75]


def test_newton_needs_a_hessian_and_a_finite_one():
    fg, _ = quadratic(1.0, 1.0)
    with pytest.raises(VectorOptimizerError, match="Hessian"):
        run_step("newton", (1.0, 1.0), fg)
    r = run_step("newton", (1.0, 1.0), fg, lambda p: np.array([[np.nan, 0], [0, 1]]))
    assert r.status == "Hessian is not a finite number" and r.theta.tolist() == [1.0, 1.0]


# -- Armijo line search ----------------------------------------------------------------------
def test_linesearch_tried_steps_on_x_squared_by_hand():
    # x = 1, g = 2: t = 1 → x = −1, f = 1 > 1 − 1e-4·1·4; t = 0.5 → x = 0, f = 0: accepted
    fg = lambda p: (p[0] ** 2, 2 * p)  # noqa: E731
    r = run_step("linesearch", (1.0,), fg)
    assert r.terms["tried"] == [1.0, 0.5] and r.terms["losses"] == [1.0, 0.0]
    assert [e.tolist() for e in r.evaluations] == [[-1.0], [0.0]]
    assert r.theta.tolist() == [0.0] and r.terms["t"] == 0.5 and r.status is None


def test_linesearch_takes_the_first_step_when_it_decreases_enough():
    fg = lambda p: (p[0] ** 2, 2 * p)  # noqa: E731
    r = run_step("linesearch", (1.0,), fg, lr=0.25)
    assert r.terms["tried"] == [0.25] and r.theta.tolist() == [0.5]


@pytest.mark.parametrize("lr", [1e-3, 0.1, 1.0, 37.0, 1e3, 1e6])
def test_linesearch_never_increases_a_convex_quadratic(lr):
    fg, _ = quadratic(0.5, 12.5)  # the ravine 0.5·(x² + 25y²)
    opt = get_vector_optimizer("linesearch", lr=lr)
    theta = np.array([5.0, 1.0])
    state = opt.init(theta)
    losses = []
    for _ in range(60):
        loss, grad = fg(theta)
        losses.append(loss)
        r = opt.step(theta, loss, grad, state, lr, fg)
        assert r.status is None
        theta, state = r.theta, r.state
    assert all(b <= a for a, b in itertools.pairwise(losses))
    assert losses[-1] < losses[0]


def test_linesearch_refuses_undefined_points_and_may_fail():
    def fg(p):
        if abs(p[0]) > 10:
            raise ValueError("math domain error")
        return p[0] ** 2, 2 * p

    r = run_step("linesearch", (1.0,), fg, lr=8.0)  # t = 8 → x = −15: undefined; 4 → −7
    assert r.terms["tried"] == [8.0, 4.0, 2.0, 1.0, 0.5]
    assert math.isnan(r.terms["losses"][0])
    r = run_step("linesearch", (1.0,), fg, lr=8.0, max_backtracks=2)
    assert r.status == "line search failed" and r.theta.tolist() == [1.0]
    assert r.terms["tried"] == [8.0, 4.0, 2.0] and len(r.evaluations) == 3


# -- Adafactor -------------------------------------------------------------------------------
def test_adafactor_first_step_by_hand():
    # step 1: 1 − β̂₂ = 1^−0.8 = 1, so v = g²; update g/√v = (1, 1), RMS 1: no clipping;
    # ρ₁ = min(0.01, 1) = 0.01; α = RMS(θ)·ρ₁ = (5/√2)·0.01
    fg = lambda p: (0.0, np.array([6.0, -8.0]))  # noqa: E731
    r = run_step("adafactor", (3.0, 4.0), fg)
    alpha = 5.0 / math.sqrt(2.0) * 0.01
    assert r.terms["rho_t"] == 0.01 and r.terms["denom"] == 1.0
    assert r.terms["alpha"] == pytest.approx(alpha, rel=1e-15)
    assert r.theta == pytest.approx([3.0 - alpha, 4.0 + alpha], rel=1e-15)
    assert r.state.step == 1 and r.state.variance.tolist() == [36.0, 64.0]


def test_adafactor_second_step_weights_and_clipping_by_hand():
    opt = get_vector_optimizer("adafactor", lr=0.5, weight_decay=0.1)
    theta = np.array([3.0, 4.0])
    s1 = opt.step(theta, 0.0, np.array([1.0, 1.0]), opt.init(theta), 0.5, None)
    g2 = np.array([10.0, -10.0])
    r = opt.step(s1.theta, 0.0, g2, s1.state, 0.5, None)
    w = 2.0**-0.8  # 1 − β̂₂ at step 2
    v = np.array([1 + w * (100 - 1)] * 2)  # lerp from (1, 1) to g² = (100, 100)
    u = g2 / np.sqrt(v)
    denom = math.sqrt((u[0] ** 2 + u[1] ** 2) / 2)  # RMS(u) > d = 1: clipped
    rho = min(0.5, 1 / math.sqrt(2))
    alpha = max(1e-3, math.sqrt((s1.theta**2).sum() / 2)) * rho
    expected = s1.theta * (1 - 0.5 * 0.1) - alpha / denom * u
    assert r.terms["denom"] == pytest.approx(denom, rel=1e-14) and denom > 1
    assert r.state.variance == pytest.approx(v, rel=1e-15)
    assert r.theta == pytest.approx(expected, rel=1e-14)


# -- L-BFGS ----------------------------------------------------------------------------------
def test_lbfgs_first_step_is_minus_g_scaled_by_min_1_over_l1_norm():
    # no history: d = −g, t = min(1, 1/‖g‖₁)·lr; g = (6, 8) at (3, 4): t = 0.5/14
    fg, _ = quadratic(1.0, 1.0)
    r = run_step("lbfgs", (3.0, 4.0), fg, lr=0.5, max_iter=1)
    assert r.theta == pytest.approx([3 - 6 * 0.5 / 14, 4 - 8 * 0.5 / 14], rel=1e-15)
    assert r.evaluations == []  # the last inner iteration does not evaluate f (torch)
    assert r.state.func_evals == 1 and r.state.n_iter == 1
    assert r.terms["iterations"] == 1 and r.terms["stop"] == "max_iter"
    r = run_step("lbfgs", (3.0, 4.0), fg, lr=0.5, max_iter=2)  # max_eval = 2·5 // 4 = 2
    assert r.terms["stop"] == "max_eval" and r.state.n_iter == 1 and len(r.evaluations) == 1
    r = run_step("lbfgs", (3.0, 4.0), fg, lr=0.5, max_iter=2, max_eval=5)
    assert r.terms["stop"] == "max_iter" and r.state.n_iter == 2 and r.terms["memory"] == 1
    assert len(r.evaluations) == 1 and r.state.func_evals == 2


def test_lbfgs_small_gradient_is_a_step_of_size_lr():
    # ‖g‖₁ = 0.5 < 1: t = lr, so θ − g
    fg = lambda p: (0.0, np.array([0.25, -0.25]))  # noqa: E731
    r = run_step("lbfgs", (1.0, 1.0), fg, max_iter=1)
    assert r.theta.tolist() == [0.75, 1.25]


def test_lbfgs_does_nothing_at_a_point_within_tolerance_grad():
    fg = lambda p: (0.0, np.array([1e-8, 0.0]))  # noqa: E731
    opt = get_vector_optimizer("lbfgs")
    state = opt.init(np.zeros(2))
    r = opt.step(np.ones(2), 0.0, np.array([1e-8, 0.0]), state, 1.0, fg)
    assert r.theta.tolist() == [1.0, 1.0] and r.evaluations == []
    assert r.state.func_evals == 1 and r.state.n_iter == 0  # torch counts the closure call


def test_lbfgs_solves_a_quadratic_and_keeps_torch_s_state_names():
    fg, _ = quadratic(1.0, 10.0, 1.0, -1.0)
    r = run_step("lbfgs", (-3.0, 2.0), fg, line_search_fn="strong_wolfe")
    assert r.theta == pytest.approx([1.0, -1.0], abs=1e-5)
    assert r.state._fields == (
        "func_evals", "n_iter", "d", "t", "old_dirs", "old_stps", "ro", "H_diag",
        "prev_flat_grad", "prev_loss", "al",
    )  # fmt: skip
    assert r.state.func_evals == 1 + len(r.evaluations)


def test_lbfgs_inputs_are_not_modified():
    fg, _ = quadratic(1.0, 10.0)
    theta, grad = np.array([-3.0, 2.0]), fg(np.array([-3.0, 2.0]))[1]
    opt = get_vector_optimizer("lbfgs", max_iter=3)
    s1 = opt.step(theta.copy(), 0.0, grad.copy(), opt.init(theta), 1.0, fg)
    kept = [a.copy() for a in (*s1.state.old_dirs, s1.state.d, s1.theta)]
    opt.step(s1.theta, *fg(s1.theta), s1.state, 1.0, fg)
    assert all(
        (a == b).all()
        for a, b in zip(kept, (*s1.state.old_dirs, s1.state.d, s1.theta), strict=True)
    )
    assert theta.tolist() == [-3.0, 2.0]


# -- torch's fused multiply-add --------------------------------------------------------------
def test_axpy_rounds_once_like_a_fused_multiply_add():
    rng = np.random.default_rng(7)
    x = rng.standard_normal(400) * 2.0 ** rng.integers(-60, 60, 400)
    y = -(0.37 * x) * (1 + rng.integers(-3, 3, 400) * 2.0**-52)  # near cancellation
    y[:100] = rng.standard_normal(100)
    x[:3] = [1e300, 1e-300, 5e-324]  # beyond the split's safe range: exact fractions
    out = _axpy(0.37, x, y)
    exact = [float(Fraction(0.37) * Fraction(a) + Fraction(b)) for a, b in zip(x, y, strict=True)]
    assert out.tolist() == exact
    assert np.isnan(_axpy(1.0, np.array([np.inf]), np.array([-np.inf])))[0]
    assert _axpy(1e300, np.array([1e300]), np.array([1.0]))[0] == np.inf
    # short vectors take the Python-float path: the same single rounding
    short = [v for i in range(0, 400, 2) for v in _axpy(0.37, x[i : i + 2], y[i : i + 2]).tolist()]
    assert short == exact


# -- hyperparameters ---------------------------------------------------------------------------
def test_registry():
    assert list(VECTOR_OPTIMIZERS) == ["lbfgs", "adafactor", "newton", "linesearch"]
    torch_classes = {n: s.torch_class for n, s in VECTOR_OPTIMIZERS.items()}
    assert torch_classes == {
        "lbfgs": "LBFGS", "adafactor": "Adafactor", "newton": None, "linesearch": None
    }  # fmt: skip
    for spec in VECTOR_OPTIMIZERS.values():
        assert "\n" not in spec.description and spec.params[0].name == "lr"
        assert all(isinstance(h, Hyper) for h in spec.params)
        assert get_vector_optimizer(spec.name).name == spec.name
    assert VECTOR_OPTIMIZERS["newton"].needs_hessian
    lbfgs = get_vector_optimizer("lbfgs", max_iter=8)
    assert lbfgs.hyper["max_eval"] == 10  # torch's max_iter·5 // 4
    assert lbfgs.torch_hyper()["line_search_fn"] is None
    assert get_vector_optimizer("adafactor").hyper["eps"] == (2.220446049250313e-16, 1e-3)


@pytest.mark.parametrize(
    ("name", "hyper", "message"),
    [
        ("bfgs", {}, "unknown optimizer 'bfgs'"),
        ("lbfgs", {"momentum": 0.9}, "lbfgs has no hyperparameter 'momentum'"),
        ("lbfgs", {"lr": 0.0}, "lr must be in (0, ∞)"),
        ("lbfgs", {"lr": float("nan")}, "lr must be a finite number"),
        ("lbfgs", {"lr": "1"}, "lr must be a number"),
        ("lbfgs", {"max_iter": 2.5}, "max_iter must be a whole number, got 2.5"),
        ("lbfgs", {"max_iter": 0}, "max_iter must be a whole number in [1, 1000]"),
        ("lbfgs", {"max_iter": True}, "max_iter must be a whole number"),
        ("lbfgs", {"max_iter": "20"}, "max_iter must be a whole number"),
        ("lbfgs", {"max_iter": 10**9}, "max_iter must be a whole number in [1, 1000]"),
        ("lbfgs", {"max_eval": 0}, "max_eval must be a whole number in [1, 10000], or none"),
        ("lbfgs", {"history_size": 0}, "history_size must be a whole number in [1, 1000]"),
        ("lbfgs", {"tolerance_grad": -1e-7}, "tolerance_grad must be in [0, ∞)"),
        ("lbfgs", {"line_search_fn": "wolfe"}, "line_search_fn must be one of: none, strong_"),
        ("lbfgs", {"line_search_fn": 1}, "line_search_fn must be one of: none, strong_wolfe"),
        ("adafactor", {"beta2_decay": 0.5}, "beta2_decay must be in (−∞, 0]"),
        ("adafactor", {"d": 0.5}, "d must be in [1, ∞)"),
        ("adafactor", {"eps": (-1.0, 1e-3)}, "eps must be two numbers in [0, ∞)"),
        ("adafactor", {"eps": (None, 1e-3)}, "eps must be two numbers in [0, ∞)"),
        ("adafactor", {"weight_decay": -0.1}, "weight_decay must be in [0, ∞)"),
        ("newton", {"damping": -1.0}, "damping must be in [0, ∞)"),
        ("newton", {"lr": float("inf")}, "lr must be a finite number"),
        ("linesearch", {"c1": 0.0}, "c1 must be in (0, 1)"),
        ("linesearch", {"c1": 1.0}, "c1 must be in (0, 1)"),
        ("linesearch", {"shrink": 1.0}, "shrink must be in (0, 1)"),
        ("linesearch", {"max_backtracks": -1}, "max_backtracks must be a whole number in [0, 200]"),
    ],
)
def test_hostile_hyperparameters_are_refused_in_one_line(name, hyper, message):
    with pytest.raises(ValueError) as e:
        get_vector_optimizer(name, **hyper)
    assert str(e.value).startswith(message) and "\n" not in str(e.value)


def test_lbfgs_and_the_line_search_run_full_batch_on_data_but_refuse_mini_batches():
    from gdsim.core.simulation import ConfigError, RunConfig, simulate

    for name in ("lbfgs", "linesearch"):
        traj = simulate(RunConfig("house-prices", name, {}, max_steps=3))  # full batch
        assert len(traj) == 4
        with pytest.raises(ConfigError, match="evaluates f itself"):
            simulate(RunConfig("house-prices", name, {}, batch_size=2, max_steps=3))
    assert len(simulate(RunConfig("house-prices", "adafactor", {}, batch_size=2))) > 1
