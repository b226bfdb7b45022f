"""The exported scripts, run with python, print the trajectory gdsim computed."""

import subprocess
import sys

import pytest

from gdsim.core.schedules import Schedule
from gdsim.core.simulation import RunConfig, simulate
from gdsim.core.surfaces import get_surface
from gdsim.io.code_export import numpy_script, torch_script
from gdsim.io.trajectory_io import trajectory_csv
from tests.torch_support import require_torch

CONFIGS = [
    RunConfig("rosenbrock", "adam", {"lr": 0.01}, (-1.5, 2.0), max_steps=60),
    RunConfig(
        "ravine",
        "momentum",
        {"lr": 0.45},
        (-9.0, 3.0),
        max_steps=40,
        schedule=Schedule("step", step_size=10, gamma=0.5),
        clip_norm=3.0,
    ),
    RunConfig(
        "bowl",
        "rmsprop",
        {"lr": 0.05, "centered": True, "momentum": 0.3},
        (1.0, -2.0),
        noise=0.2,
        seed=5,
        max_steps=200,
        grad_tol=1e-3,
    ),
    RunConfig(
        "linear-regression",
        "sgd",
        {"lr": 0.05, "momentum": 0.5},
        (0.0, 2.5),
        batch_size=16,
        seed=2,
        max_steps=80,
        schedule=Schedule("cosine", t_max=80),
    ),
    RunConfig("house-prices", "gd", {"lr": 5e-5}, (1.0,), max_steps=30),
    RunConfig("shifted-parabola", "gd", {"lr": 1.1}, (10.0,), max_steps=100),
    RunConfig("two-wells", "adagrad", {"lr": 0.3, "lr_decay": 0.01}, max_steps=50, loss_tol=1e-12),
    RunConfig(
        "formula:sin(x)*cos(y) + 0.1*(x^2 + y^2) + abs(x - y)", "adam", {"lr": 0.1}, max_steps=60
    ),
    RunConfig("formula:x^4 - 3*x^2 + 0.5*x", "momentum", {"lr": 0.01}, (2.5,), max_steps=40),
    RunConfig("formula:log(x) + y^2", "gd", {"lr": 1.0}, (0.1, 1.0), max_steps=5),
]
# the optimizers added from torch 2.13 (scalar state, an epilogue, sign and where) and Lion
NEW = [
    RunConfig("beale", "nadam", {"lr": 0.01, "weight_decay": 0.1}, (1.0, 1.5), max_steps=80),
    RunConfig("rosenbrock", "radam", {"lr": 0.005}, (-1.5, 2.0), max_steps=80),
    RunConfig("himmelblau", "adamax", {"lr": 0.05}, max_steps=60),
    RunConfig("ravine", "adadelta", {"rho": 0.8}, max_steps=60),
    RunConfig("rosenbrock", "rprop", {"etas": (0.4, 1.3)}, (-1.5, 2.0), max_steps=80),
    RunConfig("bowl", "asgd", {"lr": 0.05, "t0": 10.0}, (1.0, -2.0), max_steps=60),
    RunConfig("ravine", "lion", {"lr": 0.05, "weight_decay": 0.1}, max_steps=60),
]
# schedules (torch's arithmetic, written into the script) and the vector optimizers
SCHEDULED = [
    RunConfig(
        "rosenbrock",
        "adam",
        {"lr": 0.01},
        (-1.5, 2.0),
        max_steps=80,
        schedule=Schedule("onecycle", max_lr=0.02, total_steps=80),
    ),
    RunConfig(
        "ravine",
        "sgd",
        {"lr": 0.05, "momentum": 0.5},
        max_steps=60,
        schedule=Schedule("plateau", patience=1, factor=0.5),
    ),
    RunConfig(
        "beale",
        "nadam",
        {"lr": 0.02},
        (1.0, 1.5),
        max_steps=60,
        schedule=Schedule("warmup-cosine", warmup_steps=10, t_max=50),
    ),
    RunConfig("rosenbrock", "lbfgs", {"line_search_fn": "strong_wolfe"}, (-1.5, 2.0), max_steps=15),
    RunConfig("himmelblau", "adafactor", {"lr": 0.05}, max_steps=40),
    RunConfig("monkey-saddle", "newton", {}, (0.5, 0.4), max_steps=10),
    RunConfig("ravine", "linesearch", {}, max_steps=20, schedule=Schedule("step", step_size=5)),
]
CONFIGS += NEW + SCHEDULED
TORCH_HAS = {"adam", "sgd", "nadam", "lbfgs", "adafactor"}


@pytest.mark.parametrize("name", ["newton", "linesearch"])
def test_no_torch_script_for_what_torch_lacks_but_a_numpy_one(name):
    from gdsim.io.code_export import CodeExportError

    cfg = RunConfig("bowl", name, {}, max_steps=5)
    with pytest.raises(CodeExportError, match=f"{name} is not in torch.optim"):
        torch_script(cfg)
    assert "class " in numpy_script(cfg)


@pytest.mark.parametrize("cfg", CONFIGS, ids=lambda c: f"{c.surface}-{c.optimizer}")
def test_numpy_script_prints_gdsims_trajectory_bit_for_bit(cfg, tmp_path):
    script = tmp_path / "run.py"
    script.write_text(numpy_script(cfg))
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    expected = trajectory_csv(simulate(cfg), get_surface(cfg.surface).params)
    assert out.stdout == expected
    traj = simulate(cfg)
    assert out.stderr.split()[0] == str(traj.status).split()[0]  # stopped / diverged / converged


def test_torch_script_is_valid_python_naming_torch_optim():
    text = torch_script(CONFIGS[0])
    compile(text, "torch_run.py", "exec")
    assert "torch.optim.Adam([p], lr=0.01, betas=(0.9, 0.999)" in text
    text = torch_script(CONFIGS[3])
    assert "CosineAnnealingLR(opt, T_max=80" in text and "torch.optim.SGD" in text


@pytest.mark.torch
def test_torch_script_matches_gdsim_to_rounding(tmp_path):
    require_torch()
    import numpy as np

    for cfg in CONFIGS[:4] + NEW + [c for c in SCHEDULED if c.optimizer in TORCH_HAS]:
        script = tmp_path / "t.py"
        script.write_text(torch_script(cfg))
        out = subprocess.run(
            [sys.executable, str(script)], capture_output=True, text=True, timeout=120
        )
        assert out.returncode == 0, out.stderr
        rows = [list(map(float, ln.split(","))) for ln in out.stdout.splitlines()[1:]]
        traj = simulate(cfg)
        np.testing.assert_allclose(
            np.array(rows)[:, 1 : 1 + traj.dim], traj.position, rtol=1e-12, atol=1e-12
        )
