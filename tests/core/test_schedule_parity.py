"""gdsim's schedules against torch.optim.lr_scheduler itself (runs only where torch is
installed; ``make test-torch`` requires it).

Each schedule, with options away from its defaults, is built from its own
``torch_source`` on a torch.optim.SGD(momentum=0.9) and an Adam, stepped 1000 times, and
its rate (and, for onecycle and cyclic, the momentum or β1 it sets) read from the
parameter group before each step.  What it found (torch 2.13.0, x86-64 CPU): every
schedule, CosineAnnealingLR's recursion and SequentialLR's restart included, is
bit-identical; the test asks for rtol 4e-15 and also says where it is exact.
"""

import math
import warnings

import numpy as np
import pytest

from gdsim.core.schedules import Schedule
from tests.torch_support import require_torch

pytestmark = pytest.mark.torch
torch = require_torch()

STEPS = 1000
LR = 0.05

CASES = [
    Schedule("step", step_size=7, gamma=0.3),
    Schedule("multistep", milestones=(0, 5, 5, 300), gamma=0.7),
    Schedule("exponential", gamma=0.997),
    Schedule("cosine", t_max=37, eta_min=1e-4),
    Schedule("cosine", t_max=1000),
    Schedule("cosine-restarts", t_0=13, t_mult=2, eta_min=1e-3),
    Schedule("cosine-restarts", t_0=50),
    Schedule("linear", start_factor=0.1, end_factor=0.7, total_iters=100),
    Schedule("polynomial", total_iters=300, power=2.5),
    Schedule(
        "onecycle",
        max_lr=0.3,
        total_steps=STEPS,
        pct_start=0.25,
        div_factor=10.0,
        final_div_factor=100.0,
        three_phase=True,
        base_momentum=0.7,
        max_momentum=0.92,
    ),
    Schedule("onecycle", total_steps=STEPS + 5, anneal_strategy="linear"),
    Schedule("onecycle", total_steps=STEPS, cycle_momentum=False),
    Schedule(
        "cyclic",
        base_lr=0.01,
        max_lr=0.1,
        step_size_up=50,
        step_size_down=30,
        mode="exp_range",
        gamma=0.999,
    ),
    Schedule("cyclic", step_size_up=40, mode="triangular2", base_momentum=0.5),
    Schedule("cyclic", step_size_up=33, step_size_down=0, cycle_momentum=False),
    Schedule("warmup-cosine", warmup_steps=20, start_factor=0.05, t_max=300, eta_min=1e-3),
    Schedule("warmup-cosine"),
]

OPTIMIZERS = {
    "SGD": (lambda p: torch.optim.SGD([p], lr=LR, momentum=0.9), "momentum"),
    "Adam": (lambda p: torch.optim.Adam([p], lr=LR), "betas"),
}


def _torch_run(schedule, make_opt, key):
    """torch's lr and momentum (or β1) in force at updates 0..STEPS-1."""
    p = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = make_opt(p)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sched = eval(schedule.torch_source("opt"), {"torch": torch, "opt": opt})
        lrs, momenta = [], []
        for _ in range(STEPS):
            group = opt.param_groups[0]
            lrs.append(group["lr"])
            momenta.append(group["momentum"] if key == "momentum" else group["betas"][0])
            p.grad = torch.ones_like(p)
            opt.step()
            sched.step()
    return lrs, momenta


@pytest.mark.parametrize("opt_name", OPTIMIZERS)
@pytest.mark.parametrize("schedule", CASES, ids=lambda s: s.describe())
def test_lrs_and_momenta_are_torchs(schedule, opt_name):
    make_opt, key = OPTIMIZERS[opt_name]
    lrs, momenta = _torch_run(schedule, make_opt, key)
    ours = schedule.lrs(LR, STEPS)
    np.testing.assert_allclose(ours, lrs, rtol=4e-15, atol=0)
    assert ours == lrs  # bit-identical, every schedule (torch 2.13.0)
    mine = schedule.momenta(0.9, STEPS)
    if schedule.kind in ("onecycle", "cyclic") and schedule.cycle_momentum:
        np.testing.assert_allclose(mine, momenta, rtol=4e-15, atol=0)
        assert mine == momenta
    else:
        assert mine is None
        assert set(momenta) == {0.9}  # SGD's momentum or Adam's β1, left alone by torch


def test_cosines_closed_form_is_not_what_torch_steps():
    """Why the recursion: the closed form misses torch's rates in the last bits."""
    s = Schedule("cosine", t_max=37, eta_min=1e-4)
    closed = [
        s.eta_min + (LR - s.eta_min) * (1 + math.cos(math.pi * t / s.t_max)) / 2
        for t in range(STEPS)
    ]
    lrs, _ = _torch_run(s, OPTIMIZERS["SGD"][0], "momentum")
    assert closed != lrs and s.lrs(LR, STEPS) == lrs


def _losses(n=400, seed=3):
    """A made-up loss: falls, sits on plateaus, is noisy, jumps back up."""
    rng = np.random.default_rng(seed)
    k = np.arange(n)
    base = np.where(k < 60, 10.0 - 0.1 * k, 4.0)
    base = np.where((k >= 120) & (k < 200), 4.0 - 0.02 * (k - 120), base)
    base = np.where(k >= 200, 2.4 + 0.5 * np.sin(k / 7.0), base)
    noise = np.where(k % 50 < 25, 0.0, rng.normal(0.0, 0.05, n))
    return base + noise


PLATEAUS = [
    Schedule("plateau"),
    Schedule("plateau", patience=3, factor=0.5, threshold=1e-3, cooldown=4),
    Schedule("plateau", mode="max", patience=2, factor=0.7, threshold_mode="abs", threshold=0.01),
    Schedule("plateau", mode="min", threshold_mode="abs", threshold=0.0, patience=0),
    Schedule("plateau", patience=1, factor=0.3, min_lr=1e-3, cooldown=2, eps=1e-6),
    Schedule("plateau", patience=2, threshold=1.0),  # best · 0: nothing is ever better
]


def _torch_plateau(schedule, losses):
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=0.2, momentum=0.9)
    sched = eval(schedule.torch_source("opt"), {"torch": torch, "opt": opt})
    out = []
    for v in losses:
        sched.step(float(v))
        out.append(opt.param_groups[0]["lr"])
    return out


@pytest.mark.parametrize("schedule", PLATEAUS, ids=lambda s: s.describe())
def test_plateau_is_torchs_scalar_and_vectorised(schedule):
    runs = np.array([_losses(seed=3), -_losses(seed=4), _losses(seed=5)[::-1]])
    theirs = [_torch_plateau(schedule, losses) for losses in runs]
    one = schedule.plateau_stepper(0.2)
    assert [one.step(v) for v in runs[0]] == theirs[0]
    many = schedule.plateau_stepper(0.2, runs=len(runs))
    rows = np.array([many.step(runs[:, k]) for k in range(runs.shape[1])])
    assert rows.T.tolist() == theirs
    assert len(set(theirs[0])) > 1 or schedule.threshold == 1.0  # the rate did decay
