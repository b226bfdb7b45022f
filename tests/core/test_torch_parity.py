"""gdsim against torch.optim itself (runs only where torch is installed).

The hand-derived tests in test_optimizers.py always run; this one checks those
derivations against the real library (``pip install torch==2.13.0`` to run it).

What it found (torch 2.13.0, x86-64 CPU): torch's compiled CPU kernels contract
``a + alpha*b`` (``add`` with alpha), ``lerp`` and ``addcmul`` into fused multiply-adds,
which round once where gdsim's float64 arithmetic rounds twice.  Trajectories from
gd, adam, adamw, adagrad and plain rmsprop come out bit-identical over 300 steps;
SGD with dampening, nesterov and centered RMSprop differ in the last bits
(≤ 1.3e-15 here).  The test therefore asks for agreement to a few ulps.
"""

import numpy as np
import pytest

from gdsim.core.simulation import RunConfig, simulate
from tests.torch_support import require_torch

pytestmark = pytest.mark.torch
torch = require_torch()

CASES = [
    ("sgd", "SGD", {"lr": 1e-3}),
    ("sgd", "SGD", {"lr": 1e-3, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.01}),
    ("sgd", "SGD", {"lr": 1e-3, "momentum": 0.8, "nesterov": True}),
    ("adagrad", "Adagrad", {"lr": 0.05, "lr_decay": 0.01, "initial_accumulator_value": 0.1}),
    ("adagrad", "Adagrad", {"lr": 0.05, "weight_decay": 0.1}),
    ("rmsprop", "RMSprop", {"lr": 1e-3}),
    ("rmsprop", "RMSprop", {"lr": 1e-3, "momentum": 0.5, "centered": True, "weight_decay": 0.01}),
    ("rmsprop", "RMSprop", {"lr": 1e-3, "alpha": 0.3, "centered": True}),
    ("adam", "Adam", {"lr": 1e-2}),
    ("adam", "Adam", {"lr": 1e-2, "betas": (0.6, 0.9), "amsgrad": True, "weight_decay": 0.1}),
    ("adam", "Adam", {"lr": 1e-2, "betas": (0.3, 0.99)}),
    ("adamw", "AdamW", {"lr": 1e-2}),
    ("adamw", "AdamW", {"lr": 1e-2, "weight_decay": 0.5, "amsgrad": True}),
]


def _torch_trajectory(cls, hyper, start, steps):
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = getattr(torch.optim, cls)([p], **hyper)
    out = [p.detach().clone().numpy()]
    for _ in range(steps):
        opt.zero_grad()
        x, y = p[0], p[1]
        loss = 100.0 * (y - x * x) ** 2 + (1.0 - x) ** 2
        loss.backward()
        set_rosenbrock_grad(p)  # gdsim's own expression: only the optimizer is compared
        opt.step()
        out.append(p.detach().clone().numpy())
    return np.array(out)


@pytest.mark.parametrize(("name", "cls", "hyper"), CASES)
def test_rosenbrock_trajectory_matches_torch_to_rounding(name, cls, hyper):
    ours = simulate(RunConfig("rosenbrock", name, hyper, (-1.5, 2.0), max_steps=300))
    ref = _torch_trajectory(cls, hyper, [-1.5, 2.0], 300)
    np.testing.assert_allclose(ours.position, ref, rtol=4e-15, atol=4e-15)


def set_rosenbrock_grad(p) -> None:
    """p.grad = Rosenbrock's gradient as gdsim writes it (so only optimizers differ)."""
    with torch.no_grad():
        xv, yv = float(p[0]), float(p[1])
        t = yv - xv * xv
        p.grad = torch.tensor([-400.0 * xv * t - 2.0 * (1.0 - xv), 200.0 * t], dtype=torch.float64)


def _torch_state_after(cls, hyper, start, steps):
    """torch's optimizer.state[p] after ``steps`` calls of step() on Rosenbrock."""
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = getattr(torch.optim, cls)([p], **hyper)
    for _ in range(steps):
        set_rosenbrock_grad(p)
        opt.step()
    return {
        k: (float(v) if v.dim() == 0 else tuple(v.tolist())) if torch.is_tensor(v) else v
        for k, v in opt.state[p].items()
    }


@pytest.mark.parametrize(("name", "cls", "hyper"), CASES)
@pytest.mark.parametrize("k", [0, 1, 7])
def test_explained_state_is_torch_s_optimizer_state(name, cls, hyper, k):
    from gdsim.core.explain import explain_step

    cfg = RunConfig("rosenbrock", name, hyper, (-1.5, 2.0), max_steps=10)
    ours = explain_step(cfg, simulate(cfg), k).state
    ref = _torch_state_after(cls, hyper, [-1.5, 2.0], k + 1)
    assert set(ours) == set(ref)  # torch's own names, no more, no fewer
    for key, value in ref.items():
        if isinstance(value, tuple):
            np.testing.assert_allclose(ours[key], value, rtol=4e-15, atol=1e-300)
        else:
            assert ours[key] == value, key
