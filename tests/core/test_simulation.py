"""Runs end to end: the seed lessons' numbers, statuses, stop rules, mini-batches."""

import warnings

import numpy as np
import pytest

from gdsim.core.batch_runs import simulate_batch
from gdsim.core.schedules import Schedule
from gdsim.core.simulation import ConfigError, RunConfig, simulate
from gdsim.core.surfaces import get_surface

# The 25-step table of the seed lesson (x0 = 5, α = 0.1), to four decimals.
SEED_TABLE = [
    (5.0000, 25.0000),
    (4.0000, 16.0000),
    (3.2000, 10.2400),
    (2.5600, 6.5536),
    (2.0480, 4.1943),
    (1.6384, 2.6844),
    (1.3107, 1.7180),
    (1.0486, 1.0995),
    (0.8389, 0.7037),
    (0.6711, 0.4504),
    (0.5369, 0.2882),
    (0.4295, 0.1845),
    (0.3436, 0.1181),
    (0.2749, 0.0756),
    (0.2199, 0.0484),
    (0.1759, 0.0309),
    (0.1407, 0.0198),
    (0.1126, 0.0127),
    (0.0901, 0.0081),
    (0.0721, 0.0052),
    (0.0576, 0.0033),
    (0.0461, 0.0021),
    (0.0369, 0.0014),
    (0.0295, 0.0009),
    (0.0236, 0.0006),
    (0.0189, 0.0004),
]


def test_seed_lesson_table_on_x_squared():
    t = simulate(RunConfig("parabola", "gd", {"lr": 0.1}, (5.0,), max_steps=25))
    assert len(t) == 26
    for k, (x, fx) in enumerate(SEED_TABLE):
        assert round(t.position[k, 0], 4) == pytest.approx(x, abs=1e-9), k
        assert round(t.loss[k], 4) == pytest.approx(fx, abs=1e-9), k
    assert t.position[25, 0] == pytest.approx(5 * 0.8**25, rel=1e-13)
    assert str(t.status) == "stopped at max steps (25)"


@pytest.mark.parametrize(
    ("alpha", "behaviour"),
    [(0.3, "monotone"), (0.7, "zigzag"), (1.0, "bounce"), (1.05, "diverge")],
)
def test_stability_edge_on_x_squared(alpha, behaviour):
    t = simulate(RunConfig("parabola", "gd", {"lr": alpha}, (5.0,), max_steps=400))
    x = t.position[:, 0]
    if behaviour == "monotone":
        assert np.all(np.diff(x) < 0) and np.all(x > 0)
    elif behaviour == "zigzag":
        assert np.all(np.sign(x[:-1]) != np.sign(x[1:])) and abs(x[-1]) < 1e-6
    elif behaviour == "bounce":
        assert set(np.abs(x).tolist()) == {5.0} and t.status.state == "max steps"
    else:
        assert t.status.state == "diverged"


def test_shifted_parabola_three_learning_rates():
    good = simulate(RunConfig("shifted-parabola", "gd", {"lr": 0.1}, (10.0,), max_steps=100))
    slow = simulate(RunConfig("shifted-parabola", "gd", {"lr": 0.001}, (10.0,), max_steps=50))
    bad = simulate(RunConfig("shifted-parabola", "gd", {"lr": 1.1}, (10.0,), max_steps=100))
    assert good.position[-1, 0] == pytest.approx(-2.5, abs=1e-8)
    assert 8.5 < slow.position[-1, 0] < 10.0  # barely moved
    assert bad.status.state == "diverged"
    assert str(bad.status).startswith(f"diverged at step {bad.status.step}")
    assert np.all(np.isfinite(bad.position)) and np.all(np.isfinite(bad.loss))


def test_house_prices_converges_to_the_best_slope():
    t = simulate(RunConfig("house-prices", "gd", {"lr": 5e-5}, (1.0,), max_steps=100))
    assert t.position[-1, 0] == pytest.approx(2.7805, abs=5e-5)


def test_divergence_is_a_status_without_numpy_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for surface, lr in (
            ("rosenbrock", 0.01),
            ("goldstein-price", 0.1),
            ("ackley", 1e3),
            ("plateau", 1e9),
            ("linear-regression", 2.0),
        ):
            t = simulate(RunConfig(surface, "gd", {"lr": lr}, max_steps=5000))
            assert t.status.state == "diverged", surface
            assert np.all(np.isfinite(t.position)) and np.all(np.isfinite(t.loss))


def test_stop_rules():
    t = simulate(RunConfig("bowl", "gd", {"lr": 0.1}, (3.0, 4.0), max_steps=1000, grad_tol=1e-6))
    assert t.status.state == "converged" and "‖∇f‖" in t.status.reason
    assert np.linalg.norm(t.grad[-1]) < 1e-6 <= np.linalg.norm(t.grad[-2])
    assert t.status.step == len(t) - 1
    t = simulate(RunConfig("bowl", "gd", {"lr": 0.1}, (3.0, 4.0), max_steps=1000, loss_tol=1e-9))
    assert t.status.state == "converged" and abs(t.loss[-1] - t.loss[-2]) < 1e-9


def test_gradient_clipping_caps_the_step():
    t = simulate(RunConfig("bowl", "gd", {"lr": 0.1}, (30.0, 40.0), max_steps=3, clip_norm=1.0))
    steps = np.linalg.norm(np.diff(t.position, axis=0), axis=1)
    np.testing.assert_allclose(steps, 0.1 * 1.0 / (1.0 + 1e-6 / 100), rtol=1e-6)
    free = simulate(RunConfig("bowl", "gd", {"lr": 0.1}, (30.0, 40.0), max_steps=3))
    assert np.linalg.norm(free.position[1] - free.position[0]) == pytest.approx(10.0)


def test_schedules_set_the_learning_rate_in_force():
    sched = Schedule("step", step_size=2, gamma=0.5)
    t = simulate(RunConfig("parabola", "gd", {"lr": 0.1}, (1.0,), max_steps=5, schedule=sched))
    assert t.lr.tolist() == [0.1, 0.1, 0.05, 0.05, 0.025, 0.025]
    assert t.position[1, 0] == pytest.approx(0.8) and t.position[3, 0] == pytest.approx(
        0.8 * 0.8 * 0.9
    )
    exp = Schedule("exponential", gamma=0.9).lrs(1.0, 3)
    assert exp == [1.0, 0.9, 0.9 * 0.9]
    cos = Schedule("cosine", t_max=4).lrs(1.0, 5)
    assert cos == pytest.approx([1.0, 0.8535533905932737, 0.5, 0.14644660940672627, 0.0])


def test_same_seed_same_mini_batch_trajectory_other_seed_other():
    cfg = RunConfig("linear-regression", "sgd", {"lr": 0.05}, batch_size=32, max_steps=200, seed=7)
    a, b = simulate(cfg), simulate(cfg)
    c = simulate(cfg.replace(seed=8))
    np.testing.assert_array_equal(a.position, b.position)
    assert not np.array_equal(a.position, c.position)
    # the mini-batch gradient differs from the full one, which is recorded beside it
    assert not np.allclose(a.grad[1:], a.full_grad[1:])


def test_full_batch_equals_plain_gradient_descent():
    s = get_surface("linear-regression")
    cfg = RunConfig("linear-regression", "gd", {"lr": 0.05}, max_steps=50)
    full = simulate(cfg.replace(batch_size=s.n_samples))
    none = simulate(cfg)
    np.testing.assert_array_equal(full.position, none.position)
    np.testing.assert_array_equal(full.grad, full.full_grad)


def test_mini_batches_cover_each_epoch_without_replacement():
    from gdsim.core.datasets import BatchSampler

    sampler = BatchSampler(10, 4, np.random.default_rng(0))
    epoch = [sampler.next() for _ in range(3)]
    assert [len(b) for b in epoch] == [4, 4, 2]
    assert sorted(np.concatenate(epoch).tolist()) == list(range(10))


def test_noise_sigma_perturbs_the_gradient_reproducibly():
    cfg = RunConfig("bowl", "gd", {"lr": 0.1}, (1.0, 1.0), noise=0.5, seed=3, max_steps=20)
    a, b = simulate(cfg), simulate(cfg)
    np.testing.assert_array_equal(a.position, b.position)
    resid = a.grad - a.full_grad
    assert 0.2 < resid.std() < 0.8


@pytest.mark.parametrize(
    ("cfg", "message"),
    [
        (RunConfig("nope"), "unknown surface"),
        (RunConfig("bowl", start=(1.0,)), "start needs 2 coordinates"),
        (RunConfig("house-prices", batch_size=6), "batch size must be in 1..5"),
        (RunConfig("house-prices", batch_size=0), "batch size must be in 1..5"),
        (RunConfig("bowl", batch_size=2), "data-driven surfaces only"),
        (RunConfig("bowl", "adam", {"betas": (1.0, 0.9)}), "betas"),
        (RunConfig("bowl", noise=-1.0), "noise must be >= 0"),
        (RunConfig("bowl", max_steps=-1), "steps"),
    ],
)
def test_bad_configurations_are_refused(cfg, message):
    with pytest.raises(ConfigError) as e:
        simulate(cfg)
    assert message in str(e.value)


def test_config_round_trips_through_a_dict():
    cfg = RunConfig(
        "linear-regression",
        "adam",
        {"lr": 0.01, "betas": (0.8, 0.99)},
        (1.0, 2.0),
        seed=4,
        batch_size=16,
        schedule=Schedule("cosine", t_max=50),
        clip_norm=2.0,
        max_steps=77,
        grad_tol=1e-5,
    )
    assert RunConfig.from_dict(cfg.to_dict()) == cfg


def test_batch_runs_agree_with_single_runs_and_classify_outcomes():
    s = get_surface("two-wells")
    starts = np.array([[-1.5, 0.5], [1.5, -0.5], [0.0, 1.0]])
    r = simulate_batch(s, "gd", starts, 2000, {"lr": 0.05}, grad_tol=1e-8)
    for i, st in enumerate(starts):
        t = simulate(
            RunConfig("two-wells", "gd", {"lr": 0.05}, tuple(st), max_steps=2000, grad_tol=1e-8)
        )
        np.testing.assert_array_equal(r.position[i], t.position[-1])
        assert r.stop_step[i] == t.status.step
    assert (r.state() == "converged").all()
    assert r.position[0, 0] < 0 < r.position[1, 0]  # where you drop it matters
    big = simulate_batch(s, "gd", starts, 50, {"lr": 5.0})
    assert big.diverged.all()


def test_batch_can_be_cancelled():
    s = get_surface("rosenbrock")
    starts = np.zeros((100, 2))
    r = simulate_batch(s, "adam", starts, 100000, {"lr": 1e-3}, cancelled=lambda: True)
    assert (r.stop_step < 100).all()
