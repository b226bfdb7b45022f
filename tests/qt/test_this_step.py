"""The "This step" panel: the selected run's update at the cursor, with its numbers."""

from PySide6 import QtCore, QtGui, QtTest, QtWidgets

from gdsim.core.explain import explain_step, fmt
from gdsim.qt.panels.widgets import on_screen
from tests.qt.conftest import wait_trajectories


def shown(w):
    w.this_step_dock.raise_()  # its tab to the front
    return w.this_step


def test_the_panel_follows_the_cursor_and_the_selection(make_window, qtbot):
    w = make_window("ravine")
    panel = shown(w)
    run = w.scene.runs[1]  # momentum
    w.scene.select(run.id)
    w.scene.set_cursor(3)
    qtbot.waitUntil(lambda: panel.explanation is not None and panel.explanation.step == 3)
    traj = w.controller.trajectories[run.id]
    assert panel.heading.text() == "momentum: step 3 → 4"
    html = panel.view.toPlainText()
    assert "b₄ = β·b₃ + g" in html and "θ₄ = θ₃ − α·b₄" in html
    assert "= " + fmt(tuple(traj.position[4]), 6) in html  # θ₄, the trajectory's own row
    w.scene.set_cursor(4)
    assert panel.explanation.step == 4 and "b₅ = β·b₄ + g" in panel.view.toPlainText()
    w.scene.select(w.scene.runs[0].id)  # plain gd has no buffer
    assert panel.heading.text() == "vanilla (gd): step 4 → 5"
    assert "b₅" not in panel.view.toPlainText()
    assert "θ₅ = θ₄ − α·g" in panel.view.toPlainText()


def test_copy_gives_every_digit_and_a_change_of_alpha_updates_it(make_window, qtbot):
    w = make_window("ravine")
    panel = shown(w)
    run = w.scene.runs[0]
    w.scene.select(run.id)
    w.scene.set_cursor(2)
    panel.copy()
    text = QtGui.QGuiApplication.clipboard().text()
    traj = w.controller.trajectories[run.id]
    want = explain_step(run.config, traj, 2).text()
    assert text == panel.heading.text() + "\n" + want
    assert repr(float(traj.position[3][0])) in text  # full precision
    w.scene.set_hyper(run.id, lr=0.1)
    wait_trajectories(qtbot, w)
    assert panel.explanation.lr == 0.1 and "= 0.1" in panel.view.toPlainText()


def test_at_the_last_row_the_panel_says_the_run_ended(make_window, qtbot):
    w = make_window("stability-edge")
    panel = shown(w)
    run = w.scene.runs[-1]
    w.scene.select(run.id)
    w.actions_by_name["end"].trigger()
    traj = w.controller.trajectories[run.id]
    assert panel.explanation is None and not panel.copy_btn.isEnabled()
    assert panel.heading.text().endswith("no step follows.")
    assert f"step {len(traj) - 1}" in panel.heading.text()


def test_a_hidden_panel_computes_nothing(make_window, qtbot):
    w = make_window("ravine")
    assert not on_screen(w.this_step)  # behind the Runs tab
    w.scene.set_cursor(5)
    assert w.this_step.explanation is None  # caught up when shown
    panel = shown(w)
    qtbot.waitUntil(lambda: panel.explanation is not None)
    assert panel.explanation.step == 5


def test_the_step_table_shows_the_gradient_the_step_and_the_buffers_a_click_away(
    make_window, qtbot
):
    w = make_window("rosenbrock-race")
    table = w.step_table
    adam = w.scene.runs[-1]
    w.scene.select(adam.id)
    model = table.model()
    headers = [model.headerData(c, QtCore.Qt.Horizontal) for c in range(model.columnCount())]
    assert headers == ["step", "x", "y", "loss", "‖∇f‖", "lr"]  # compact by default
    w.steps_panel.full.click()
    headers = [model.headerData(c, QtCore.Qt.Horizontal) for c in range(model.columnCount())]
    assert headers[6:] == ["g_x", "g_y", "Δx", "Δy", "m_x", "m_y", "v_x", "v_y"]
    traj = w.controller.trajectories[adam.id]
    col = headers.index
    assert model.text(col("g_y"), 5) == f"{traj.grad[5, 1]:.6g}"
    assert model.text(col("Δx"), 5) == f"{traj.position[6, 0] - traj.position[5, 0]:.6g}"
    assert model.text(col("m_x"), 5) == f"{traj.state['exp_avg'][5, 0]:.6g}"
    assert model.text(col("Δx"), len(traj) - 1) == ""  # no step after the last row
    tip = model.headerData(col("v_y"), QtCore.Qt.Horizontal, QtCore.Qt.ToolTipRole)
    assert "exp_avg_sq" in tip
    w.scene.select(w.scene.runs[1].id)  # momentum: its buffer b
    headers = [model.headerData(c, QtCore.Qt.Horizontal) for c in range(model.columnCount())]
    assert headers[-2:] == ["b_x", "b_y"]


def test_another_optimizer_says_computing_until_its_run_is_there(make_window, qtbot):
    """Switching the optimizer explains nothing from the old run's numbers (whose
    buffers are another optimizer's), then the new run's step."""
    w = make_window("ravine")
    panel = shown(w)
    run = w.scene.runs[1]  # momentum
    w.scene.select(run.id)
    w.scene.set_cursor(3)
    for opt in ("adagrad", "rmsprop", "adam", "gd"):
        w.scene.update_run(run.id, optimizer=opt, hyper={"lr": 0.1})
        assert panel.heading.text().endswith("computing…") or panel.explanation.optimizer == opt
        wait_trajectories(qtbot, w)
        qtbot.waitUntil(
            lambda o=opt: panel.explanation is not None and panel.explanation.optimizer == o
        )
        assert panel.heading.text().endswith("step 3 → 4")


def test_pop_out_shows_the_panel_large_and_puts_it_back(make_window, qtbot):
    w = make_window("adam-by-hand", size=(1024, 740))
    panel = shown(w)
    w.scene.select(w.scene.runs[0].id)
    w.scene.set_cursor(0)
    qtbot.mouseClick(panel.pop_btn, QtCore.Qt.LeftButton)  # a click: the button has focus
    screen = panel.screen().availableGeometry()
    qtbot.waitUntil(lambda: w.this_step_dock.isFloating())
    assert w.this_step_dock.width() >= 0.4 * screen.width()
    assert w.this_step_dock.height() >= 0.6 * screen.height()
    assert panel.pop_btn.text() == "Dock" and panel.explanation.step == 0
    text = panel.view.toPlainText()
    assert "m₁ = β₁·m₀ + (1 − β₁)·g" in text and "v₁" in text
    press_right_where_the_keyboard_is(w, qtbot)  # as the lesson says: → after Pop out
    qtbot.waitUntil(lambda: panel.explanation.step == 1)
    qtbot.mouseClick(panel.pop_btn, QtCore.Qt.LeftButton)
    assert not w.this_step_dock.isFloating() and panel.pop_btn.text() == "Pop out"
    press_right_where_the_keyboard_is(w, qtbot)
    assert w.scene.cursor == 2


def press_right_where_the_keyboard_is(w, qtbot):
    qtbot.wait(50)
    focus = QtWidgets.QApplication.focusWidget()
    assert not isinstance(focus, QtWidgets.QAbstractSpinBox | QtWidgets.QLineEdit), focus
    QtTest.QTest.keyClick(focus or w, QtCore.Qt.Key_Right)
