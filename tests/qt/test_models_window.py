"""A real model in the window (issue 15): its slice, the paths on it, the distance
strip, the data view, held-out loss, accuracy, click-to-start, the gradient cloud."""

import os
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from gdsim.core.simulation import RunConfig
from gdsim.core.surfaces import get_surface
from gdsim.model import Scene

from .conftest import needs_display

pytestmark = needs_display()


def model_scene(surface="mlp-moons", plane="pca", steps=150, batch=None, **view):
    scene = Scene(surface=surface)
    cfg = RunConfig(surface, "adam", {"lr": 0.05}, max_steps=steps, batch_size=batch)
    scene.add_run(cfg)
    scene.view["plane"] = plane
    scene.view.update(view)
    return scene


def wait_slice(qtbot, w, spec=None):
    ls = w.view_area.landscape
    want = spec or w.scene.view["plane"]
    qtbot.waitUntil(
        lambda: (
            not w.controller.pending()
            and not ls.busy
            and ls.plane is not None
            and ls.plane.spec == want
        ),
        timeout=20000,
    )
    return ls


def moons_window(make_window, qtbot):
    """The window on one Adam run of mlp-moons, its slice drawn: (window, model, run,
    the run's trajectory)."""
    w = make_window(scene=model_scene())
    wait_slice(qtbot, w)
    run = w.scene.runs[0]
    return w, get_surface("mlp-moons").model, run, w.controller.trajectories[run.id]


def test_the_map_and_3d_view_draw_the_pca_slice_with_the_path_on_it(make_window, qtbot):
    w = make_window(scene=model_scene())
    ls = wait_slice(qtbot, w)
    contour = w.view_area.built_view("contour")
    assert w.view_area.map_view() is contour and contour.isVisible()
    assert contour.surface is ls.surface and contour.surface.dim == 2
    assert w.surface3d.isVisible() and w.surface3d.surface is ls.surface
    assert contour.plot.getAxis("bottom").labelText.startswith("PC1 (")
    # the path the map draws is the run's, projected: it ends at the plane's centre
    run = w.scene.runs[0]
    raw = w.controller.trajectories[run.id]
    assert [r.id for r, _ in contour.shown_runs()] == [run.id]
    projected = ls.source.trajectories.get(run.id)
    np.testing.assert_allclose(projected.position[-1], (0, 0), atol=1e-12)
    np.testing.assert_allclose(projected.position, ls.plane.coordinates(raw.position))
    # the plane box says what the plane is
    bar = w.view_area.plane_bar
    assert bar.isVisible() and "% of its variance" in bar.info.text()


def test_the_distance_strip_shows_how_far_the_path_is_from_the_plane(make_window, qtbot):
    w = make_window(scene=model_scene())
    ls = wait_slice(qtbot, w)
    strip = w.view_area.built_view("distance")
    assert strip.isVisible()
    run = w.scene.runs[0]
    y = strip.curves.curves[run.id].y
    expected = ls.plane.distance(w.controller.trajectories[run.id].position)
    np.testing.assert_allclose(y, expected)
    assert y[-1] < 1e-9 and y.max() > 0.05
    # revealed up to the cursor, as the loss above it
    w.scene.set_cursor(40)
    x, shown = strip.curves.shown(run.id)
    assert x[-1] == 40 and shown[-1] == y[40]
    lo, hi = strip.plot.viewRange()[1]
    assert lo <= 0.0 and y.max() <= hi


def test_choosing_two_parameters_redraws_the_slice_over_them(make_window, qtbot):
    w = make_window(scene=model_scene())
    wait_slice(qtbot, w)
    bar = w.view_area.plane_bar
    bar.kind.setCurrentIndex(bar.kind.findData("params"))
    assert w.scene.view["plane"] == "params:0,1"
    ls = wait_slice(qtbot, w, "params:0,1")
    bar.second.setCurrentIndex(4)
    ls = wait_slice(qtbot, w, "params:0,4")
    contour = w.view_area.built_view("contour")
    names = get_surface("mlp-moons").params
    assert contour.plot.getAxis("bottom").labelText == names[0]
    assert contour.plot.getAxis("left").labelText == names[4]
    run = w.scene.runs[0]
    traj = ls.source.trajectories.get(run.id)
    raw = w.controller.trajectories[run.id]
    np.testing.assert_allclose(traj.position, raw.position[:, [0, 4]], atol=1e-12)


def test_clicking_the_slice_starts_a_run_at_that_point_of_the_plane(make_window, qtbot):
    w = make_window(scene=model_scene())
    ls = wait_slice(qtbot, w)
    contour = w.view_area.built_view("contour")
    contour.on_click(1.5, -0.5)
    assert len(w.scene.runs) == 2
    start = np.array(w.scene.runs[1].config.start)
    assert start.shape == (105,)
    np.testing.assert_allclose(start, ls.plane.point(1.5, -0.5))
    qtbot.waitUntil(lambda: not w.controller.pending(), timeout=10000)
    new = ls.source.trajectories.get(w.scene.runs[1].id)
    np.testing.assert_allclose(new.position[0], (1.5, -0.5), atol=1e-9)


def assert_regions_on_screen(qtbot, data, grid, classes):
    """Grid points well inside a region and away from the data points show the
    region's colour (at REGION_ALPHA over the background) in the data view's pixels."""
    from PySide6 import QtCore

    from gdsim.qt.views.model_data import REGION_ALPHA, REGION_COLORS
    from tests.qt.test_drawing import pixels

    data.viewport().repaint()
    qtbot.wait(50)
    shot = pixels(data.viewport())
    vb = data.plot.vb

    def device(x, y):
        p = data.mapFromScene(vb.mapViewToScene(QtCore.QPointF(float(x), float(y))))
        return p.x(), p.y()

    dots = np.array([device(x, y) for x, y in data._xy(data.model_.X)])
    background = shot[device(*grid.inputs[0, 0])[1], 3]  # left of the box: no region
    seen = set()
    for i in range(4, grid.n - 4, 7):
        for j in range(4, grid.n - 4, 7):
            k = classes[i, j]
            if (classes[i - 4 : i + 5, j - 4 : j + 5] != k).any():
                continue  # near the boundary
            px, py = device(*grid.inputs[i, j])
            if np.hypot(*(dots - (px, py)).T).min() < 12:
                continue  # under a data point or its ring
            a = REGION_ALPHA / 255
            want = (1 - a) * background + a * np.array(REGION_COLORS[k])
            assert np.abs(shot[py, px] - want).max() <= 6, (k, shot[py, px], want)
            seen.add(int(k))
    assert seen == {0, 1}


def test_the_data_view_shows_the_boundary_and_the_step_table_accuracy(make_window, qtbot):
    w, model, _run, traj = moons_window(make_window, qtbot)
    w.scene.set_cursor(100)
    qtbot.wait(50)
    data = w.view_area.built_view("model_data")
    assert data.isVisible() and data.regions.classes is not None
    acc = model.accuracy(traj.position[100])
    assert f"accuracy {100 * acc:.0f} %" in data.info.text
    # the regions are the network's classes over a grid of the inputs ...
    classes = data.regions.classes
    grid = data._regions
    np.testing.assert_array_equal(classes, grid.classes(model, traj.position[100]))
    assert set(np.unique(classes)) == {0, 1}
    # ... and on screen each class's region is its colour over the plot's background
    assert_regions_on_screen(qtbot, data, grid, classes)
    from gdsim.qt.panels.timeline import StepTable

    table = w.findChild(StepTable).steps
    col = table.headers.index("accuracy")
    assert float(table.text(col, 100)) == pytest.approx(acc, abs=1e-6)


def test_the_loss_plot_draws_the_held_out_loss(make_window, qtbot):
    w, model, run, traj = moons_window(make_window, qtbot)
    loss = w.view_area.loss
    curve = loss.curves.curves["heldout", run.id]
    assert curve.dashed and len(curve.steps()) == len(traj)
    for k in (0, 60, 150):
        assert curve.y[k] == pytest.approx(model.heldout_loss(traj.position[k]), rel=1e-12)
    # revealed with the training loss up to the cursor, on screen
    w.scene.set_cursor(60)
    x, y = loss.curves.shown(("heldout", run.id))
    assert x[-1] == 60 and y[-1] == curve.y[60]
    assert "held-out" in loss.toolTip()


def test_the_gradient_cloud_tightens_as_the_batch_grows(make_window, qtbot):
    def spread(batch):
        w = make_window(scene=model_scene("linreg-5", steps=30, batch=batch, show_cloud=True))
        wait_slice(qtbot, w)
        w.scene.set_cursor(5)
        qtbot.wait(50)
        cloud = w.view_area.built_view("contour").cloud
        assert cloud.points.isVisible() and cloud.ellipse.isVisible()
        pts = np.column_stack(cloud.points.getData())
        ring = np.column_stack(cloud.ellipse.getData())
        tip = cloud.full.getData()
        # the full-batch point sits in the middle of the cloud (its mean)
        assert (
            np.hypot(*(pts.mean(axis=0) - (tip[0][0], tip[1][0])))
            < 0.2 * np.ptp(pts, axis=0).max() + 1e-9
        )
        return float(np.ptp(ring, axis=0).max())

    assert spread(8) > 2 * spread(128)


def test_in_a_small_window_the_data_view_s_readings_are_a_caption_under_it(make_window, qtbot):
    """At 1024×768 the data view's readings are a caption under its x axis, not a box
    over the data (where it hid points), and a long one does not widen the plot."""
    w, model, _run, traj = moons_window(make_window, qtbot)
    w.resize(1024, 768)
    w.scene.set_cursor(100)
    qtbot.wait(300)
    data = w.view_area.built_view("model_data")
    caption, vb = data.info, data.plot.vb
    assert caption.sceneBoundingRect().top() >= vb.sceneBoundingRect().bottom()
    assert f"accuracy {100 * model.accuracy(traj.position[100]):.0f} %" in caption.text
    assert data.plot.sceneBoundingRect().width() <= data.viewport().width() + 1  # not widened


def test_in_a_small_window_the_loss_legend_gives_the_names_and_leaves_the_plot_its_width(
    make_window, qtbot
):
    w = make_window("network-landscape", size=(1024, 768))
    wait_slice(qtbot, w)
    w.scene.set_cursor(300)
    qtbot.wait(300)
    loss = w.view_area.loss
    texts = loss.legend.texts()
    assert len(texts) == 2 and all(": " not in t for t in texts)  # "Adam α=0.05"
    assert loss.legend.item.width() <= 0.4 * loss.plot.width() + 1
    assert loss.plot.vb.width() >= 0.4 * loss.plot.width()  # it was an eighth of it
    w.resize(1900, 1000)  # room again: each run's status as well
    qtbot.waitUntil(lambda: all(": max steps" in t for t in loss.legend.texts()), timeout=3000)


def landscape_policies() -> dict:
    """The scheduling policies of this process's slice threads (and of the threads they
    started, OpenBLAS's), by thread id."""
    policies = {}
    for task in Path("/proc/self/task").iterdir():
        if (task / "comm").read_text().strip() == "gdsim-landscape":
            policy = re.search(r"^policy\s*:\s*(\d+)", (task / "sched").read_text(), re.M)
            policies[task.name] = int(policy.group(1)) if policy else None
    return policies


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads Linux's /proc")
def test_the_slice_computes_at_idle_priority(make_window, qtbot):
    """The slice's thread is scheduled only when a core is idle (SCHED_IDLE), so that
    it does not take the time the window's frames need; a picture made on the command
    line, with no window to keep smooth, computes its slice at the normal priority."""
    from PySide6 import QtCore

    from gdsim.qt.landscape import Landscape

    wait_slice(qtbot, make_window(scene=model_scene()))  # (OpenBLAS's threads started)
    idle = landscape_policies()
    assert idle and set(idle.values()) == {os.SCHED_IDLE}
    with Landscape.computing_at(QtCore.QThread.Priority.NormalPriority):
        make_window(scene=model_scene())
    normal = {t: p for t, p in landscape_policies().items() if t not in idle}
    assert normal and set(normal.values()) == {os.SCHED_OTHER}
    assert Landscape.priority == QtCore.QThread.Priority.IdlePriority


def test_in_a_small_window_a_pca_slice_fills_its_map(make_window, qtbot):
    """The PCA plane's second axis spans a few per cent of its first: at one scale the
    map was a strip in the middle of the view.  A slice fills the view both ways (a
    surface of two parameters keeps its x and y at one scale)."""
    w = make_window("network-landscape", size=(1024, 768))
    wait_slice(qtbot, w)
    qtbot.wait(100)
    contour = w.view_area.built_view("contour")
    vb = contour.plot.vb.sceneBoundingRect()
    shown = contour.image.sceneBoundingRect().intersected(vb)
    assert shown.width() >= 0.9 * vb.width() and shown.height() >= 0.9 * vb.height()
    w.scene.set_surface("ravine")
    qtbot.wait(100)
    assert contour.plot.vb.state["aspectLocked"]


def assert_arrows_as_on_screen(contour) -> None:
    """Each −∇f arrow's head strokes as long as each other and at the same angle to the
    shaft as the screen shows them, and no arrow longer than a quarter of the map."""
    px, py = contour.plot.vb.viewPixelSize()
    longest = 0.0
    for a in contour.marks.gradients.reshape(-1, 6, 2):
        o, tip, _, left, _, right = a / (px, py)  # in screen pixels (y flipped: same lengths)
        shaft, lh, rh = tip - o, left - tip, right - tip
        n = np.hypot(*shaft)
        if n < 3:
            continue
        longest = max(longest, n)
        assert np.hypot(*lh) == pytest.approx(np.hypot(*rh), rel=1e-6)
        for head in (lh, rh):
            assert -(head @ shaft) / (np.hypot(*head) * n) == pytest.approx(np.cos(0.45), abs=1e-6)
    assert 0 < longest <= 0.25 * contour.plot.vb.width()


def test_on_a_slice_the_arrows_look_the_same_in_every_direction(make_window, qtbot):
    """A slice's x and y have different scales on screen.  The arrows are built as the
    screen shows them, after a step and after the window changes shape (before, they were
    built in data units: lopsided heads, and arrows along the short axis many times
    longer); the gradient cloud's full-batch point stays at the −∇f arrow's tip."""
    w = make_window("network-landscape", size=(1024, 768))
    wait_slice(qtbot, w)
    w.scene.set_view("show_cloud", True)
    contour = w.view_area.built_view("contour")
    px, py = contour.plot.vb.viewPixelSize()
    assert not 0.8 < py / px < 1.25, "the test needs a slice drawn at two scales"
    for k in (0, 5, 20, 60):
        w.scene.set_cursor(k)
        qtbot.wait(20)
        assert_arrows_as_on_screen(contour)
        tips = contour.marks.gradients.reshape(-1, 6, 2)[:, 1]
        xs, ys = contour.cloud.full.getData()
        assert contour.cloud.full.isVisible() and len(xs) == 1
        off = (tips - (xs[0], ys[0])) / (px, py)  # in pixels
        assert np.hypot(*off.T).min() < 0.01
    w.resize(1600, 500)  # paused: the same arrows, for the new shape
    qtbot.wait(400)
    px2, py2 = contour.plot.vb.viewPixelSize()
    assert abs(py2 / px2 - py / px) > 0.2 * py / px
    assert_arrows_as_on_screen(contour)


def test_in_a_small_window_the_map_legend_takes_one_row_of_names(make_window, qtbot):
    """Two runs with their status took two rows above the map at 1024×768 and left the
    slice a strip; their names alone fit in one row (the status is in the runs panel)."""
    w = make_window("network-landscape", size=(1024, 768))
    wait_slice(qtbot, w)
    qtbot.wait(100)
    legend = w.view_area.built_view("contour").legend
    labels = w.scene.labels()
    assert legend.texts() == [labels[r.id] for r in w.scene.runs]
    rows = {round(label.pos().y()) for _sample, label in legend.item.items}
    assert len(rows) == 1
    w.resize(1900, 1000)  # room again: each run's status as well
    qtbot.waitUntil(lambda: all(": running" in t for t in legend.texts()), timeout=3000)


def test_the_loss_legend_stays_beside_the_plot_when_its_entries_change(make_window, qtbot):
    """At 1024×768 the legend right of the loss curves gives the runs' names; when a
    run's status changes (the play reaches the end) its names are set again at the same
    size, and pyqtgraph's LegendItem.updateSize put it at the plot's top-left corner,
    over the title and the y axis."""
    w = make_window("network-landscape", size=(1024, 768))
    wait_slice(qtbot, w)
    loss = w.view_area.loss
    for cursor in (10, 300, 10, 300):  # running, max steps, running, max steps
        w.scene.set_cursor(cursor)
        qtbot.wait(100)
        legend = loss.legend.item.sceneBoundingRect()
        assert legend.left() >= loss.plot.vb.sceneBoundingRect().right() - 1, cursor
        assert not legend.intersects(loss.plot.titleLabel.sceneBoundingRect()), cursor


def test_a_lone_run_s_legend_sample_sits_beside_its_name(make_window, qtbot):
    w = make_window("random-or-pca", size=(1600, 1000))
    wait_slice(qtbot, w)
    qtbot.wait(300)
    items = w.view_area.loss.legend.item.items
    assert len(items) == 1
    sample, label = items[0]
    drawn = sample.mapRectToScene(sample.boundingRect()).center().y()
    name = label.item.mapRectToScene(label.item.boundingRect()).center().y()
    assert abs(drawn - name) < 6, (drawn, name)  # it sat halfway down, the name on top


def test_the_landscape_picture_s_legend_says_how_the_run_ended(qtbot, monkeypatch, tmp_path):
    """``gdsim landscape --out x.png`` draws the path to its end: its legend says "max
    steps", not "running" (a resize laid the legend out again at the scene's cursor 0)."""
    from gdsim.core.simulation import simulate
    from gdsim.core.slice_surface import make_plane, slice_sample
    from gdsim.qt import export
    from gdsim.qt.landscape_export import write_png

    surface = get_surface("mlp-moons")
    cfg = RunConfig("mlp-moons", "adam", {"lr": 0.05}, max_steps=40)
    traj = simulate(cfg)
    plane = make_plane(surface.model, "pca", traj.position)
    grid = slice_sample(surface.model, plane, 15)
    said = []
    monkeypatch.setattr(
        export, "export_png", lambda view, *a, **k: said.extend(view.legend.texts())
    )
    write_png(surface, cfg, plane, grid, traj, tmp_path / "x.png")
    assert said == ["adam: max steps (40)"]


def test_a_runs_start_ring_on_a_slice_sits_where_its_path_starts(make_window, qtbot):
    w, _model, run, _traj = moons_window(make_window, qtbot)
    ring = w.view_area.built_view("contour").starts[run.id]
    path = w.view_area.landscape.source.trajectories.get(run.id).position
    assert (ring.pos().x(), ring.pos().y()) == pytest.approx(tuple(path[0]), abs=1e-9)
    # the PCA plane is centred on the path's end: (0, 0), where the ring used to sit
    assert np.allclose(path[-1], 0.0, atol=1e-9) and np.hypot(*path[0]) > 1.0
