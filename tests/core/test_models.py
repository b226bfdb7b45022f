"""The models whose parameters are a surface (gdsim.core.models) and the 2D slices of
their landscapes (gdsim.core.landscape): shapes, torch's parameter order, exact
gradients, seeded data and splits, and the plane geometry.  No Qt, no torch (the torch
comparison is test_model_parity.py)."""

import itertools

import numpy as np
import pytest

from gdsim.core import landscape as ls
from gdsim.core import model_data
from gdsim.core.model_catalogue import MODELS, _build, get_model
from gdsim.core.models import Model, torch_init
from gdsim.core.optimizers import get_optimizer

SHAPES = {  # P, training rows, all rows, inputs
    "linreg-5": (6, 800, 1000, 5),
    "logistic-2d": (3, 160, 200, 2),
    "mlp-moons": (105, 160, 200, 2),
    "mlp-spiral": (371, 240, 300, 2),
    "iris-softmax": (15, 120, 150, 4),
    "iris-mlp": (67, 120, 150, 4),
}


def _random_theta(model, rng, scale=0.5):
    return model.default_start + scale * rng.standard_normal(model.dim)


def _tiny(widths, loss_kind, X, y) -> Model:
    X, y = np.asarray(X, dtype=float), np.asarray(y)
    return Model(
        name="tiny",
        title="tiny",
        description="",
        widths=widths,
        loss_kind=loss_kind,
        X=X,
        y=y,
        heldout=np.zeros(len(y), dtype=bool),
        default_start=np.zeros(sum(a * b + b for a, b in itertools.pairwise(widths))),
        default_lr=0.1,
        feature_names=tuple(f"x{j}" for j in range(X.shape[1])),
        target_name="y",
    )


# -- the models ------------------------------------------------------------------------
def test_every_model_has_its_shapes():
    assert set(MODELS) == set(SHAPES)
    for name, (P, n_train, n_all, d) in SHAPES.items():
        m = get_model(name)
        assert (m.dim, m.n_samples, m.X.shape, m.y.shape) == (P, n_train, (n_all, d), (n_all,))
        assert len(m.param_names) == len(set(m.param_names)) == P
        assert m.default_start.shape == (P,)
        assert m.widths[0] == d
        stops = [b.slice.stop for b in m.blocks]
        starts = [b.slice.start for b in m.blocks]
        assert starts == [0, *stops[:-1]] and stops[-1] == P
        assert [n for n, _ in m.layers] == [b.name for b in m.blocks]
        for b in m.blocks:
            assert b.slice.stop - b.slice.start == np.prod(b.shape)
        assert name in m.description or m.title
    with pytest.raises(KeyError, match="one of linreg-5"):
        get_model("nope")


def test_parameter_names():
    assert get_model("linreg-5").param_names == ("w1", "w2", "w3", "w4", "w5", "b")
    assert get_model("logistic-2d").param_names == ("w1", "w2", "b")
    names = get_model("iris-softmax").param_names
    assert names[:5] == ("W[0,0]", "W[0,1]", "W[0,2]", "W[0,3]", "W[1,0]")
    assert names[12:] == ("b[0]", "b[1]", "b[2]")
    spiral = get_model("mlp-spiral")
    assert spiral.param_names[2 * 16] == "b1[0]"
    assert spiral.param_names[48] == "W2[0,0]"
    assert [b.name for b in spiral.blocks] == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert [b.shape for b in spiral.blocks] == [(16, 2), (16,), (16, 16), (16,), (3, 16), (3,)]


def test_order_is_torchs_flattening():
    """nn.Sequential(Linear(2, 3), Tanh(), Linear(3, 2)).parameters() flattens to
    W1 (3 × 2) row-major, b1, W2 (2 × 3) row-major, b2: build that net by hand."""
    X = np.array([[0.3, -1.2], [1.5, 0.4], [-0.7, 0.9]])
    m = _tiny((2, 3, 2), "ce", X, [0, 1, 1])
    theta = np.linspace(-1.0, 1.0, 17)
    W1, b1 = theta[0:6].reshape(3, 2), theta[6:9]
    W2, b2 = theta[9:15].reshape(2, 3), theta[15:17]
    np.testing.assert_allclose(m.outputs(theta, X), np.tanh(X @ W1.T + b1) @ W2.T + b2, 1e-15)
    expected = [f"W1[{k},{j}]" for k in range(3) for j in range(2)]
    expected += ["b1[0]", "b1[1]", "b1[2]"]
    expected += [f"W2[{k},{j}]" for k in range(2) for j in range(3)] + ["b2[0]", "b2[1]"]
    assert m.param_names == tuple(expected)
    # W2[1,0] is the weight from hidden neuron 0 to output 1: it moves output 1 only
    bumped = theta.copy()
    bumped[m.param_names.index("W2[1,0]")] += 1.0
    delta = m.outputs(bumped, X) - m.outputs(theta, X)
    np.testing.assert_allclose(delta[:, 0], 0.0, atol=1e-15)
    np.testing.assert_allclose(delta[:, 1], np.tanh(X @ W1.T + b1)[:, 0], 1e-14)


def test_linear_regression_gradient_by_hand():
    """Rows x = (1, 0), y = 1 and x = (0, 2), y = 0 at w = (1, 1), b = 0: predictions
    1 and 2, residuals 0 and 2, MSE 2, gradient (2/2)·(0·1 + 2·0, 0·0 + 2·2, 0 + 2)."""
    m = _tiny((2, 1), "mse", [[1.0, 0.0], [0.0, 2.0]], [1.0, 0.0])
    loss, grad = m.loss_and_grad(np.array([1.0, 1.0, 0.0]))
    assert loss == 2.0
    np.testing.assert_array_equal(grad, [0.0, 4.0, 2.0])
    lin = get_model("linreg-5")
    theta = _random_theta(lin, np.random.default_rng(1))
    X, y = lin.rows()
    r = X @ theta[:5] + theta[5] - y
    np.testing.assert_allclose(lin.loss(theta), np.mean(r * r), 1e-14)
    np.testing.assert_allclose(lin.grad(theta), 2.0 / len(y) * np.append(X.T @ r, r.sum()), 1e-13)


@pytest.mark.parametrize("name", list(SHAPES))
def test_gradient_equals_central_differences(name):
    m = get_model(name)
    rng = np.random.default_rng(7)
    h = 1e-6
    for k in range(3):
        theta = _random_theta(m, rng, 0.5 + k)
        rows = None if k < 2 else rng.choice(m.n_samples, 32, replace=False)
        grad = m.grad(theta, rows)
        E = np.eye(m.dim) * h
        numeric = (m.losses(theta + E) - m.losses(theta - E)) / (2 * h) if rows is None else None
        if rows is not None:
            numeric = np.array(
                [(m.loss(theta + e, rows) - m.loss(theta - e, rows)) / (2 * h) for e in E]
            )
        assert np.abs(grad - numeric).max() <= 1e-6 * np.abs(grad).max()


def test_stacks_of_parameters_and_mini_batches():
    m = get_model("mlp-moons")
    rng = np.random.default_rng(3)
    thetas = np.stack([_random_theta(m, rng) for _ in range(4)])
    rows = rng.choice(m.n_samples, 20, replace=False)
    losses, grads = m.loss_and_grad(thetas, rows)
    assert losses.shape == (4,) and grads.shape == (4, m.dim)
    for t, f, g in zip(thetas, losses, grads, strict=True):
        assert m.loss(t, rows) == pytest.approx(f, rel=1e-15)
        np.testing.assert_allclose(m.grad(t, rows), g, rtol=1e-14, atol=1e-16)
    # a mini-batch's loss is the mean over its rows: the full batch is the mean of halves
    half = m.n_samples // 2
    whole = m.loss(thetas[0])
    halves = m.loss(thetas[0], np.arange(half)) + m.loss(thetas[0], np.arange(half, m.n_samples))
    assert whole == pytest.approx(halves / 2, rel=1e-14)


@pytest.mark.parametrize("name", list(SHAPES))
def test_one_pass_gives_the_loss_the_gradient_and_a_mini_batch_s_gradient(name):
    """A mini-batch step's loss, exact gradient and batch gradient from one pass of the
    network over the training rows: the loss and gradient to the bit, the batch's within
    rounding (BLAS may round a row's products differently in a matrix of other rows)."""
    m = get_model(name)
    rng = np.random.default_rng(5)
    for _ in range(20):
        theta = _random_theta(m, rng)
        rows = rng.permutation(m.n_samples)[: int(rng.integers(1, m.n_samples))]
        loss, full, batch = m.loss_and_grads(theta, rows)
        assert loss == m.loss(theta)
        np.testing.assert_array_equal(full, m.grad(theta))
        np.testing.assert_allclose(batch, m.grad(theta, rows), rtol=1e-13, atol=1e-17)


def test_a_mini_batch_run_takes_one_pass_a_step(monkeypatch):
    """simulate's mini-batch steps of a model: one pass of the network each, which gives
    the recorded loss, exact gradient and batch gradient."""
    from gdsim.core.models import Model
    from gdsim.core.simulation import RunConfig, simulate

    calls = []
    one_pass = Model.loss_and_grads
    monkeypatch.setattr(
        Model, "loss_and_grads", lambda self, t, rows: calls.append(rows) or one_pass(self, t, rows)
    )
    cfg = RunConfig("mlp-moons", "adam", {"lr": 0.01}, max_steps=30, batch_size=16, seed=2)
    traj = simulate(cfg)
    assert len(calls) == len(traj) == 31 and all(len(r) == 16 for r in calls)
    m = get_model("mlp-moons")
    for k in (0, 7, 30):
        assert traj.loss[k] == m.loss(traj.position[k])
        np.testing.assert_array_equal(traj.full_grad[k], m.grad(traj.position[k]))
        np.testing.assert_array_equal(traj.grad[k], one_pass(m, traj.position[k], calls[k])[2])


@pytest.mark.parametrize("name", list(SHAPES))
def test_losses_equals_loss_row_by_row(name):
    m = get_model(name)
    rng = np.random.default_rng(11)
    thetas = m.default_start + rng.standard_normal((1200, m.dim))  # more than one chunk
    expected = np.array([m.loss(t) for t in thetas])
    np.testing.assert_allclose(m.losses(thetas), expected, rtol=1e-14)


def test_seeded_data_start_and_split_are_the_same_every_time():
    again = _build()
    for name, m in MODELS.items():
        for attr in ("X", "y", "heldout", "default_start"):
            np.testing.assert_array_equal(getattr(again[name], attr), getattr(m, attr))
    rng = np.random.default_rng
    np.testing.assert_array_equal(model_data.moons(rng(4))[0], model_data.moons(rng(4))[0])
    assert not np.array_equal(model_data.moons(rng(4))[0], model_data.moons(rng(5))[0])
    np.testing.assert_array_equal(torch_init((2, 8, 1), rng(0)), torch_init((2, 8, 1), rng(0)))


def test_start_is_torch_default_initialisation():
    for m in MODELS.values():
        for w, b in zip(m.blocks[::2], m.blocks[1::2], strict=True):
            bound = 1.0 / np.sqrt(w.shape[1])
            assert np.abs(m.default_start[w.slice]).max() <= bound
            assert np.abs(m.default_start[b.slice]).max() <= bound


def test_heldout_rows_are_a_fifth_and_disjoint_from_training():
    for m in MODELS.values():
        n = len(m.y)
        assert np.count_nonzero(m.heldout) == round(0.2 * n)
        X_tr, _ = m.rows()
        X_ho, _ = m.rows(heldout=True)
        assert len(X_tr) + len(X_ho) == n == m.n_samples + len(X_ho)
        train, held = set(np.flatnonzero(~m.heldout)), set(np.flatnonzero(m.heldout))
        assert not train & held and train | held == set(range(n))
        # every point noisy (iris has a few identical flowers; every spiral arm starts at 0)
        if m.name in ("linreg-5", "logistic-2d", "mlp-moons"):
            assert not {tuple(r) for r in X_tr} & {tuple(r) for r in X_ho}
        theta = m.default_start
        assert m.heldout_loss(theta) != m.loss(theta)
        assert np.isfinite(m.heldout_loss(theta))


def test_data_sets():
    lin = get_model("linreg-5")
    assert lin.X.mean() == pytest.approx(0.0, abs=0.05)
    assert lin.X.std() == pytest.approx(1.0, abs=0.05)
    X, y = model_data.moons(np.random.default_rng(0), 200, noise=0.0)
    upper, lower = X[y == 0], X[y == 1] - (1.0, 0.5)
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0)
    np.testing.assert_allclose(np.hypot(*lower.T), 1.0)
    assert (upper[:, 1] >= -1e-15).all() and (lower[:, 1] <= 1e-15).all()
    assert np.bincount(y).tolist() == [100, 100]
    X, y = model_data.spiral(np.random.default_rng(0))
    assert X.shape == (300, 2) and np.bincount(y).tolist() == [100, 100, 100]
    np.testing.assert_allclose(np.hypot(*X[:100].T), np.linspace(0, 1, 100))
    X, y = model_data.iris()
    assert X.shape == (150, 4) and np.bincount(y).tolist() == [50, 50, 50]
    np.testing.assert_allclose(X.sum(axis=0), [876.5, 458.6, 563.7, 179.9])  # R's iris
    iris = get_model("iris-mlp")
    X_tr, _ = iris.rows()
    np.testing.assert_allclose(X_tr.mean(axis=0), 0.0, atol=1e-14)
    np.testing.assert_allclose(X_tr.std(axis=0), 1.0)
    mean, std = iris.standardisation
    np.testing.assert_allclose(iris.X * std + mean, model_data.iris()[0], atol=1e-13)


def test_predict_and_accuracy():
    rng = np.random.default_rng(2)
    grid = rng.uniform(-2, 2, (50, 2))
    lin = get_model("linreg-5")
    theta = lin.default_start
    np.testing.assert_allclose(lin.predict(theta, lin.X[:3]), lin.X[:3] @ theta[:5] + theta[5])
    with pytest.raises(ValueError, match="regression"):
        lin.accuracy(theta)
    moons = get_model("mlp-moons")
    p = moons.predict(_random_theta(moons, rng), grid)
    assert p.shape == (50,) and ((p > 0) & (p < 1)).all()
    spiral = get_model("mlp-spiral")
    p = spiral.predict(_random_theta(spiral, rng), grid)
    assert p.shape == (50, 3)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    # logistic regression with w = (1, 1), b = 0 classifies by the sign of x1 + x2
    logit = get_model("logistic-2d")
    X, y = logit.rows()
    assert logit.accuracy(np.array([1.0, 1.0, 0.0])) == np.mean((X.sum(axis=1) > 0) == y)
    for m in MODELS.values():
        if m.is_classifier:
            assert 0.0 <= m.accuracy(m.default_start, heldout=True) <= 1.0


def test_losses_are_stable_for_huge_logits():
    for name in ("logistic-2d", "mlp-spiral", "iris-softmax"):
        m = get_model(name)
        f, g = m.loss_and_grad(1e3 * _random_theta(m, np.random.default_rng(0)))
        assert np.isfinite(f) and np.isfinite(g).all()


def test_full_batch_gd_on_linreg5_recovers_the_true_weights():
    m = get_model("linreg-5")
    opt = get_optimizer("gd", lr=0.1)
    theta = m.default_start[None].copy()
    state = opt.init(theta)
    for _ in range(300):
        theta, state = opt.update(m.grad(theta), state, theta)
    X, y = m.rows()
    lstsq = np.linalg.lstsq(np.column_stack([X, np.ones(len(y))]), y, rcond=None)[0]
    np.testing.assert_allclose(theta[0], lstsq, atol=1e-10)
    # within the noise: σ/√N ≈ 0.0035 per weight
    np.testing.assert_allclose(theta[0], [*model_data.LINREG5_TRUE, 0.0], atol=0.015)
    assert m.loss(theta[0]) == pytest.approx(0.01, rel=0.15)  # the noise variance


# -- the landscape ---------------------------------------------------------------------
def test_projection_of_points_in_the_plane_is_exact():
    rng = np.random.default_rng(5)
    P = 40
    c, d1 = rng.standard_normal(P), rng.standard_normal(P)
    d2 = 0.6 * d1 + rng.standard_normal(P)  # not orthogonal
    coords = rng.uniform(-3, 3, (25, 2))
    path = c + coords[:, :1] * d1 + coords[:, 1:] * d2
    np.testing.assert_allclose(ls.project(path, c, d1, d2), coords, atol=1e-12)
    np.testing.assert_allclose(ls.distance_from_plane(path, c, d1, d2), 0.0, atol=1e-12)
    # a step off the plane along a normal direction is exactly that far from it
    normal = rng.standard_normal(P)
    D = np.column_stack([d1, d2])
    normal -= D @ np.linalg.lstsq(D, normal, rcond=None)[0]
    normal /= np.linalg.norm(normal)
    off = path + 0.75 * normal
    np.testing.assert_allclose(ls.distance_from_plane(off, c, d1, d2), 0.75, rtol=1e-12)
    np.testing.assert_allclose(ls.project(off, c, d1, d2), coords, atol=1e-12)


@pytest.mark.parametrize("centered", [True, False])
def test_pca_of_a_straight_path_is_that_line(centered):
    rng = np.random.default_rng(6)
    P = 30
    end, u = rng.standard_normal(P), rng.standard_normal(P)
    u /= np.linalg.norm(u)
    t = np.linspace(2.0, 0.0, 50) ** 2  # uneven steps along the line, ending at `end`
    path = end + t[:, None] * u
    plane = ls.plane_pca(path, centered=centered)
    np.testing.assert_array_equal(plane.center, end)
    np.testing.assert_allclose(plane.d1, u, atol=1e-12)  # signed towards the start
    assert plane.explained[0] == pytest.approx(1.0, abs=1e-12)
    assert plane.explained[1] == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(ls.distance_from_plane(path, *plane[:3]), 0.0, atol=1e-12)
    assert abs(plane.d1 @ plane.d2) < 1e-12 and np.linalg.norm(plane.d2) == pytest.approx(1.0)


def test_pca_plane_of_a_training_run():
    m = get_model("mlp-moons")
    opt = get_optimizer("adam", lr=0.01)
    theta = m.default_start[None].copy()
    state = opt.init(theta)
    path = [theta[0]]
    for _ in range(200):
        theta, state = opt.update(m.grad(theta), state, theta)
        path.append(theta[0])
    path = np.array(path)
    for centered in (True, False):
        plane = ls.plane_pca(path, centered=centered)
        assert 0.5 < plane.explained.sum() <= 1.0 and plane.explained[0] >= plane.explained[1]
        coords = ls.project(path, *plane[:3])
        np.testing.assert_allclose(coords[-1], 0.0, atol=1e-12)
        assert (coords[0] > 0).all()
    # the uncentred plane through the end is the closest to the path in least squares
    dist = {c: ls.distance_from_plane(path, *ls.plane_pca(path, c)[:3]) for c in (True, False)}
    assert np.sum(dist[False] ** 2) <= np.sum(dist[True] ** 2)
    M = path - path[-1]
    assert np.sum(dist[False] ** 2) == pytest.approx(
        np.sum(M * M) * (1 - ls.plane_pca(path, False).explained.sum()), rel=1e-8
    )


def test_filter_normalised_directions_have_the_centers_filter_norms():
    m = get_model("mlp-spiral")
    center = _random_theta(m, np.random.default_rng(8))
    d1, d2 = ls.plane_random(m, center, seed=3)
    for d in (d1, d2):
        for w, b in zip(m.blocks[::2], m.blocks[1::2], strict=True):
            rows, c_rows = d[w.slice].reshape(w.shape), center[w.slice].reshape(w.shape)
            np.testing.assert_allclose(
                np.linalg.norm(rows, axis=1), np.linalg.norm(c_rows, axis=1), rtol=1e-13
            )
            np.testing.assert_array_equal(d[b.slice], 0.0)
    assert not np.allclose(d1, d2)
    again = ls.plane_random(m, center, seed=3)
    np.testing.assert_array_equal(again[0], d1)
    d = ls.plane_random(m, center, seed=3, bias="neuron")[0]
    for w, b in zip(m.blocks[::2], m.blocks[1::2], strict=True):
        neuron = np.column_stack([d[w.slice].reshape(w.shape), d[b.slice]])
        c_neuron = np.column_stack([center[w.slice].reshape(w.shape), center[b.slice]])
        np.testing.assert_allclose(
            np.linalg.norm(neuron, axis=1), np.linalg.norm(c_neuron, axis=1), rtol=1e-13
        )
    # a zero filter of the center gives a zero filter, not NaN
    zero = center.copy()
    zero[m.blocks[0].slice] = 0.0
    assert np.isfinite(ls.filter_normalized(m, np.ones(m.dim), zero)).all()
    with pytest.raises(ValueError, match="bias"):
        ls.filter_normalized(m, d1, center, bias="layer")


def test_slice_grid_and_named_plane():
    m = get_model("linreg-5")
    center = m.default_start
    d1, d2 = ls.plane_named(m.dim, 0, 5)
    np.testing.assert_array_equal(d1, np.eye(6)[0])
    np.testing.assert_array_equal(d2, np.eye(6)[5])
    a_s, b_s, values = ls.slice_grid(m, center, d1, d2, (-1.0, 3.0), (-2.0, 2.0), 9)
    assert values.shape == (9, 9)
    np.testing.assert_array_equal(a_s, np.linspace(-1, 3, 9))
    j, i = 2, 7
    point = center.copy()
    point[0] += a_s[i]
    point[5] += b_s[j]
    assert values[j, i] == pytest.approx(m.loss(point), rel=1e-14)
    # any vectorised function of (m, P) works as well
    _, _, norms = ls.slice_grid(
        lambda t: np.sum(t * t, axis=1), center, d1, d2, (-1.0, 3.0), (-2.0, 2.0), 9
    )
    assert norms[j, i] == pytest.approx(point @ point)
    with pytest.raises(ValueError):
        ls.plane_named(6, 2, 2)
    with pytest.raises(ValueError):
        ls.plane_named(6, 0, 6)
