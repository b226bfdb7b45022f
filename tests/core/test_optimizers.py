"""Optimizers against torch.optim's update equations, derived by hand.

The expected numbers below are worked out step by step from torch's documented
algorithms (and checked against torch 2.13.0 itself: see test_torch_parity.py).
All on f(x) = x² (g = 2x) from x₀ = 1 unless said otherwise.
"""

import numpy as np
import pytest

from gdsim.core.optimizers import OPTIMIZERS, OptimizerError, get_optimizer, validate_hyper
from gdsim.core.simulation import RunConfig, simulate


def steps(name, n, start=1.0, **hyper):
    t = simulate(RunConfig("parabola", name, hyper, (start,), max_steps=n))
    return t.position[:, 0].tolist()


def test_gd_is_x_times_one_minus_two_alpha():
    xs = steps("gd", 3, lr=0.1)
    assert xs == pytest.approx([1.0, 0.8, 0.64, 0.512], rel=1e-15)


def test_sgd_momentum_buffer_starts_as_the_first_gradient_without_dampening():
    # b1 = g0 = 2 (a copy: dampening not applied); x1 = 1 − 0.1·2 = 0.8
    # b2 = 0.9·2 + (1 − 0.5)·1.6 = 2.6;  x2 = 0.8 − 0.26 = 0.54
    # b3 = 0.9·2.6 + 0.5·1.08 = 2.88;    x3 = 0.54 − 0.288 = 0.252
    xs = steps("sgd", 3, lr=0.1, momentum=0.9, dampening=0.5)
    assert xs == pytest.approx([1.0, 0.8, 0.54, 0.252], rel=1e-14)


def test_momentum_preset_is_heavy_ball_with_mu_0_9():
    # b1 = 2, x1 = 0.8; b2 = 1.8 + 1.6 = 3.4, x2 = 0.8 − 0.34 = 0.46
    assert steps("momentum", 2, lr=0.1) == pytest.approx([1.0, 0.8, 0.46], rel=1e-14)


def test_nesterov_steps_along_g_plus_mu_b():
    # b1 = 2, step g + μb = 2 + 1.8 = 3.8, x1 = 0.62
    # g = 1.24, b2 = 1.8 + 1.24 = 3.04, step 1.24 + 2.736 = 3.976, x2 = 0.2224
    assert steps("nesterov", 2, lr=0.1) == pytest.approx([1.0, 0.62, 0.2224], rel=1e-14)


def test_weight_decay_adds_lambda_theta_to_the_gradient():
    # g = 2x + 0.5x = 2.5x: x1 = 1 − 0.25 = 0.75
    assert steps("gd", 1, lr=0.1, weight_decay=0.5) == pytest.approx([1.0, 0.75], rel=1e-15)


def test_adagrad_divides_by_root_of_summed_squares():
    # s1 = 4, x1 = 1 − 0.1·2/(2 + 1e−10) ≈ 0.9
    # g = 1.8, s2 = 7.24, x2 = 0.9 − 0.1·1.8/√7.24 = 0.833104...
    xs = steps("adagrad", 2, lr=0.1)
    assert xs[1] == pytest.approx(0.9, rel=1e-9)
    assert xs[2] == pytest.approx(0.9 - 0.18 / 7.24**0.5, rel=1e-9)


def test_adagrad_lr_decay_and_initial_accumulator():
    # clr_k = lr / (1 + (k − 1)·decay); s0 = 1: s1 = 5, x1 = 1 − 0.1·2/(√5 + ε)
    # clr_2 = 0.1/1.5; g = 2·x1; s2 = 5 + g²; x2 = x1 − clr_2·g/(√s2 + ε)
    xs = steps("adagrad", 2, lr=0.1, lr_decay=0.5, initial_accumulator_value=1.0)
    x1 = 1 - 0.2 / (5**0.5 + 1e-10)
    g = 2 * x1
    assert xs[1] == pytest.approx(x1, rel=1e-14)
    assert xs[2] == pytest.approx(x1 - (0.1 / 1.5) * g / ((5 + g * g) ** 0.5 + 1e-10), rel=1e-14)


def test_rmsprop_has_no_bias_correction_so_its_first_step_is_lr_over_root_one_minus_alpha():
    # sq1 = (1 − 0.99)·4 = 0.04, step = 0.01·2/0.2 = 0.1 (ten times lr)
    xs = steps("rmsprop", 1, lr=0.01)
    assert xs[1] == pytest.approx(0.9, rel=1e-7)


def test_rmsprop_centered_and_momentum():
    # centered: ḡ1 = 0.01·2 = 0.02, avg = √(0.04 − 0.0004) = √0.0396
    # momentum 0.5: b1 = 2/avg, x1 = 1 − 0.01·b1
    xs = steps("rmsprop", 1, lr=0.01, centered=True, momentum=0.5)
    assert xs[1] == pytest.approx(1 - 0.01 * 2 / (0.0396**0.5 + 1e-8), rel=1e-12)


def test_adam_first_step_is_lr_times_sign_of_the_gradient():
    # m̂1 = g, v̂1 = g²: x1 = 1 − 0.1·2/(2 + 1e−8)
    xs = steps("adam", 2, lr=0.1)
    assert xs[1] == pytest.approx(1 - 0.2 / (2 + 1e-8), rel=1e-15)
    # step 2: g = 2·x1 ≈ 1.8; m = 0.9·0.2 + 0.1·g ≈ 0.36; v = 0.999·0.004 + 0.001·g² ≈ 0.007236
    # m̂ = m/0.19 ≈ 1.8947, v̂ = v/0.001999 ≈ 3.6198: x2 ≈ 0.9 − 0.1·1.8947/1.9026 ≈ 0.80041
    g = 2 * xs[1]
    m, v = 0.9 * 0.2 + 0.1 * g, 0.999 * 0.004 + 0.001 * g * g
    x2 = xs[1] - (0.1 / (1 - 0.9**2)) * m / ((v / (1 - 0.999**2)) ** 0.5 + 1e-8)
    assert xs[2] == pytest.approx(x2, rel=1e-13)
    assert xs[2] == pytest.approx(0.80041, abs=1e-5)


def test_adam_amsgrad_keeps_the_largest_second_moment():
    # with β2 = 0.5 the second moment forgets fast and falls as the gradient shrinks
    h = {"lr": 0.3, "betas": (0.9, 0.5)}
    t = simulate(RunConfig("parabola", "adam", {**h, "amsgrad": True}, (1.0,), max_steps=8))
    plain = simulate(RunConfig("parabola", "adam", h, (1.0,), max_steps=8))
    v_max = t.state["max_exp_avg_sq"]
    assert v_max[-1, 0] > plain.state["exp_avg_sq"][-1, 0]  # v_max ≥ v once the gradient shrinks
    assert np.all(np.diff(v_max[1:, 0]) >= 0)


def test_adamw_decays_the_weights_before_the_adam_step():
    # x ← x·(1 − lr·wd) = 0.95, then the Adam step with g(x0) = 2: x1 = 0.95 − 0.1·2/(2 + 1e−8)
    xs = steps("adamw", 1, lr=0.1, weight_decay=0.5)
    assert xs[1] == pytest.approx(0.95 - 0.2 / (2 + 1e-8), rel=1e-15)
    adam = steps("adam", 1, lr=0.1, weight_decay=0.5)  # coupled: g = 2 + 0.5 = 2.5
    assert adam[1] == pytest.approx(1 - 0.1 * 2.5 / (2.5 + 1e-8), rel=1e-15)


def test_defaults_are_torchs():
    assert get_optimizer("sgd").hyper["lr"] == 1e-3
    assert validate_hyper("adam", {}) == {
        "lr": 1e-3,
        "betas": (0.9, 0.999),
        "eps": 1e-8,
        "weight_decay": 0.0,
        "amsgrad": False,
    }
    assert validate_hyper("adamw", {})["weight_decay"] == 1e-2
    ada = validate_hyper("adagrad", {})
    assert (ada["lr"], ada["eps"], ada["initial_accumulator_value"]) == (1e-2, 1e-10, 0.0)
    rms = validate_hyper("rmsprop", {})
    assert (rms["lr"], rms["alpha"], rms["eps"], rms["centered"]) == (1e-2, 0.99, 1e-8, False)
    assert validate_hyper("momentum", {})["momentum"] == 0.9
    assert validate_hyper("nesterov", {})["nesterov"] is True
    nadam = validate_hyper("nadam", {})
    assert (nadam["lr"], nadam["momentum_decay"], nadam["decoupled_weight_decay"]) == (
        2e-3,
        4e-3,
        False,
    )
    assert validate_hyper("radam", {})["lr"] == 1e-3
    assert validate_hyper("adamax", {})["lr"] == 2e-3
    assert validate_hyper("adadelta", {}) == {
        "lr": 1.0,
        "rho": 0.9,
        "eps": 1e-6,
        "weight_decay": 0.0,
    }
    assert validate_hyper("rprop", {}) == {
        "lr": 1e-2,
        "etas": (0.5, 1.2),
        "step_sizes": (1e-6, 50.0),
    }
    assert validate_hyper("asgd", {}) == {
        "lr": 1e-2,
        "lambd": 1e-4,
        "alpha": 0.75,
        "t0": 1e6,
        "weight_decay": 0.0,
    }
    assert validate_hyper("lion", {})["betas"] == (0.9, 0.99)  # the paper's defaults
    assert validate_hyper("lion", {})["lr"] == 1e-4


# -- the optimizers added from torch.optim 2.13, first steps by hand on f = x², x₀ = 1


def test_nadam_first_step_weighs_the_gradient_now_and_the_momentum_one_step_ahead():
    # μ₁ = 0.9(1 − ½·0.96^0.004), μ₂ = 0.9(1 − ½·0.96^0.008); m₁ = 0.2, v₁ = 0.004,
    # d = √(v₁ / 0.001) + ε = 2 + 1e-8;
    # x₁ = 1 − 0.1(1 − μ₁)/(1 − μ₁)·2/d − 0.1μ₂/(1 − μ₁μ₂)·0.2/d
    mu1 = 0.9 * (1 - 0.5 * 0.96**0.004)
    mu2 = 0.9 * (1 - 0.5 * 0.96**0.008)
    d = 2 + 1e-8
    x1 = 1 - 0.1 * 2 / d - 0.1 * mu2 / (1 - mu1 * mu2) * 0.2 / d
    assert steps("nadam", 1, lr=0.1)[1] == pytest.approx(x1, rel=1e-15)


def test_radam_starts_as_momentum_sgd_until_the_variance_estimate_is_long_enough():
    # ρ∞ = 2/(1 − 0.999) − 1 = 1999, ρ₁ = ρ∞ − 2·0.999/0.001 = 1 ≤ 5: x₁ = 1 − α·m̂ = 1 − 0.1·2
    xs = steps("radam", 1, lr=0.1)
    assert xs[1] == pytest.approx(0.8, rel=1e-12)
    # ρ_t passes 5 at t = 6 (ρ₅ ≈ 4.99, ρ₆ ≈ 5.99): from then on the step is rectified
    from gdsim.core.explain import explain_step

    cfg = RunConfig("parabola", "radam", {"lr": 0.01}, (1.0,), max_steps=8)
    traj = simulate(cfg)
    rects = [explain_step(cfg, traj, k).terms["rect"] for k in range(7)]
    assert rects[:5] == [0.0] * 5 and 0 < rects[5] < rects[6] < 1


def test_adamax_divides_by_the_infinity_norm():
    # m₁ = 0.2, u₁ = max(0, |2| + 1e-8); x₁ = 1 − 0.1/(1 − 0.9)·0.2/u₁
    assert steps("adamax", 1, lr=0.1)[1] == pytest.approx(1 - 0.2 / (2 + 1e-8), rel=1e-15)


def test_adadelta_first_step_is_root_eps_over_rms_of_g():
    # v₁ = 0.1·4; Δ = √(0 + 1e-6) / √(v₁ + 1e-6)·2; x₁ = 1 − 1.0·Δ
    delta = (1e-6) ** 0.5 / (0.4 + 1e-6) ** 0.5 * 2
    assert steps("adadelta", 1)[1] == pytest.approx(1 - delta, rel=1e-15)


def test_rprop_grows_its_step_while_the_sign_holds_and_backs_off_when_it_flips():
    # steps 0.1, 0.12, 0.144: x = 0.9, 0.78, 0.636 (the sign of g = 2x holds)
    assert steps("rprop", 3, lr=0.1) == pytest.approx([1.0, 0.9, 0.78, 0.636], rel=1e-14)
    # from x₀ = 0.05 with lr 0.1: x₁ = −0.05 (sign flips), then step size × 0.5 and that
    # step is skipped (g′ = 0): x₂ = x₁; then it moves by the halved 0.05: x₃ = 0.0
    xs = steps("rprop", 3, start=0.05, lr=0.1)
    assert xs == pytest.approx([0.05, -0.05, -0.05, 0.0], abs=1e-15)


def test_asgd_decays_then_steps_and_averages_from_t0():
    # η₀ = α: x₁ = (1 − λ·0.1)·1 − 0.1·2
    xs = steps("asgd", 2, lr=0.1, lambd=1e-4)
    assert xs[1] == pytest.approx((1 - 1e-5) - 0.2, rel=1e-15)
    eta1 = 0.1 / (1 + 1e-4 * 0.1 * 1) ** 0.75  # the rate of the second step
    assert xs[2] == pytest.approx((1 - 1e-4 * eta1) * xs[1] - eta1 * 2 * xs[1], rel=1e-15)


def test_lion_moves_every_coordinate_by_exactly_lr():
    # c = β₁·0 + 0.1·2 > 0: x₁ = 0.9; m₁ = 0.01·2; c = 0.9·0.02 + 0.1·1.8 > 0: x₂ = 0.8
    assert steps("lion", 2, lr=0.1) == pytest.approx([1.0, 0.9, 0.8], rel=1e-15)


def test_lion_follows_the_paper_s_algorithm():
    """Chen et al. 2023, Algorithm 2, written out independently with numpy on Rosenbrock:
    update = sign(β₁m + (1 − β₁)g) + λθ; θ ← θ − η·update; m ← β₂m + (1 − β₂)g."""
    from gdsim.core.surfaces import get_surface

    fg = get_surface("rosenbrock").fg
    lr, b1, b2, lam = 1e-3, 0.9, 0.99, 0.1
    theta, m = np.array([-1.5, 2.0]), np.zeros(2)
    ref = [theta]
    for _ in range(300):
        g = np.array(fg(*theta)[1:])
        update = np.sign(b1 * m + (1 - b1) * g) + lam * theta
        theta = theta - lr * update
        m = b2 * m + (1 - b2) * g
        ref.append(theta)
    cfg = RunConfig("rosenbrock", "lion", {"lr": lr, "weight_decay": lam}, (-1.5, 2.0))
    ours = simulate(cfg.replace(max_steps=300))
    np.testing.assert_allclose(ours.position, np.array(ref), rtol=0, atol=1e-13)


CONFIGS = [
    ("gd", {"lr": 1e-3}),
    ("sgd", {"lr": 1e-3, "momentum": 0.7, "dampening": 0.2, "weight_decay": 0.1}),
    ("nesterov", {"lr": 1e-3}),
    ("adagrad", {"lr": 0.05, "lr_decay": 0.01, "initial_accumulator_value": 0.3}),
    ("rmsprop", {"lr": 1e-3, "momentum": 0.4, "centered": True, "weight_decay": 0.01}),
    ("rmsprop", {"lr": 1e-3, "alpha": 0.3}),
    ("adam", {"lr": 1e-2, "amsgrad": True, "weight_decay": 0.1}),
    ("adam", {"lr": 1e-2, "betas": (0.3, 0.5)}),
    ("adamw", {"lr": 1e-2}),
    ("nadam", {"lr": 1e-2, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("radam", {"lr": 1e-3, "weight_decay": 0.1}),
    ("adamax", {"lr": 1e-2, "weight_decay": 0.1}),
    ("adadelta", {"rho": 0.5, "weight_decay": 0.1}),
    ("rprop", {"etas": (0.3, 1.5), "step_sizes": (1e-4, 0.3)}),
    ("asgd", {"lr": 1e-3, "t0": 50.0, "weight_decay": 0.1}),
    ("lion", {"lr": 1e-3, "weight_decay": 0.1}),
]


@pytest.mark.parametrize(("name", "hyper"), CONFIGS)
def test_many_runs_at_once_equal_single_runs_bit_for_bit(name, hyper):
    """The array update over (runs, dims) and the single-run float loop give the same bits."""
    starts = np.array([[-1.5, 2.0], [0.3, -0.7], [1.2, 1.1]])
    opt = get_optimizer(name, **hyper)
    from gdsim.core.surfaces import get_surface

    s = get_surface("rosenbrock")
    p = starts.copy()
    state = opt.init(p)
    rows = [p]
    for _ in range(200):
        p, state = opt.update(s.gradient(p), state, p)
        rows.append(p)
    batch = np.stack(rows, axis=1)  # (runs, steps, dims)
    for r, start in enumerate(starts):
        single = simulate(RunConfig("rosenbrock", name, hyper, tuple(start), max_steps=200))
        np.testing.assert_array_equal(single.position, batch[r])


def test_update_is_pure():
    opt = get_optimizer("adam", lr=0.1)
    p = np.array([[1.0, 2.0]])
    g = np.array([[0.5, -0.5]])
    s0 = opt.init(p)
    p1, s1 = opt.update(g, s0, p)
    p1b, s1b = opt.update(g, s0, p)
    np.testing.assert_array_equal(p1, p1b)
    np.testing.assert_array_equal(s1.exp_avg, s1b.exp_avg)
    np.testing.assert_array_equal(p, [[1.0, 2.0]])
    assert s0.step == 0 and s1.step == 1


@pytest.mark.parametrize(
    ("name", "hyper", "message"),
    [
        ("adam", {"lr": 0.0}, "lr must be in (0, ∞)"),
        ("adam", {"lr": -1.0}, "lr must be in (0, ∞)"),
        ("adam", {"betas": (0.9, 1.0)}, "betas must be two numbers in [0, 1)"),
        ("momentum", {"momentum": 1.0}, "momentum must be in [0, 1)"),
        ("rmsprop", {"alpha": -0.1}, "alpha must be in [0, 1)"),
        ("sgd", {"nesterov": True, "momentum": 0.9, "dampening": 0.1}, "nesterov needs"),
        ("sgd", {"nesterov": True}, "nesterov needs"),
        ("gd", {"momentum": 0.9}, "gd has no hyperparameter 'momentum'"),
        ("adam", {"lr": float("nan")}, "finite"),
        ("nope", {}, "unknown optimizer"),
        ("rprop", {"etas": (0.5, 0.9)}, "etas must satisfy 0 < η₋ < 1 < η₊"),
        ("rprop", {"etas": (0.0, 1.2)}, "etas must be two numbers in (0, ∞)"),
        ("rprop", {"step_sizes": (1.0, 0.1)}, "step_sizes must be (min, max) with min <= max"),
        ("adadelta", {"rho": 1.5}, "rho must be in [0, 1]"),
        ("nadam", {"momentum_decay": -1.0}, "momentum_decay must be in [0, ∞)"),
        ("asgd", {"t0": float("inf")}, "finite"),
    ],
)
def test_bad_hyperparameters_are_refused_with_one_line(name, hyper, message):
    with pytest.raises(OptimizerError) as e:
        get_optimizer(name, **hyper)
    assert message in str(e.value) and "\n" not in str(e.value)


def test_every_optimizer_reaches_the_bowl_minimum():
    for name in OPTIMIZERS:
        lr = {
            "adagrad": 0.5,
            "rmsprop": 0.01,
            "adam": 0.05,
            "adamw": 0.05,
            "nadam": 0.05,
            "radam": 0.05,
            "adamax": 0.05,
            "adadelta": 1.0,
            "lion": 0.01,
        }.get(name, 0.1)
        t = simulate(RunConfig("bowl", name, {"lr": lr}, (-3.0, 2.5), max_steps=3000))
        assert np.linalg.norm(t.position[-1]) < 0.05, name
