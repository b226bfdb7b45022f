"""Every lesson loads, and what its explanation tells the class is what the runs do."""

import numpy as np
import pytest

from gdsim.core.simulation import RunConfig, simulate
from gdsim.model import Scene
from gdsim.presets import list_presets, load_preset, scene_document


def runs_of(name):
    scene = Scene.from_dict(scene_document(load_preset(name)))
    return {r.name: simulate(r.config) for r in scene.runs}, scene


@pytest.mark.parametrize("preset", list_presets(), ids=lambda p: p.name)
def test_every_lesson_loads_plays_and_explains_itself(preset):
    scene = Scene.from_dict(scene_document(preset))
    assert scene.runs and scene.playing
    assert len(preset.explanation) > 150 and preset.title
    for run in scene.runs:
        traj = simulate(run.config)
        assert len(traj) >= 2
        assert np.isfinite(traj.position[0]).all()


def test_the_lessons_cover_the_classroom_scenes():
    names = {p.name for p in list_presets()}
    assert {
        "parabola-table",
        "three-rates",
        "stability-edge",
        "shifted-parabola",
        "house-prices",
        "line-fit",
        "ravine",
        "marbles",
        "saddle",
        "plateau",
        "rosenbrock-race",
        "clipping",
        "adam-by-hand",
        "edge-of-stability",
    } <= names


def test_three_rates():
    runs, _ = runs_of("three-rates")
    assert runs["α = 0.01"].position[-1, 0] > 4.0
    assert abs(runs["α = 0.1"].position[-1, 0]) == pytest.approx(8 * 0.8**30)
    zigzag = runs["α = 0.9"].position[:, 0]
    assert (np.sign(zigzag[1:]) != np.sign(zigzag[:-1])).all()
    assert abs(zigzag[-1]) == pytest.approx(8 * 0.8**30)


def test_stability_edge():
    runs, _ = runs_of("stability-edge")
    monotone = runs["α = 0.3"].position[:, 0]
    assert (monotone > 0).all() and (np.diff(monotone) < 0).all()
    zigzag = runs["α = 0.75"].position[:, 0]
    assert (np.sign(zigzag[1:5]) != np.sign(zigzag[:4])).all() and abs(zigzag[-1]) < 1e-10
    assert set(np.abs(runs["α = 1"].position[:, 0])) == {5.0}
    diverging = runs["α = 1.1"]
    assert str(diverging.status) == "diverged at step 27 (left the domain)"


def test_shifted_parabola():
    runs, _ = runs_of("shifted-parabola")
    assert 10.0 - runs["α = 0.001"].position[-1, 0] < 12.5 / 5
    assert runs["α = 0.1"].position[-1, 0] == pytest.approx(-2.5)
    assert runs["α = 0.1"].loss[-1] == pytest.approx(-0.25)
    assert str(runs["α = 1.1"].status) == "diverged at step 26 (left the domain)"


def test_saddle():
    runs, _ = runs_of("saddle")
    ridge = runs["on the ridge"]
    assert ridge.status.state == "converged"
    np.testing.assert_allclose(ridge.position[-1], [0.0, 0.0], atol=1e-3)
    nudged = np.abs(runs["y = 0.001"].position[:, 1])
    assert nudged[25] < 0.1 and nudged[-1] > 5  # looks stuck, then escapes
    assert np.abs(runs["noise σ = 0.05"].position[-1, 1]) > 10


def test_plateau():
    runs, _ = runs_of("plateau")
    g0 = np.hypot(*runs["gd"].full_grad[0])
    assert 5e-5 < g0 < 7e-5
    for name in ("gd", "momentum"):
        assert runs[name].loss[-1] > 0.999  # still on the plateau
    well = np.hypot(runs["adam"].position[:, 0] - 2.0, runs["adam"].position[:, 1]) < 0.2
    assert 35 <= int(np.argmax(well)) <= 45


def test_rosenbrock_race():
    runs, _ = runs_of("rosenbrock-race")
    distance = {k: float(np.hypot(*(t.position[-1] - 1.0))) for k, t in runs.items()}
    assert sorted(distance, key=distance.get) == ["adam", "momentum", "rmsprop", "gd"]


def test_clipping():
    runs, _ = runs_of("clipping")
    assert str(runs["α = 0.003"].status) == "diverged at step 4 (left the domain)"
    clipped = runs["α = 0.003, clip 50"]
    assert clipped.status.state == "max steps"
    steps = np.hypot(*np.diff(clipped.position, axis=0).T)
    assert steps.max() <= 0.003 * 50 * (1 + 1e-9)
    np.testing.assert_allclose(clipped.position[-1], [0.7, 0.5], atol=0.02)


def test_house_prices_line_improves_over_several_steps():
    runs, _ = runs_of("house-prices")
    traj = runs["α = 1.5e-5"]
    m, best = traj.position[:, 0], 2.7805
    gap = np.abs(m - best)
    assert (np.diff(traj.loss[:11]) < 0).all()  # better at every step
    ratio = gap[1:11] / gap[:10]
    np.testing.assert_allclose(ratio, 0.6856, atol=0.002)  # a third of the gap each step
    assert gap[10] < 0.03 * gap[0] and abs(m[-1] - best) < 1e-3
    # the text's aside: α = 0.00005 lands almost on the minimum in one step
    from gdsim.core.simulation import simulate

    once = simulate(traj_config := _config_of("house-prices").replace(hyper={"lr": 5e-5}))
    assert abs(once.position[1, 0] - best) < 0.05 * abs(once.position[0, 0] - best)
    wild = simulate(traj_config.replace(hyper={"lr": 1e-4}))
    wild_gap = np.abs(wild.position[:6, 0] - best)
    assert (np.diff(wild_gap) > 0).all()  # overshoots further every time


def _config_of(name):
    scene = Scene.from_dict(scene_document(load_preset(name)))
    return scene.runs[0].config


def test_adam_by_hand():
    """The numbers the lesson reads off the This step panel."""
    from gdsim.core.explain import explain_step

    runs, scene = runs_of("adam-by-hand")
    adam = next(r for r in scene.runs if r.config.optimizer == "adam")
    traj = runs["adam"]
    e0, e1, e2 = (explain_step(adam.config, traj, k) for k in range(3))
    assert e0.grad == pytest.approx((-0.16, 6.0))
    assert e0.grad[1] / abs(e0.grad[0]) == pytest.approx(37.5)  # "37.5 times steeper"
    assert e0.state["exp_avg"] == pytest.approx((-0.016, 0.6))
    assert e0.state["exp_avg_sq"] == pytest.approx((0.0000256, 0.036))
    assert e0.terms["exp_avg_hat"] == pytest.approx(e0.grad)
    assert e0.terms["exp_avg_sq_hat"] == pytest.approx([g * g for g in e0.grad])
    assert e0.params_next == pytest.approx((-7.5, 1.0), abs=1e-7)
    gd = runs["plain GD"]
    assert np.abs(gd.position[1] - gd.position[0]) == pytest.approx([0.016, 0.6])
    assert [round(abs(e.terms["delta"][0]), 3) for e in (e1, e2)] == [0.499, 0.497]
    assert [round(abs(e.terms["delta"][1]), 3) for e in (e1, e2)] == [0.485, 0.448]


def test_edge_of_stability():
    from gdsim.core.curvature import lambda_max
    from gdsim.core.surfaces import get_surface

    runs, scene = runs_of("edge-of-stability")
    assert scene.view["show_curvature"]
    s = get_surface("rosenbrock")
    lam = {name: lambda_max(s, t.position) for name, t in runs.items()}
    assert round(float(lam["α=0.0009"][0])) == 2092
    assert round(float(lambda_max(s, np.array([1.0, 1.0])))) == 1002
    dragged = simulate(RunConfig("rosenbrock", "gd", {"lr": 0.0015}, (-1.5, 2.0), max_steps=3000))
    over = lambda_max(s, dragged.position) > 2 / 0.0015
    assert over[0] and over[:20].sum() >= 8 and not over[40:].any()  # bounces, then settles
    blue = runs["α=0.0009"]
    assert (lam["α=0.0009"] < 2 / 0.0009).all() and len(blue) == 3001
    assert np.round(blue.position[-1], 2).tolist() == [0.74, 0.54]
    gold, gl = runs["α=0.002"], lam["α=0.002"]
    above = np.flatnonzero(gl > 1000.0)
    assert above.max() == 33 and above.min() == 0  # bounces for its first 34 steps
    assert np.round(gold.position[-1], 3).tolist() == [0.997, 0.994]
    assert round(float(gl[-1]), 1) == 996.8 and (gl[34:] < 1000.0).all()
    green = runs["α=0.0021"]
    assert "diverged at step 7" in str(green.status)
    assert round(2 / 0.0021) == 952 < lambda_max(s, np.array([1.0, 1.0]))
