"""The models of issue 15 as surfaces: every optimizer, schedule and mini-batch runs on
their weights, through the array loop, with the numbers of the optimizers' own update."""

import numpy as np
import pytest

from gdsim.core.model_surface import model_surface_names
from gdsim.core.optimizers import get_optimizer
from gdsim.core.schedules import Schedule
from gdsim.core.simulation import ConfigError, RunConfig, simulate
from gdsim.core.surfaces import get_surface


def test_every_model_is_a_surface_of_its_weights():
    assert model_surface_names() == [
        "linreg-5",
        "logistic-2d",
        "mlp-moons",
        "mlp-spiral",
        "iris-softmax",
        "iris-mlp",
    ]
    dims = {name: get_surface(name).dim for name in model_surface_names()}
    assert dims == {
        "linreg-5": 6,
        "logistic-2d": 3,
        "mlp-moons": 105,
        "mlp-spiral": 371,
        "iris-softmax": 15,
        "iris-mlp": 67,
    }


@pytest.mark.parametrize("name", ["mlp-moons", "iris-mlp", "logistic-2d"])
def test_a_run_is_the_optimizer_s_own_update_step_by_step(name):
    """simulate (the array loop for many weights, the unrolled one for three) against
    Adam's array update applied by hand to the model's exact gradient: the same bits."""
    surface = get_surface(name)
    cfg = RunConfig(name, "adam", {"lr": 0.01}, max_steps=60)
    traj = simulate(cfg)
    opt = get_optimizer("adam", lr=0.01)
    p = np.array([surface.default_start])
    state = opt.init(p)
    for k in range(60):
        np.testing.assert_array_equal(traj.position[k], p[0])
        p, state = opt.update(surface.batch_gradient(p), state, p)
    assert traj.loss[-1] < traj.loss[0]


def test_the_article_s_regression_with_mini_batches_of_32_finds_the_true_weights():
    """linreg-5: 5 features, weights (2, −1, 0.5, 3, −0.5), bias 0, noise 0.1; SGD with
    batch 32 and lr 0.1 for 100 epochs of the 800 training rows (2500 steps)."""
    cfg = RunConfig("linreg-5", "sgd", {"lr": 0.1}, batch_size=32, seed=1, max_steps=2500)
    traj = simulate(cfg)
    np.testing.assert_allclose(traj.position[-1], [2, -1, 0.5, 3, -0.5, 0], atol=0.03)
    assert traj.loss[-1] < 0.012  # the noise's variance, 0.01, and a little
    assert not np.array_equal(traj.grad, traj.full_grad)  # mini-batch gradients


@pytest.mark.parametrize(
    ("optimizer", "hyper", "schedule"),
    [
        ("sgd", {"lr": 0.1, "momentum": 0.9}, Schedule("onecycle", max_lr=0.2, total_steps=40)),
        ("rmsprop", {"lr": 0.01}, Schedule("plateau", patience=2)),
        ("lbfgs", {"line_search_fn": "strong_wolfe"}, Schedule()),
        ("adafactor", {"lr": 0.1}, Schedule("warmup-cosine", warmup_steps=5, t_max=35)),
        ("newton", {"damping": 1.0}, Schedule()),
        ("rprop", {}, Schedule()),
    ],
)
def test_every_kind_of_optimizer_and_schedule_trains_a_network(optimizer, hyper, schedule):
    cfg = RunConfig("mlp-moons", optimizer, hyper, max_steps=40, schedule=schedule)
    traj = simulate(cfg)
    assert traj.position.shape == (41, 105)
    assert traj.loss[-1] < 0.9 * traj.loss[0], traj.status


def test_lbfgs_on_a_model_refuses_mini_batches_and_a_scene_takes_models_and_planes():
    from gdsim.model import Scene
    from gdsim.model.document import SceneError

    with pytest.raises(ConfigError, match="evaluates f itself"):
        simulate(RunConfig("mlp-moons", "lbfgs", {}, batch_size=16, max_steps=3))
    doc = {"format": "gdsim-scene", "version": 1, "surface": "mlp-moons"}
    scene = Scene.from_dict({**doc, "view": {"plane": "params:2,9"}})
    assert scene.surface == "mlp-moons" and scene.view["plane"] == "params:2,9"
    assert Scene.from_dict(scene.to_dict()).view["plane"] == "params:2,9"
    assert Scene.from_dict(doc).view["plane"] == "pca"
    with pytest.raises(SceneError, match=r"view\.plane must be pca, random or params:I,J"):
        Scene.from_dict({**doc, "view": {"plane": "sideways"}})


def test_a_run_of_many_weights_records_at_most_its_share_of_memory():
    with pytest.raises(ConfigError, match="at most 32 344 steps"):
        RunConfig("mlp-spiral", "adam", {}, max_steps=1_000_000).validate()
    RunConfig("mlp-spiral", "adam", {}, max_steps=32_344).validate()
    RunConfig("rosenbrock", "adam", {}, max_steps=1_000_000).validate()  # a marble: a million
