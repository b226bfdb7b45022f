"""The window in front of a class: presenter keys whatever has focus, undo and no lost
work, labels that stay true, legends with live status, lessons that show what they say.
Keys are real key presses sent through Qt's shortcut machinery to the focused widget."""

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from gdsim.core.simulation import simulate
from gdsim.presets import list_presets
from gdsim.qt.actions import ACTIONS, key_text
from tests.qt.conftest import wait_trajectories

K = QtCore.Qt


def active(qtbot, w):
    w.activateWindow()
    qtbot.waitUntil(lambda: QtWidgets.QApplication.activeWindow() is w, timeout=3000)


def press(qtbot, widget, key, modifier=K.NoModifier):
    qtbot.keyClick(widget, key, modifier)
    QtWidgets.QApplication.processEvents()


# -- presenter keys ------------------------------------------------------------------------
def focus_targets(w):
    """One widget of each kind a teacher may have clicked last."""
    return {
        "map": w.contour,
        "optimizer list": w.controls.optimizer_combo,
        "α slider": w.controls.lr.slider,
        "timeline": w.timeline.slider,
        "runs list": w.runs_panel.tree,
        "a tick box": w.controls.clip_on,
        "a button": w.runs_panel.add_btn,
    }


def test_presenter_keys_act_whatever_has_focus(make_window, qtbot):
    w = make_window("ravine")
    active(qtbot, w)
    for name, widget in focus_targets(w).items():
        widget.setFocus()
        qtbot.waitUntil(widget.hasFocus, timeout=1000)
        w.scene.set_cursor(10)
        press(qtbot, widget, K.Key_Right)
        assert w.scene.cursor == 11, name
        press(qtbot, widget, K.Key_PageDown)  # a presentation remote's "next"
        assert w.scene.cursor == 12, name
        press(qtbot, widget, K.Key_PageUp)
        press(qtbot, widget, K.Key_Left)
        assert w.scene.cursor == 10, name
        press(qtbot, widget, K.Key_End)
        assert w.scene.cursor == w.controller.last_step(), name
        press(qtbot, widget, K.Key_Home)
        assert w.scene.cursor == 0, name
        press(qtbot, widget, K.Key_Space)
        assert w.scene.playing, name
        press(qtbot, widget, K.Key_Space)
        assert not w.scene.playing, name
        speed = w.scene.speed
        press(qtbot, widget, K.Key_Plus)
        assert w.scene.speed == pytest.approx(speed * 1.5), name
        press(qtbot, widget, K.Key_Minus)
        log = w.scene.view["log_loss"]
        press(qtbot, widget, K.Key_L)
        assert w.scene.view["log_loss"] is not log, name
        press(qtbot, widget, K.Key_L)
        grad = w.scene.view["show_gradient"]
        press(qtbot, widget, K.Key_G)
        assert w.scene.view["show_gradient"] is not grad, name
        press(qtbot, widget, K.Key_G)
        w.scene.set_cursor(5)
        press(qtbot, widget, K.Key_R)
        assert w.scene.cursor == 0 and not w.scene.playing, name


def test_enter_or_escape_in_a_field_gives_the_keys_back(make_window, qtbot):
    w = make_window("ravine")
    active(qtbot, w)
    run = w.scene.runs[0]
    field = w.controls.lr.field
    field.setFocus()
    field.selectAll()
    qtbot.keyClicks(field, "0.2")
    press(qtbot, field, K.Key_Space)  # while typing, a space is a space ...
    assert not w.scene.playing
    press(qtbot, field, K.Key_Return)
    qtbot.waitUntil(lambda: not field.hasFocus(), timeout=1000)
    assert w.scene.run(run.id).config.lr == 0.2
    press(qtbot, QtWidgets.QApplication.focusWidget(), K.Key_Space)  # ... then it plays
    assert w.scene.playing
    press(qtbot, QtWidgets.QApplication.focusWidget(), K.Key_Space)
    # Escape drops what was typed, the run keeps its α, the keys work again
    field.setFocus()
    qtbot.keyClicks(field, "7")
    press(qtbot, field, K.Key_Escape)
    assert not field.hasFocus() and field.text() == "0.2"
    assert w.scene.run(run.id).config.lr == 0.2
    w.scene.set_cursor(3)
    press(qtbot, QtWidgets.QApplication.focusWidget(), K.Key_End)
    assert w.scene.cursor == w.controller.last_step()


def test_after_applying_a_formula_end_goes_to_the_last_step(make_window, qtbot):
    w = make_window("ravine")
    active(qtbot, w)
    c = w.controls
    c.surface_combo.setCurrentIndex(c.surface_combo.findData("formula:"))
    edit = c.formula_box.edit
    qtbot.waitUntil(edit.hasFocus, timeout=1000)
    qtbot.keyClicks(edit, "x^2 + y^2")
    press(qtbot, edit, K.Key_Return)
    assert w.scene.surface == "formula:x^2 + y^2"
    qtbot.waitUntil(lambda: not edit.hasFocus(), timeout=1000)
    wait_trajectories(qtbot, w)
    press(qtbot, QtWidgets.QApplication.focusWidget(), K.Key_End)
    assert w.scene.cursor == w.controller.last_step() > 0
    # a refused formula keeps the focus, with the cursor where the problem is
    edit.setFocus()
    edit.setText("x^2 + 3y")
    press(qtbot, edit, K.Key_Return)
    qtbot.wait(50)
    assert edit.hasFocus() and edit.cursorPosition() == 6


def test_blank_screen_and_escape(make_window, qtbot):
    w = make_window("ravine")
    active(qtbot, w)
    press(qtbot, w.contour, K.Key_B)
    blank = w.presentation.blank_screen
    assert blank is not None and blank.isVisible()
    img = blank.grab().toImage()
    assert img.pixelColor(img.width() // 2, img.height() // 2).name() == "#000000"
    press(qtbot, blank, K.Key_Period)
    qtbot.waitUntil(lambda: w.presentation.blank_screen is None, timeout=1000)
    active(qtbot, w)
    w.set_projector(True)
    try:
        press(qtbot, w.contour, K.Key_Escape)
        assert not w.presentation.projecting and not w.isFullScreen()
    finally:
        w.set_projector(False)


def test_help_lists_every_key_and_about_gives_version_and_licence(make_window, qtbot):
    from gdsim import __version__

    w = make_window("ravine")
    dialog = w.show_shortcuts()
    listed = dialog.keys()
    for spec in ACTIONS:
        if spec.keys:
            assert key_text(spec) in listed, spec.name
    for key in ("Space", "PgDown", "B, .", "F5", "F11", "Esc"):
        assert any(key in row for row in listed), key
    dialog.close()
    box = w.show_about()
    assert __version__ in box.text() and "MIT" in box.text()
    box.close()
    menus = [a.text().replace("&", "") for a in w.menuBar().actions()]
    assert menus == ["File", "Edit", "View", "Playback", "Runs", "Analyses", "Help"]


# -- undo and no lost work -----------------------------------------------------------------
def undo(qtbot, w):
    press(qtbot, w.contour, K.Key_Z, K.ControlModifier)


def redo(qtbot, w):
    press(qtbot, w.contour, K.Key_Z, K.ControlModifier | K.ShiftModifier)


def contents(w):
    return [(r.id, r.config, r.name, r.visible) for r in w.scene.runs], w.scene.surface


def test_every_scene_edit_is_undone_and_redone(make_window, qtbot):
    from tests.qt.test_window import click_at

    w = make_window("ravine")
    active(qtbot, w)
    states = [contents(w)]

    def step(do):
        do()
        wait_trajectories(qtbot, w)
        states.append(contents(w))
        assert states[-1] != states[-2]

    first = w.scene.runs[0]
    step(
        lambda: w.controls.optimizer_combo.setCurrentIndex(
            w.controls.optimizer_combo.findData("adam")
        )
    )
    for tick in range(400, 600, 20):  # one slider drag: one undo step
        w.controls.lr.slider.setValue(tick)
    w.controls.run_editor.lr_to_scene.flush()  # the drag's last value reaches the scene
    states.append(contents(w))
    step(lambda: w.controls.clip_on.setChecked(True))
    step(lambda: w.runs_panel.dup_btn.menu().actions()[2].trigger())  # duplicate as momentum
    for x in (-5.0, -4.0, -3.0):  # one drag of a start ring: one undo step
        w.contour.starts[first.id].setPos(x, 1.0)
    states.append(contents(w))
    step(lambda: click_at(qtbot, w.contour, 3.0, -2.0))  # drop a marble
    w.scene.select(first.id)
    step(lambda: press(qtbot, w.runs_panel.tree, K.Key_Delete))  # remove
    step(lambda: w.scene.set_surface("bowl"))
    step(lambda: w.open_preset("marbles"))
    assert w.scene.surface == "himmelblau"
    for expected in reversed(states[:-1]):
        undo(qtbot, w)
        assert contents(w) == expected
    assert w.scene.title.startswith("Vanilla")
    undo(qtbot, w)  # nothing more to undo: nothing happens
    assert contents(w) == states[0]
    for expected in states[1:]:
        redo(qtbot, w)
        assert contents(w) == expected
    wait_trajectories(qtbot, w)
    run = w.scene.runs[0]
    w.scene.set_cursor(5)
    np.testing.assert_allclose(
        w.contour.marks.runs[run.id].trail, simulate(run.config).position[:6]
    )


def test_the_title_names_the_file_and_marks_changes(make_window, qtbot, tmp_path):
    w = make_window("ravine")
    active(qtbot, w)
    assert w.windowTitle() == "Vanilla vs momentum in a narrow ravine[*] — gdsim"
    assert not w.isWindowModified()
    w.scene.set_hyper(w.scene.runs[0].id, lr=0.3)
    assert w.isWindowModified()
    path = tmp_path / "class.gdsim.json"
    assert w.save_to(str(path))
    assert w.windowTitle() == "class.gdsim.json[*] — gdsim" and not w.isWindowModified()
    undo(qtbot, w)
    assert w.isWindowModified()  # back before the save: not what the file holds


@pytest.mark.parametrize("answer", ["cancel", "discard", "save"])
def test_quitting_or_opening_with_unsaved_changes_asks(make_window, qtbot, tmp_path, answer):
    w = make_window("ravine")
    asked = []
    w.documents.ask_to_save = lambda doing: asked.append(doing) or answer
    w.documents.open_preset("marbles")  # nothing changed: no question
    assert not asked and w.scene.surface == "himmelblau"
    w.documents.session_path = str(tmp_path / "class.gdsim.json")  # "save" writes here
    w.scene.remove_run(w.scene.runs[0].id)
    opened = w.open_preset("ravine")
    assert asked == ["opening the lesson “Vanilla vs momentum in a narrow ravine”"]
    assert opened == (answer != "cancel")
    assert (w.scene.surface == "ravine") == (answer != "cancel")
    assert (tmp_path / "class.gdsim.json").exists() == (answer == "save")
    w.scene.remove_run(w.scene.runs[0].id)
    asked.clear()
    w.documents.session_path = str(tmp_path / "again.gdsim.json")  # (a lesson is untitled)
    w.close()
    assert asked == ["quitting"]
    assert w.isVisible() == (answer == "cancel")
    assert (tmp_path / "again.gdsim.json").exists() == (answer == "save")
    w.documents.ask_to_save = lambda doing: "discard"


# -- labels that stay true -----------------------------------------------------------------
def test_labels_and_messages_follow_the_settings(make_window, qtbot):
    w = make_window("line-fit")
    mini = w.scene.runs[1]
    w.scene.select(mini.id)
    assert w.controls.run_box.title() == "Selected run: mini-batch 32"
    w.controls.batch.setValue(1)
    assert w.runs_panel.label_text(mini.id) == "gd B=1"
    assert w.controls.run_box.title() == "Selected run: gd B=1"
    # a refused value says why, and the message goes once the scene changes
    field = w.controls.lr.field
    field.setText("-1")
    press(qtbot, field, K.Key_Return)
    assert "α (lr) must be in" in w.controls.error.text()
    assert field.text() == "0.05"  # the α the run uses
    w.open_preset("three-rates")
    assert w.controls.error.text() == ""
    w.open_preset("ravine")
    field = w.controls.lr.field
    field.setText("abc")
    press(qtbot, field, K.Key_Return)
    assert w.controls.error.text()
    field.setText("0.3")
    press(qtbot, field, K.Key_Return)
    assert w.controls.error.text() == ""  # a valid value clears it


def test_the_stability_hint_shows_its_number_for_the_optimizer(make_window, qtbot):
    w = make_window("ravine")  # curvatures 0.02 and 4 at every point
    hint = w.controls.stability
    assert hint.text() == "plain GD is stable near the start for α < 2/λmax = 0.5"
    w.scene.select(w.scene.runs[1].id)  # momentum, β = 0.9
    assert hint.text() == "momentum is stable near the start for α < (2+2β)/λmax = 0.95"
    w.controls.optimizer_combo.setCurrentIndex(w.controls.optimizer_combo.findData("adam"))
    assert not hint.isVisible()  # no single bound on α for adaptive steps
    w.controls.optimizer_combo.setCurrentIndex(w.controls.optimizer_combo.findData("nesterov"))
    assert "Nesterov is stable near the start for α < (2+2β)/((1+2β)·λmax) = 0.3393" in hint.text()


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "nesterov"])
def test_the_stability_bounds_are_where_runs_start_to_diverge(optimizer):
    """On x² + y² (λ = 2): just below the hint's bound a run settles, just above it
    diverges — for every optimizer the hint speaks about."""
    from gdsim.core.simulation import RunConfig
    from gdsim.core.stability import stability_bound
    from gdsim.core.surfaces import get_surface

    surface = get_surface("bowl")
    cfg = RunConfig("bowl", optimizer, {"lr": 0.01}, (3.0, 2.0), max_steps=3000)
    bound = stability_bound(surface, cfg).bound
    below = simulate(cfg.replace(hyper={"lr": bound * 0.99}))
    above = simulate(cfg.replace(hyper={"lr": bound * 1.01}))
    assert np.hypot(*below.position[-1]) < 1e-3
    assert above.status.state == "diverged"


# -- legends and markers -------------------------------------------------------------------
def test_the_plots_carry_a_legend_with_live_status(make_window, qtbot):
    w = make_window("shifted-parabola")  # α = 0.001, 0.1, 1.1 (diverges at step 26)
    w.scene.set_cursor(3)
    lines = ["α = 0.001: running", "α = 0.1: running", "α = 1.1: running"]
    assert w.curve.legend.texts() == lines and w.loss.legend.texts() == lines
    w.scene.set_cursor(w.controller.last_step())
    assert w.curve.legend.texts()[2] == "α = 1.1: diverged at step 26"
    assert w.loss.legend.texts()[0] == "α = 0.001: max steps (100)"
    w.set_projector(True)  # the panels go, the legend stays
    try:
        assert not w.runs_dock.isVisible()
        assert w.curve.legend.is_shown() and w.loss.legend.is_shown()
        w.actions_by_name["legend"].trigger()  # K
        assert not w.curve.legend.is_shown() and not w.loss.legend.is_shown()
        w.actions_by_name["legend"].trigger()
    finally:
        w.set_projector(False)


def test_a_crowded_legend_says_how_many_more_and_follows_added_and_removed_runs(make_window, qtbot):
    from gdsim.core.simulation import RunConfig
    from tests.qt.test_drawing import mask_of, pixels

    w = make_window("ravine")
    for i in range(30):
        cfg = RunConfig(
            "ravine", "gd", {"lr": 0.05 + 0.01 * i}, (4.0, -3.0 + 0.2 * i), max_steps=80
        )
        w.scene.add_run(cfg)
    wait_trajectories(qtbot, w)
    w.scene.set_cursor(10)
    legend = w.contour.legend
    texts = legend.texts()
    hidden = len(w.scene.runs) - (len(texts) - 1)
    assert texts[-1] == f"… and {hidden} more runs" and hidden > 0
    labels = w.scene.labels()  # (above the map, with many runs: their names alone)
    names = [t.removesuffix(": running") for t in texts[:-1]]
    assert names == [labels[r.id] for r in w.scene.runs[: len(texts) - 1]]
    looks = [s.look for s, _label in legend.item.items[:-1]]
    markers = w.scene.markers()
    assert looks == [(r.color, markers[r.id]) for r in w.scene.runs[: len(looks)]]
    first = w.scene.runs[0]
    w.scene.remove_run(first.id)  # every entry moves up: new looks in the same items
    qtbot.waitUntil(lambda: legend.texts()[0] != texts[0])
    now = [s.look for s, _label in legend.item.items[:-1]]
    assert now[: len(looks) - 1] == looks[1:]
    while len(w.scene.runs) > 3:
        w.scene.remove_run(w.scene.runs[-1].id)
    qtbot.waitUntil(lambda: len(legend.texts()) == 3)
    assert not any(t.startswith("…") for t in legend.texts())
    assert [s.look for s, _label in legend.item.items] == [
        (r.color, w.scene.markers()[r.id]) for r in w.scene.runs
    ]
    qtbot.wait(100)  # each sample shows its run's colour on screen
    view = w.contour
    shot = pixels(view.viewport())
    for (sample, _label), run in zip(legend.item.items, w.scene.runs, strict=True):
        box = view.mapFromScene(sample.sceneBoundingRect()).boundingRect()
        part = shot[box.top() : box.bottom(), box.left() : box.right()]
        assert mask_of(part, run.color, tol=30).sum() > 20, run.name


def test_runs_differ_by_marker_as_well_as_colour(make_window, qtbot):
    w = make_window("rosenbrock-race")
    w.scene.set_cursor(50)
    assert w.contour.marks.marble_markers == ["o", "s", "t1", "d"]
    samples = [sample.look[1] for sample, _label in w.contour.legend.item.items]
    assert samples == ["o", "s", "t1", "d"]
    assert [c.marker for c in w.loss.curves.curves.values()] == ["o", "s", "t1", "d"]


def test_coinciding_loss_curves_stay_visible(make_window, qtbot):
    w = make_window("three-rates")  # α = 0.1 and 0.9 give the same |x| at every step
    dashed = [c.dashed for c in w.loss.curves.curves.values()]
    assert dashed == [False, False, True]


# -- lessons show what they say ------------------------------------------------------------
@pytest.mark.parametrize("preset", [p.name for p in list_presets()])
def test_every_lessons_first_frame_shows_every_marble(make_window, qtbot, preset):
    w = make_window(preset, size=(1024, 700))
    # (a model lesson's map is its slice, drawn when it has been sampled)
    qtbot.waitUntil(lambda: w.view_area.map_view().surface is not None, timeout=20000)
    w.scene.set_cursor(0)
    qtbot.wait(150)  # the map is refitted to its pane
    view = w.view_area.map_view()
    (x0, x1), (y0, y1) = view.plot.viewRange()
    for run in w.scene.runs:
        if view.surface.dim == 1:
            start = run.config.resolved_start(view.surface)
            x, y = start[0], view.surface.value(np.array([start]))[0]
        else:  # (on a model's slice: the start's coordinates on the plane)
            x, y = start = view._start_on_map(run)
        assert x0 <= x <= x1 and y0 <= y <= y1, (preset, run.name, start)


def test_three_rates_shows_the_articles_range(make_window, qtbot):
    w = make_window("three-rates")
    (x0, x1), _ = w.curve.plot.viewRange()
    assert (x0, x1) == pytest.approx((-10, 10))
    xs, _ys = w.curve.curve.getData()
    assert xs.min() <= -10 and xs.max() >= 10  # the curve is drawn over all of it


# -- readable from the back row ------------------------------------------------------------
def grey(img, rect) -> np.ndarray:
    """The mean of red, green and blue over ``rect`` (x, y, w, h) of a QImage."""
    from tests.qt.test_export import image_array

    x, y, w, h = rect
    return image_array(img)[y : y + h, x : x + w].mean(axis=2)


def test_dark_theme_check_boxes_are_clearly_on_or_off(make_window, qtbot):
    from gdsim.qt import theme

    w = make_window("ravine")
    app = QtWidgets.QApplication.instance()
    box = w.controls.clip_on
    try:
        w.set_dark(True)
        qtbot.wait(50)

        def indicator(checked: bool) -> np.ndarray:
            with QtCore.QSignalBlocker(box):
                box.setChecked(checked)
            img = box.grab().toImage()
            size = img.height()
            return grey(img, (0, 0, min(size, 24), size))

        on, off = indicator(True), indicator(False)
        assert app.palette().color(QtGui.QPalette.Window).lightness() < 60  # dark window
        assert off.max() > 170  # the empty box has a light frame
        assert abs(on.mean() - off.mean()) > 25  # on is filled: it looks different
    finally:
        w.set_dark(False)
        theme.set_dark(False)
        theme.apply_palette(app)
        theme.configure_pyqtgraph()


def test_projector_arrows_are_twice_as_long_and_wide_and_drawn_over_marbles(make_window, qtbot):
    from gdsim.qt import theme

    w = make_window("ravine")
    w.scene.set_cursor(1)
    qtbot.wait(50)
    run = w.scene.runs[0]
    normal = np.hypot(*np.ptp(w.contour.marks.runs[run.id].step[:2], axis=0))
    w.set_projector(True)
    try:
        w.scene.set_cursor(2)
        w.scene.set_cursor(1)
        qtbot.wait(50)
        big = np.hypot(*np.ptp(w.contour.marks.runs[run.id].step[:2], axis=0))
        assert big >= 2 * normal  # in data units: the same zoom, a longer arrow
        assert theme.ARROW_WIDTH * theme.arrow_scale() >= 2 * 2.5  # 2.5 px before
    finally:
        w.set_projector(False)
    # the marks item paints marbles first and arrows last
    import inspect

    from gdsim.qt.views.marks import RunMarks

    src = inspect.getsource(RunMarks.paint)
    assert src.index("_paint_marbles") < src.index("_paint_arrows")


def test_3d_marbles_in_a_well_are_not_hidden_by_the_surface(make_window, qtbot):
    w = make_window("marbles")
    from tests.qt.test_drawing import mask_of
    from tests.qt.test_export import image_array

    w.scene.set_cursor(w.controller.last_step())  # every marble at the bottom of a well
    w.surface3d.gl.setCameraPosition(elevation=3, azimuth=0)  # low: the rims stand between
    w.surface3d.trail.setVisible(False)  # (the trails share the marbles' colours)
    qtbot.wait(300)
    arr = image_array(w.surface3d.grabFramebuffer()).astype(int)
    wells: dict[tuple, list[str]] = {}  # marbles in one well lie on each other
    for run in w.scene.runs:
        end = tuple(np.round(w.controller.trajectories[run.id].position[-1], 1))
        wells.setdefault(end, []).append(run.color)
    assert len(wells) == 4  # one marble or more in each of Himmelblau's four wells
    from gdsim.qt import theme

    whole = 0.75 * np.pi * (theme.MARBLE_SIZE / 2) ** 2  # (drawn with the depth test: 25-70 %)
    for end, colors in wells.items():
        seen = max(mask_of(arr, c, tol=30).sum() for c in colors)
        assert seen > whole, (end, colors, seen)


def test_3d_trails_hide_behind_the_hills_as_when_every_item_is_drawn(make_window, qtbot):
    """The mesh is drawn once into a framebuffer that keeps its depth; the trails grow
    there without writing depth, and the marbles are drawn over the copied frame.  Seen
    from low down, the rims hide parts of the trails exactly as when the whole scene is
    drawn at every frame."""
    from gdsim.qt.views.gl_window import on_top
    from tests.qt.test_drawing import mask_of
    from tests.qt.test_export import image_array

    w = make_window("marbles")
    w.scene.set_cursor(w.controller.last_step())
    gl = w.surface3d.gl
    gl.setCameraPosition(elevation=12, azimuth=0)  # low: the central hill hides trails
    qtbot.wait(300)
    cached = image_array(gl.grabFramebuffer()).astype(int)

    def drawn_again():  # (grabFramebuffer reads the last frame: draw a new one first)
        frames = gl.frames
        gl.update()
        qtbot.waitUntil(lambda: gl.frames > frames)
        return image_array(gl.grabFramebuffer()).astype(int)

    gl._cache_ok = False  # every item drawn at every frame
    whole = drawn_again()
    assert gl._background is None  # (and the cached frames freed)
    differ = (np.abs(cached - whole).max(axis=2) > 40).mean()
    assert differ < 0.002, differ
    gl._cache_ok = True
    colors = [run.color for run in w.scene.runs]

    def coloured(arr) -> int:
        return sum(int(mask_of(arr, c, tol=60).sum()) for c in colors)

    hidden = coloured(cached)
    drawn_again()  # (a cached frame again, then the trail's new options in it)
    w.surface3d.trail.setGLOptions(on_top())  # no depth test: nothing hides the trails
    shown = coloured(drawn_again())
    assert shown > 1.1 * hidden > 0, (shown, hidden)


def test_the_3d_trail_grown_step_by_step_is_the_trail_drawn_at_once(
    make_window, qtbot, monkeypatch
):
    """Playing draws only each step's new pieces of the 3D trail into the window's
    frame; going back restores the static picture first.  Either way the frame is the
    one drawn from nothing."""
    from tests.qt.test_export import image_array

    w = make_window("marbles")
    gl = w.surface3d.gl

    def frame():
        frames = gl.frames
        gl.update()
        qtbot.waitUntil(lambda: gl.frames > frames)
        return image_array(gl.grabFramebuffer()).astype(int)

    def from_nothing():
        gl._cache_ok = False
        try:
            return frame()
        finally:
            gl._cache_ok = True

    starts = []
    w.scene.set_cursor(2)
    frame()
    delta = gl._delta  # the item that draws each stretch into the frame
    assert delta is not None
    show_range = delta.show_range
    monkeypatch.setattr(
        delta, "show_range", lambda item, a, b: (starts.append(a), show_range(item, a, b))[1]
    )
    for k in range(0, 81):
        w.scene.set_cursor(k)
        qtbot.wait(1)
    assert len(starts) > 10 and all(a > 0 for a in starts[1:])  # each step: its new pieces
    grown = frame()
    w.scene.set_cursor(5)  # back: fewer pieces than the frame holds
    back = frame()

    def differ(a, b) -> float:
        return (np.abs(a - b).max(axis=2) > 40).mean()

    assert differ(back, from_nothing()) < 0.0015  # (drawing from nothing frees the frame)
    w.scene.set_cursor(80)
    assert differ(grown, from_nothing()) < 0.0015
    assert differ(back, grown) > 0.004  # (the trails differ)


def test_the_3d_trail_follows_a_run_computed_again(make_window, qtbot):
    """A new α gives the run a new trajectory under the same id and colour: the 3D
    trail is laid again (it kept the old one, and the marble left it)."""
    from tests.qt.test_export import image_array

    w = make_window("ravine")
    run = w.scene.runs[0]  # plain GD at α = 0.45: bounces across the valley
    w.scene.set_cursor(60)
    qtbot.wait(100)
    gl = w.surface3d.gl
    before = image_array(gl.grabFramebuffer()).astype(int)
    vertices = np.asarray(w.surface3d.trail.pos).copy()
    w.scene.update_run(run.id, hyper={"lr": 0.05})  # a smooth crawl instead
    wait_trajectories(qtbot, w)
    w.scene.set_cursor(61)
    qtbot.wait(200)
    now = np.asarray(w.surface3d.trail.pos)
    assert now.shape != vertices.shape or not np.allclose(now, vertices)
    traj = w.controller.trajectories[run.id]
    marble = w.surface3d.to_box(traj.position[61:62], traj.loss[61:62])[0]
    assert np.min(np.linalg.norm(now - marble, axis=1)) < 0.05  # the trail reaches it
    after = image_array(gl.grabFramebuffer()).astype(int)
    assert (np.abs(after - before).max(axis=2) > 40).mean() > 0.002


def test_a_view_toggle_leaves_the_rotated_camera_and_the_zoomed_map_alone(make_window, qtbot):
    w = make_window("ravine")
    active(qtbot, w)
    gl = w.surface3d.gl
    gl.orbit(40, 15)  # what a drag with the mouse does, then its release
    gl.camera_moved()
    rotated = w.surface3d.camera()
    assert w.scene.view["camera"] == rotated
    w.contour.plot.vb.scaleBy((0.5, 0.5))  # a zoom with the wheel ...
    w.contour.plot.vb.sigRangeChangedManually.emit(w.contour.plot.vb.state["mouseEnabled"])
    zoomed = w.contour.ranges()
    assert w.scene.view["ranges"] == zoomed
    for key in (K.Key_L, K.Key_G, K.Key_V, K.Key_M):
        press(qtbot, w.contour, key)
    assert w.surface3d.camera() == rotated
    assert w.contour.ranges() == pytest.approx(zoomed)
    press(qtbot, w.contour, K.Key_K)  # (the legend's row gives the map more height)
    assert w.surface3d.camera() == rotated


def test_key_0_brings_back_the_whole_map_and_the_lessons_camera(make_window, qtbot):
    """After zooming the map and turning the 3D view, one key puts both back (pyqtgraph's
    "A" button, which fitted the map's wide margins too, is not shown)."""
    w = make_window("ravine")
    active(qtbot, w)
    first_ranges, first_camera = w.contour.ranges(), w.surface3d.camera()
    assert w.contour.plot.buttonsHidden and w.view_area.loss.plot.buttonsHidden  # no "A"
    w.surface3d.gl.orbit(40, 15)
    w.surface3d.gl.camera_moved()
    w.contour.plot.vb.scaleBy((0.3, 0.3))
    w.contour.plot.vb.sigRangeChangedManually.emit(w.contour.plot.vb.state["mouseEnabled"])
    assert w.contour.ranges() != pytest.approx(first_ranges, rel=0.05)
    assert w.surface3d.camera() != first_camera
    press(qtbot, w.runs_panel.tree, K.Key_0)  # whatever has focus
    assert w.contour.ranges() == pytest.approx(first_ranges, rel=1e-6, abs=1e-6)
    assert w.surface3d.camera() == pytest.approx(first_camera)
    assert w.scene.view["ranges"] is None  # (the lesson's: none saved)
    assert "Reset zoom and camera" in [a.text() for a in w.menus["View"].actions()]


def test_key_0_brings_back_a_sessions_own_range_and_camera(make_window, qtbot):
    """three-rates opens its 1D curve on a range of its own; a session its camera."""
    from gdsim.model import Scene
    from gdsim.presets import load_preset, scene_document

    doc = scene_document(load_preset("three-rates"))
    scene = Scene.from_dict(doc)
    w = make_window(scene=scene)
    active(qtbot, w)
    curve = w.view_area.map_view()
    lesson = list(doc["view"]["ranges"])
    assert curve.ranges() == pytest.approx(lesson)
    curve.plot.vb.scaleBy((0.2, 0.2))  # a zoom (the curve does not save it)
    assert curve.ranges() != pytest.approx(lesson, rel=0.05)
    press(qtbot, curve, K.Key_0)
    assert curve.ranges() == pytest.approx(lesson)
    camera = {"distance": 5.0, "elevation": 20.0, "azimuth": 30.0}
    ravine = Scene.from_dict({**scene_document(load_preset("ravine")), "view": {"camera": camera}})
    w2 = make_window(scene=ravine)
    active(qtbot, w2)
    w2.surface3d.gl.orbit(40, 15)
    w2.surface3d.gl.camera_moved()
    press(qtbot, w2.contour, K.Key_0)
    assert w2.surface3d.camera() == pytest.approx(camera)
    w2.scene.set_surface("himmelblau")  # another surface: its whole domain
    w2.contour.plot.vb.scaleBy((0.3, 0.3))
    press(qtbot, w2.contour, K.Key_0)
    (x0, x1), (y0, y1) = w2.contour.surface.domain
    (vx0, vx1), (vy0, vy1) = w2.contour.plot.viewRange()
    assert vx0 <= x0 and vx1 >= x1 and vy0 <= y0 and vy1 >= y1


def test_a_wide_3d_pane_shows_the_whole_surface_and_floor(make_window, qtbot):
    """A projector's 3D pane is wide (~1.8:1 at 1920×1080); pyqtgraph's field of view is
    horizontal, so a wider pane saw less above and below: the surface ran off the top.
    Drawn 2:1 and 4:3, the picture's outer rows and columns are all background, and the
    wide one shows the surface as tall (within 10 %) as the 4:3 one of the same height."""
    from gdsim.qt.views.gl_window import horizontal_fov

    w = make_window("ravine")
    qtbot.wait(100)

    def drawn(width, height):
        arr = w.surface3d.render_array(width, height)[..., :3].astype(int)
        background = arr[0, 0]
        ink = np.abs(arr - background).sum(axis=2) > 30
        edges = np.concatenate(
            [ink[:2].ravel(), ink[-2:].ravel(), ink[:, :2].ravel(), ink[:, -2:].ravel()]
        )
        rows = np.flatnonzero(ink.any(axis=1))
        return bool(edges.any()), rows[-1] - rows[0]

    edge_43, tall_43 = drawn(480, 360)
    edge_wide, tall_wide = drawn(720, 360)
    assert not edge_43 and not edge_wide
    assert abs(tall_wide - tall_43) <= 0.1 * tall_43, (tall_wide, tall_43)
    assert horizontal_fov(60.0, 400, 400) == 60.0  # up to 4:3 pyqtgraph's own
    assert horizontal_fov(60.0, 720, 360) > 60.0


def test_a_run_that_leaves_the_map_ends_at_its_edge_in_3d_and_loses_its_marble(make_window, qtbot):
    """The clipping lesson: blue diverges off the map within two steps.  In 3D its
    trail stopped in the air beyond the surface, with its marble floating there."""
    from gdsim.qt import theme
    from tests.qt.test_drawing import mask_of
    from tests.qt.test_export import image_array

    w = make_window("clipping")
    view = w.surface3d
    blue, gold = w.scene.runs
    w.scene.set_cursor(w.controller.last_step())
    qtbot.wait(300)

    def frame():
        view.gl.invalidate_background()
        view.redraw(w.scene.cursor)
        qtbot.wait(200)
        return image_array(view.grabFramebuffer()).astype(int)

    view.trail.setVisible(False)
    view.marbles.setVisible(False)
    bare = frame()  # the surface alone: what is not background
    view.trail.setVisible(True)
    view.marbles.setVisible(True)
    shown = frame()
    background = np.array(theme.colors()["gl_background"][:3])
    ground = np.abs(bare[..., [2, 1, 0]] - background).max(axis=2) > 12
    near = ground.copy()  # (a trail's width over the surface's edge)
    for axis in (0, 1):
        for shift in range(-4, 5):
            near |= np.roll(ground, shift, axis=axis)
    trail = mask_of(shown, blue.color, tol=40)
    assert trail[ground].sum() > 30  # blue's two steps, on the surface
    assert trail[~near].sum() == 0  # and nothing of it beside the surface
    assert len(view.marbles.pos) == 1  # gold's marble only (blue's is off the map)
    np.testing.assert_allclose(view.marbles.color[0], theme.rgba(gold.color))
    assert (np.abs(view.drawn_trail(blue.id)[:, :2]) <= 1.0 + 1e-6).all()


def test_a_run_that_blows_up_leaves_the_other_loss_curves_readable(make_window, qtbot):
    """Drag α past the stability edge: the loss axis used to stretch to the exploding
    run's 1e5 and flatten every other curve onto zero."""
    w = make_window("ravine")
    vanilla, momentum = w.scene.runs
    w.scene.update_run(vanilla.id, hyper={"lr": 0.52})  # λmax = 4: past 2/λmax = 0.5
    wait_trajectories(qtbot, w)
    loss = w.view_area.loss
    blown, calm = (w.controller.trajectories[r.id].loss for r in (vanilla, momentum))
    assert blown.max() > 1e4 * blown[0]
    (_, _), (y0, y1) = loss.plot.viewRange()
    assert y1 < 2.5 * blown[0]  # the axis: twice as high as where they began ...
    assert y0 <= calm.min() and calm.max() <= y1  # ... so the calm run shows whole
    assert (calm.max() - calm.min()) > 0.4 * (y1 - y0)  # and fills half the plot
    assert w.controller.trajectories[vanilla.id].status.state == "diverged"
    w.actions_by_name["log_loss"].trigger()  # the log scale shows the runaway whole
    (_, _), (y0, y1) = loss.plot.viewRange()
    assert 10**y1 >= blown.max() - loss.floor
    # a run that bounces high but does not diverge shows whole (L-BFGS's gd: up to 511)
    w2 = make_window("lbfgs-rosenbrock")
    gd = w2.controller.trajectories[w2.scene.runs[2].id]
    assert gd.status.state != "diverged" and gd.loss.max() > 20 * gd.loss[0]
    (_, _), (y0, y1) = w2.view_area.loss.plot.viewRange()
    assert y1 >= gd.loss.max()
    # and runs that fall without end leave by the bottom (newton-saddle: to −2.6e5)
    w3 = make_window("newton-saddle")
    newton, falling = w3.scene.runs[0], w3.scene.runs[1:]
    calm = w3.controller.trajectories[newton.id].loss
    lows = [w3.controller.trajectories[r.id].loss.min() for r in falling]
    (_, _), (y0, y1) = w3.view_area.loss.plot.viewRange()
    assert max(lows) < -1e5 and y0 <= calm.min() and calm.max() <= y1
    assert (calm.max() - calm.min()) > 0.3 * (y1 - y0)
