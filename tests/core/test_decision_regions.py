"""The data view's decision regions (issue 15): the lattice-and-band grid gives the
classes asking the network at every point would, at a few times fewer points."""

import numpy as np
import pytest

from gdsim.core.decision_regions import RegionGrid
from gdsim.core.model_catalogue import get_model
from gdsim.core.model_surface import model_metrics, model_surface
from gdsim.core.simulation import RunConfig, simulate


def _grid(model):
    X = model.X
    pad = 0.08 * (X.max(axis=0) - X.min(axis=0))
    return RegionGrid((X.min(axis=0) - pad, X.max(axis=0) + pad), 120)


def _trained(name, steps=150):
    cfg = RunConfig(name, "adam", {"lr": 0.05}, max_steps=steps)
    return simulate(cfg, model_surface(name)).position


@pytest.mark.parametrize("name", ["mlp-spiral", "mlp-moons", "logistic-2d"])
def test_the_regions_are_the_network_s_classes_at_every_grid_point(name):
    model = get_model(name)
    grid = _grid(model)
    path = _trained(name)
    rng = np.random.default_rng(3)
    thetas = [path[0], path[40], path[-1], path[-1] + rng.normal(0, 1.0, model.dim)]
    for theta in thetas:
        fast, full = grid.classes(model, theta), grid.classes_everywhere(model, theta)
        assert fast.shape == (120, 120)
        # an island inside one lattice cell may be missed: a few pixels at most
        assert np.count_nonzero(fast != full) <= 5
    # the grid spans the box: first and last columns at its sides, rows along y
    (x0, y0), (x1, y1) = grid.box
    assert grid.inputs[0, 0] == pytest.approx((x0, y0), rel=1e-6)
    assert grid.inputs[-1, -1] == pytest.approx((x1, y1), rel=1e-6)
    assert grid.inputs[0, -1] == pytest.approx((x1, y0), rel=1e-6)


def test_a_trained_spiral_network_draws_three_regions_with_fewer_questions():
    model = get_model("mlp-spiral")
    grid = _grid(model)
    asked = []
    classify = model.classify

    class Counting:
        def classify(self, theta, X, dtype=np.float64):
            asked.append(len(X))
            return classify(theta, X, dtype)

    classes = grid.classes(Counting(), _trained("mlp-spiral", 300)[-1])
    assert set(np.unique(classes)) == {0, 1, 2}
    assert sum(asked) < 0.5 * 120 * 120


@pytest.mark.parametrize("name", ["mlp-spiral", "logistic-2d", "linreg-5", "iris-mlp"])
def test_the_metrics_of_one_pass_are_the_model_s_own(name):
    model = get_model(name)
    theta = _trained(name, 50)[-1]
    m = model_metrics(model, theta)
    assert m["loss"] == pytest.approx(model.loss(theta), rel=1e-12)
    assert m["heldout_loss"] == pytest.approx(model.heldout_loss(theta), rel=1e-12)
    if model.is_classifier:
        assert m["accuracy"] == model.accuracy(theta)
        assert m["heldout_accuracy"] == model.accuracy(theta, heldout=True)
    else:
        assert "accuracy" not in m


def test_the_mean_loss_of_no_rows_is_not_a_number():
    model = get_model("mlp-moons")
    assert np.isnan(model.mean_loss(np.zeros(0), np.zeros(0)))
