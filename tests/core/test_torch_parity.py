"""gdsim against torch.optim itself (runs only where torch is installed).

The hand-derived tests in test_optimizers.py always run; this one checks those
derivations against the real library (``pip install torch==2.13.0`` to run it).

What it found (torch 2.13.0, x86-64 CPU): torch's compiled CPU kernels contract
``a + alpha*b`` (``add`` with alpha), ``lerp`` and ``addcmul`` into fused multiply-adds,
which round once where gdsim's float64 arithmetic rounds twice.  Trajectories from
gd, adam, adamw, adagrad, plain rmsprop, nadam, rprop come out bit-identical over 300
steps on Rosenbrock; SGD with dampening, nesterov, centered RMSprop, radam, adamax and
asgd differ in the last bits (≤ 1.3e-15 here), Adadelta by up to ~8e-15 after 300
steps.  The test therefore asks for agreement to a few ulps.
"""

import numpy as np
import pytest

from gdsim.core.simulation import RunConfig, simulate
from tests.torch_support import require_torch

pytestmark = pytest.mark.torch
torch = require_torch()

CASES = [
    ("nadam", "NAdam", {"lr": 1e-2}),
    (
        "nadam",
        "NAdam",
        {"lr": 1e-2, "betas": (0.8, 0.99), "weight_decay": 0.1, "momentum_decay": 0.01},
    ),
    ("nadam", "NAdam", {"lr": 1e-2, "weight_decay": 0.2, "decoupled_weight_decay": True}),
    ("radam", "RAdam", {"lr": 1e-2}),
    ("radam", "RAdam", {"lr": 1e-3, "betas": (0.5, 0.9), "weight_decay": 0.1}),
    ("radam", "RAdam", {"lr": 1e-2, "weight_decay": 0.2, "decoupled_weight_decay": True}),
    ("adamax", "Adamax", {"lr": 1e-2}),
    ("adamax", "Adamax", {"lr": 1e-2, "betas": (0.5, 0.9), "eps": 1e-3, "weight_decay": 0.1}),
    ("adadelta", "Adadelta", {}),
    ("adadelta", "Adadelta", {"lr": 0.5, "rho": 0.5, "eps": 1e-4, "weight_decay": 0.1}),
    ("rprop", "Rprop", {}),
    ("rprop", "Rprop", {"lr": 0.1, "etas": (0.3, 1.5), "step_sizes": (1e-3, 0.2)}),
    ("asgd", "ASGD", {"lr": 1e-3}),
    ("asgd", "ASGD", {"lr": 1e-3, "lambd": 0.01, "alpha": 0.5, "t0": 20.0, "weight_decay": 0.1}),
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


@pytest.fixture(autouse=True)
def float64_scalars():
    """torch keeps NAdam's mu_product and ASGD's eta and mu as tensors of the default
    dtype (float32 unless set): gdsim's are float64, as torch's with this default."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


SURFACES = {  # start points away from the minimum
    "rosenbrock": (-1.5, 2.0),
    "himmelblau": (-0.5, 0.3),
    "beale": (1.0, 1.5),
    "ravine": (-4.0, 1.5),
}


def _as_torch_state(state: dict) -> dict:
    return {
        key: torch.tensor(value, dtype=torch.float64)
        if isinstance(value, tuple | float)
        else torch.tensor(float(value))
        for key, value in state.items()
    }


@pytest.mark.parametrize("surface", SURFACES)
@pytest.mark.parametrize(("name", "cls", "hyper"), CASES)
def test_every_step_matches_torch_from_the_same_state(name, cls, hyper, surface):
    """300 steps of gdsim; each one is also taken by torch.optim from the same θ, gradient
    and optimizer state (torch's state names), and the two agree to a few ulps.

    Per step, because whole trajectories of some configurations are chaotic: Adamax with
    β = (0.5, 0.9) on Rosenbrock first differs from torch by one ulp at step 86 (an FMA),
    and by 1e-3 at step 200; compared step by step the two agree to the last bits."""
    from gdsim.core.explain import explain_step

    cfg = RunConfig(surface, name, hyper, SURFACES[surface], max_steps=300)
    traj = simulate(cfg)
    assert len(traj) == 301  # (every case runs its 300 steps on every surface)
    p = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    opt = getattr(torch.optim, cls)([p], **hyper)
    worst = 0.0
    for k in range(len(traj) - 1):
        with torch.no_grad():
            p.copy_(torch.from_numpy(traj.position[k].copy()))
        p.grad = torch.from_numpy(traj.grad[k].copy())
        opt.state.clear()
        if k > 0:  # the state after gdsim's step k − 1, as torch names it
            opt.state[p] = _as_torch_state(explain_step(cfg, traj, k - 1).state)
        opt.step()
        ours, theirs = traj.position[k + 1], p.detach().numpy()
        # in units of the last place of the larger of |θ| and |Δθ| (θ near 0 moves by
        # more than its own size)
        size = np.maximum(np.abs(ours), np.abs(ours - traj.position[k]))
        worst = max(worst, float(np.max(np.abs(ours - theirs) / np.spacing(size))))
    # centered RMSprop with α = 0.3 divides by √(v − ḡ²) where v ≈ ḡ² (the averages are
    # mostly the last gradient): torch's fused ḡ update differs by an ulp, and the
    # cancellation magnifies it (≤ 508 ulps measured); everything else: ≤ 2 ulps
    ill_conditioned = hyper.get("centered") and hyper.get("alpha", 0.99) < 0.5
    assert worst <= (1024 if ill_conditioned else 4), f"{worst:g} ulps"


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


SCHEDULED = [  # (optimizer, torch class, hyper, schedule): the run and torch's scheduler
    (
        "sgd",
        "SGD",
        {"lr": 1e-4, "momentum": 0.9},
        ("onecycle", {"max_lr": 5e-4, "total_steps": 300}),
    ),
    ("gd", "SGD", {"lr": 1e-4}, ("onecycle", {"max_lr": 3e-4, "total_steps": 300})),
    (
        "adam",
        "Adam",
        {"lr": 1e-2},
        ("onecycle", {"max_lr": 0.02, "total_steps": 300, "three_phase": True}),
    ),
    (
        "adam",
        "Adam",
        {"lr": 1e-2},
        ("cyclic", {"base_lr": 1e-3, "max_lr": 0.02, "step_size_up": 25}),
    ),
    (
        "rmsprop",
        "RMSprop",
        {"lr": 1e-3},
        ("cyclic", {"base_lr": 1e-4, "max_lr": 1e-3, "mode": "triangular2"}),
    ),
    ("sgd", "SGD", {"lr": 1e-3, "momentum": 0.5}, ("plateau", {"patience": 2, "factor": 0.5})),
    ("adam", "Adam", {"lr": 5e-2}, ("plateau", {"patience": 0, "cooldown": 2, "min_lr": 1e-4})),
    ("nadam", "NAdam", {"lr": 1e-2}, ("warmup-cosine", {"warmup_steps": 20, "t_max": 280})),
    ("radam", "RAdam", {"lr": 1e-2}, ("cosine-restarts", {"t_0": 30, "t_mult": 2})),
    ("adamw", "AdamW", {"lr": 1e-2}, ("multistep", {"milestones": (50, 120), "gamma": 0.3})),
    ("adadelta", "Adadelta", {}, ("linear", {"start_factor": 0.2, "total_iters": 40})),
    ("lbfgs", "LBFGS", {"lr": 0.5}, ("polynomial", {"total_iters": 200, "power": 2.0})),
]


@pytest.mark.parametrize(("name", "cls", "hyper", "sched"), SCHEDULED)
def test_a_scheduled_run_matches_torch_optimizer_and_scheduler(name, cls, hyper, sched):
    """The run's θ and lr at every step against torch.optim with the real scheduler
    (stepped after each update; ReduceLROnPlateau with the loss at the new θ; OneCycleLR
    and CyclicLR cycling the momentum or β₁ as torch does)."""
    from gdsim.core.schedules import Schedule
    from gdsim.core.surfaces import get_surface

    schedule = Schedule(sched[0], **sched[1])
    cfg = RunConfig("rosenbrock", name, hyper, (-1.5, 2.0), max_steps=300, schedule=schedule)
    ours = simulate(cfg)
    assert len(ours) == 301, ours.status
    fg = get_surface("rosenbrock").fg
    p = torch.tensor([-1.5, 2.0], dtype=torch.float64, requires_grad=True)
    opt = getattr(torch.optim, cls)([p], **validate_torch_hyper(name, hyper))
    scheduler = eval(schedule.torch_source("opt"), {"torch": torch, "opt": opt})
    pos, lrs = [p.detach().clone().numpy()], [opt.param_groups[0]["lr"]]

    def closure():
        opt.zero_grad()
        loss, *g = fg(*p.tolist())
        p.grad = torch.tensor(g, dtype=torch.float64)
        return torch.tensor(loss, dtype=torch.float64)

    for _ in range(300):
        closure()
        opt.step(closure) if cls == "LBFGS" else opt.step()
        if schedule.depends_on_loss:
            scheduler.step(fg(*p.tolist())[0])
        else:
            scheduler.step()
        pos.append(p.detach().clone().numpy())
        lrs.append(opt.param_groups[0]["lr"])
    np.testing.assert_array_equal(ours.lr, lrs)
    np.testing.assert_allclose(ours.position, np.array(pos), rtol=1e-13, atol=1e-13)


def validate_torch_hyper(name, hyper):
    """The keywords torch's class takes for gdsim's ``name`` with ``hyper``."""
    from gdsim.core.optimizers import OPTIMIZERS, validate_hyper
    from gdsim.core.vector_optimizers import get_vector_optimizer

    if not OPTIMIZERS[name].element_wise:
        return get_vector_optimizer(name, **hyper).torch_hyper()
    return validate_hyper(name, hyper)
