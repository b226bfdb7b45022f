"""The optimizers and schedules added from torch 2.13 (and Newton, the line search) in the
window: their controls come from their declarations, their runs draw what they did."""

import numpy as np
from PySide6 import QtCore, QtWidgets

from gdsim.core.optimizers import OPTIMIZERS
from gdsim.core.schedules import Schedule
from tests.qt.conftest import wait_trajectories


def pick_optimizer(w, qtbot, name):
    combo = w.controls.run_editor.optimizer_combo
    combo.setCurrentIndex(combo.findData(name))
    wait_trajectories(qtbot, w)
    return w.scene.selected_run


def test_every_optimizer_can_be_picked_and_shows_its_own_controls(make_window, qtbot):
    w = make_window("ravine")
    w.scene.select(w.scene.runs[0].id)
    editor = w.controls.run_editor
    for name, spec in OPTIMIZERS.items():
        run = pick_optimizer(w, qtbot, name)
        assert run.config.optimizer == name
        shown = set(editor.hyper_widgets)
        assert shown == {h.name for h in spec.params} - {"lr"}, name
        traj = w.controller.trajectories[run.id]
        assert len(traj) >= 2, (name, traj.status)


def test_newton_takes_its_full_step_and_a_choice_is_a_combo(make_window, qtbot):
    w = make_window("ravine")
    run = w.scene.runs[0]
    w.scene.select(run.id)
    assert run.config.lr != 1.0  # the ravine's own α for gradient descent
    run = pick_optimizer(w, qtbot, "newton")
    assert run.config.lr == 1.0  # lr scales the Newton step: 1 is the whole step
    traj = w.controller.trajectories[run.id]
    np.testing.assert_allclose(traj.position[1], [0.0, 0.0], atol=1e-12)  # a quadratic
    run = pick_optimizer(w, qtbot, "lbfgs")
    box = w.controls.run_editor.hyper_widgets["line_search_fn"]
    assert isinstance(box, QtWidgets.QComboBox)
    box.setCurrentText("strong_wolfe")
    wait_trajectories(qtbot, w)
    assert w.scene.selected_run.config.hyper["line_search_fn"] == "strong_wolfe"


def test_lbfgs_probes_are_drawn_and_counted(make_window, qtbot):
    w = make_window("rosenbrock-race")
    run = w.scene.runs[0]
    w.scene.select(run.id)
    run = pick_optimizer(w, qtbot, "lbfgs")
    traj = w.controller.trajectories[run.id]
    w.scene.set_cursor(1)
    qtbot.waitUntil(lambda: len(w.view_area.view("contour").probes.data) > 0)
    assert len(w.view_area.view("contour").probes.data) >= len(traj.evaluations[1])
    model = w.step_table.model()
    col = model.headers.index("f evals")
    assert model.text(col, 1) == str(len(traj.evaluations[1]))


def test_the_lr_axis_shows_each_run_s_schedule(make_window, qtbot):
    w = make_window("ravine")
    run = w.scene.runs[0]
    w.scene.update_run(run.id, schedule=Schedule("cosine", t_max=40))
    wait_trajectories(qtbot, w)
    loss = w.view_area.loss
    assert not loss.lr_axis.visible
    w.actions_by_name["learning_rate"].trigger()
    assert w.scene.view["show_lr"] and loss.lr_axis.visible
    curve = loss.lr_axis.curves[run.id]
    x, y = curve.getData()
    lr = w.controller.trajectories[run.id].lr
    assert not loss.lr_axis.axis.logMode  # one scale for rates of one size: linear
    # the rate of every step (the last row has none)
    np.testing.assert_array_equal(x, np.arange(len(lr) - 1))
    np.testing.assert_array_equal(y, lr[:-1])
    assert y[0] > y[20] > y[39]  # the cosine falls
    other = w.scene.runs[1]  # a rate 1000 times smaller: the runs share a log scale
    w.scene.set_hyper(other.id, lr=run.config.lr / 1000)
    wait_trajectories(qtbot, w)
    assert loss.lr_axis.axis.logMode and "log scale" in loss.lr_axis.axis.labelText
    x, y = loss.lr_axis.curves[run.id].getData()
    shown = lr[:-1][x.astype(int)]
    pos = shown > 0  # (a rate of 0, the cosine's floor, has no logarithm: not drawn)
    np.testing.assert_allclose(10 ** y[pos], shown[pos], rtol=1e-12)
    w.actions_by_name["learning_rate"].trigger()
    assert not loss.lr_axis.visible and not loss.lr_axis.curves


def test_a_plateau_schedule_from_the_box_runs(make_window, qtbot):
    w = make_window("ravine")
    run = w.scene.runs[0]
    w.scene.select(run.id)
    box = w.controls.stop_rules
    box.schedule.setCurrentIndex(box.schedule.findData("plateau"))
    wait_trajectories(qtbot, w)
    run = w.scene.selected_run
    assert run.config.schedule.kind == "plateau"
    assert box.param_boxes["plateau"].isVisible()
    assert w.controller.trajectories[run.id].status.state in ("max steps", "converged")


def test_tab_goes_through_a_schedule_kinds_rows_built_when_first_chosen(make_window, qtbot):
    w = make_window("ravine")
    box = w.controls.stop_rules
    assert "onecycle" not in dict.keys(box.param_boxes)  # not built before it is chosen
    box.schedule.setCurrentIndex(box.schedule.findData("onecycle"))
    rows = box.param_boxes["onecycle"]
    assert rows.isVisible()
    inner = (QtWidgets.QAbstractSpinBox, QtWidgets.QComboBox)  # their own line edits

    def stop(x) -> bool:  # a control Tab stops at
        tab = x.isVisible() and x.focusPolicy() & QtCore.Qt.TabFocus
        return bool(tab) and not isinstance(x.parent(), inner)

    def tab_stops(start, n):  # the controls Tab reaches from ``start``, in order
        out, x = [], start
        while len(out) < n:
            x = x.nextInFocusChain()
            if stop(x):
                out.append(x)
        return out

    fields = [x for x in rows.findChildren(QtWidgets.QWidget) if stop(x)]
    assert len(fields) >= 3  # onecycle: max lr, total steps, pct start, ...
    stops = tab_stops(box.schedule, len(fields) + 1)
    assert set(stops[:-1]) == set(fields), stops  # the rows, right after the combo
    assert stops[-1] is box.clip_on  # then the clip box, as before
