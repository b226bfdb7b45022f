"""The curvature lens (key C) and the gradient flow (key F) as a teacher sees them: the
Hessian's axes and eigenvalues at the selected marble, λmax against each run's edge
in the loss plot, the dashed flow with its ring, in the exports too."""

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from gdsim.core.curvature import lambda_max
from gdsim.model import Scene
from gdsim.qt import export as ex
from gdsim.qt.views.lens import UP_COLOR

K = QtCore.Qt


def press(qtbot, w, key):
    """The key on the map, as a teacher who clicked it last."""
    w.activateWindow()
    qtbot.waitUntil(lambda: QtWidgets.QApplication.activeWindow() is w, timeout=3000)
    w.contour.setFocus()
    qtbot.keyClick(w.contour, key)
    QtWidgets.QApplication.processEvents()


def marble(w, run_id, k):
    return w.controller.trajectories[run_id].position[k]


def test_C_draws_the_hessian_axes_and_switches_the_loss_plot_to_lambda_max(make_window, qtbot):
    w = make_window("ravine")
    gd, mom = w.scene.runs
    w.scene.select(gd.id)
    w.scene.set_cursor(5)
    press(qtbot, w, K.Key_C)
    assert w.scene.view["show_curvature"] and w.actions_by_name["curvature"].isChecked()
    lens = w.contour.lens
    assert lens.shown == [4.0, 0.02]  # the strongest first
    texts = [label.textItem.toPlainText() for label in lens.labels]
    assert texts == ["λ₁ = 4", "λ₂ = 0.02"]
    at = marble(w, gd.id, 5)
    for axis in lens.axes:
        xs, ys = axis.getData()
        assert axis.isVisible()
        assert np.allclose([xs.mean(), ys.mean()], at)  # centred on the marble
    long, short = (np.ptp(a.getData()[1]) + np.ptp(a.getData()[0]) for a in lens.axes)
    assert long > 5 * short  # the stronger curvature has the longer axis
    # the loss plot now shows λmax (4 everywhere on this quadratic) and each run's edge
    loss = w.loss
    assert loss.plot.getAxis("left").labelText.startswith("λmax")
    assert np.array_equal(
        loss.curves.curves[gd.id].y, np.full(len(loss.curves.curves[gd.id].y), 4.0)
    )
    assert np.allclose(loss.edges[gd.id].getData()[1], 2 / 0.45)
    assert np.allclose(loss.edges[mom.id].getData()[1], (2 + 2 * 0.9) / 0.45)
    assert loss.edge_label.textItem.toPlainText() == "2/α = 4.444"
    press(qtbot, w, K.Key_C)
    assert not w.scene.view["show_curvature"]
    assert not any(a.isVisible() for a in lens.axes) and not loss.edges
    assert np.array_equal(loss.curves.curves[gd.id].y, w.controller.trajectories[gd.id].loss)


def test_the_lens_follows_the_cursor_and_the_selected_run(make_window, qtbot):
    w = make_window("rosenbrock-race")
    surface = w.contour.surface
    w.scene.set_view("show_curvature", True)
    first, second = w.scene.runs[0], w.scene.runs[1]
    for run in (first, second):
        w.scene.select(run.id)
        for k in (0, 40, 300):
            w.scene.set_cursor(k)
            QtWidgets.QApplication.processEvents()
            h = surface.hessian(marble(w, run.id, k))
            ev = np.linalg.eigvalsh(h)
            assert w.contour.lens.shown == pytest.approx(sorted(ev, key=abs, reverse=True))
    # λmax along each run is the lens' number at each of its steps
    traj = w.controller.trajectories[first.id]
    assert np.allclose(w.loss.curves.curves[first.id].y, lambda_max(surface, traj.position))


def test_F_draws_the_gradient_flow_with_a_ring_at_the_run_s_time(make_window, qtbot):
    w = make_window("ravine")
    gd = w.scene.runs[0]
    w.scene.select(gd.id)
    w.scene.set_cursor(12)
    press(qtbot, w, K.Key_F)
    flow = w.contour.flow
    assert w.scene.view["show_flow"] and flow.curve.isVisible() and flow.ring.isVisible()
    xs, ys = flow.curve.getData()
    assert (xs[0], ys[0]) == (-9.0, 3.0)
    t = 12 * 0.45  # the run's time Σα at step 12
    rx, ry = flow.ring.getData()[0][0], flow.ring.getData()[1][0]
    assert rx == pytest.approx(-9.0 * np.exp(-0.02 * t), rel=1e-6)
    assert ry == pytest.approx(3.0 * np.exp(-4.0 * t), abs=1e-6)
    # plain GD's x follows the flow's (the shallow axis is far from its edge)
    assert marble(w, gd.id, 12)[0] == pytest.approx(rx, rel=0.01)
    press(qtbot, w, K.Key_F)
    assert not flow.curve.isVisible() and not flow.ring.isVisible()


def test_the_lens_on_a_curve_is_the_local_parabola(make_window):
    w = make_window("stability-edge")
    w.scene.set_cursor(2)
    w.scene.set_view("show_curvature", True)
    w.scene.set_view("show_flow", True)
    QtWidgets.QApplication.processEvents()
    lens = w.curve.lens
    assert lens.labels[0].textItem.toPlainText() == "f″ = λ = 2"
    run = w.scene.selected_run or w.scene.runs[0]
    x0 = marble(w, run.id, 2)[0]
    xs, ys = lens.axes[0].getData()
    assert np.allclose(ys, x0 * x0 + 2 * x0 * (xs - x0) + (xs - x0) ** 2)  # x² itself
    assert w.curve.flow.curve.isVisible()


def purple_pixels(path) -> int:
    img = QtGui.QImage(str(path)).convertToFormat(QtGui.QImage.Format_RGB32)
    ptr = img.constBits()
    a = np.frombuffer(ptr, dtype=np.uint8).reshape(img.height(), img.bytesPerLine() // 4, 4)
    c = QtGui.QColor(UP_COLOR)
    want = np.array([c.blue(), c.green(), c.red()])
    return int((np.abs(a[..., :3].astype(int) - want).max(axis=-1) < 25).sum())


def test_the_map_s_png_and_svg_include_the_lens_and_the_flow(make_window, tmp_path):
    w = make_window("ravine")
    ex.export(w, "contour", str(tmp_path / "off.png"), step=10)
    w.scene.set_view("show_curvature", True)
    w.scene.set_view("show_flow", True)
    ex.export(w, "contour", str(tmp_path / "on.png"), step=10)
    ex.export(w, "contour", str(tmp_path / "on.svg"), step=10)
    assert purple_pixels(tmp_path / "off.png") < 20
    assert purple_pixels(tmp_path / "on.png") > 150
    svg = (tmp_path / "on.svg").read_text()
    assert "λ₁ = 4" in svg and "λ₂ = 0.02" in svg
    assert "stroke-dasharray" in svg  # the dashed flow


def test_the_switches_are_saved_with_the_session():
    from gdsim.presets import load_preset, scene_document

    scene = Scene.from_dict(scene_document(load_preset("edge-of-stability")))
    assert scene.view["show_curvature"] and not scene.view["show_flow"]
    scene.view["show_flow"] = True
    again = Scene.from_dict(scene.to_dict())
    assert again.view["show_flow"] and again.view["show_curvature"]


def test_where_the_hessian_is_not_defined_the_lens_says_so(make_window):
    from gdsim.core.simulation import RunConfig

    scene = Scene(surface="ackley")
    scene.add_run(RunConfig("ackley", "gd", {"lr": 0.01}, (0.0, 0.0), max_steps=5))
    scene.view["show_curvature"] = True
    w = make_window(scene=scene)
    w.scene.set_cursor(0)
    QtWidgets.QApplication.processEvents()
    lens = w.contour.lens
    assert lens.shown == [] and not any(a.isVisible() for a in lens.axes)
    assert lens.labels[0].isVisible()
    assert lens.labels[0].textItem.toPlainText() == "∇²f is not defined here"
