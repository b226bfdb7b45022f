"""gdsim's hand-written models against torch autograd (runs only where torch is
installed; ``make test-torch`` runs it).

Each model is rebuilt as the ``nn.Sequential`` it stands for, its weights loaded from
gdsim's θ with ``torch.nn.utils.vector_to_parameters`` (which proves the parameter
order), and compared in float64: loss and gradient at 100 random points, and a 300-step
full-batch Adam run against ``torch.optim.Adam``.
"""

import itertools

import numpy as np
import pytest

from gdsim.core.model_catalogue import MODELS
from gdsim.core.optimizers import get_optimizer
from tests.torch_support import require_torch

pytestmark = pytest.mark.torch
torch = require_torch()


@pytest.fixture(autouse=True)
def float64_default():
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


def _torch_model(model):
    """The nn.Sequential of ``model`` and its loss on the training rows (a closure)."""
    layers = []
    for n_in, n_out in itertools.pairwise(model.widths):
        layers += [torch.nn.Linear(n_in, n_out), torch.nn.Tanh()]
    net = torch.nn.Sequential(*layers[:-1])
    X, y = model.rows()
    X = torch.tensor(X)
    if model.loss_kind == "mse":
        y, fn = torch.tensor(y), torch.nn.MSELoss()
    elif model.loss_kind == "bce":
        y, fn = torch.tensor(y), torch.nn.BCEWithLogitsLoss()
    else:
        y, fn = torch.tensor(y, dtype=torch.long), torch.nn.CrossEntropyLoss()

    def loss():
        out = net(X)
        return fn(out.squeeze(-1) if model.loss_kind != "ce" else out, y)

    return net, loss


def _flat_grad(net):
    return torch.cat([p.grad.reshape(-1) for p in net.parameters()]).numpy()


@pytest.mark.parametrize("name", list(MODELS))
def test_loss_and_gradient_equal_autograd(name):
    model = MODELS[name]
    net, loss_fn = _torch_model(model)
    assert sum(p.numel() for p in net.parameters()) == model.dim
    rng = np.random.default_rng(15)
    worst_f = worst_g = 0.0
    for k in range(100):
        scale = 0.5 if k < 80 else 3.0  # some far from the start, with saturated tanh
        theta = model.default_start + scale * rng.standard_normal(model.dim)
        torch.nn.utils.vector_to_parameters(torch.tensor(theta), net.parameters())
        net.zero_grad()
        f_t = loss_fn()
        f_t.backward()
        g_t = _flat_grad(net)
        f, g = model.loss_and_grad(theta)
        worst_f = max(worst_f, abs(f - f_t.item()) / abs(f_t.item()))
        worst_g = max(worst_g, np.linalg.norm(g - g_t) / np.linalg.norm(g_t))
        np.testing.assert_allclose(g, g_t, rtol=1e-12, atol=1e-12 * np.abs(g_t).max())
    print(f"{name}: loss {worst_f:.1e}, gradient {worst_g:.1e} (relative, worst of 100)")
    assert worst_f <= 1e-12
    assert worst_g <= 1e-12


@pytest.mark.parametrize("name", list(MODELS))
def test_adam_run_equals_torch_optim(name):
    model = MODELS[name]
    net, loss_fn = _torch_model(model)
    torch.nn.utils.vector_to_parameters(torch.tensor(model.default_start), net.parameters())
    torch_opt = torch.optim.Adam(net.parameters(), lr=0.01)
    opt = get_optimizer("adam", lr=0.01)
    theta = model.default_start[None].copy()
    state = opt.init(theta)
    worst = 0.0
    for _ in range(300):
        theta, state = opt.update(model.grad(theta), state, theta)
        torch_opt.zero_grad()
        loss_fn().backward()
        torch_opt.step()
        theta_t = torch.nn.utils.parameters_to_vector(net.parameters()).detach().numpy()
        worst = max(worst, np.abs(theta[0] - theta_t).max())
    print(f"{name}: 300 Adam steps, max |θ − θ_torch| = {worst:.1e}")
    assert worst <= 1e-10
    assert model.loss(theta[0]) < model.loss(model.default_start)
