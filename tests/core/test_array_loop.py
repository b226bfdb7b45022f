"""The loop for many parameters gives the unrolled loop's numbers, bit for bit."""

import numpy as np
import pytest

from gdsim.core.array_loop import run_array
from gdsim.core.run_rules import status
from gdsim.core.schedules import Schedule
from gdsim.core.simulation import RunConfig, configured_optimizer, schedule_plan, simulate
from gdsim.core.surfaces import get_surface

CONFIGS = [
    RunConfig("rosenbrock", "adam", {"lr": 0.01}, (-1.5, 2.0), max_steps=200),
    RunConfig("ravine", "nesterov", {"lr": 0.05}, max_steps=80, clip_norm=2.0),
    RunConfig("beale", "nadam", {"lr": 0.01, "weight_decay": 0.1}, (1.0, 1.5), max_steps=100),
    RunConfig("himmelblau", "rprop", {}, max_steps=60, grad_tol=1e-6),
    RunConfig("bowl", "asgd", {"lr": 0.1, "t0": 5.0}, (1.0, -2.0), max_steps=50, loss_tol=1e-12),
    RunConfig(
        "rosenbrock",
        "sgd",
        {"lr": 1e-4, "momentum": 0.5},
        (-1.5, 2.0),
        max_steps=150,
        schedule=Schedule("onecycle", max_lr=1e-3, total_steps=150),
    ),
    RunConfig(
        "rosenbrock", "adam", {"lr": 0.05}, (-1.5, 2.0), max_steps=150, schedule=Schedule("plateau")
    ),
    RunConfig("shifted-parabola", "gd", {"lr": 1.1}, (10.0,), max_steps=100),
]


@pytest.mark.parametrize("cfg", CONFIGS, ids=lambda c: f"{c.surface}-{c.optimizer}")
def test_the_array_loop_is_the_scalar_loop(cfg):
    surface = get_surface(cfg.surface)
    plan = schedule_plan(cfg, cfg.lr, cfg.max_steps + 1)
    opt = configured_optimizer(cfg, plan[1])

    def gradients(theta):
        out = surface.fg(*theta.tolist())
        return out[0], np.array(out[1:]), None

    traj, code, step = run_array(cfg, surface, opt, plan, gradients)
    ours = simulate(cfg)
    np.testing.assert_array_equal(traj.position, ours.position)
    np.testing.assert_array_equal(traj.loss, ours.loss)
    np.testing.assert_array_equal(traj.lr, ours.lr)
    for name in ours.state:
        np.testing.assert_array_equal(traj.state[name], ours.state[name])
    assert status(code, step, cfg.grad_tol, cfg.loss_tol) == ours.status
