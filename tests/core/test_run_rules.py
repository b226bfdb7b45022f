"""One definition of how a run ends: the single-run loop and many runs at once (basin
maps, sweeps) follow the same rules, so from the same start they end with the same
status at the same step, at the same position to the last bit."""

import numpy as np
import pytest

from gdsim.core.analyses import DIVERGED, basin_map
from gdsim.core.batch_runs import simulate_batch
from gdsim.core.formula import surface_name
from gdsim.core.run_rules import Stop, status
from gdsim.core.simulation import RunConfig, simulate
from gdsim.core.surfaces import get_surface, surface_names

UNDEFINED_SOMEWHERE = ["log(x) + y^2", "sqrt(x) + y^2", "1/x + y^2"]
SURFACES = [*surface_names(), *(surface_name(f) for f in UNDEFINED_SOMEWHERE)]


def starts_over(surface, n: int) -> np.ndarray:
    """An n × n grid (n points for one parameter) over the domain, edges included."""
    axes = [np.linspace(lo, hi, n) for lo, hi in surface.domain]
    mesh = np.meshgrid(*axes)
    return np.column_stack([m.ravel() for m in mesh])


def variants(surface):
    lr = surface.default_lr
    return [
        dict(optimizer="gd", hyper={"lr": lr}),
        dict(optimizer="gd", hyper={"lr": 30 * lr}),  # too large: most of them diverge
        dict(optimizer="momentum", hyper={"lr": lr, "momentum": 0.9}, grad_tol=1e-3),
        dict(optimizer="adam", hyper={"lr": 0.1}, loss_tol=1e-9, clip_norm=1.0),
    ]


@pytest.mark.parametrize("name", SURFACES)
def test_one_run_and_many_at_once_end_alike(name):
    surface = get_surface(name)
    starts = starts_over(surface, 5 if surface.dim == 2 else 9)
    seen = set()
    for v in variants(surface):
        steps = 60
        batch = simulate_batch(
            surface,
            v["optimizer"],
            starts,
            steps,
            hyper=v["hyper"],
            grad_tol=v.get("grad_tol"),
            loss_tol=v.get("loss_tol"),
            clip_norm=v.get("clip_norm"),
        )
        for i, start in enumerate(starts):
            cfg = RunConfig(name, start=tuple(start.tolist()), max_steps=steps, **v)
            one = simulate(cfg)
            many = status(batch.code[i], batch.stop_step[i], cfg.grad_tol, cfg.loss_tol)
            assert many == one.status, (v, start)
            last = one.position[-1] if len(one) else start
            assert np.array_equal(batch.position[i], last), (v, start, one.status)
            seen.add(one.status.state)
    if name in ("parabola", "ravine", "rosenbrock", *SURFACES[-3:]):
        assert "diverged" in seen  # the large step size (or log of x < 0) did diverge


def test_undefined_loss_ends_the_batch_too_and_the_basin_map_says_diverged():
    """log(x) + y² with α = 1 from near (0.1, 1): every single run steps to x < 0, where
    log is undefined; the basin map of the same region labels them all diverged."""
    cfg = RunConfig(surface_name("log(x) + y^2"), "gd", {"lr": 1.0}, max_steps=50)
    region = ((0.05, 0.15), (0.5, 1.5))
    result = basin_map(cfg, n=10, domain=region)
    assert (result.label == DIVERGED).all()
    xs, ys = result.xs, result.ys
    for x in xs[::3]:
        for y in ys[::3]:
            one = simulate(cfg.replace(start=(float(x), float(y))))
            assert str(one.status) == "diverged at step 1 (overflow or undefined value)"


def test_one_encoding_of_how_runs_end():
    assert [s.state for s in Stop] == [
        "max steps",
        "diverged",
        "diverged",
        "converged",
        "converged",
        "cancelled",
        "stopped",
    ]
    assert str(status(Stop.GRAD_TOL, 72, grad_tol=1e-6)) == "converged at step 72 (‖∇f‖ < 1e-06)"
    assert str(status(Stop.OUTSIDE, 26)) == "diverged at step 26 (left the domain)"
    assert str(status(Stop.MAX_STEPS, 25)) == "stopped at max steps (25)"
