"""gdsim's L-BFGS and Adafactor against torch.optim.LBFGS and torch.optim.Adafactor
themselves (runs only where torch is installed; ``make test-torch``).

Both sides get the same function: torch's closure sets ``p.grad`` to the gradient
computed by the numpy expression gdsim's ``fg`` uses and returns the same loss, so only
the optimizers are compared.  The trajectories of 300 steps agree to the last bit, and
L-BFGS's counters (closure calls, inner iterations) are torch's, so its tolerance checks
fire at the same steps: torch's fused multiply-adds are computed exactly (see
:func:`gdsim.core.vector_optimizers._axpy`) and its dot products and norms of a vector
of two coordinates are summed as gdsim sums them.
"""

import numpy as np
import pytest

from gdsim.core import functions as fn
from gdsim.core.vector_optimizers import get_vector_optimizer
from tests.torch_support import require_torch

pytestmark = pytest.mark.torch
torch = require_torch()

STEPS = 300


def _two_d(f):
    def fg(theta):
        value, gx, gy = f(float(theta[0]), float(theta[1]))
        return value, np.array([gx, gy])

    return fg


def _ravine(x, y):
    return 0.5 * (x * x + 25.0 * y * y), x, 25.0 * y


SURFACES = {
    "rosenbrock": (_two_d(fn.rosenbrock), (-1.5, 2.0)),
    "himmelblau": (_two_d(fn.himmelblau), (-0.5, 0.5)),
    "beale": (_two_d(fn.beale), (1.0, 1.5)),
    "ravine": (_two_d(_ravine), (5.0, 1.0)),
}

CASES = [
    ("lbfgs", {}),
    ("lbfgs", {"line_search_fn": "strong_wolfe"}),
    ("lbfgs", {"lr": 0.1, "max_iter": 3, "history_size": 2}),
    ("lbfgs", {"line_search_fn": "strong_wolfe", "max_iter": 4, "history_size": 3}),
    ("lbfgs", {"lr": 0.5, "max_iter": 7, "max_eval": 5, "tolerance_change": 1e-6}),
    ("adafactor", {}),
    ("adafactor", {"lr": 0.05, "beta2_decay": -0.5, "d": 2.0, "weight_decay": 0.1}),
    ("adafactor", {"lr": 0.3, "beta2_decay": -0.95, "eps": (1e-20, 1e-2), "d": 1.5}),
]


@pytest.fixture(autouse=True)
def _float64_default():
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)  # torch's scalar state tensors in float64
    yield
    torch.set_default_dtype(old)


def _ours(name, hyper, fg, start):
    opt = get_vector_optimizer(name, **hyper)
    theta = np.array(start, dtype=float)
    state = opt.init(theta)
    out = [theta]
    for _ in range(STEPS):
        loss, grad = fg(theta)
        result = opt.step(theta, loss, grad, state, opt.hyper["lr"], fg)
        theta, state = result.theta, result.state
        out.append(theta)
    return np.array(out), state, opt


def _torch(opt, fg, start):
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    cls = {"lbfgs": torch.optim.LBFGS, "adafactor": torch.optim.Adafactor}[opt.name]
    topt = cls([p], **opt.torch_hyper())

    def closure():
        loss, grad = fg(p.detach().numpy())
        p.grad = torch.tensor(grad, dtype=torch.float64)
        return torch.tensor(loss, dtype=torch.float64)

    out = [p.detach().clone().numpy()]
    for _ in range(STEPS):
        if opt.name == "lbfgs":
            topt.step(closure)
        else:
            closure()
            topt.step()
        out.append(p.detach().clone().numpy())
    return np.array(out), topt.state[p]


@pytest.mark.parametrize("surface", SURFACES)
@pytest.mark.parametrize(("name", "hyper"), CASES)
def test_trajectory_and_state_match_torch(name, hyper, surface):
    fg, start = SURFACES[surface]
    ours, state, opt = _ours(name, hyper, fg, start)
    ref, ref_state = _torch(opt, fg, start)
    np.testing.assert_array_equal(ours, ref)
    assert set(state._fields) >= set(ref_state)  # torch's names
    for key, value in ref_state.items():
        ours_value = getattr(state, key)
        if isinstance(value, list):
            assert len(ours_value) == len(value), key
            for a, b in zip(ours_value, value, strict=True):
                if b is not None:
                    np.testing.assert_array_equal(np.asarray(a), b.numpy(), err_msg=key)
        elif torch.is_tensor(value):
            np.testing.assert_array_equal(np.asarray(ours_value), value.numpy(), err_msg=key)
        else:
            assert ours_value == value, key
