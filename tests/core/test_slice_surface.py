"""A model's loss through a plane: the planes, the 2D surface, the grid and the paths."""

import numpy as np
import pytest

from gdsim.core.simulation import RunConfig, simulate
from gdsim.core.slice_surface import (
    make_plane,
    plane_spec_error,
    project_trajectory,
    slice_sample,
    slice_surface,
)
from gdsim.core.surfaces import get_surface


@pytest.fixture(scope="module")
def moons_run():
    surface = get_surface("mlp-moons")
    cfg = RunConfig(surface="mlp-moons", optimizer="adam", hyper={"lr": 0.05}, max_steps=200)
    return surface, simulate(cfg)


@pytest.mark.parametrize(
    "spec, error",
    [
        ("pca", None),
        ("random", None),
        ("params:0,4", None),
        ("params:4,4", "two different parameters in 0..104"),
        ("params:0,105", "two different parameters in 0..104"),
        ("params:x", "two parameter numbers"),
        ("diagonal", "pca, random or params:I,J"),
    ],
)
def test_plane_specs_are_checked_in_one_line(spec, error):
    got = plane_spec_error(spec, 105)
    assert (got is None) == (error is None)
    if error:
        assert error in got and "\n" not in got


def test_pca_plane_is_centred_on_the_last_point_and_holds_the_path(moons_run):
    surface, traj = moons_run
    plane = make_plane(surface.model, "pca", traj.position)
    np.testing.assert_array_equal(plane.center, traj.position[-1])
    coords = plane.coordinates(traj.position)
    np.testing.assert_allclose(coords[-1], (0.0, 0.0), atol=1e-12)
    assert abs(plane.d1 @ plane.d2) < 1e-12 and np.isclose(np.linalg.norm(plane.d1), 1.0)
    # the start has positive coordinates, and the whole path is inside the picture
    assert coords[0, 0] > 0
    (a0, a1), (b0, b1) = plane.extent
    assert a0 < coords[:, 0].min() and coords[:, 0].max() < a1
    assert b0 < coords[:, 1].min() and coords[:, 1].max() < b1
    assert "% of its variance" in plane.label and plane.axes[0].startswith("PC1 (")
    # the path is not flat: it leaves the plane between start and end, never at the end
    d = plane.distance(traj.position)
    assert d[-1] < 1e-9 and d.max() > 0.1


def test_a_pca_plane_needs_a_path():
    model = get_surface("mlp-moons").model
    with pytest.raises(ValueError, match="at least 3 steps"):
        make_plane(model, "pca", None)


def test_params_plane_coordinates_are_the_parameters_own_values(moons_run):
    surface, traj = moons_run
    plane = make_plane(surface.model, "params:3,7", traj.position)
    np.testing.assert_allclose(
        plane.coordinates(traj.position), traj.position[:, [3, 7]], atol=1e-12
    )
    assert plane.axes == (surface.params[3], surface.params[7])
    theta = plane.point(0.25, -0.5)
    expected = traj.position[-1].copy()
    expected[[3, 7]] = (0.25, -0.5)
    np.testing.assert_array_equal(theta, expected)


def test_random_plane_is_filter_normalised_around_the_last_point(moons_run):
    surface, traj = moons_run
    model = surface.model
    plane = make_plane(model, "random", traj.position)
    np.testing.assert_array_equal(plane.center, traj.position[-1])
    w = model.blocks[0]  # layer 1's weight: each row (one neuron's weights) scaled
    rows = plane.d1[w.slice].reshape(w.shape)
    center_rows = plane.center[w.slice].reshape(w.shape)
    np.testing.assert_allclose(
        np.linalg.norm(rows, axis=1), np.linalg.norm(center_rows, axis=1), rtol=1e-12
    )
    (a0, a1), (b0, b1) = plane.extent  # Li et al.'s ±1, wider where the path reaches out
    assert a0 <= -1.0 and a1 >= 1.0 and b0 <= -1.0 and b1 >= 1.0


def test_slice_surface_is_the_model_on_the_plane_with_its_exact_gradient(moons_run):
    surface, traj = moons_run
    plane = make_plane(surface.model, "pca", traj.position)
    s = slice_surface(surface, plane)
    assert s.name == "mlp-moons" and s.dim == 2 and s.domain == plane.extent
    f, ga, gb = s.fg(0.7, -0.3)
    loss, grad = surface.model.loss_and_grad(plane.point(0.7, -0.3))
    assert f == loss
    np.testing.assert_allclose((ga, gb), (grad @ plane.d1, grad @ plane.d2), rtol=1e-12)
    h = 1e-6  # and it is the derivative along the plane
    fd = (s.fg(0.7 + h, -0.3)[0] - s.fg(0.7 - h, -0.3)[0]) / (2 * h)
    assert fd == pytest.approx(ga, rel=1e-5)
    values, grads = s.evaluate(np.array([[[0.7, -0.3], [0.0, 0.0]]]))
    assert values.shape == (1, 2) and grads.shape == (1, 2, 2)
    assert values[0, 0] == pytest.approx(loss, rel=1e-14)


def test_slice_grid_values_are_the_training_loss_at_each_point(moons_run):
    surface, traj = moons_run
    plane = make_plane(surface.model, "pca", traj.position)
    grid = slice_sample(surface.model, plane, 21)
    assert grid.values.shape == (21, 21) and grid.log
    for i, j in ((0, 0), (5, 17), (20, 20)):
        theta = plane.point(grid.xs[i], grid.ys[j])
        assert grid.values[j, i] == pytest.approx(surface.model.loss(theta), rel=1e-13)
    assert grid.t_min < grid.t_max


def test_projected_trajectory_keeps_the_runs_loss_and_status(moons_run):
    surface, traj = moons_run
    plane = make_plane(surface.model, "params:0,1", traj.position)
    p = project_trajectory(traj, plane)
    assert p.dim == 2 and len(p) == len(traj)
    np.testing.assert_array_equal(p.loss, traj.loss)
    np.testing.assert_array_equal(p.position, traj.position[:, :2])
    np.testing.assert_array_equal(p.grad, traj.grad[:, :2])
    assert p.status is traj.status
