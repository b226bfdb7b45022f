"""The main window: control panels on the left, the linked views in the middle,
playback in the toolbar.  It puts together the parts that do the work:

- ``view_area`` (:mod:`gdsim.qt.view_area`): lesson text, views, timeline;
- ``actions_by_name`` (:mod:`gdsim.qt.actions`): every command, its keys and menu;
- ``documents`` (:mod:`gdsim.qt.documents`): file, undo / redo, unsaved changes;
- ``presentation`` (:mod:`gdsim.qt.presentation`): theme, projector, full screen;
- ``presenter_keys`` (:mod:`gdsim.qt.presenter_keys`): keys whatever has focus.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from gdsim.core.simulation import ConfigError
from gdsim.model import Scene
from gdsim.model.document import DEFAULT_VIEW
from gdsim.presets import load_preset, scene_document
from gdsim.qt import icons, theme
from gdsim.qt.actions import ACTIONS, add_menu_extras, build_actions
from gdsim.qt.controller import SimulationController
from gdsim.qt.dock import Dock
from gdsim.qt.documents import Documents
from gdsim.qt.icons import app_icon
from gdsim.qt.panels.controls import ControlsPanel
from gdsim.qt.panels.runs import RunsPanel
from gdsim.qt.panels.this_step import ThisStepPanel
from gdsim.qt.panels.timeline import StepsPanel, StepTable
from gdsim.qt.panels.widgets import SteadyLabel
from gdsim.qt.presentation import Presentation
from gdsim.qt.presenter_keys import PresenterKeys
from gdsim.qt.view_area import ViewArea

#: the window's size on a screen that has room for it (logical pixels)
PREFERRED_SIZE = (1600, 1000)


class MainWindow(QtWidgets.QMainWindow):
    TOOLBAR_TOGGLES = ("log_loss", "gradient", "velocity", "legend")

    def __init__(self, scene: Scene | None = None, restore_layout: bool = True):
        super().__init__()
        self.setWindowIcon(app_icon())
        self.scene = scene or Scene.from_dict(scene_document(load_preset("ravine")))
        self.analysis_dialog = None  # built on first use (Analyses menu)
        self.ask_on_close = True  # False for windows that no user edits (exports, bench)
        self.controller = SimulationController(self.scene, self)
        self.view_area = ViewArea(self.scene, self.controller)
        self.view_area.on_map_click = self._add_run_at
        self.view_area.on_start_moved = self._move_start
        self.view_area.on_failure = lambda msg: self.statusBar().showMessage(msg, 8000)
        self.setCentralWidget(self.view_area)
        self._build_panels()
        self.documents = Documents(self, self.scene)
        self.actions_by_name = build_actions(self)
        add_menu_extras(self)
        self.documents.fill_recent(self.recent_menu)
        self._build_toolbar()
        self.presentation = Presentation(self)
        self.presenter_keys = PresenterKeys(self)
        self.statusBar().showMessage("Click the map to drop a marble; Space plays and pauses")
        s = self.scene  # the views and panels subscribe themselves; the window's own parts:
        s.cursor_changed.connect(lambda _c: self._show_step())
        s.playing_changed.connect(lambda _p: self.sync_play_icon())
        s.speed_changed.connect(self._sync_speed)
        s.view_changed.connect(lambda _key: self._sync_view_actions())
        s.reset.connect(self._on_reset)
        self.controller.trajectory_changed.connect(lambda _rid: self._show_step())
        self.controller.run_failed.connect(lambda _rid, msg: self.statusBar().showMessage(msg))
        self.view_area.on_surface_changed(s.surface)
        self.sync_play_icon()
        self._sync_view_actions()
        self.documents.update_title()
        self._place(restore_layout)
        self.focus_views()  # presenter keys work from the start

    # -- layout ------------------------------------------------------------------------------
    def _place(self, restore_layout: bool) -> None:
        """The saved geometry, or the preferred size where it fits the screen's available
        area; on a smaller screen the window opens maximised (never larger than it)."""
        settings = QtCore.QSettings()
        geometry = settings.value("geometry") if restore_layout else None
        if isinstance(geometry, QtCore.QByteArray) and self.restoreGeometry(geometry):
            state = settings.value("state")
            if isinstance(state, QtCore.QByteArray):
                self.restoreState(state)
            return
        screen = self.screen() or QtGui.QGuiApplication.primaryScreen()
        avail = screen.availableGeometry()
        w, h = PREFERRED_SIZE
        if w + 40 > avail.width() or h + 60 > avail.height():
            # maximised by the window manager; without one, as large as the screen allows
            self.resize(avail.width(), avail.height() - 30)
            self.move(avail.topLeft())
            self.setWindowState(QtCore.Qt.WindowMaximized)
        else:
            self.resize(w, h)
            self.move(avail.center() - QtCore.QPoint(w // 2, h // 2))
        self._size_docks(split=True)

    def _size_docks(self, split: bool = False) -> None:
        """The side panels take about a quarter of the window's width (300 to 420 px,
        theme.screen_px), the views the rest; again whenever the window changes width.
        ``split``: the controls take two thirds of the height, the runs the rest."""
        low, high = theme.screen_px(300), theme.screen_px(420)
        width = int(min(max(0.26 * self.width(), low), high))
        self.controls_scroll.setMinimumWidth(min(width, int(low)))
        self.resizeDocks([self.controls_dock], [width], QtCore.Qt.Horizontal)
        if split:
            self.resizeDocks([self.controls_dock, self.runs_dock], [600, 300], QtCore.Qt.Vertical)

    def _build_panels(self) -> None:
        self.controls = ControlsPanel(self.scene)
        self.controls.message.connect(lambda m: self.statusBar().showMessage(m, 8000))
        self.controls.error_cleared.connect(self._on_error_cleared)
        scroll = self.controls_scroll = QtWidgets.QScrollArea()
        scroll.setWidget(self.controls)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarAlwaysOff)
        self.controls_dock = Dock("Controls", self, "controls")
        self.controls_dock.setWidget(scroll)
        self.addDockWidget(QtCore.Qt.LeftDockWidgetArea, self.controls_dock)
        self.runs_panel = RunsPanel(self.scene, self.controller)
        self.runs_panel.message.connect(lambda m: self.statusBar().showMessage(m, 8000))
        self.runs_dock = Dock("Runs", self, "runs")
        self.runs_dock.setWidget(self.runs_panel)
        self.addDockWidget(QtCore.Qt.LeftDockWidgetArea, self.runs_dock)
        self.step_table = StepTable(self.scene, self.controller)
        self.steps_dock = Dock("Steps", self, "steps")
        self.steps_dock.setToolTip("The selected run, step by step")
        self.steps_panel = StepsPanel(self.step_table)
        self.steps_dock.setWidget(self.steps_panel)
        self.steps_dock.visibilityChanged.connect(  # its tab came to the front: catch up
            lambda shown: (
                shown and QtCore.QTimer.singleShot(0, self.step_table, self.step_table.follow)
            )
        )
        self.addDockWidget(QtCore.Qt.LeftDockWidgetArea, self.steps_dock)
        self.tabifyDockWidget(self.runs_dock, self.steps_dock)
        self.this_step = ThisStepPanel(self.scene, self.controller)
        self.this_step_dock = Dock("This step", self, "this_step")
        self.this_step_dock.setToolTip("The selected run's update at the cursor, with its numbers")
        self.this_step_dock.setWidget(self.this_step)
        self.this_step.moved.connect(lambda: (self.activateWindow(), self.focus_views()))
        self.this_step_dock.visibilityChanged.connect(
            lambda shown: shown and self.this_step.refresh(force=True)
        )
        self.addDockWidget(QtCore.Qt.LeftDockWidgetArea, self.this_step_dock)
        self.tabifyDockWidget(self.steps_dock, self.this_step_dock)
        self.runs_dock.raise_()

    def docks(self) -> tuple[QtWidgets.QDockWidget, ...]:
        return (self.controls_dock, self.runs_dock, self.steps_dock, self.this_step_dock)

    def _build_toolbar(self) -> None:
        a = self.actions_by_name
        tb = self.playback_toolbar = self.addToolBar("Playback")
        tb.setObjectName("playback")
        tb.setIconSize(theme.toolbar_icon_size())
        for name in ("reset", "back", "play", "forward"):
            tb.addAction(a[name])
        tb.addSeparator()
        self.speed_label = QtWidgets.QLabel(" speed ")
        self.speed_label_action = tb.addWidget(self.speed_label)
        self.speed = QtWidgets.QDoubleSpinBox()
        self.speed.setRange(0.5, 1000.0)
        self.speed.setDecimals(1)
        self.speed.setSuffix(" steps/s")
        self.speed.setKeyboardTracking(False)
        self.speed.setToolTip("Playback speed in steps per second (+ / −)")
        self.speed.valueChanged.connect(self.scene.set_speed)
        tb.addWidget(self.speed)
        self.step_label = SteadyLabel()
        self.step_label.setAlignment(QtCore.Qt.AlignCenter)
        self.step_label.setContentsMargins(8, 0, 8, 0)
        tb.addWidget(self.step_label)
        tb.addSeparator()
        for name in self.TOOLBAR_TOGGLES:
            tb.addAction(a[name])
        tb.addSeparator()
        tb.addAction(a["export"])
        self._sync_speed(self.scene.speed)

    # -- the parts -----------------------------------------------------------------------------
    @property
    def surface3d(self):
        return self.view_area.surface3d

    @property
    def loss(self):
        return self.view_area.loss

    @property
    def timeline(self):
        return self.view_area.timeline

    @property
    def lesson(self):
        return self.view_area.lesson

    @property
    def contour(self):
        return self.view_area.view("contour")

    @property
    def curve(self):
        return self.view_area.view("curve")

    @property
    def data(self):
        return self.view_area.view("data")

    @property
    def views(self) -> tuple:
        return self.view_area.views

    def built_view(self, name: str):
        return self.view_area.built_view(name)

    @property
    def session_path(self) -> str | None:
        return self.documents.session_path

    @session_path.setter
    def session_path(self, path: str | None) -> None:
        self.documents.session_path = path
        self.documents.update_title()

    def _on_error_cleared(self, text: str) -> None:
        if text and self.statusBar().currentMessage() == text:
            self.statusBar().clearMessage()  # a refusal that no longer applies

    def focus_views(self) -> None:
        """Give the keyboard to the views, where every presenter key works."""
        self.view_area.map_view().setFocus(QtCore.Qt.OtherFocusReason)

    # -- scene -> window ---------------------------------------------------------------------
    def _show_step(self) -> None:
        # as wide as the widest step: no jiggle, and no layout at each step
        self.step_label.show_count(self.scene.cursor, self.controller.last_step(), "step ")

    def _on_reset(self) -> None:
        """A lesson or session loaded: the window's own parts read the scene again."""
        self._show_step()
        self.sync_play_icon()
        self._sync_speed(self.scene.speed)
        self._sync_view_actions()

    def sync_play_icon(self) -> None:
        playing = self.scene.playing
        act = self.actions_by_name["play"]
        act.setIcon(icons.icon("pause" if playing else "play"))
        act.setText("Pause" if playing else "Play")

    def _sync_speed(self, v: float) -> None:
        with QtCore.QSignalBlocker(self.speed):
            self.speed.setValue(v)

    def _sync_view_actions(self) -> None:
        """Every View switch's check mark from the scene (the action whose slot sets it)."""
        view = self.scene.view
        for spec in ACTIONS:
            if spec.slot.startswith("set_view_flag."):
                key = spec.slot.split(".", 1)[1]
                act = self.actions_by_name[spec.name]
                with QtCore.QSignalBlocker(act):
                    act.setChecked(bool(view.get(key, DEFAULT_VIEW[key])))

    def store_view_state(self) -> None:
        """The 3D camera and the map's range into the scene (what a session saves)."""
        self.scene.view["camera"] = self.view_area.surface3d.camera()
        self.scene.view["ranges"] = self.view_area.map_view().ranges()

    # -- user actions ------------------------------------------------------------------------
    def go_first(self) -> None:
        self.scene.set_cursor(0)

    def go_last(self) -> None:
        self.scene.set_cursor(self.controller.last_step())

    def faster(self) -> None:
        self.scene.set_speed(self.scene.speed * 1.5)

    def slower(self) -> None:
        self.scene.set_speed(self.scene.speed / 1.5)

    def add_run(self) -> None:
        try:
            self.scene.add_run()
        except ConfigError as e:
            self.statusBar().showMessage(f"Not added: {e}", 8000)

    def _add_run_at(self, start: tuple[float, ...]) -> None:
        base = self.scene.selected_run
        start = tuple(float(v) for v in start)
        try:
            with self.scene.editing("Drop a marble"):
                if base is not None:
                    self.scene.add_run(base.config.replace(start=start, seed=base.config.seed))
                else:
                    run = self.scene.add_run()
                    self.scene.update_run(run.id, start=start)
        except ConfigError as e:
            self.statusBar().showMessage(f"No marble dropped: {e}", 8000)
            return
        where = "(" + ", ".join(f"{v:.3g}" for v in start) + ")"
        if len(start) > 2:
            where = "that point of the plane"
        self.statusBar().showMessage(f"Dropped a marble at {where}", 4000)

    def _move_start(self, run_id: int, start: tuple[float, float]) -> None:
        try:
            self.scene.update_run(run_id, start=start)
        except ValueError as e:
            self.statusBar().showMessage(str(e), 5000)

    def open_preset(self, name: str) -> bool:
        return self.documents.open_preset(name)

    def open_session(self, path: str) -> bool:
        return self.documents.open_session(path)

    def save_to(self, path: str) -> bool:
        return self.documents.save_to(path)

    # -- analyses ----------------------------------------------------------------------------
    def analyses(self, mode: int = 0):
        """The Analyses dialog (one per window), on a basin map (0) or a sweep (1)."""
        from gdsim.qt.analysis_dialog import AnalysisDialog

        dialog = self.analysis_dialog
        if dialog is None:
            dialog = self.analysis_dialog = AnalysisDialog(self, mode)
        elif not dialog.busy:  # while one computes, the dialog stays on it
            dialog.kind.setCurrentIndex(mode)
        dialog.show()
        dialog.raise_()
        return dialog

    def analyses_basin(self):
        return self.analyses(0)

    def analyses_sweep(self):
        return self.analyses(1)

    # -- help --------------------------------------------------------------------------------
    def show_shortcuts(self):
        from gdsim.qt.help import ShortcutsDialog

        dialog = ShortcutsDialog(self)
        dialog.show()
        return dialog

    def show_about(self):
        from gdsim.qt.help import about

        return about(self)

    # -- export ------------------------------------------------------------------------------
    def export_dialog(self) -> None:
        from gdsim.qt.export_dialog import ExportDialog

        ExportDialog(self).exec()

    def export_code(self, flavour: str, path: str | None = None) -> bool:
        """The selected run as a standalone script that prints its trajectory."""
        from gdsim.io.atomic import write_atomic
        from gdsim.io.code_export import CodeExportError, numpy_script, torch_script

        run = self.scene.selected_run
        if run is None:
            self.statusBar().showMessage("Select a run first", 4000)
            return False
        if path is None:
            path, _ = QtWidgets.QFileDialog.getSaveFileName(
                self, "Export as code", f"gdsim_{run.config.optimizer}_{flavour}.py", "*.py"
            )
            if not path:
                return False
        try:
            text = (numpy_script if flavour == "numpy" else torch_script)(run.config)
        except CodeExportError as e:
            self.statusBar().showMessage(f"Not exported: {e}", 8000)
            return False
        try:
            write_atomic(path, text)
        except OSError as e:
            self.statusBar().showMessage(f"Not written: {e}", 8000)
            return False
        self.statusBar().showMessage(f"Wrote {path}: run it with python", 6000)
        return True

    def copy_view(self) -> None:
        from gdsim.qt.export import render

        mime = QtCore.QMimeData()
        mime.setImageData(render(self.view_area.map_view(), 1.0))
        mime.setText(self.this_step.current_text())  # pasted into notes: the arithmetic
        QtWidgets.QApplication.clipboard().setMimeData(mime)
        self.statusBar().showMessage(
            "Copied the view (a picture) and this step's arithmetic (text) to the clipboard",
            4000,
        )

    # -- modes (kept as window methods: menus and tests call them) ---------------------------
    def set_projector(self, on: bool) -> None:
        self.presentation.set_projector(on)

    def set_dark(self, on: bool) -> None:
        self.presentation.set_dark(on)

    # -- lifecycle ---------------------------------------------------------------------------
    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if "presentation" in self.__dict__:
            if event.oldSize().width() != event.size().width():
                self._size_docks()
            self.presentation.fit_toolbar()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        # the tool buttons know their sizes once shown: fit the toolbar then
        QtCore.QTimer.singleShot(0, self, self.presentation.fit_toolbar)

    def closeEvent(self, event) -> None:
        if self.ask_on_close and not self.documents.may_discard("quitting"):
            event.ignore()
            return
        if self.presentation.projecting:  # save the window as it is outside projector mode
            self.presentation.set_projector(False)
        if self.presentation.blank_screen is not None:
            self.presentation.blank_screen.close()
        if self.analysis_dialog is not None:  # an analysis under way stops first
            self.analysis_dialog.stop()
            self.analysis_dialog.close()
        settings = QtCore.QSettings()
        settings.setValue("geometry", self.saveGeometry())
        settings.setValue("state", self.saveState())
        self.controller.shutdown()
        self.view_area.landscape.shutdown()
        self.scene.set_playing(False)
        self.presenter_keys.remove()
        super().closeEvent(event)

    def dispose(self) -> None:
        """Tear down in a safe order (the worker, then the GL window) before deletion."""
        self.controller.shutdown()
        self.view_area.landscape.shutdown()
        self.presenter_keys.remove()
        self.view_area.surface3d.dispose()
