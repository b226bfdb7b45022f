"""Analyses → Basin map / Learning-rate sweep, driven through the real dialog."""

import subprocess
import sys

import numpy as np
from PySide6 import QtGui, QtWidgets

from gdsim.core.analyses import basin_map, lr_sweep
from gdsim.qt.analysis_plots import basin_colors


def finish(qtbot, dialog, timeout=20000):
    qtbot.waitUntil(lambda: dialog.job is None, timeout=timeout)


def test_basin_map_of_the_marbles_lesson(make_window, qtbot, tmp_path, monkeypatch):
    w = make_window("marbles")
    d = w.analyses(0)
    assert d.kind.currentData() == 0 and d.run_btn.isEnabled()
    d.grid.setValue(60)
    d.run_btn.click()
    assert d.cancel_btn.isEnabled() and not d.run_btn.isEnabled()
    finish(qtbot, d)
    assert d.status.text() == "4 basins (4 at known minima), 0 runs still moving, 0 diverged."
    expected = basin_map(w.scene.selected_run.config, n=60)
    np.testing.assert_array_equal(d.result.label, expected.label)
    # the picture: each start in its basin's colour
    image = d.basin_plot.image.image
    colors = basin_colors(4)
    for j, i in [(0, 0), (59, 59), (10, 45), (45, 10)]:
        want = QtGui.QColor(colors[expected.label[j, i]])
        assert tuple(image[j, i]) == (want.red(), want.green(), want.blue())
    # export the numbers
    target = tmp_path / "basins.csv"
    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    d.csv_btn.click()
    assert target.read_text() == expected.csv()


def test_sweep_then_use_the_best_alpha(make_window, qtbot):
    w = make_window("stability-edge")
    run = w.scene.selected_run
    d = w.analyses(1)
    d.lr_min.setValue(0.01)
    d.lr_max.setValue(3.0)
    d.count.setValue(50)
    d.run_btn.click()
    finish(qtbot, d)
    expected = lr_sweep(run.config, 0.01, 3.0, 50)
    np.testing.assert_array_equal(d.result.lrs, expected.lrs)
    assert d.result.state == expected.state
    x, _y = d.sweep_plot.curve.getData()
    np.testing.assert_allclose(x, np.log10(expected.lrs))  # plotted on a log axis
    assert "diverged" in d.status.text()
    d.use_btn.click()
    assert w.scene.run(run.id).config.lr == expected.best()
    assert abs(expected.best() - 0.5) < 0.1


def test_cancel_and_close_stop_the_analysis(make_window, qtbot):
    w = make_window("marbles")
    d = w.analyses(0)
    d.grid.setValue(400)
    d.steps.setValue(10000)  # 1.6 billion run-steps: within the limit, and long
    d.run_btn.click()
    qtbot.wait(200)
    d.cancel_btn.click()
    finish(qtbot, d)
    assert d.status.text() == "Cancelled." and d.run_btn.isEnabled()
    d.run_btn.click()  # again, then close the window while it computes
    job = d.job
    qtbot.wait(100)
    w.close()
    assert not job.is_running()  # closing waited for superqt's worker to stop


def test_basin_map_refused_on_a_1d_surface(make_window, qtbot):
    w = make_window("parabola-table")
    d = w.analyses(0)
    assert not d.run_btn.isEnabled()
    assert "two parameters" in d.status.text()


def test_headless_png_of_a_basin_map(tmp_path):
    out = tmp_path / "b.png"
    proc = subprocess.run(
        [sys.executable, "-m", "gdsim", "basin", "--surface", "two-wells", "--lr", "0.05",
         "--grid", "50", "--steps", "300", "--out", str(out)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "two-wells: 2 basins, 0 still moving, 0 diverged" in proc.stderr
    img = QtGui.QImage(str(out))
    assert (img.width(), img.height()) == (3000, 1800)
    seen = {img.pixelColor(x, y).name() for x in range(0, 3000, 25) for y in range(0, 1800, 25)}
    assert {c.lower() for c in basin_colors(2)} <= seen


def test_the_best_alpha_goes_to_the_run_that_was_swept(make_window, qtbot):
    w = make_window("three-rates")
    swept = w.scene.runs[0]
    w.scene.select(swept.id)
    d = w.analyses(1)
    d.run_btn.click()
    w.analyses(0)  # the menu's other analysis while this one computes: ignored
    assert d.kind.currentData() == 1
    finish(qtbot, d)
    best = d.result.best()
    other = w.scene.runs[1]
    w.scene.select(other.id)  # another run selected since
    d.use_btn.click()
    assert w.scene.run(swept.id).config.lr == best
    assert w.scene.run(other.id).config.lr == 0.1
    w.scene.set_surface("bowl")  # and after a change of surface it is refused
    d.use_btn.click()
    assert "another run or surface" in d.status.text()


def test_the_dialog_follows_the_selection(make_window, qtbot):
    w = make_window("marbles")
    w.scene.select(None)
    d = w.analyses(0)
    assert not d.run_btn.isEnabled() and "Select a run" in d.about.text()
    w.scene.select(w.scene.runs[2].id)
    assert d.run_btn.isEnabled()
    w.scene.update_run(w.scene.runs[2].id, noise=0.1)
    assert not d.run_btn.isEnabled() and "noise" in d.status.text()


def test_command_line_pictures_stay_light_when_the_window_remembers_dark(tmp_path):
    import os

    config = tmp_path / "config"
    (config / "gdsim").mkdir(parents=True)
    (config / "gdsim" / "gdsim.conf").write_text("[General]\ndark=true\n")
    out = tmp_path / "sweep.png"
    env = {**os.environ, "XDG_CONFIG_HOME": str(config)}
    proc = subprocess.run(
        [sys.executable, "-m", "gdsim", "sweep", "--surface", "bowl", "--count", "5",
         "--out", str(out)],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert QtGui.QImage(str(out)).pixelColor(5, 5).name() == "#ffffff"


def test_a_basin_map_over_the_limit_is_refused_with_the_numbers(make_window, qtbot):
    w = make_window("marbles")
    d = w.analyses(0)
    d.grid.setValue(400)
    d.steps.setValue(20000)
    d.run_btn.click()
    finish(qtbot, d)
    assert d.status.text().startswith("this basin map would take 160 000 runs × 20 000 steps")
    assert "the limit is 2 000 000 000" in d.status.text() and d.run_btn.isEnabled()


def shown_sweep(qtbot, lr, lr_min, lr_max, count, steps):
    """A SweepPlot of GD on Rosenbrock from (-1.5, 2) at 1200×900, its range fitted:
    (plot, its ViewBox, the sweep, the run's α)."""
    from gdsim.core.simulation import RunConfig
    from gdsim.qt.analysis_plots import SweepPlot

    cfg = RunConfig(surface="rosenbrock", start=(-1.5, 2.0), max_steps=steps, hyper={"lr": lr})
    result = lr_sweep(cfg, lr_min, lr_max, count)
    plot = SweepPlot()
    qtbot.addWidget(plot)
    plot.show_sweep(result, cfg.lr)
    plot.resize(1200, 900)
    plot.show()
    qtbot.waitExposed(plot)
    vb = plot.getPlotItem().getViewBox()
    low = np.log10(lr_min) + 0.1  # the range fitted to the sweep
    qtbot.waitUntil(lambda: vb.viewRange()[0][0] < low)
    return plot, vb, result, cfg.lr


def test_the_sweeps_legend_leaves_the_points_uncovered(qtbot):
    """Rosenbrock from (-1.5, 2): the best α's point lies in the bottom right corner,
    where the legend used to sit over it."""
    from PySide6 import QtCore

    plot, vb, result, _lr = shown_sweep(qtbot, 1e-3, 1e-5, 1e-2, 60, steps=500)
    x, y = plot.points.getData()
    pts = [vb.mapFromView(QtCore.QPointF(a, b)) for a, b in zip(x, y, strict=True)]
    best = vb.mapFromView(QtCore.QPointF(np.log10(result.best()), 0)).x()
    legend = plot.legend.mapRectToParent(plot.legend.boundingRect())
    assert best > legend.right() or best < legend.left()  # its line and point both clear
    assert not any(legend.adjusted(-4, -4, 4, 4).contains(p) for p in pts)


def test_the_sweeps_legend_keeps_clear_of_the_alpha_lines_and_stays_where_dragged(qtbot):
    from PySide6 import QtCore

    # the run's α far right, in the empty bottom right corner: a line with no point
    plot, vb, result, lr = shown_sweep(qtbot, 0.5, 1e-4, 1.0, 40, steps=300)
    legend = plot.legend.mapRectToParent(plot.legend.boundingRect())
    for line in (plot.best, plot.current):
        x = vb.mapFromView(QtCore.QPointF(line.value(), 0)).x()
        assert not legend.left() - 4 <= x <= legend.right() + 4, line

    class Drag:  # what LegendItem.mouseDragEvent reads of a drag
        def button(self):
            return QtCore.Qt.MouseButton.LeftButton

        def accept(self):
            pass

        def pos(self):
            return QtCore.QPointF(60, 40)

        def lastPos(self):
            return QtCore.QPointF(0, 0)

    before = plot.legend.pos()
    plot.legend.mouseDragEvent(Drag())
    dragged = plot.legend.pos()
    assert dragged != before
    corner = plot.legend_corner
    # a pan that brings the points under it: the legend stays where it was put
    plot.getPlotItem().setXRange(-2.5, 3.5, padding=0)
    plot.getPlotItem().setYRange(-3.0, 9.0, padding=0)
    QtWidgets.QApplication.processEvents()
    moved = plot.legend.pos() - dragged  # (less than a pixel: the y axis' labels changed)
    assert abs(moved.x()) < 2 and abs(moved.y()) < 2 and plot.legend_corner == corner
    plot.show_sweep(result, lr)  # a new sweep places it again
    assert not plot.legend_dragged
