"""What the plots show on screen, read back from their pixels.

The per-step marks are cached on screen (trails extended step by step, loss curves
revealed up to the cursor), so these tests look at the pictures a user sees after
playing, scrubbing back, zooming and hiding runs.
"""

import numpy as np
from PySide6 import QtCore, QtGui


def pixels(widget) -> np.ndarray:
    """The widget as the X server shows it now (not re-rendered): (h, w, 3) RGB."""
    pos = widget.mapToGlobal(QtCore.QPoint(0, 0))
    shot = QtGui.QGuiApplication.primaryScreen().grabWindow(
        0, pos.x(), pos.y(), widget.width(), widget.height()
    )
    img = shot.toImage().convertToFormat(QtGui.QImage.Format_RGB32)
    arr = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.width(), 4)
    return arr[:, :, [2, 1, 0]].astype(int)


def mask_of(arr: np.ndarray, hex_color: str, tol: int = 40) -> np.ndarray:
    c = QtGui.QColor(hex_color)
    ref = np.array([c.red(), c.green(), c.blue()])
    return np.abs(arr - ref).sum(axis=2) <= tol


def settle(qtbot, w):
    """Let the window repaint what changed, as it does while playing."""
    qtbot.wait(60)


def repaint_all(qtbot, w):
    w.contour.viewport().repaint()
    w.loss.viewport().repaint()
    qtbot.wait(30)


def test_loss_curve_is_drawn_up_to_the_cursor_only(make_window, qtbot):
    w = make_window("line-fit")
    w.scene.set_view("show_legend", False)  # its samples would count as curve pixels
    run = w.scene.runs[-1]  # drawn last, so on top of the other
    for k in range(0, 61):  # played step by step
        w.scene.set_cursor(k)
        qtbot.wait(1)
    settle(qtbot, w)
    vp = w.loss.viewport()
    arr = pixels(vp)
    on = mask_of(arr, run.color)
    t = w.loss.curves.deviceTransform(w.loss.viewportTransform())
    x_at = lambda step: t.map(QtCore.QPointF(step, 0)).x()  # noqa: E731
    cols = np.nonzero(on.any(axis=0))[0]
    assert len(cols) > 0.5 * (x_at(60) - x_at(0)), "the curve up to step 60 is on screen"
    assert cols.max() <= x_at(60) + 2, "nothing is drawn beyond the cursor"
    # after a zoom on the steps axis the curve is redrawn for the new scale
    w.loss.plot.setXRange(0, 80, padding=0)
    settle(qtbot, w)
    t = w.loss.curves.deviceTransform(w.loss.viewportTransform())
    cols = np.nonzero(mask_of(pixels(vp), run.color).any(axis=0))[0]
    assert cols.min() <= t.map(QtCore.QPointF(2, 0)).x()
    assert t.map(QtCore.QPointF(55, 0)).x() <= cols.max() <= t.map(QtCore.QPointF(60, 0)).x() + 2


def test_trails_follow_the_cursor_forward_and_back(make_window, qtbot):
    w = make_window("ravine")
    run = w.scene.runs[0]  # plain GD, blue
    vp = w.contour.viewport()
    counts = {}
    for k in range(0, 41):
        w.scene.set_cursor(k)
        qtbot.wait(1)  # each step painted, as when playing
        if k in (5, 40):
            settle(qtbot, w)
            counts[k] = int(mask_of(pixels(vp), run.color).sum())
    assert counts[40] > counts[5] > 0
    # what the step-by-step repaints left on screen is what a full repaint draws
    # (no marble or arrow left behind where it was)
    played = pixels(vp)
    repaint_all(qtbot, w)
    assert np.abs(pixels(vp) - played).max() <= 2
    w.scene.set_cursor(5)  # scrub back: the trail gets shorter again
    settle(qtbot, w)
    back = int(mask_of(pixels(vp), run.color).sum())
    # (drawn at once instead of step by step: antialiased edges may differ a little)
    assert abs(back - counts[5]) <= 0.05 * counts[5]
    # a hidden run leaves nothing behind
    w.scene.update_run(run.id, visible=False)
    settle(qtbot, w)
    assert int(mask_of(pixels(vp), run.color).sum()) == 0


def test_many_runs_share_one_trail_layer_that_follows_the_cursor(make_window, qtbot):
    from gdsim.core.simulation import RunConfig
    from gdsim.qt.views.marks import OWN_LAYERS

    w = make_window("ravine")
    first = w.scene.runs[0]  # the only blue run
    for i in range(OWN_LAYERS + 2):  # orange swarm, starts apart from the blue one
        cfg = RunConfig("ravine", "gd", {"lr": 0.1}, (4.0 + 0.4 * i, -3.0), max_steps=150)
        w.scene.add_run(cfg, color="#E69F00")
    settle(qtbot, w)
    vp = w.contour.viewport()
    counts = {}
    for k in range(0, 41):
        w.scene.set_cursor(k)
        qtbot.wait(1)
        if k in (5, 40):
            settle(qtbot, w)
            counts[k] = int(mask_of(pixels(vp), first.color).sum())
    assert len(w.contour.marks._layers) == OWN_LAYERS  # 7 of their own, 5 in one
    assert counts[40] > counts[5] > 0
    orange = int(mask_of(pixels(vp), "#E69F00").sum())
    assert orange > counts[40]  # the swarm's trails are there too
    played = pixels(vp)
    repaint_all(qtbot, w)
    assert np.abs(pixels(vp) - played).max() <= 2
    w.scene.set_cursor(5)
    settle(qtbot, w)
    assert abs(int(mask_of(pixels(vp), first.color).sum()) - counts[5]) <= 0.05 * counts[5]
    w.scene.update_run(first.id, visible=False)
    settle(qtbot, w)
    assert int(mask_of(pixels(vp), first.color).sum()) == 0


def test_jumps_in_a_swarm_start_from_snapshots_and_show_the_same_trails(make_window, qtbot):
    """With many runs the shared layer keeps copies of itself at a few steps; a jump
    back or far ahead starts from the nearest one and must look exactly as if every
    trail had been drawn from its start."""
    from gdsim.core.simulation import RunConfig
    from gdsim.qt.views.marks import _SHARED, OWN_LAYERS
    from gdsim.qt.views.trail_snapshots import SHARED_SNAPSHOTS

    w = make_window("ravine")
    for i in range(OWN_LAYERS + 6):  # 8 runs share a layer (crossing paths, one look:
        # inside a swarm, where looks cross, which is on top depends on the order drawn)
        cfg = RunConfig("ravine", "gd", {"lr": 0.1 + 0.05 * i}, (4.0 + 0.4 * i, -3.0 + 0.3 * i),
                        max_steps=150)  # fmt: skip
        w.scene.add_run(cfg, color="#E69F00")
    settle(qtbot, w)
    marks, vp = w.contour.marks, w.contour.viewport()
    for k in range(0, 61):  # played: snapshots at the spacing's steps on the way
        w.scene.set_cursor(k)
        qtbot.wait(1)
    shots = marks._snapshots[_SHARED]
    assert len(shots) >= 2
    used = []
    shots.best = lambda *a, f=shots.best: (used.append(f(*a)), used[-1])[1]
    for k in (37, 5, 149, 52, 60):  # back past a snapshot, before any, far ahead, ...
        used.clear()
        w.scene.set_cursor(k)
        settle(qtbot, w)
        assert used and (used[-1] is not None) == (k != 5), (k, used)  # (none below step 5)
        jumped = pixels(vp)
        assert np.abs(drawn_from_nothing(qtbot, w, w.contour) - jumped).max() <= 2, k
        for kk in (0, 30, 60, 90, 120, 140):  # more snapshots on the way
            w.scene.set_cursor(kk)
            settle(qtbot, w)
    # a run of the swarm changes colour: the old snapshots go, new ones are taken
    w.scene.update_run(w.scene.runs[-1].id, color="#CC79A7")
    for k in range(0, 61):
        w.scene.set_cursor(k)
        qtbot.wait(1)
    used.clear()
    w.scene.set_cursor(40)
    settle(qtbot, w)
    assert used and used[-1] is not None
    assert 2 <= len(marks._snapshots[_SHARED]) <= SHARED_SNAPSHOTS


def test_trails_are_redrawn_after_a_zoom(make_window, qtbot):
    w = make_window("ravine")
    run = w.scene.runs[0]
    for k in range(0, 31):
        w.scene.set_cursor(k)
    settle(qtbot, w)
    traj = w.controller.trajectories[run.id]
    w.contour.plot.setRange(xRange=(-10, 0), yRange=(-3, 3), padding=0)
    settle(qtbot, w)
    on = mask_of(pixels(w.contour.viewport()), run.color)
    t = w.contour.marks.deviceTransform(w.contour.viewportTransform())
    # every drawn step of the trail lies on a blue pixel (give or take a pixel)
    for x, y in traj.position[5:31:5]:
        p = t.map(QtCore.QPointF(x, y))
        i, j = round(p.y()), round(p.x())
        assert on[i - 2 : i + 3, j - 2 : j + 3].any(), (x, y)


def painting_device_scale(path, widget) -> float:
    return QtGui.QImage(str(path)).width() / widget.width()


def test_exports_draw_the_marks_as_vectors_at_their_scale(make_window, qtbot, tmp_path):
    import pyqtgraph.exporters

    from gdsim.qt import export as ex

    w = make_window("ravine")
    w.scene.set_cursor(30)
    settle(qtbot, w)
    marks, curves = w.contour.marks, w.loss.curves
    seen = []
    for layer in (*marks._layers.values(), curves._layer):
        layer_draw = layer.draw
        layer.draw = lambda *a, f=layer_draw, it=layer: (seen.append(it), f(*a))[1]
    ex.export_png(w.contour, tmp_path / "c.png", scale=2.0)
    ex.export_png(w.loss, tmp_path / "l.png", scale=2.0)
    assert seen == [], "a 2× picture must not stretch the on-screen bitmap"
    # pyqtgraph's own exporter (right-click > Export) at twice the width: the pens
    # and marbles are drawn twice as wide, like every other item of the plot
    scales = []
    paint = marks.paint
    marks.paint = lambda p, o, wd=None: (paint(p, o, wd), scales.append(marks._px))[0]
    exporter = pyqtgraph.exporters.ImageExporter(w.contour.plot)
    exporter.parameters()["width"] = 2 * w.contour.plot.sceneBoundingRect().width()
    exporter.export(str(tmp_path / "pg.png"))
    assert scales and abs(scales[-1] - 2.0) < 0.05
    # and a 2× picture of the loss draws its curves 2 × 2.5 px wide, as on screen
    widths = []
    draw = curves._draw
    curves._draw = lambda p, *a: (draw(p, *a), widths.append(p.pen().widthF()))[0]
    ex.export_png(w.loss, tmp_path / "l2.png", scale=2.0)
    assert widths and all(abs(x - curves.WIDTH) < 1e-9 for x in widths)
    assert abs(painting_device_scale(tmp_path / "l2.png", w.loss) - 2.0) < 0.01


def test_loss_view_all_fits_the_curves_and_pyqtgraph_log_y_is_ours(make_window, qtbot):
    w = make_window("ravine")
    w.scene.set_cursor(60)
    w.loss.plot.vb.autoRange(padding=0)
    (x0, x1), (y0, y1) = w.loss.plot.viewRange()
    longest = max(len(t) for t in w.controller.trajectories.values())
    losses = np.concatenate([t.loss for t in w.controller.trajectories.values()])
    assert (x0, x1) == (0.0, longest - 1.0)
    assert np.isclose(y0, losses.min()) and np.isclose(y1, losses.max())
    # the plot's own right-click "Log Y" is the toolbar's "Log loss"
    w.loss.plot.ctrl.logYCheck.setChecked(True)
    assert w.scene.view["log_loss"] and w.actions_by_name["log_loss"].isChecked()
    run = w.scene.runs[0]
    _x, y = w.loss.curves.shown(run.id)
    expected = w.controller.trajectories[run.id].loss[:61] - w.loss.floor
    np.testing.assert_allclose(y, np.log10(np.maximum(expected, 1e-300)))


def test_overlapping_trails_stack_in_the_runs_order_after_any_redraw(make_window, qtbot):
    w = make_window("line-fit")  # two runs whose trails overlap
    vp = w.contour.viewport()
    for k in range(0, 80):
        w.scene.set_cursor(k)
        qtbot.wait(1)
    settle(qtbot, w)
    played = pixels(vp)
    # a redraw from scratch (the view zoomed and came back) stacks them the same way
    # (zoomed in: a pan past the map would sample the surface there, another picture)
    (x0, x1), (y0, y1) = w.contour.plot.viewRange()
    w.contour.plot.setRange(xRange=(x0 + 0.3, x1 - 0.3), yRange=(y0, y1), padding=0)
    settle(qtbot, w)
    w.contour.plot.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
    settle(qtbot, w)
    differ = (np.abs(pixels(vp) - played).sum(axis=2) > 60).sum()
    assert differ < 40, differ


def test_a_large_window_steps_without_repainting_its_grids(make_window, qtbot, monkeypatch):
    """The plots' axes and grids are cached pictures (QPixmapCache); at 2560×1440 the
    loss plot's two grid axes alone exceed Qt's default 10 MB, and without room every
    cached picture was repainted at each step (60 ms a step instead of 14)."""
    import pyqtgraph as pg

    painted = []
    paint = pg.AxisItem.paint
    monkeypatch.setattr(
        pg.AxisItem, "paint", lambda self, *a: (painted.append(self), paint(self, *a))[1]
    )
    QtGui.QPixmapCache.setCacheLimit(10240)  # Qt's default, as a new process has it
    QtGui.QPixmapCache.clear()
    w = make_window("ravine", size=(2560, 1440))
    assert (w.width(), w.height()) == (2560, 1440)
    settle(qtbot, w)
    assert painted, "the axes were painted at least once"
    painted.clear()
    loss_axes = {id(w.loss.plot.getAxis(n)) for n in ("left", "bottom")}
    for k in range(1, 21):
        w.scene.set_cursor(k)
        qtbot.wait(5)
    settle(qtbot, w)
    repaints = sum(id(a) in loss_axes for a in painted)
    assert repaints <= 2, f"the loss plot's axes were repainted {repaints} times in 20 steps"


def test_many_dots_drawn_in_one_call_look_like_dots_drawn_one_by_one(qapp):
    """draw_stamps draws many step dots in one QPainter call (a jump back along 64 runs'
    trails drew ~4800 of them one by one): the same picture, at scale 1 and 2."""
    from gdsim.qt.views import painting

    rng = np.random.default_rng(4)
    pts = rng.uniform(10, 190, (40, 2))
    for dpr in (1.0, 2.0):
        img = painting.stamp("t", "#D55E00", 7.0, dpr)
        pictures = []
        for count in (len(pts), 1):  # all at once; then one call per dot
            canvas = QtGui.QImage(200, 200, QtGui.QImage.Format_ARGB32_Premultiplied)
            canvas.fill(0)
            p = QtGui.QPainter(canvas)
            for i in range(0, len(pts), count):
                painting.draw_stamps(p, img, pts[i : i + count])
            p.end()
            arr = np.frombuffer(canvas.constBits(), np.uint8).reshape(200, 200, 4)
            pictures.append(arr.astype(int))
        assert pictures[1].sum() > 0
        assert np.abs(pictures[0] - pictures[1]).max() <= 2


def test_arrows_of_any_size_or_none():
    """The map's arrows, many at once: a huge gradient still draws a full-length arrow
    (its norm no longer overflows), a zero, NaN or infinite one draws nothing."""
    from gdsim.qt.views.arrows import arrow_segments, screen_arrows
    from gdsim.qt.views.base import arrow_vector, arrow_vectors

    vecs = np.array(
        [[1e200, 0.0], [0.0, -3e-300], [0.0, 0.0], [np.nan, 1.0], [np.inf, 1.0], [3.0, 4.0]]
    )
    out = arrow_vectors(vecs, 2.0, 0.5)
    np.testing.assert_allclose(out[0], [2.0, 0.0])
    assert np.all(out[2:5] == 0.0)
    np.testing.assert_allclose(out[5], arrow_vector(vecs[5], 2.0, 0.5))
    for aspect in (1.0, 0.3):
        arrows = screen_arrows(np.zeros((6, 2)), vecs, 2.0, 0.5, aspect)
        assert arrows.shape == (6, 6, 2) and np.isfinite(arrows).all()
        assert np.all(arrows[2:5] == 0.0)  # every point at the origin
        assert np.hypot(*(arrows[0, 1] - arrows[0, 0])) > 1.9
    np.testing.assert_allclose(
        screen_arrows([[1.0, 2.0]], [[3.0, 4.0]], 2.0, 0.5)[0],
        arrow_segments([1.0, 2.0], arrow_vector([3.0, 4.0], 2.0, 0.5)),
    )


def drawn_from_nothing(qtbot, w, view) -> np.ndarray:
    """The plot's pixels with its trails drawn by new layers, cleared and put on screen
    whole, without snapshots; then the plot's own layers back in place."""
    marks, vp = view.marks, view.viewport()
    kept = {name: getattr(marks, name) for name in ("_layers", "_snapshots", "_members")}
    for name in kept:
        setattr(marks, name, {})
    marks._used = lambda *a: QtCore.QRectF(vp.rect())  # (all of each layer)
    try:
        repaint_all(qtbot, w)
        return pixels(vp)
    finally:
        del marks._used
        for name, value in kept.items():
            setattr(marks, name, value)
        for layer in marks._layers.values():
            layer.invalidate()  # (the screen showed other layers meanwhile)


def _jumps_show_what_is_drawn_from_nothing(qtbot, w, view, cursors):
    """Play, then jump to each of ``cursors``: each jump repaints less than the view
    and shows what is drawn from nothing."""
    vp = view.viewport()
    regions = []

    class Regions(QtCore.QObject):
        def eventFilter(self, obj, event):
            if event.type() == QtCore.QEvent.Paint:
                regions.append(event.region().boundingRect())
            return False

    spy = Regions()
    vp.installEventFilter(spy)
    try:
        for k in range(0, 121):
            w.scene.set_cursor(k)
            qtbot.wait(1)
        settle(qtbot, w)
        for k in cursors:
            regions.clear()
            w.scene.set_cursor(k)
            settle(qtbot, w)
            assert regions and all(r.width() * r.height() < 0.8 * vp.width() * vp.height()
                                   for r in regions), (k, regions)  # fmt: skip
            jumped = pixels(vp)
            assert np.abs(drawn_from_nothing(qtbot, w, view) - jumped).max() <= 2, k
            for kk in (k + 1, k + 30, k):  # (snapshots again: jump from the layers kept)
                w.scene.set_cursor(min(kk, 120))
                settle(qtbot, w)
    finally:
        vp.removeEventFilter(spy)


def test_a_jump_repaints_where_the_trails_were_and_are_and_leaves_nothing_behind(
    make_window, qtbot
):
    """Jumping along the timeline redraws the trails (from snapshots of the part of each
    layer they cover) but repaints only the boxes of the trails shown before and after
    (a fifth of the map for the ravine's runs at 4K), and clears and puts on screen only
    the part of each trail layer they cover: the screen must show what new layers,
    cleared and drawn whole, show."""
    w = make_window("ravine")
    _jumps_show_what_is_drawn_from_nothing(qtbot, w, w.contour, (3, 90, 40, 0, 120, 100))
    run = w.scene.runs[0]
    w.scene.update_run(run.id, color="#CC79A7")  # its trail in another colour
    w.scene.set_cursor(60)
    settle(qtbot, w)
    assert np.abs(drawn_from_nothing(qtbot, w, w.contour) - pixels(w.contour.viewport())).max() <= 2
    w.scene.update_run(run.id, visible=False)  # hidden
    w.scene.set_cursor(30)
    settle(qtbot, w)
    assert np.abs(drawn_from_nothing(qtbot, w, w.contour) - pixels(w.contour.viewport())).max() <= 2


def test_jumps_on_the_curve_of_one_parameter_repaint_where_its_trails_lie(make_window, qtbot):
    """The curve's trails go through (x, loss), not the positions alone: the boxes a
    jump repaints and the layers' parts come from those points."""
    w = make_window("three-rates")
    assert w.curve.isVisible()
    _jumps_show_what_is_drawn_from_nothing(qtbot, w, w.curve, (3, 25, 10, 0))


def test_snapshots_keep_the_part_their_trails_cover_within_their_bytes():
    """A snapshot holds the part of the layer its trails cover, at its place; beyond
    the layer's bytes the oldest go (trails all over a 4K map, 64 runs)."""
    from gdsim.qt.views.trail_snapshots import LayerSnapshots

    layer = QtGui.QImage(400, 300, QtGui.QImage.Format_ARGB32_Premultiplied)
    layer.setDevicePixelRatio(2.0)  # (logical 200 × 150)
    layer.fill(0)
    traj = object()
    part = QtCore.QRectF(10.25, 20.5, 50.0, 30.0)  # logical
    shots = LayerSnapshots(count=6, most_bytes=3 * 101 * 60 * 4)
    for step in (10, 20, 30, 40):
        shots.add("key", step, ((1, traj, ("#000", "o"), step),), layer, part)
    assert len(shots) == 3  # (the fourth went over the bytes: the oldest went)
    best = shots.best("key", ((1, traj, ("#000", "o"), 35),))
    assert best.state[0][3] == 30
    assert (best.image.width(), best.image.height()) == (101, 60)  # device pixels, aligned
    assert best.image.devicePixelRatio() == 2.0
    assert (best.origin.x(), best.origin.y()) == (10.0, 20.5)  # its place, logical


def test_the_trails_running_boxes_follow_a_run_that_grows():
    """A million-step run arrives in pieces while the window plays: its running boxes
    are extended from the last one, and are those made from the whole run at once."""
    from gdsim.qt.views.base import prefix_boxes
    from gdsim.qt.views.marks import RunMarks

    rows = np.random.default_rng(1).normal(size=(1000, 2)) * 5.0
    rows[900] = np.nan  # (diverged there: the trail stops before it)

    class Growing:  # a trajectory whose rows arrive in pieces
        n = 0
        position = property(lambda self: rows[: self.n])

        def __len__(self):
            return self.n

    marks, run = RunMarks(), Growing()
    for n in (1, 250, 251, 600, 1000):
        run.n = n
        for k in (1, max(n // 2, 1), n):
            assert np.array_equal(marks._corners(run, k), prefix_boxes(rows[:n])[min(k, 900) - 1])
    assert marks._boxes.known[run][1].shape == (900, 2, 2)


def test_marbles_on_one_place_of_a_curve_sit_side_by_side_on_it(make_window, qtbot, monkeypatch):
    """Three-rates ends with α = 0.1 and α = 0.9 on the same x (0.8³⁰ = (−0.8)³⁰): both
    marbles show, beside each other on the curve, not one above it and one below.
    (Where each marble is drawn is read from the paint; what is there, from the screen.)"""
    from gdsim.qt.views import marks

    drawn = []
    spread = marks.spread_coinciding
    monkeypatch.setattr(
        marks, "spread_coinciding", lambda *a: drawn.append(spread(*a)) or drawn[-1]
    )
    w = make_window("three-rates")
    w.scene.set_view("show_gradient", False)
    w.scene.set_view("show_velocity", False)
    w.scene.set_cursor(30)
    settle(qtbot, w)
    drawn.clear()
    w.curve.viewport().repaint()
    qtbot.wait(30)
    arr = pixels(w.curve.viewport())
    (_blue, gold, green), vb = drawn[-1], w.curve.plot.vb
    assert abs(gold[0] - green[0]) >= 0.5 * 18 and abs(gold[1] - green[1]) <= 4, "side by side"
    for (x, y), color in zip((gold, green), ("#E69F00", "#009E73"), strict=True):
        around = arr[int(y) - 2 : int(y) + 3, int(x) - 2 : int(x) + 3]
        assert mask_of(around, color).all(), "the marble shows there, no grid line over it"
        at = vb.mapSceneToView(w.curve.mapToScene(QtCore.QPoint(int(x), int(y))))
        on_curve = vb.mapViewToScene(QtCore.QPointF(at.x(), at.x() ** 2))
        assert abs(w.curve.mapFromScene(on_curve).y() - y) <= 4, "on the curve f = x²"


def test_marbles_on_one_place_of_a_curve_lie_in_a_row_that_shows_each():
    """Four runs from one start (stability-edge's first frame): a row along the curve,
    each marble at least 0.7 of a marble from the next, none further out than the area
    a jump repaints around them."""
    from gdsim.qt import theme
    from gdsim.qt.views.marbles import marble_reach, spread_coinciding

    size = theme.MARBLE_SIZE
    dev = np.full((4, 2), 100.0)
    out = spread_coinciding(dev, size, along=np.tile([1.0, -3.0], (4, 1)))  # a slope
    gaps = np.hypot(*np.diff(out, axis=0).T)
    assert np.all(gaps >= 0.7 * size)
    off = out - dev
    assert np.allclose(off[:, 0] * -3.0 - off[:, 1] * 1.0, 0.0), "along the curve's slope"
    assert np.abs(out - dev).max() + 0.5 * 1.35 * size <= marble_reach()
