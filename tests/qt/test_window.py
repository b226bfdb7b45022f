"""The main window driven through its real widgets (pytest-qt, under Xvfb)."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from gdsim.core.simulation import RunConfig, simulate
from gdsim.io.session import session_document
from gdsim.model import Scene
from gdsim.presets import load_preset, scene_document
from gdsim.qt.smoke import image_is_drawn
from tests.qt.conftest import wait_trajectories


def trail(view, run_id):
    """The trail the contour draws for a run at the cursor."""
    return view.marks.runs[run_id].trail


def test_opens_on_a_lesson_that_is_already_playing(make_window, qtbot):
    w = make_window("ravine", playing=True)
    assert w.scene.playing
    qtbot.waitUntil(lambda: w.scene.cursor >= 5, timeout=5000)
    assert [r.config.optimizer for r in w.scene.runs] == ["gd", "momentum"]
    assert "ravine" in w.lesson.text().lower()


def test_changing_alpha_reruns_and_redraws_the_trajectory(make_window, qtbot):
    w = make_window("ravine")
    run = w.scene.runs[0]
    w.scene.set_cursor(40)
    before = trail(w.contour, run.id)
    np.testing.assert_allclose(before, simulate(run.config).position[:41])
    field = w.controls.lr.field
    field.setText("0.2")
    qtbot.keyClick(field, QtCore.Qt.Key_Return)
    assert w.scene.run(run.id).config.lr == 0.2
    wait_trajectories(qtbot, w)
    after = trail(w.contour, run.id)
    expected = simulate(w.scene.run(run.id).config).position[:41]
    np.testing.assert_allclose(after, expected)
    assert not np.allclose(after, before)
    # the loss view follows too
    _x, y = w.loss.curves.shown(run.id)
    np.testing.assert_allclose(y, simulate(w.scene.run(run.id).config).loss[:41])


def test_dragging_the_alpha_slider_updates_live(make_window, qtbot):
    w = make_window("ravine")
    run = w.scene.runs[0]
    slider = w.controls.lr.slider
    seen = []
    for tick in range(slider.value() - 60, slider.value() - 10, 10):
        slider.setValue(tick)
        qtbot.wait(40)  # a slow drag: the scene takes every position
        seen.append(w.scene.run(run.id).config.lr)
    assert len(set(seen)) == len(seen)  # every position is a new α
    # a fast drag: the scene takes at most one value per 30 ms, and the last one
    edits = []
    w.scene.edited.connect(lambda *e: edits.append(e))
    for tick in range(slider.value() - 200, slider.value() - 100, 2):
        slider.setValue(tick)
    assert len(edits) <= 2
    qtbot.waitUntil(lambda: w.scene.run(run.id).config.lr == w.controls.lr.value(), timeout=1000)
    wait_trajectories(qtbot, w)
    w.scene.set_cursor(10)
    np.testing.assert_allclose(
        trail(w.contour, run.id), simulate(w.scene.run(run.id).config).position[:11]
    )


def click_at(qtbot, view, x, y):
    scene_pt = view.plot.vb.mapViewToScene(QtCore.QPointF(x, y))
    pix = view.mapFromScene(scene_pt)
    qtbot.mouseClick(view.viewport(), QtCore.Qt.LeftButton, pos=pix)


def test_clicking_the_contour_drops_a_marble_there(make_window, qtbot):
    w = make_window("ravine")
    n = len(w.scene.runs)
    click_at(qtbot, w.contour, 4.0, -2.0)
    assert len(w.scene.runs) == n + 1
    new = w.scene.runs[-1]
    assert new.config.start == pytest.approx((4.0, -2.0), abs=0.15)
    assert w.scene.selected == new.id
    wait_trajectories(qtbot, w)
    w.scene.set_cursor(0)
    np.testing.assert_allclose(trail(w.contour, new.id)[0], new.config.start)
    assert w.runs_panel.tree.topLevelItemCount() == n + 1


def test_dragging_a_start_marker_recomputes_the_run(make_window, qtbot):
    w = make_window("ravine")
    run = w.scene.runs[0]
    w.contour.starts[run.id].setPos(-5.0, 2.0)  # what a drag does, step by step
    assert w.scene.run(run.id).config.start == (-5.0, 2.0)
    wait_trajectories(qtbot, w)
    w.scene.set_cursor(3)
    np.testing.assert_allclose(trail(w.contour, run.id)[0], (-5.0, 2.0))


def test_pause_step_and_reset(make_window, qtbot):
    w = make_window("ravine", playing=True)
    qtbot.waitUntil(lambda: w.scene.cursor >= 3, timeout=5000)
    # presenter keys (the window is not focused under Xvfb without a window manager,
    # so the actions are triggered the way their shortcuts would)
    keys = {
        a.text(): a.shortcut().toString()
        for a in (
            w.actions_by_name["play"],
            w.actions_by_name["forward"],
            w.actions_by_name["back"],
            w.actions_by_name["reset"],
            w.actions_by_name["home"],
            w.actions_by_name["end"],
        )
    }
    assert keys == {
        "Pause": "Space",
        "Step": "Right",
        "Step back": "Left",
        "Reset": "R",
        "First step": "Home",
        "Last step": "End",
    }
    w.actions_by_name["play"].trigger()
    assert not w.scene.playing and w.actions_by_name["play"].text() == "Play"
    k = w.scene.cursor
    qtbot.wait(300)
    assert w.scene.cursor == k  # paused
    w.actions_by_name["forward"].trigger()
    assert w.scene.cursor == k + 1
    w.actions_by_name["back"].trigger()
    w.actions_by_name["back"].trigger()
    assert w.scene.cursor == k - 1
    assert w.step_label.text() == f"step {k - 1} / 150"
    w.actions_by_name["reset"].trigger()
    assert w.scene.cursor == 0 and not w.scene.playing
    run = w.scene.runs[0]
    assert len(trail(w.contour, run.id)) == 1


def test_a_diverging_run_shows_its_status(make_window, qtbot):
    w = make_window("ravine")
    run = w.scene.runs[0]
    w.scene.set_hyper(run.id, lr=0.6)  # above 2/λmax = 0.5
    wait_trajectories(qtbot, w)
    traj = w.controller.trajectories[run.id]
    assert traj.status.state == "diverged"
    w.actions_by_name["end"].trigger()
    status = w.runs_panel.status_text(run.id)
    assert status.startswith("diverged at step ")
    assert "⚠" in w.controls.stability.text()
    assert np.all(np.isfinite(trail(w.contour, run.id)))


def test_bad_alpha_is_refused_at_the_widget_with_a_reason(make_window, qtbot):
    w = make_window("ravine")
    run = w.scene.runs[0]
    field = w.controls.lr.field
    for text in ("-1", "0", "abc", "1e400"):
        field.setText(text)
        qtbot.keyClick(field, QtCore.Qt.Key_Return)
        assert w.scene.run(run.id).config.lr == 0.45
        assert "α (lr)" in w.controls.error.text()  # says why, beside the panel ...
        assert field.text() == "0.45"  # ... and the field shows the α the run uses


def test_invalid_combination_is_not_applied_and_says_why(make_window, qtbot):
    w = make_window("ravine")
    run = w.scene.runs[0]
    idx = w.controls.optimizer_combo.findData("sgd")
    w.controls.optimizer_combo.setCurrentIndex(idx)
    assert w.scene.run(run.id).config.optimizer == "sgd"
    w.controls._hyper_widgets["dampening"].setValue(0.5)
    w.controls._hyper_widgets["nesterov"].setChecked(True)
    assert "nesterov needs" in w.controls.error.text()
    assert not w.scene.run(run.id).config.hyper.get("nesterov")


def test_runs_list_add_duplicate_hide_remove(make_window, qtbot):
    w = make_window("ravine")
    panel = w.runs_panel
    first = w.scene.runs[0]
    w.scene.select(first.id)
    panel._duplicate("adam")
    dup = w.scene.runs[-1]
    assert dup.config.optimizer == "adam" and dup.config.start == first.config.start
    assert dup.color not in {r.color for r in w.scene.runs[:-1]}
    item = panel._items[dup.id]
    item.setCheckState(0, QtCore.Qt.Unchecked)
    assert not w.scene.run(dup.id).visible
    assert dup.id not in w.contour.marks.runs and not w.contour.starts[dup.id].isVisible()
    w.scene.select(dup.id)
    qtbot.mouseClick(panel.remove_btn, QtCore.Qt.LeftButton)
    assert dup.id not in [r.id for r in w.scene.runs]
    assert dup.id not in w.contour.starts


def test_one_dimensional_surface_shows_the_curve_view(make_window, qtbot):
    w = make_window("parabola-table")
    assert w.view_area.map_view() is w.curve
    assert not w.surface3d.isVisible() and not w.data.isVisible()
    w.scene.set_cursor(25)
    run = w.scene.runs[0]
    x = w.curve.marks.runs[run.id].trail[:, 0]
    assert len(x) == 26 and round(x[-1], 4) == 0.0189


def test_data_surface_shows_data_and_fitted_lines(make_window, qtbot):
    w = make_window("line-fit")
    assert w.data.isVisible()
    w.scene.set_cursor(200)
    for run in w.scene.runs:
        xs, ys = w.data.lines[run.id].getData()
        theta = w.controller.trajectories[run.id].position[200]
        np.testing.assert_allclose(ys, theta[0] * xs + theta[1])
    assert "mini-batch ‖g‖" in w.data.info.toPlainText()
    # the mini-batch run draws a dashed −g beside the full −∇f
    assert len(w.contour.marks.batch_gradients) > 0


def test_switching_surfaces_resets_runs_to_the_new_domain(make_window, qtbot):
    w = make_window("ravine")
    idx = w.controls.surface_combo.findData("parabola")
    w.controls.surface_combo.setCurrentIndex(idx)
    assert w.scene.surface == "parabola"
    assert all(len(r.config.start) == 1 for r in w.scene.runs)
    wait_trajectories(qtbot, w)
    assert w.view_area.map_view() is w.curve
    idx = w.controls.surface_combo.findData("rosenbrock")
    w.controls.surface_combo.setCurrentIndex(idx)
    wait_trajectories(qtbot, w)
    assert w.surface3d.isVisible()


def test_views_render_2d_and_3d_pixels(make_window, qtbot):
    w = make_window("marbles")
    w.scene.set_cursor(50)
    qtbot.wait(200)
    assert image_is_drawn(w.contour.grab().toImage())
    frame = w.surface3d.grabFramebuffer()
    assert frame.width() > 100 and image_is_drawn(frame)


def test_closing_mid_run_stops_the_worker(make_window, qtbot):
    w = make_window("marbles", playing=True)
    qtbot.waitUntil(lambda: w.scene.cursor > 2, timeout=5000)
    w.close()
    assert not w.controller.is_running()


def test_smoke_test_command_exits_0_with_a_clean_stderr():
    out = subprocess.run(
        [sys.executable, "-m", "gdsim", "--smoke-test"], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert "OK" in out.stdout
    assert out.stderr == ""


def test_the_cycle_collector_is_back_on_once_the_window_is_up():
    code = (
        "import gc, os, sys\n"
        "os.environ['GDSIM_STARTUP_PROBE'] = '1'\n"
        "from gdsim.cli import main\n"
        "seen = []\n"
        "import gdsim.qt.app as app\n"
        "end = app.end_startup\n"
        "app.end_startup = lambda: (seen.append(gc.isenabled()), end())\n"
        "rc = main([])\n"
        "print(rc, seen[0], gc.isenabled())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    # off while the window was built, on again after its first paint
    assert out.stdout.split()[-3:] == ["0", "False", "True"], out.stdout + out.stderr


def test_the_startup_probe_reports_the_first_paint_then_the_window_complete():
    env = {**os.environ, "GDSIM_STARTUP_PROBE": "1"}
    out = subprocess.run(
        [sys.executable, "-m", "gdsim"], capture_output=True, text=True, timeout=120, env=env
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["first-paint", "complete"]


def test_the_loss_view_is_built_in_its_place_just_after_the_first_paint(qtbot):
    from gdsim.qt.app import initial_scene
    from gdsim.qt.main_window import MainWindow

    w = MainWindow(initial_scene("ravine"), restore_layout=False)
    qtbot.addWidget(w)
    area = w.view_area
    assert area.built_view("loss") is None  # not while the window is built
    hint = area.loss_slot.sizeHint()
    w.resize(1400, 900)
    w.show()
    qtbot.waitUntil(lambda: area.built_view("loss") is not None)
    wait_trajectories(qtbot, w)
    loss = area.built_view("loss")
    assert loss.parent() is area.loss_slot and loss.isVisible()
    # the slot asked for the room a loss view asks for before it is shown: the rows
    # were shared as they are with the view
    from gdsim.qt.views.loss import LossView

    fresh = LossView(w.scene, w.controller)
    assert fresh.sizeHint() == hint
    fresh.deleteLater()
    assert area.bottom.height() > 0.3 * area.split.height()  # a ~3:2 split, as before
    # it caught up with the scene: a curve per run, the axes fitted, the cursor's line
    curves = loss.curves.curves
    assert set(curves) == {r.id for r in w.scene.runs}
    for run in w.scene.runs:
        np.testing.assert_array_equal(curves[run.id].y, w.controller.trajectories[run.id].loss)
    assert loss.cursor_line.value() == w.scene.cursor
    top = max(float(np.max(c.y)) for c in curves.values())
    lo, hi = loss.plot.viewRange()[1]
    assert lo < 1.0 and top <= hi < 1.2 * top
    w.scene.set_cursor(40)
    assert loss.cursor_line.value() == 40 and loss.curves.cursor == 40
    w.close()


def test_a_loss_view_built_late_shows_what_the_scene_holds(qtbot):
    """Built after the runs arrived and the flags changed (a window never painted, as a
    script's): it reads them all, it heard none of it."""
    from gdsim.qt.app import initial_scene
    from gdsim.qt.main_window import MainWindow

    w = MainWindow(initial_scene("ravine"), restore_layout=False)
    qtbot.addWidget(w)
    wait_trajectories(qtbot, w)
    w.scene.set_view("log_loss", True)
    w.scene.set_view("show_lr", True)
    w.scene.set_cursor(25)
    area = w.view_area
    assert area.built_view("loss") is None
    loss = area.loss
    curves = loss.curves.curves
    assert set(curves) == {r.id for r in w.scene.runs}
    for run in w.scene.runs:
        traj = w.controller.trajectories[run.id]
        logged = np.log10(traj.loss - loss.floor)  # the log scale: log10(f − f*)
        np.testing.assert_allclose(curves[run.id].y, np.maximum(logged, logged[0] - 16))
    assert loss.plot.getAxis("left").logMode and loss.lr_axis.visible
    assert loss.cursor_line.value() == 25 and loss.curves.cursor == 25
    assert area.built_view("loss") is loss and loss in area.views


def test_preset_option_and_list(capsys):
    from gdsim.cli import main

    assert main(["list", "presets"]) == 0
    names = [line.split("\t")[0] for line in capsys.readouterr().out.splitlines()]
    assert names[0] == "ravine" and {"parabola-table", "line-fit", "marbles"} <= set(names)
    assert main(["--preset", "nope"]) == 2
    assert "unknown preset" in capsys.readouterr().err


def test_scrubbing_the_timeline_moves_every_view_to_step_k(make_window, qtbot):
    w = make_window("ravine")
    k = 17
    w.timeline.slider.setValue(k)
    assert w.scene.cursor == k and w.timeline.label.text() == f"{k} / 150"
    for run in w.scene.runs:
        traj = w.controller.trajectories[run.id]
        assert len(trail(w.contour, run.id)) == k + 1  # trail up to k
        marbles = w.contour.marks.marbles
        assert any(np.allclose(m, traj.position[k]) for m in marbles)
        assert len(w.loss.curves.shown(run.id)[0]) == k + 1
    assert w.loss.cursor_line.value() == k
    # the step table is behind the Runs tab: it follows once its tab is at the front
    assert w.step_table.selected_step() != k
    w.steps_dock.raise_()
    qtbot.waitUntil(lambda: w.step_table.selected_step() == k)
    w.timeline.slider.setValue(k - 3)
    assert w.step_table.selected_step() == k - 3
    w.timeline.slider.setValue(k)
    # the 3D marbles sit at step k too
    pos = w.surface3d.marbles.pos
    run0 = w.scene.runs[0]
    expected = w.surface3d.to_box(
        w.controller.trajectories[run0.id].position[k : k + 1],
        w.controller.trajectories[run0.id].loss[k : k + 1],
    )
    assert np.allclose(pos[0], expected[0])


def test_selecting_a_table_row_moves_the_cursor(make_window, qtbot):
    w = make_window("parabola-table")
    table = w.step_table
    w.steps_dock.raise_()
    qtbot.waitUntil(lambda: not table.visibleRegion().isEmpty())
    assert table.steps.rowCount() == 26
    assert table.steps.headers == ["step", "x", "loss", "‖∇f‖", "lr"]
    table.selectRow(25)
    assert w.scene.cursor == 25
    assert table.steps.data(table.steps.index(25, 1)) == "0.0188895"
    w.actions_by_name["home"].trigger()
    assert table.selected_step() == 0


def test_save_and_open_a_session_restores_runs_cursor_and_camera(make_window, qtbot, tmp_path):
    w = make_window("marbles")
    w.scene.set_hyper(w.scene.runs[2].id, lr=0.02)
    w.scene.set_cursor(33)
    w.surface3d.gl.setCameraPosition(distance=4.5, elevation=12.0, azimuth=40.0)
    path = str(tmp_path / "class.gdsim.json")
    assert w.save_to(path)
    saved = w.scene.to_dict()
    w.open_preset("ravine")
    assert w.scene.surface == "ravine"
    assert w.open_session(path)
    wait_trajectories(qtbot, w)
    assert w.scene.to_dict()["runs"] == saved["runs"]
    assert w.scene.surface == "himmelblau" and w.scene.cursor == 33
    assert w.surface3d.camera() == {"distance": 4.5, "elevation": 12.0, "azimuth": 40.0}
    assert w.recent_menu.actions()[0].text() == path


def _hostile_session(tmp_path, kind):
    import os

    path = tmp_path / f"{kind}.gdsim.json"
    good = json.dumps(session_document(Scene.from_dict(scene_document(load_preset("marbles")))))
    if kind == "truncated":
        path.write_text('{"format": "gdsim-session", "version": 1, "scene": {"surf')
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "zero":
        path.symlink_to("/dev/zero")
    elif kind == "deep":
        path.write_text("[" * 1000 + "]" * 1000)
    elif kind == "t_max":  # the old format, where every schedule held t_max
        doc = json.loads(good)
        old = {"kind": "constant", "step_size": 30, "gamma": 0.5, "t_max": {}, "eta_min": 0.0}
        doc["scene"]["runs"][0]["config"]["schedule"] = old
        path.write_text(json.dumps(doc))
    elif kind == "huge":
        doc = json.loads(good)
        for r in doc["scene"]["runs"]:
            r["config"]["max_steps"] = 1_000_000
        path.write_text(json.dumps(doc))
    return path


@pytest.mark.parametrize(
    ("kind", "says"),
    [
        ("truncated", "damaged or incomplete"),
        ("fifo", "not a regular file"),
        ("zero", "not a regular file"),
        ("deep", "nested too deeply"),
        ("t_max", "run 1: bad schedule: t_max must be a whole number"),
        ("huge", "6 000 000 steps in all"),
    ],
)
def test_a_broken_session_is_refused_and_the_scene_is_unchanged(
    make_window, qtbot, tmp_path, monkeypatch, kind, says
):
    from PySide6 import QtWidgets

    w = make_window("ravine")
    w.scene.set_hyper(w.scene.runs[0].id, lr=0.2)  # an edit of the user's: kept
    before = w.scene.to_dict()
    path = _hostile_session(tmp_path, kind)
    shown = []
    monkeypatch.setattr(QtWidgets.QMessageBox, "warning", lambda *a: shown.append(a[2]))
    assert not w.open_session(str(path))
    assert len(shown) == 1 and says in shown[0] and "\n" not in shown[0]
    assert w.scene.to_dict() == before
    assert w.isWindowModified() and w.documents.undo_stack.canUndo()


def test_gdsim_opens_a_session_file_from_the_command_line(tmp_path):
    from gdsim.io.session import save_session
    from gdsim.model import Scene

    scene = Scene(surface="booth")
    scene.add_run()
    path = tmp_path / "s.gdsim.json"
    save_session(path, scene)
    out = subprocess.run(
        [sys.executable, "-m", "gdsim", str(path), "--smoke-test"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0 and "OK" in out.stdout, out.stderr
    bad = tmp_path / "bad.gdsim.json"
    bad.write_text("{")
    out = subprocess.run(
        [sys.executable, "-m", "gdsim", str(bad)], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 2 and "damaged or incomplete" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def long_scene(steps=100_000):
    from gdsim.core.simulation import RunConfig
    from gdsim.model import Scene

    scene = Scene(surface="linear-regression")
    scene.add_run(
        RunConfig("linear-regression", "sgd", {"lr": 0.01}, batch_size=8, max_steps=steps)
    )
    return scene


def test_loading_a_lesson_while_a_long_run_computes_takes_the_new_lesson(make_window, qtbot):
    w = make_window(scene=long_scene(), wait=False)
    w.open_preset("ravine")
    wait_trajectories(qtbot, w, timeout=10000)
    for run in w.scene.runs:
        traj = w.controller.trajectories[run.id]
        assert traj.dim == 2 and len(traj) == 151
        assert traj.position[0].tolist() == [-9.0, 3.0]


def test_closing_during_a_long_computation_returns_at_once(make_window, qtbot):
    import time

    w = make_window(scene=long_scene(), wait=False)
    t0 = time.perf_counter()
    w.close()
    assert time.perf_counter() - t0 < 1.5
    assert not w.controller.is_running()


def test_a_run_that_overflows_ends_with_its_status(make_window, qtbot):
    w = make_window("parabola-table")
    run = w.scene.runs[0]
    w.scene.set_hyper(run.id, lr=1e300)
    wait_trajectories(qtbot, w)
    w.actions_by_name["end"].trigger()
    assert w.runs_panel.status_text(run.id).startswith("diverged at step")
    assert w.step_label.text().startswith(f"step {w.scene.cursor} / {w.scene.cursor}")


def test_step_table_columns_fit_every_number(make_window, qtbot):
    w = make_window("ravine")
    run = w.scene.runs[0]
    w.scene.select(run.id)
    w.scene.update_run(run.id, noise=2.0, max_steps=600)
    wait_trajectories(qtbot, w)
    w.steps_dock.raise_()
    qtbot.waitUntil(w.step_table.isVisible)
    w.scene.set_cursor(380)
    table, model = w.step_table, w.step_table.steps
    fm = table.fontMetrics()
    for col in range(model.columnCount()):
        widest = max(fm.horizontalAdvance(model.text(col, r)) for r in range(model.rowCount()))
        assert table.columnWidth(col) >= widest + 8, model.headers[col]


def test_the_window_stays_responsive_at_the_top_speed(make_window, qtbot):
    w = make_window("ravine")
    for run in w.scene.runs:
        w.scene.update_run(run.id, max_steps=3000)
    wait_trajectories(qtbot, w)
    w.scene.set_speed(1000.0)  # the top of the speed box
    w.actions_by_name["play"].trigger()
    qtbot.waitUntil(lambda: w.scene.cursor >= 20, timeout=5000)
    # while it plays flat out, an event posted now is handled within a few frames
    # and the plots keep painting
    latencies = []
    for _ in range(5):
        seen = []
        t0 = QtCore.QElapsedTimer()
        t0.start()
        QtCore.QTimer.singleShot(0, lambda s=seen, t=t0: s.append(t.elapsed()))
        qtbot.waitUntil(lambda s=seen: bool(s), timeout=2000)
        latencies.append(seen[0])
    assert w.scene.playing and sorted(latencies)[2] < 100
    start = w.scene.cursor
    qtbot.wait(500)
    assert w.scene.cursor > start + 10  # it kept playing meanwhile
    w.actions_by_name["play"].trigger()  # Space: pause at once
    assert not w.scene.playing


def test_a_data_view_built_later_gets_half_of_its_row(make_window, qtbot):
    w = make_window("ravine")
    assert w.built_view("data") is None  # not built for an analytic surface
    w.scene.set_surface("linear-regression")
    wait_trajectories(qtbot, w)
    qtbot.waitUntil(w.data.isVisible)
    assert w.data.width() >= 0.4 * w.view_area.bottom.width()
    # pyqtgraph's log axes would not move the contour map: they are not offered
    assert not w.contour.plot.ctrl.logXCheck.isEnabled()


def test_typing_a_formula_makes_it_the_surface(make_window, qtbot):
    w = make_window("ravine")
    c = w.controls
    c.surface_combo.setCurrentIndex(c.surface_combo.findData("formula:"))
    assert c.formula_box.isVisible() and w.scene.surface == "ravine"  # nothing applied yet
    qtbot.keyClicks(c.formula_box.edit, "sin(x)*cos(y) + 0.1*(x^2 + y^2)")
    qtbot.keyClick(c.formula_box.edit, QtCore.Qt.Key_Return)
    assert w.scene.surface == "formula:sin(x)*cos(y) + 0.1*(x^2 + y^2)"
    assert not w.lesson.isVisible()  # the ravine's lesson text no longer applies
    # every run restarts with the new surface's α, and the panels say so
    assert {r.config.lr for r in w.scene.runs} == {0.1}
    assert c.lr.value() == 0.1
    rows = [w.runs_panel.tree.topLevelItem(i).text(0) for i in range(len(w.scene.runs))]
    assert rows == ["gd\nα=0.1", "momentum\nα=0.1"]  # named after the settings
    wait_trajectories(qtbot, w)
    # the map shows the typed function
    grid = w.contour.grid
    gx, gy = np.meshgrid(grid.xs, grid.ys)
    np.testing.assert_allclose(grid.values, np.sin(gx) * np.cos(gy) + 0.1 * (gx**2 + gy**2))
    assert "sin(x)*cos(y)" in w.contour.plot.titleLabel.text
    # and the marbles follow its exact gradient
    run = w.scene.runs[0]
    w.scene.set_cursor(10)
    np.testing.assert_allclose(trail(w.contour, run.id), simulate(run.config).position[:11])
    x0, y0 = run.config.start
    gx0, gy0 = simulate(run.config).full_grad[0]
    assert gx0 == pytest.approx(np.cos(x0) * np.cos(y0) + 0.2 * x0)
    assert gy0 == pytest.approx(-np.sin(x0) * np.sin(y0) + 0.2 * y0)


def test_a_refused_formula_says_where_and_keeps_the_surface(make_window, qtbot):
    w = make_window("ravine")
    c = w.controls
    c.surface_combo.setCurrentIndex(c.surface_combo.findData("formula:"))
    c.formula_box.edit.setText("x^2 + 3y")
    qtbot.keyClick(c.formula_box.edit, QtCore.Qt.Key_Return)
    assert w.scene.surface == "ravine"
    assert c.formula_box.error.isVisible()
    assert c.formula_box.error.text() == "column 7: write a product with *, e.g. 2*x"
    assert c.formula_box.edit.cursorPosition() == 6  # at the '3'
    assert "Formula not applied" in w.statusBar().currentMessage()
    c.formula_box.edit.setText("   x + z")  # columns count the spaces in the box
    c.formula_box.apply.click()
    assert c.formula_box.error.text().startswith("column 8: unknown name 'z'")
    assert c.formula_box.edit.cursorPosition() == 7
    c.formula_box.edit.setText("x^4 - 3*x^2 + 0.5*x")
    c.formula_box.apply.click()
    assert w.scene.surface == "formula:x^4 - 3*x^2 + 0.5*x"
    assert not c.formula_box.error.isVisible()
    wait_trajectories(qtbot, w)
    assert w.view_area.map_view() is w.curve and not w.surface3d.isVisible()
    assert c.formula_box.label.text() == "f(x) ="
    # picking a built-in surface again hides the box
    c.surface_combo.setCurrentIndex(c.surface_combo.findData("bowl"))
    assert w.scene.surface == "bowl" and not c.formula_box.isVisible()


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("x+sin(exp(exp(20.0)))", "column 7: this number is too large or too small"),
        ("x*10^300*10^10", "a number in the formula is too large or too small"),
        ("x+exp(exp(1e15))", "column 7: this number is too large or too small"),
    ],
)
def test_a_formula_sympy_would_hang_on_is_refused_at_once_in_the_box(
    make_window, qtbot, typed, says
):
    import time

    w = make_window("ravine")
    c = w.controls
    c.surface_combo.setCurrentIndex(c.surface_combo.findData("formula:"))
    t0 = time.perf_counter()
    qtbot.keyClicks(c.formula_box.edit, typed)  # the check while typing runs too
    qtbot.wait(300)
    qtbot.keyClick(c.formula_box.edit, QtCore.Qt.Key_Return)
    assert time.perf_counter() - t0 < 3.0  # a hang, not a speed: it used to never end
    assert w.scene.surface == "ravine"
    assert c.formula_box.error.isVisible() and c.formula_box.error.text().startswith(says)
    assert "\n" not in c.formula_box.error.text()


def test_the_window_has_gdsims_icon(make_window, qtbot):
    w = make_window("ravine")
    icon = w.windowIcon()
    image = icon.pixmap(64).toImage()
    assert not image.isNull() and image.width() == 64
    marble = image.pixelColor(35, 37)  # the gold marble near the centre of the bowl
    assert marble.red() > 150 and marble.blue() < 120, marble.name()


def test_projector_mode_enlarges_text_and_marks_and_comes_back(make_window, qtbot):
    from gdsim.qt import theme

    w = make_window("ravine")
    app = QtWidgets.QApplication.instance()
    base_font = theme.BASE_POINT_SIZE  # the app's font (gdsim.qt.app.make_app sets it)
    ring = next(iter(w.contour.starts.values()))

    def ring_px():  # a start ring's width on the screen, its pen's middle line
        w.contour.viewport().repaint()
        shape = ring.mapToScene(ring.shape()).boundingRect()
        return w.contour.mapFromScene(shape).boundingRect().width()

    assert ring_px() == pytest.approx(16, abs=1.5)
    try:
        w.actions_by_name["projector"].trigger()
        assert ring_px() == pytest.approx(16 * 1.6, abs=1.5)  # as large as the other marks
        assert ring.currentPen.widthF() == pytest.approx(2.5 * 1.6)
        assert (
            w.actions_by_name["projector"].isChecked()
            and w.actions_by_name["full_screen"].isChecked()
        )
        assert not w.controls_dock.isVisible() and not w.runs_dock.isVisible()
        assert app.font().pointSizeF() == pytest.approx(base_font * 1.5)
        tick = w.contour.plot.getAxis("bottom").style["tickFont"]
        assert tick.pointSizeF() == pytest.approx(theme.BASE_POINT_SIZE * 1.5)
        assert w.lesson.title.font().pointSizeF() == pytest.approx(21)  # 14 pt × 1.5
        assert w.lesson.folded  # the lesson text is folded to its title line
        w.scene.set_cursor(30)
        w.contour.viewport().repaint()
        assert w.contour.marks._px == pytest.approx(1.6)  # trails, marbles
        assert theme.arrow_scale() == pytest.approx(2.2)  # arrows: longer and wider
        assert w.surface3d.marbles.size == pytest.approx(theme.MARBLE_SIZE * 1.6)
        w.actions_by_name["projector"].trigger()
        assert (
            not w.actions_by_name["projector"].isChecked()
            and not w.actions_by_name["full_screen"].isChecked()
        )
        assert w.controls_dock.isVisible() and w.runs_dock.isVisible()
        assert not w.lesson.folded
        assert app.font().pointSizeF() == pytest.approx(base_font)
        w.contour.viewport().repaint()
        assert w.contour.marks._px == 1.0
        assert w.surface3d.marbles.size == theme.MARBLE_SIZE
        assert ring_px() == pytest.approx(16, abs=1.5)
    finally:
        theme.set_projector(False)
        theme.apply_app_font(app)


def test_projector_mode_on_a_4k_panel_at_100_percent(make_window, qtbot, monkeypatch):
    """On a screen of 3840 × 2160 logical pixels projector mode is twice its 1080p sizes
    (text, arrows, toolbar icons) and leaving it puts them back.  pyqtgraph gives a
    plot's title a 30 px row: at 3× the base size the title was cut off at the top (a
    title on two lines was too); it now lies inside its plot, above the data area."""
    from gdsim.qt import theme

    w = make_window("rosenbrock-race")
    project = w.actions_by_name["projector"]

    def titles_whole():
        for view in (w.contour, w.loss):
            plot = view.plot
            text = plot.titleLabel.item.sceneBoundingRect()
            data = plot.vb.sceneBoundingRect()
            # (the text item's box has a few px of margin above and below its glyphs)
            assert text.top() >= -4 and text.height() > 0, (view, text)
            assert text.bottom() <= data.top() + 4, (view, text, data)
        return plot.titleLabel.item.sceneBoundingRect().height()

    normal = titles_whole()
    assert w.playback_toolbar.iconSize().width() == 28
    monkeypatch.setattr(QtGui.QScreen, "geometry", lambda _s: QtCore.QRect(0, 0, 3840, 2160))
    try:
        project.trigger()
        qtbot.wait(50)
        assert theme.FONT_SCALE == pytest.approx(1.5 * 2)  # twice 1080p's projector sizes
        assert theme.arrow_width() == pytest.approx(theme.ARROW_WIDTH * 2.2 * 2)
        assert w.playback_toolbar.iconSize().width() == 56
        assert w.contour.isolines.pen().widthF() == 2.0  # a 1080p pixel's width
        assert w.loss.plot.getAxis("left").pen().widthF() == 2.0  # its ticks and grid too
        icon = w.actions_by_name["log_loss"].icon()  # sharp up to 3 × the toolbar's 28 px
        assert min(icon.availableSizes()[0].toTuple()) >= 84
        assert titles_whole() > 2 * normal
        for view in (w.contour, w.loss):  # legend samples hold their markers and
            entries = view.legend.item.items  # lie beside their text, not under it
            assert entries
            for sample, label in entries:
                box = sample.sceneBoundingRect()
                assert box.width() >= sample._size, (view, box)
                assert box.right() <= label.sceneBoundingRect().left() + 1, (view, box)
    finally:
        if project.isChecked():
            project.trigger()
    qtbot.wait(50)
    assert theme.FONT_SCALE == 1.0 and w.playback_toolbar.iconSize().width() == 28
    assert w.contour.isolines.pen().widthF() == 1.0
    assert w.loss.plot.getAxis("left").pen().widthF() == 1.0
    assert titles_whole() == pytest.approx(normal)


def test_projecting_window_moved_to_a_4k_panel_takes_its_sizes(make_window, qtbot, monkeypatch):
    """Projector mode turned on on the laptop's 1080p screen, then the window moved to
    the classroom's 4K panel (at 100 %): it takes the panel's sizes there."""
    from gdsim.qt import theme

    w = make_window("ravine")
    project = w.actions_by_name["projector"]
    monkeypatch.setattr(QtGui.QScreen, "geometry", lambda _s: QtCore.QRect(0, 0, 1920, 1080))
    try:
        project.trigger()
        qtbot.wait(50)
        assert theme.FONT_SCALE == pytest.approx(1.5)
        assert w.playback_toolbar.iconSize().width() == 28
        font = QtWidgets.QApplication.instance().font().pointSizeF()
        monkeypatch.setattr(QtGui.QScreen, "geometry", lambda _s: QtCore.QRect(0, 0, 3840, 2160))
        w.windowHandle().screenChanged.emit(w.screen())  # what Qt says after the move
        qtbot.wait(50)
        assert theme.FONT_SCALE == pytest.approx(3.0)
        assert w.playback_toolbar.iconSize().width() == 56
        assert QtWidgets.QApplication.instance().font().pointSizeF() == pytest.approx(2 * font)
    finally:
        if project.isChecked():
            project.trigger()
    qtbot.wait(50)
    assert theme.FONT_SCALE == 1.0 and w.playback_toolbar.iconSize().width() == 28
    w.windowHandle().screenChanged.emit(w.screen())  # out of projector mode: no change
    assert theme.FONT_SCALE == 1.0


def test_dark_theme_recolours_the_window_and_is_remembered(make_window, qtbot):
    from gdsim.qt import theme

    w = make_window("ravine")
    app = QtWidgets.QApplication.instance()

    def corner_pixel():  # the plot's background, in its top-left corner
        return w.contour.grab().toImage().pixelColor(3, 3).name()

    assert corner_pixel() == "#ffffff"
    try:
        w.actions_by_name["dark"].trigger()
        assert theme.DARK and QtCore.QSettings().value("dark", type=bool)
        assert corner_pixel() == "#121212"
        assert app.palette().color(QtGui.QPalette.Window).name() == "#1e1e1e"
        ax = w.contour.plot.getAxis("bottom")
        assert ax.textPen().color().name() == "#f0f0f0"
        assert w.surface3d.gl.opts["bgcolor"][:3] == pytest.approx((18 / 255,) * 3, abs=1e-3)
        icon = w.actions_by_name["play"].icon().pixmap(28).toImage()
        inked = {icon.pixelColor(x, y).name() for x in range(28) for y in range(28)}
        assert "#f0f0f0" in inked  # the play triangle in light ink
        w.actions_by_name["dark"].trigger()
        assert not theme.DARK and not QtCore.QSettings().value("dark", type=bool)
        assert corner_pixel() == "#ffffff"
    finally:
        theme.set_dark(False)
        theme.apply_palette(app)
        theme.configure_pyqtgraph()


def test_export_selected_run_as_code_from_the_file_menu(make_window, qtbot, tmp_path, monkeypatch):
    from gdsim.io.code_export import numpy_script

    w = make_window("ravine")
    target = tmp_path / "run.py"
    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    code_menu = next(m for m in w.findChildren(QtWidgets.QMenu) if "as &code" in m.title())
    numpy_act = next(a for a in code_menu.actions() if a.text().startswith("Plain Python"))
    numpy_act.trigger()
    assert target.read_text() == numpy_script(w.scene.selected_run.config)
    out = subprocess.run([sys.executable, str(target)], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("step,x,y,loss,g_x,g_y\n0,-9.0,3.0,")


def test_closing_in_projector_mode_saves_the_normal_layout(make_window, qtbot):
    from gdsim.qt import theme

    w = make_window("ravine")
    w.actions_by_name["projector"].trigger()
    assert not w.controls_dock.isVisible()
    w.close()
    assert theme.LINE_SCALE == 1.0 and not w.actions_by_name["projector"].isChecked()
    assert w.controls_dock.isVisibleTo(w) and w.actions_by_name["panels"].isChecked()


def test_3d_trails_lie_on_the_surface_between_steps(make_window, qtbot):
    from gdsim.qt.views.surface3d import TRAIL_CELL
    from gdsim.qt.views.trail3d import HEIGHT, TRAIL_PIECE

    w = make_window("marbles")
    w.scene.set_cursor(60)
    view = w.surface3d
    pos = np.concatenate([view.drawn_trail(r.id) for r in w.scene.runs])
    (x0, x1), (y0, y1) = view.surface.domain
    inside = (np.abs(pos[:, 0]) < 1.0) & (np.abs(pos[:, 1]) < 1.0)
    x = pos[inside, 0] * (x1 - x0) / 2 + (x0 + x1) / 2
    y = pos[inside, 1] * (y1 - y0) / 2 + (y0 + y1) / 2
    z = view.grid.normalised(view.surface.value(np.column_stack([x, y]))) * HEIGHT + 0.025
    pieces = pos.reshape(-1, 2, 3)  # the trail's segments: no piece longer than TRAIL_PIECE
    flat = np.hypot(*(pieces[:, 1, :2] - pieces[:, 0, :2]).T)
    assert flat.max() <= TRAIL_PIECE + 1e-6 and inside.sum() > 300
    np.testing.assert_allclose(pos[inside, 2], z, atol=1e-6)  # the GL item keeps float32
    # and each run's trail still ends at its marble (within the cell of the 3D view's
    # resolution: the pieces inside one cell are drawn once)
    marbles = np.asarray(view.marbles.pos)
    for m in marbles:
        assert np.min(np.linalg.norm(pos - m, axis=1)) < TRAIL_CELL * np.sqrt(3)


def test_dark_theme_keeps_errors_readable_and_restyles_the_analyses(make_window, qtbot):
    from gdsim.qt import theme

    w = make_window("ravine")
    d = w.analyses(1)
    d.run_btn.click()
    qtbot.waitUntil(lambda: d.job is None, timeout=20000)
    app = QtWidgets.QApplication.instance()
    try:
        w.set_dark(True)
        assert d.sweep_plot.backgroundBrush().color().name() == "#121212"
        assert d.sweep_plot.result is d.results[1]  # the same sweep, drawn again
        c = w.controls
        c.surface_combo.setCurrentIndex(c.surface_combo.findData("formula:"))
        c.formula_box.edit.setText("x^2 + * y")
        c.formula_box.apply.click()
        assert "color: #000000" in c.formula_box.edit.styleSheet()  # dark text on pale red
        assert "#ff8a80" in c.formula_box.error.styleSheet()  # a red that reads on dark
    finally:
        w.set_dark(False)
        theme.set_dark(False)
        theme.apply_palette(app)
        theme.configure_pyqtgraph()


def test_the_learning_rate_axis_follows_the_theme_and_projector_sizes(make_window, qtbot):
    from gdsim.qt import theme

    w = make_window("schedules-side-by-side")
    if not w.actions_by_name["learning_rate"].isChecked():  # (the lesson shows it)
        w.actions_by_name["learning_rate"].trigger()
    loss = w.view_area.loss
    left, right = loss.plot.getAxis("left"), loss.lr_axis.axis
    assert right.isVisible()
    app = QtWidgets.QApplication.instance()
    try:
        w.set_dark(True)
        ink = theme.colors()["ink"]
        assert right.textPen().color() == left.textPen().color() == QtGui.QColor(ink)
        assert right.pen().color() == left.pen().color()
        assert right.style["tickFont"].pointSizeF() == left.style["tickFont"].pointSizeF()
        # numbers as they are after the restyle (α ≤ 0.1 read 0…100 once restyled)
        assert right.range[1] < 1.0 and right.autoSIPrefixScale == 1.0
        assert right.tickStrings([0.1], right.autoSIPrefixScale, 0.02) == ["0.10"]
    finally:
        w.set_dark(False)
        theme.set_dark(False)
        theme.apply_palette(app)
        theme.configure_pyqtgraph()
    assert right.textPen().color() == left.textPen().color()


def test_a_models_loss_axis_keeps_its_numbers_in_projector_mode_and_dark(make_window, qtbot):
    """A network's loss spans 0…0.69: restyled (projector mode, dark theme), pyqtgraph
    worked out a milli prefix and the axis read 0…690."""
    from gdsim.qt import theme

    w = make_window("network-landscape")
    left = w.view_area.loss.plot.getAxis("left")
    assert left.range[1] < 1.0
    app = QtWidgets.QApplication.instance()
    try:
        w.presentation.set_projector(True)
        assert left.autoSIPrefixScale == 1.0
        w.presentation.set_projector(False)
        w.set_dark(True)
        assert left.autoSIPrefixScale == 1.0
        assert left.tickStrings([0.6], left.autoSIPrefixScale, 0.2) == ["0.6"]
    finally:
        w.set_dark(False)
        theme.set_dark(False)
        theme.apply_palette(app)
        theme.configure_pyqtgraph()


def test_a_long_title_is_shortened_then_wrapped_then_cut_as_the_plot_narrows(make_window, qtbot):
    w = make_window("ravine")
    long = "sin(x)*cos(y) + 0.1*(x^2 + y^2) + 0.01*x*y + 0.001*x^3*y + 0.002*y^3*x"
    w.scene.set_surface("formula:" + long)
    qtbot.waitUntil(lambda: not w.controller.pending(), timeout=10000)
    w.resize(1300, 800)  # the map pane is narrower than the title, wider than half of it
    qtbot.waitUntil(lambda: w.contour.width() < 560, timeout=5000)
    qtbot.wait(50)
    shown = w.contour.plot.titleLabel.text
    full = w.contour.plot.full_title
    assert full == "f(x, y) = " + long
    assert "<br>" in shown and shown.replace("<br>", " ") == full  # two lines, nothing lost
    w.resize(600, 800)  # narrower than two lines can hold: the surface's name instead
    qtbot.waitUntil(lambda: w.contour.plot.titleLabel.text == "Your formula", timeout=5000)


def test_3d_trail_of_a_run_leaving_the_map_ends_at_its_edge(make_window, qtbot):
    from gdsim.model import Scene

    scene = Scene(surface="bowl")
    scene.add_run(RunConfig("bowl", "gd", {"lr": 1.05}, (3.0, 2.0), max_steps=40))
    w = make_window(scene=scene)
    w.scene.set_cursor(40)
    rid = w.scene.runs[0].id
    traj = w.controller.trajectories[rid]
    box, _, _ = w.surface3d._boxed(rid, traj)
    assert (np.abs(box[-1, :2]) > 1.0).any()  # it ends off the map (x → −1.1 x)
    drawn = w.surface3d.drawn_trail(rid)
    assert len(drawn) and (np.abs(drawn[:, :2]) <= 1.0 + 1e-6).all()
    assert np.abs(drawn[:, :2]).max() == pytest.approx(1.0, abs=1e-6)  # up to the edge
    view = w.surface3d
    (x0, x1), (y0, y1) = view.surface.domain
    x = drawn[:, 0] * (x1 - x0) / 2 + (x0 + x1) / 2
    y = drawn[:, 1] * (y1 - y0) / 2 + (y0 + y1) / 2
    z = view.grid.normalised(view.surface.value(np.column_stack([x, y]))) * 0.9 + 0.025
    np.testing.assert_allclose(drawn[:, 2], z, atol=1e-5)  # on the surface, not in the air
    assert not len(w.surface3d.marbles.pos)  # its marble is off the map


def test_every_panel_shows_a_loaded_session_on_another_surface(make_window, qtbot, tmp_path):
    from gdsim.io.session import save_session
    from gdsim.model import Scene

    scene = Scene(surface="booth", speed=45.0)
    for _ in range(3):
        scene.add_run()
    scene.set_cursor(7)
    scene.view["log_loss"] = True
    scene.view["show_legend"] = False
    path = tmp_path / "s.gdsim.json"
    save_session(path, scene)
    w = make_window("marbles")
    assert w.open_session(str(path))
    wait_trajectories(qtbot, w)
    assert w.controls.surface_combo.currentData() == "booth"
    assert w.runs_panel.tree.topLevelItemCount() == 3
    assert w.controls.lr.value() == pytest.approx(w.scene.selected_run.config.lr)
    assert w.speed.value() == 45.0
    assert w.actions_by_name["log_loss"].isChecked()
    assert not w.actions_by_name["legend"].isChecked()
    assert w.timeline.slider.maximum() == w.controller.last_step() > 7
    assert w.scene.cursor == 7 and w.step_label.text().startswith("step 7 /")
    assert w.step_table.model().rowCount() == len(w.controller.trajectories[w.scene.selected])
    assert set(w.controller.trajectories) == {r.id for r in w.scene.runs}
    assert "s.gdsim.json" in w.windowTitle()


def test_a_second_formula_replaces_the_first_one_s_map_and_isolines(make_window, qtbot):
    """The map's cached pictures are dropped with the surface: after sin(x)*cos(y) then
    abs(x) + y^2, the map is the one abs(x) + y^2 gets on its own."""
    from tests.qt.test_export import mean_difference

    pictures = []
    for formulas in (["sin(x)*cos(y)", "abs(x) + y^2"], ["abs(x) + y^2"]):
        w = make_window("ravine")
        for text in formulas:
            w.scene.set_surface("formula:" + text)
            qtbot.waitUntil(lambda w=w: not w.controller.pending(), timeout=10000)
            qtbot.wait(100)
        pictures.append(w.contour.grab().toImage())
        w.close()
    assert mean_difference(*pictures) < 0.01


def test_the_runs_list_is_not_painted_again_while_its_runs_keep_running(make_window, qtbot):
    """Each row says "running" until the cursor reaches the run's end, then how it ended;
    stepping through the middle of the runs changes no row, so the list is not painted
    again at each step (with "running (step k)" every row was, 2.6 ms a step at 64 runs)."""
    from PySide6 import QtCore

    w = make_window("ravine")
    panel = w.runs_panel
    w.scene.set_cursor(3)
    qtbot.wait(50)
    assert {panel.status_text(r.id) for r in w.scene.runs} == {"running"}
    paints = []

    class Count(QtCore.QObject):
        def eventFilter(self, obj, event):
            if event.type() == QtCore.QEvent.Paint:
                paints.append(obj)
            return False

    counter = Count()
    panel.tree.viewport().installEventFilter(counter)
    for k in range(4, 14):
        w.scene.set_cursor(k)
        qtbot.wait(5)
    qtbot.wait(50)
    panel.tree.viewport().removeEventFilter(counter)
    assert paints == []
    w.actions_by_name["end"].trigger()
    qtbot.wait(50)
    assert all(panel.status_text(r.id) != "running" for r in w.scene.runs)


def test_3d_trails_are_smooth_until_they_crowd(make_window, qtbot):
    """A few runs' 3D trails are antialiased; on screen, more than 16 runs' (where the
    lines crowd) are not, as software OpenGL turns each smooth wide line into quads on the
    CPU (4 ms a frame with 64 runs); a picture of the 3D view draws them smooth."""
    w = make_window("ravine")
    assert w.surface3d.trail.antialias
    for i in range(40):
        run = w.scene.add_run()
        w.scene.update_run(run.id, start=(-9 + 0.25 * (i // 5), 3 - 0.09 * i))
    wait_trajectories(qtbot, w, timeout=20000)
    w.scene.set_cursor(w.controller.last_step())
    qtbot.wait(50)
    trail = w.surface3d.trail
    assert not trail.antialias
    drawn = []
    paint = type(trail).paint
    type(trail).paint = lambda self: (drawn.append(self.antialias), paint(self))[1]
    try:
        w.surface3d.render_array(320, 240)
    finally:
        type(trail).paint = paint
    assert drawn and all(drawn) and not trail.antialias


def test_stepping_lays_nothing_out_again(make_window, qtbot):
    """A step changes the step counters' text, not their size: no layout request goes up
    to the main window (it laid itself out again at every step), and the counters read
    the step."""
    from PySide6 import QtCore, QtWidgets

    w = make_window("ravine")
    last = w.controller.last_step()
    w.scene.set_cursor(3)
    qtbot.wait(50)
    requests = []

    class Count(QtCore.QObject):
        def eventFilter(self, obj, event):
            if event.type() == QtCore.QEvent.LayoutRequest:
                requests.append(type(obj).__name__)
            return False

    counter = Count()
    app = QtWidgets.QApplication.instance()
    app.installEventFilter(counter)
    for k in (4, 9, 10, 99, 100):
        w.scene.set_cursor(k)
        qtbot.wait(5)
    qtbot.wait(30)
    app.removeEventFilter(counter)
    assert requests == []
    assert w.step_label.text() == f"step 100 / {last}"
    assert w.timeline.label.text() == f"100 / {last}"
    label = w.step_label
    assert label.width() >= label.fontMetrics().horizontalAdvance(f"step {last} / {last}")
    w.scene.set_cursor(10 * last)  # past the end (runs computed again): still all of it
    qtbot.wait(20)
    assert label.width() >= label.fontMetrics().horizontalAdvance(label.text())


def test_runs_rows_grow_when_a_status_needs_two_lines(make_window, qtbot):
    """At 1024 × 768 a status that wraps is shown in full: its row grows to hold it
    ("stopped at max steps (200)" and "diverged at step N" kept the one line of
    "running", cut after "steps" and "step")."""
    w = make_window("marbles", size=(1024, 768))
    tree = w.runs_panel.tree
    run = w.scene.runs[-1]
    w.scene.set_hyper(run.id, lr=0.05)
    wait_trajectories(qtbot, w)
    w.actions_by_name["home"].trigger()
    qtbot.wait(30)
    w.actions_by_name["end"].trigger()
    qtbot.wait(30)
    assert w.runs_panel.status_text(run.id).startswith("diverged at step")
    metrics, width = tree.fontMetrics(), tree.columnWidth(1) - 8  # (the cell's margins)
    texts = [item.text(1) for item in w.runs_panel._items.values()]
    assert max(metrics.horizontalAdvance(t) for t in texts) > width, "one wraps"
    for item in w.runs_panel._items.values():
        need = metrics.boundingRect(
            QtCore.QRect(0, 0, width, 10_000), QtCore.Qt.TextWordWrap, item.text(1)
        )
        assert tree.visualItemRect(item).height() >= need.height(), f"{item.text(1)!r} cut"


def _text_height(label) -> int:
    """How tall a word-wrapped label's plain text is at the label's width."""
    room = QtCore.QRect(0, 0, label.contentsRect().width(), 10_000)
    return label.fontMetrics().boundingRect(room, QtCore.Qt.TextWordWrap, label.text()).height()


def test_the_stability_hint_shows_all_its_lines_whichever_run_is_picked(make_window, qtbot):
    """Marbles at 1024 × 768: picking the runs in turn, the hint under α grows from three
    lines to four and shows them all (it was laid out at two, over the next row)."""
    w = make_window("marbles", size=(1024, 768))
    hint = w.controls.run_editor.stability
    seen = set()
    for run in w.scene.runs:
        w.scene.select(run.id)
        qtbot.wait(40)
        need = _text_height(hint)
        seen.add(need)
        assert hint.height() >= need, hint.text()
    assert len(seen) >= 2, "hints of different lengths were shown"


def _ink_rows(img: QtGui.QPixmap) -> int:
    """How many rows of a picture hold dark text."""
    from tests.qt.test_export import image_array

    return int((image_array(img.toImage()).astype(int).sum(axis=2) < 300).any(axis=1).sum())


def test_panels_on_a_4k_projector_grow_with_their_text(make_window, qtbot, monkeypatch):
    """Projector mode on a 4K panel at 100 %, panels shown (Ctrl+P): the dock titles
    are drawn in the panels' large type (Qt kept its 9 pt title font), tick boxes and
    slider handles grow with the text, a disabled stop-rule field shows its "1e-06"
    whole, and the Runs list keeps room for a row (it had none); leaving, all come
    back."""
    from gdsim.qt import theme

    app = QtWidgets.QApplication.instance()
    theme.apply_palette(app)  # gdsim's style and type, as the app has them
    theme.apply_app_font(app)
    w = make_window("marbles", size=(1900, 1000))

    def box_side() -> int:  # (projector mode has a style of its own)
        return QtWidgets.QApplication.style().pixelMetric(QtWidgets.QStyle.PM_IndicatorWidth)

    box = box_side()
    dock = w.controls_dock

    def title_ink() -> int:  # (the title bar: above the panel the dock holds)
        return _ink_rows(dock.grab(QtCore.QRect(0, 0, dock.width() // 2, dock.widget().y())))

    normal_title = title_ink()
    combo = w.controls.surface_combo
    normal_combo = (combo.minimumSizeHint(), combo.sizeHint())
    monkeypatch.setattr(QtGui.QScreen, "geometry", lambda _s: QtCore.QRect(0, 0, 3840, 2160))
    project = w.actions_by_name["projector"]
    try:
        project.trigger()
        w.actions_by_name["panels"].trigger()
        qtbot.wait(100)
        assert dock.isVisible() and theme.FONT_SCALE == pytest.approx(3.0)
        assert title_ink() >= 2.5 * normal_title
        assert box_side() == round(3 * box)
        field = w.controls.stop_rules.tol
        assert field.text() == "1e-06" and not field.isEnabled()
        assert field.width() >= field.fontMetrics().horizontalAdvance("1e-06") + 12
        tree = w.runs_panel.tree
        assert tree.viewport().height() >= tree.visualItemRect(tree.topLevelItem(0)).height()
    finally:
        if project.isChecked():
            project.trigger()
    qtbot.wait(50)
    assert box_side() == box
    assert title_ink() == normal_title
    assert (combo.minimumSizeHint(), combo.sizeHint()) == normal_combo  # (it kept 3 ×)
    scroll = w.controls_scroll
    assert w.controls.minimumSizeHint().width() <= scroll.viewport().width(), "nothing cut"


def test_the_view_menu_shows_which_toggles_are_on(make_window, qtbot):
    """A toggle with a toolbar icon ("Log loss") shows a tick in the View menu when on
    (the menu showed its icon both ways, "on" a faint frame round it)."""
    from tests.qt.test_export import image_array

    w = make_window("ravine")
    menu, act = w.menus["View"], w.actions_by_name["log_loss"]
    menu.popup(w.mapToGlobal(QtCore.QPoint(40, 40)))
    qtbot.waitExposed(menu)

    def dark_pixels() -> int:
        menu.repaint()
        row = image_array(menu.grab(menu.actionGeometry(act)).toImage()).astype(int)
        return int((row.sum(axis=2) < 200).sum())

    looks = {}
    for on in (False, True):
        if act.isChecked() != on:
            act.trigger()
        looks[on] = dark_pixels()
    menu.hide()
    assert looks[True] >= looks[False] + 15, looks


def test_a_wrapped_label_is_as_tall_as_its_text_at_any_width(qtbot):
    """Narrowed it grows to hold its lines, widened it shrinks back (QLabel measures a
    width's height no lower than its minimum: the lines a narrow panel once needed
    stayed, a gap under the surface's formula after the window shrank)."""
    from gdsim.qt.panels.widgets import WrappedLabel

    box = QtWidgets.QWidget()
    qtbot.addWidget(box)
    label = WrappedLabel("The friendliest loss there is: one variable, one minimum at x = 0")
    lay = QtWidgets.QVBoxLayout(box)
    lay.addWidget(label)
    lay.addStretch(1)  # (the label as tall as it asks)
    box.show()
    line = label.fontMetrics().lineSpacing()
    heights = []
    for width in (600, 120, 600):
        box.resize(width, 50)
        qtbot.wait(30)
        assert _text_height(label) <= label.height() < _text_height(label) + line
        heights.append(label.height())
    wide, narrow, wide_again = heights
    assert narrow >= 3 * line > wide
    assert wide_again == wide


def test_a_long_loss_legend_leaves_the_step_axis_in_place(make_window, qtbot):
    """Marbles at 1024 × 768 with two marbles more (eight runs): the legend beside the
    loss curves lists what fits and the step axis stays under them (the legend grew
    the data row until the axis and its numbers were pushed out of the plot)."""
    w = make_window("marbles", size=(1024, 768))
    import dataclasses

    for start in ((-4.0, 4.0), (4.0, -4.0)):
        w.scene.add_run(dataclasses.replace(w.scene.runs[0].config, start=start))
    w.scene.set_hyper(w.scene.runs[-1].id, lr=0.05)  # (it diverges: a wide loss axis)
    wait_trajectories(qtbot, w)
    w.actions_by_name["end"].trigger()
    qtbot.wait(200)
    plot = w.loss.plot
    axis = plot.getAxis("bottom")
    assert axis.height() >= 0.9 * axis.effectiveSizeHint(QtCore.Qt.PreferredSize).height()
    bottom = w.loss.mapFromScene(axis.mapRectToScene(axis.boundingRect()).bottomLeft()).y()
    assert bottom <= w.loss.viewport().height() + 1, "the step axis inside the view"
    legend = w.loss.legend.item.mapRectToScene(w.loss.legend.item.boundingRect())
    assert legend.bottom() <= plot.vb.sceneBoundingRect().bottom() + 4
