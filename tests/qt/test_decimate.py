"""Long trails at the screen's resolution: the segments kept draw the same pixels as
every segment, and their number does not grow with the run's length."""

import numpy as np
from PySide6 import QtGui

from gdsim.core.simulation import RunConfig, simulate
from gdsim.qt.views import painting
from gdsim.qt.views.decimate import envelope, visible_points, visible_segments


def draw(size, lines) -> np.ndarray:
    """The picture of ``lines``: pairs of points (2m, 2), or a QPolygonF of them."""
    img = QtGui.QImage(size, size, QtGui.QImage.Format_ARGB32)
    img.fill(QtGui.QColor("white"))
    p = QtGui.QPainter(img)
    p.setRenderHint(QtGui.QPainter.Antialiasing, True)
    p.setPen(painting.pen("#0072B2", 2.5))
    p.drawLines(lines if isinstance(lines, QtGui.QPolygonF) else painting.polygon(lines))
    p.end()
    a = np.frombuffer(img.constBits(), dtype=np.uint8).reshape(size, size, 4)
    return a[..., :3].astype(int)


def device_trail(traj, size):
    pos = traj.position
    lo, hi = pos.min(axis=0), pos.max(axis=0)
    return 10 + (pos - lo) / np.maximum(hi - lo, 1e-12) * (size - 20)


def test_the_kept_segments_draw_the_same_picture_as_all_of_them():
    traj = simulate(
        RunConfig("rosenbrock", optimizer="momentum", hyper={"lr": 2e-4, "momentum": 0.9},
                  start=(-1.5, 2.0), max_steps=30_000)
    )  # fmt: skip
    size = 400
    dev = device_trail(traj, size)
    every = np.empty((2 * (len(dev) - 1), 2))
    every[0::2], every[1::2] = dev[:-1], dev[1:]
    s = visible_segments(dev, 0.5)
    kept = np.empty((2 * len(s), 2))
    kept[0::2], kept[1::2] = dev[s], dev[s + 1]
    assert len(s) < len(dev) / 5
    a, b = draw(size, every), draw(size, kept)
    # the line's body (a pixel well inked) is the same but for its antialiased rim,
    # which a segment drawn again and again over itself darkens
    body_a, body_b = (a < 160).any(axis=-1), (b < 160).any(axis=-1)
    assert (body_a ^ body_b).sum() < 0.025 * body_a.sum()
    assert np.abs(a - b).mean() / 255 < 0.001


def test_a_zigzag_inside_a_pixel_is_drawn_once():
    x = np.linspace(0.0, 100.0, 100_001)
    y = 50.0 + 0.2 * (-1.0) ** np.arange(len(x))  # jumps between two half-pixel rows
    pts = np.column_stack([x, y])
    s = visible_segments(pts, 0.5)
    assert len(s) < 2 * 200 + 10  # about one per half-pixel column and row change
    assert len(visible_points(pts, 0.5)) <= 2 * 201


def test_a_converged_million_step_run_keeps_a_few_thousand_segments():
    traj = simulate(RunConfig("bowl", optimizer="gd", hyper={"lr": 1e-5}, max_steps=1_000_000))
    dev = device_trail(traj, 800)
    s = visible_segments(dev, 0.5)
    assert len(traj) == 1_000_001 and len(s) < 5_000
    assert (np.diff(s) > 0).all()  # in the order the run drew them: a step takes a prefix


def test_far_off_and_undefined_points_do_not_break_the_cells():
    pts = np.array([[0.0, 0.0], [1e300, -1e300], [np.nan, 1.0], [2.0, 2.0], [2.1, 2.1]])
    s = visible_segments(pts, 0.5)
    assert set(s.tolist()) <= {0, 1, 2, 3}
    assert visible_points(pts, 0.5).tolist()[0] == 0


def test_a_view_draws_a_long_run_at_the_screen_s_resolution(make_window, qtbot, tmp_path):
    """The map of a 200 000-step run on screen is drawn from its kept segments (a few
    thousand) and looks as the PNG export, which draws every step."""
    from gdsim.qt import export as ex
    from tests.qt.conftest import wait_trajectories
    from tests.qt.test_export import mean_difference

    w = make_window("ravine")
    run = w.scene.runs[0]
    w.scene.update_run(run.id, hyper={"lr": 0.01}, max_steps=200_000)
    wait_trajectories(qtbot, w, timeout=30_000)
    w.scene.set_cursor(200_000)
    qtbot.wait(200)
    traj = w.controller.trajectories[run.id]
    assert len(traj) == 200_001
    _key, (_dev, segs, dots) = w.contour.marks._lod[traj]
    assert len(segs) < 5_000 and len(dots) < 5_000
    screen = w.contour.grab().toImage()
    out = tmp_path / "map.png"
    ex.export(w, "contour", str(out), step=200_000)
    assert mean_difference(QtGui.QImage(str(out)), screen) < 0.01


def test_a_long_curve_s_envelope_draws_the_same_picture_as_every_point():
    """A loss curve of 400 000 noisy steps that diverges at the end, 300 pixels wide:
    the envelope's points (per column of steps its first, lowest, highest and last)
    draw what all of them draw, the break where the values stop being defined included."""
    rng = np.random.default_rng(3)
    n, size = 400_000, 300
    y = np.exp(-np.arange(n) / 60_000) + 0.05 * rng.standard_normal(n)
    y[350_000:] = np.nan
    y[123_457] = 3.0  # one spike, which a stride would miss
    idx = envelope(y, 8192)
    assert len(idx) < 4 * 8192 + 100 and (np.diff(idx) > 0).all()
    x = np.arange(n) * (size - 20) / n + 10  # columns of ~0.04 pixel
    dev = np.column_stack([x, 10 + (3.5 - y) * (size - 20) / 4.5])

    def picture(pts):
        return draw(size, painting.polyline_segments(pts, painting.QtCore.QRectF(0, 0, size, size)))

    a, b = picture(dev), picture(dev[idx])
    body_a, body_b = (a < 160).any(axis=-1), (b < 160).any(axis=-1)
    assert (body_a ^ body_b).sum() < 0.02 * body_a.sum()
    assert body_b[:, 11 : int(x[350_000]) - 2].any(axis=0).all()  # drawn up to the break
    assert not body_b[:, int(x[350_000]) + 3 :].any()  # and nothing after it
    spike = round(10 + (3.5 - 3.0) * (size - 20) / 4.5)
    assert body_b[spike - 1 : spike + 2, int(x[123_457]) - 1 : int(x[123_457]) + 2].any()
