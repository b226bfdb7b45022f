"""One step written out: the numbers are the run's own, bit for bit, and the lines say
what the run's options do."""

import math

import pytest

from gdsim.core.explain import TERMS, explain_step
from gdsim.core.schedules import Schedule
from gdsim.core.simulation import RunConfig, simulate

CONFIGS = [
    RunConfig("ravine", "gd", {"lr": 0.05}, max_steps=30),
    RunConfig("ravine", "sgd", {"lr": 0.05, "momentum": 0.8, "dampening": 0.3}, max_steps=30),
    RunConfig("ravine", "nesterov", {"lr": 0.05, "weight_decay": 0.01}, max_steps=30),
    RunConfig("ravine", "adagrad", {"lr": 0.3, "lr_decay": 0.01}, max_steps=30),
    RunConfig("ravine", "rmsprop", {"lr": 0.01, "momentum": 0.5, "centered": True}, max_steps=30),
    RunConfig("rosenbrock", "adam", {"lr": 0.02, "amsgrad": True}, max_steps=30, clip_norm=5.0),
    RunConfig("rosenbrock", "adamw", {"lr": 0.02, "weight_decay": 0.1}, max_steps=30),
    RunConfig(
        "ravine", "momentum", {"lr": 0.05}, max_steps=30, schedule=Schedule("step", step_size=7)
    ),
    RunConfig("linear-regression", "adam", {"lr": 0.05}, max_steps=30, batch_size=8),
    RunConfig("bowl", "sgd", {"lr": 0.05, "momentum": 0.5}, max_steps=30, noise=0.3, seed=4),
]


@pytest.mark.parametrize("cfg", CONFIGS, ids=lambda c: f"{c.surface}-{c.optimizer}")
def test_every_step_replays_to_the_trajectory_s_next_row_bit_for_bit(cfg):
    traj = simulate(cfg)
    for k in range(len(traj) - 1):
        e = explain_step(cfg, traj, k)
        assert e.params_next == tuple(traj.position[k + 1])
        assert e.params == tuple(traj.position[k]) and e.grad == tuple(traj.grad[k])
        assert e.lr == traj.lr[k] and e.state.get("step", k + 1) == k + 1
        for name in traj.state_names:  # the state after step k is the one carried into k + 1
            assert e.state[name] == tuple(traj.state[name][k + 1])
        assert set(e.terms) <= set(TERMS)
        assert e.lines[-1].value == e.terms["delta"]


def test_the_first_adam_step_by_hand():
    # m₁ = (1 − β₁)g, v₁ = (1 − β₂)g², m̂ = g, v̂ = g²: the step is α·g/(|g| + ε) ≈ α·sign(g)
    cfg = RunConfig("bowl", "adam", {"lr": 0.1}, (-3.0, 2.5), max_steps=3)
    e = explain_step(cfg, simulate(cfg), 0)
    g = (-6.0, 5.0)  # ∇(x² + y²) at (−3, 2.5)
    assert e.grad == g
    assert e.state["exp_avg"] == pytest.approx((0.1 * -6.0, 0.1 * 5.0), rel=1e-15)
    assert e.state["exp_avg_sq"] == pytest.approx((0.001 * 36.0, 0.001 * 25.0), rel=1e-15)
    assert e.terms["exp_avg_hat"] == pytest.approx(g, rel=1e-14)
    assert e.terms["exp_avg_sq_hat"] == pytest.approx((36.0, 25.0), rel=1e-12)
    assert e.terms["delta"] == pytest.approx((0.1, -0.1), rel=1e-8)
    text = e.text(6)
    assert "m₁ = β₁·m₀ + (1 − β₁)·g" in text and "m̂ = m₁ / (1 − β₁¹)" in text
    assert "θ₁ = θ₀ − α·m̂ / (√v̂ + ε)" in text


def test_momentum_s_first_buffer_is_the_gradient_then_the_rule():
    cfg = RunConfig("ravine", "momentum", {"lr": 0.05}, max_steps=5)
    traj = simulate(cfg)
    first, second = explain_step(cfg, traj, 0), explain_step(cfg, traj, 1)
    assert first.state["momentum_buffer"] == first.grad
    assert "b₁ = g" in first.text() and "b₂ = β·b₁ + g" in second.text()
    mu = 0.9
    want = tuple(
        mu * b + g for b, g in zip(first.state["momentum_buffer"], second.grad, strict=True)
    )
    assert second.state["momentum_buffer"] == want


def test_the_lines_follow_the_run_s_options():
    def text(cfg, k=3):
        return explain_step(cfg, simulate(cfg), k).text(6)

    assert "d = g + β·b₄" in text(CONFIGS[2]) and "g ← g + λθ₃" in text(CONFIGS[2])
    assert "α̃ = α / (1 + 3·η)" in text(CONFIGS[3])
    rms = text(CONFIGS[4])
    assert "ḡ₄ = ρ·ḡ₃ + (1 − ρ)·g" in rms and "d = √(v₄ − ḡ₄²) + ε" in rms
    adam = explain_step(CONFIGS[5], simulate(CONFIGS[5]), 0)
    assert "c = min(1, 5 / (‖g‖ + 10⁻⁶))" in adam.text() and adam.terms["clip_coef"] < 1
    assert "v̂max₁ = max(v̂max₀, v₁)" in adam.text()
    assert "(1 − αλ)·θ₃" in text(CONFIGS[6])
    assert "α = lr(3)" in text(CONFIGS[7]) and "step schedule: the rate of step 3" in text(
        CONFIGS[7]
    )
    assert "∇f_B(θ₃)" in text(CONFIGS[8]) and "mini-batch of 8" in text(CONFIGS[8])
    assert "∇f(θ₃) + σz" in text(CONFIGS[9])


def test_the_json_names_are_torch_s_and_the_last_row_has_no_step():
    cfg = CONFIGS[4]
    traj = simulate(cfg)
    d = explain_step(cfg, traj, 2).to_dict()
    assert set(d) == {"step", "optimizer", "params", "grad", "lr", "state", "params_next", "terms"}
    assert set(d["state"]) == {"step", "square_avg", "momentum_buffer", "grad_avg"}
    assert all(math.isfinite(v) for v in d["params_next"])
    with pytest.raises(ValueError, match=r"step must be in 0\.\.29"):
        explain_step(cfg, traj, len(traj) - 1)
