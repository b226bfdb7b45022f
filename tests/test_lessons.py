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
        "adam-cousins",
        "newton-saddle",
        "lbfgs-rosenbrock",
        "schedules-side-by-side",
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


def test_adam_cousins():
    """Adam, NAdam, Adamax and RAdam on Beale: the numbers of the lesson's text."""
    from gdsim.core.explain import explain_step

    runs, scene = runs_of("adam-cousins")
    assert {r.config.optimizer for r in scene.runs} == {"adam", "nadam", "adamax", "radam"}
    assert {r.config.hyper["lr"] for r in scene.runs} == {0.05}

    def first_step(name):
        t = runs[name]
        return round(float(np.linalg.norm(t.position[1] - t.position[0])), 4)

    assert [first_step(n) for n in ("adam", "adamax", "nadam", "radam")] == [
        0.0707,
        0.0707,
        0.0747,
        0.2909,
    ]
    radam = next(r for r in scene.runs if r.name == "radam")
    rect = [explain_step(radam.config, runs["radam"], k).terms["rect"] for k in range(6)]
    assert rect[:5] == [0.0] * 5 and round(rect[5], 3) == 0.026  # ρ > 5 from step 6
    assert first_step("radam") > 4 * first_step("adam")
    under = {n: int(np.argmax(t.loss < 1e-3)) for n, t in runs.items()}
    assert under == {"adam": 149, "nadam": 152, "adamax": 301, "radam": 474}
    moved = simulate(radam.config.replace(start=(1.0, 1.5)))
    assert str(moved.status).startswith("diverged at step 3")


def test_newton_saddle():
    """Newton on x² − y²: one exact jump onto the saddle; GD and damped Newton leave it."""
    from gdsim.core.explain import explain_step
    from gdsim.core.surfaces import get_surface

    runs, scene = runs_of("newton-saddle")
    cfg = {r.name: r.config for r in scene.runs}
    assert {c.start for c in cfg.values()} == {(1.5, 0.5)}
    assert get_surface("saddle").domain[1] == (-3.0, 3.0)  # "off the map": |y| > 3
    blue = runs["Newton"]
    assert cfg["Newton"].hyper == {"lr": 1.0, "damping": 0.0}
    assert blue.position[1].tolist() == [0.0, 0.0] and blue.loss[1] == 0.0  # exactly
    assert str(blue.status) == "converged at step 1 (‖∇f‖ < 1e-09)"
    e0 = explain_step(cfg["Newton"], blue, 0)
    assert sorted(e0.terms["eigenvalues"]) == [-2.0, 2.0]
    assert "a saddle: Newton heads for it anyway" in {line.note for line in e0.lines}
    gd = runs["gd α=0.1"].position
    np.testing.assert_allclose(gd[1:20] / gd[:19], [[0.8, 1.2]] * 19)
    assert int(np.argmax(np.abs(gd[:, 1]) > 3)) == 10
    assert str(runs["gd α=0.1"].status) == "diverged at step 36 (left the domain)"  # "at 36"
    green = runs["Newton λ=4"]
    np.testing.assert_allclose(green.position[1:4] / green.position[:3], [[2 / 3, 2.0]] * 3)
    assert int(np.argmax(np.abs(green.position[:, 1]) > 3)) == 3
    e = explain_step(cfg["Newton λ=4"], green, 0)
    assert e.terms["cond"] == pytest.approx(3.0)
    assert sorted(np.array(e.terms["eigenvalues"]) + 4.0) == [2.0, 6.0]  # H + 4I: a bowl
    assert green.loss[1] < green.loss[0]  # downhill
    # "Set green's λ to 1": y flips between 0.5 and −0.5
    flip = simulate(cfg["Newton λ=4"].replace(hyper={"lr": 1.0, "damping": 1.0}))
    y = flip.position[:, 1]
    assert set(np.abs(y)) == {0.5} and (np.sign(y[1:]) != np.sign(y[:-1])).all()
    assert flip.status.state == "max steps"
    # "pick the monkey saddle": Newton keeps its full step (α = 1), halves its distance
    scene.set_surface("monkey-saddle")
    monkey = scene.runs[0]
    assert monkey.color == "#0072B2" and monkey.config.optimizer == "newton"
    assert monkey.config.lr == 1.0
    t = simulate(monkey.config)
    r = np.hypot(*t.position.T)
    np.testing.assert_allclose(r[1:] / r[:-1], 0.5)
    assert str(t.status) == "converged at step 17 (‖∇f‖ < 1e-09)"


def test_lbfgs_rosenbrock():
    """L-BFGS with a strong-Wolfe line search against Adam and GD on Rosenbrock."""
    from gdsim.core.explain import explain_step

    runs, scene = runs_of("lbfgs-rosenbrock")
    cfg = {r.name: r.config for r in scene.runs}
    assert {c.start for c in cfg.values()} == {(-1.5, 2.0)}
    lb = cfg["L-BFGS"]
    assert lb.hyper["line_search_fn"] == "strong_wolfe" and lb.hyper["max_iter"] == 10
    blue = runs["L-BFGS"]
    dist = np.hypot(*(blue.position - 1.0).T)
    assert round(float(dist[4]), 3) == 0.016 and f"{dist[5]:.1e}" == "3.6e-09"
    assert (dist[:5] > 1e-6).all()
    assert str(blue.status) == "converged at step 5 (‖∇f‖ < 1e-08)"
    # the dots: the points evaluated inside each step, 52 in all
    assert sum(len(points) for points in blue.evaluations) == 52
    steps = [explain_step(lb, blue, k) for k in range(5)]
    assert [e.terms["evaluations"] for e in steps] == [len(p) for p in blue.evaluations[:5]]
    assert max(e.terms["iterations"] for e in steps) == 10
    assert all("d" in e.terms and "t" in e.terms and e.terms["stop"] for e in steps)
    adam = np.hypot(*(runs["adam α=0.05"].position - 1.0).T)
    assert cfg["adam α=0.05"].hyper["lr"] == 0.05 and int(np.argmax(adam < 1e-6)) == 2080
    gd = runs["gd α=0.002"]
    assert len(gd) == 3001 and round(float(np.hypot(*(gd.position[-1] - 1.0))), 4) == 0.0068
    flies = simulate(cfg["gd α=0.002"].replace(hyper={"lr": 0.0021}))
    assert "diverged at step 7" in str(flies.status)
    # torch's tolerance_change = 1e-9: stalls 3.3 millionths short
    stalled = simulate(lb.replace(hyper={**lb.hyper, "tolerance_change": 1e-9}))
    far = np.hypot(*(stalled.position - 1.0).T)
    assert f"{far[-1]:.1e}" == "3.3e-06" and far.min() == far[-1]
    assert stalled.status.state == "max steps"


def test_schedules_side_by_side():
    """Constant, warm-up + cosine, cosine and one-cycle on the same noisy bowl."""
    from gdsim.core.optimizers import validate_hyper

    runs, scene = runs_of("schedules-side-by-side")
    assert scene.view["show_lr"]
    cfg = {r.name: r.config for r in scene.runs}
    same = {(c.optimizer, *c.hyper.items(), c.start, c.noise, c.max_steps) for c in cfg.values()}
    assert same == {("momentum", ("lr", 0.1), (2.5, -2.0), 1.0, 150)}
    assert validate_hyper("momentum", {"lr": 0.1})["momentum"] == 0.9  # SGD, momentum 0.9
    noise = [t.grad - t.full_grad for t in runs.values()]
    assert all(np.allclose(n, noise[0], rtol=0, atol=1e-12) for n in noise)  # the same noise
    lr = {name: t.lr for name, t in runs.items()}  # lr[k]: the rate of the update leaving k
    assert set(lr["constant"]) == {0.1}
    w = lr["warmup"]
    assert w[0] == pytest.approx(0.01) and int(np.argmax(w)) == 20 and w[20] == 0.1
    assert (np.diff(w[:21]) > 0).all() and (np.diff(w[20:]) < 0).all() and w[150] == 0.0
    c = lr["cosine"]
    assert c[0] == 0.1 and (np.diff(c) <= 0).all() and c[150] == 0.0
    o = lr["onecycle"][:150]
    assert o[0] == pytest.approx(0.1 / 25) and int(np.argmax(o)) == 44
    assert o[44] == pytest.approx(0.1) and o[149] == pytest.approx(0.004 / 1e4)
    m = np.array(cfg["onecycle"].schedule.momenta(0.9, 150))
    assert m[0] == pytest.approx(0.95) and int(np.argmin(m)) == 44
    assert m[44] == pytest.approx(0.85) and m[149] == pytest.approx(0.95)
    uncycled = cfg["onecycle"].schedule.to_dict() | {"cycle_momentum": False}
    plain = simulate(RunConfig.from_dict(cfg["onecycle"].to_dict() | {"schedule": uncycled}))
    assert not np.array_equal(plain.position, runs["onecycle"].position)  # it is used
    at20 = {name: float(t.loss[20]) for name, t in runs.items()}
    assert [round(at20["constant"], 2), round(at20["cosine"], 2)] == [1.05, 1.04]
    assert [round(at20["warmup"], 1), round(at20["onecycle"], 1)] == [3.4, 5.6]
    assert round(float(runs["constant"].loss[-50:].mean()), 2) == 0.51
    final = {name: float(t.loss[-1]) for name, t in runs.items()}
    assert f"{final['constant']:.2g} {final['warmup']:.2g}" == "0.12 0.016"
    assert f"{final['cosine']:.2g} {final['onecycle']:.2g}" == "0.0046 0.0078"
    assert min(final, key=final.get) == "cosine"
    for seed in range(1, 8):  # another seed: the constant rate still jitters most
        tail = {n: simulate(c.replace(seed=seed)).loss[-50:].mean() for n, c in cfg.items()}
        assert tail["constant"] > 2.5 * max(v for n, v in tail.items() if n != "constant")


def test_minibatch_regression():
    """The mini-batch article's problem: B = 32 for 100 epochs against the full batch."""
    from gdsim.core.surfaces import get_surface

    runs, scene = runs_of("minibatch-regression")
    model = get_surface("linreg-5").model
    cfg = {r.name: r.config for r in scene.runs}
    assert cfg["SGD B=32"].batch_size == 32 and cfg["full batch"].batch_size is None
    assert model.n_samples == 800 and len(model.y) == 1000
    assert 2500 * 32 == 100 * model.n_samples  # "2500 steps = 100 epochs"
    blue, gold = runs["SGD B=32"], runs["full batch"]
    for t in (blue, gold):
        assert int(np.argmax(t.loss < 0.02)) <= 17 and t.loss[17] < 0.02
    true = np.array([2.0, -1.0, 0.5, 3.0, -0.5, 0.0])
    np.testing.assert_array_equal(
        np.round(blue.position[-1], 3), [1.993, -1.008, 0.504, 3.0, -0.497, -0.009]
    )
    assert np.abs(blue.position[-1] - true).max() < 0.01
    X, y = model.rows()
    fit = np.linalg.lstsq(np.c_[X, np.ones(len(y))], y, rcond=None)[0]
    np.testing.assert_allclose(gold.position[-1], fit, atol=5e-4)
    np.testing.assert_array_equal(
        np.round(gold.position[-1, :5], 3), [1.997, -1.005, 0.504, 3.0, -0.501]
    )
    assert round(blue.loss[-1], 4) == 0.0099 and round(gold.loss[-1], 4) == 0.0098


def test_network_landscape():
    """Adam and SGD on mlp-moons, seen on the PCA plane of Adam's path."""
    from gdsim.core.slice_surface import make_plane
    from gdsim.core.surfaces import get_surface

    runs, scene = runs_of("network-landscape")
    model = get_surface("mlp-moons").model
    assert model.dim == 105 and {r.config.start for r in scene.runs} == {None}
    assert scene.selected == scene.runs[0].id  # the plane follows blue
    adam, sgd = runs["Adam α=0.05"], runs["SGD α=0.5"]
    plane = make_plane(model, "pca", adam.position)
    assert plane.label.endswith(": 97 % of its variance")
    assert f"{adam.loss[-1]:.3g}" == "0.000148"
    assert f"{model.heldout_loss(adam.position[-1]):.2g}" == "0.0063"
    assert model.accuracy(adam.position[-1]) == model.accuracy(adam.position[-1], True) == 1.0
    d = plane.distance(adam.position)
    assert f"{d.max():.3g}" == "2.09" and int(d.argmax()) == 77
    assert f"{sgd.loss[-1]:.3g}" == "0.0194"
    assert model.accuracy(sgd.position[-1], heldout=True) == 0.975
    assert f"{plane.distance(sgd.position)[-1]:.3g}" == "5.03"
    own = make_plane(model, "pca", sgd.position)
    assert own.label.endswith(": 99 % of its variance")


def test_batch_noise_cloud():
    """The spread of the batch gradients against B, and the noise it leaves in the run."""
    from gdsim.core.gradient_cloud import batch_cloud
    from gdsim.core.surfaces import get_surface

    runs, scene = runs_of("batch-noise-cloud")
    assert scene.view["show_cloud"] is True
    surface = get_surface("linreg-5")
    true = np.array([2.0, -1.0, 0.5, 3.0, -0.5, 0.0])
    spreads, jitters, misses = [], [], []
    for b in (8, 32, 256):
        traj = runs[f"B = {b}"]
        cloud = batch_cloud(surface, traj.position[0], b)
        assert f"{np.linalg.norm(cloud.full):.3g}" == "7.46"
        spreads.append(f"{np.sqrt(np.trace(np.cov(cloud.gradients.T))):.3g}")
        jitters.append(float(np.std(traj.loss[200:])))
        misses.append(f"{np.abs(traj.position[-1] - true).max():.2g}")
    assert spreads == ["6.73", "3.38", "1.05"]
    assert [f"{j:.2g}" for j in jitters] == ["0.00034", "8.2e-05", "3.1e-05"]
    assert misses[0] == "0.022" and misses[2] == "0.0066"
    # "four times the batch, about half the spread": the theory says √((N−B)/(B(N−1)))
    n = surface.n_samples
    theory = [np.sqrt((n - b) / (b * (n - 1))) for b in (8, 32, 256)]
    assert float(spreads[0]) / float(spreads[1]) == pytest.approx(theory[0] / theory[1], rel=0.05)


def test_random_or_pca():
    """The same path on a random plane (a scribble by the end) and on its PCA plane."""
    from gdsim.core.slice_surface import make_plane
    from gdsim.core.surfaces import get_surface

    runs, scene = runs_of("random-or-pca")
    assert scene.view["plane"] == "random"
    model = get_surface("mlp-moons").model
    path = runs["Adam α=0.05"].position
    assert f"{np.linalg.norm(path[0] - path[-1]):.3g}" == "11.7"
    rand = make_plane(model, "random", path)
    assert [f"{v:.2f}" for v in rand.coordinates(path)[0]] == ["-0.18", "-0.12"]
    assert f"{rand.distance(path)[0]:.3g}" == "11.4"
    pca = make_plane(model, "pca", path)
    assert [f"{v:.2g}" for v in pca.coordinates(path)[0]] == ["11", "3.9"]
    assert f"{pca.coordinates(path)[0][0]:.1f}" == "10.9"
    assert pca.label.endswith(": 97 % of its variance")
    assert f"{pca.distance(path).max():.3g}" == "2.09"
