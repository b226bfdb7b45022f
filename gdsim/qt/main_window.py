"""The main window: control panels on the left, the linked views in the middle,
playback in the toolbar.  It wires the scene, the controller and the views; the
views and panels do the drawing and editing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6 import QtCore, QtGui, QtWidgets

from gdsim.core.grid import sample
from gdsim.core.surfaces import get_surface
from gdsim.io.session import SUFFIX, SessionError, read_session, save_session
from gdsim.model import Scene
from gdsim.presets import list_presets, load_preset, scene_document
from gdsim.qt import icons, theme
from gdsim.qt.app import app_icon
from gdsim.qt.controller import SimulationController
from gdsim.qt.panels.controls import ControlsPanel
from gdsim.qt.panels.runs import RunsPanel
from gdsim.qt.panels.timeline import StepTable, Timeline
from gdsim.qt.views.contour import ContourView
from gdsim.qt.views.loss import LossView
from gdsim.qt.views.surface3d import Surface3DView

if TYPE_CHECKING:  # built when a surface first needs them (imported there)
    from gdsim.qt.views.curve1d import CurveView
    from gdsim.qt.views.data import DataView


class MainWindow(QtWidgets.QMainWindow):
    def __init__(self, scene: Scene | None = None, restore_layout: bool = True):
        super().__init__()
        self.setWindowTitle("gdsim — gradient descent simulator")
        self.setWindowIcon(app_icon())
        self.scene = scene or Scene.from_dict(scene_document(load_preset("ravine")))
        self.session_path: str | None = None
        self.analysis_dialog = None  # built on first use (Analyses menu)
        self._before_projector = None  # (full screen, panels shown) while projecting
        self.controller = SimulationController(self.scene, self)
        self._build_views()
        self._build_panels()
        self._build_toolbar()
        self._build_menus()
        self.statusBar().showMessage("Click the map to drop a marble; Space plays and pauses")
        s = self.scene
        s.surface_changed.connect(self._on_surface_changed)
        for sig in (s.run_added, s.run_removed):
            sig.connect(lambda *_: self._on_runs_changed())
        s.run_changed.connect(lambda *_: self._on_runs_changed())
        s.cursor_changed.connect(self.redraw)
        s.playing_changed.connect(self._on_playing_changed)
        s.speed_changed.connect(lambda v: self._sync_speed(v))
        s.view_changed.connect(lambda _k: self._on_view_changed())
        self.controller.trajectory_changed.connect(self._on_trajectory_changed)
        self.controller.run_failed.connect(lambda _rid, msg: self.statusBar().showMessage(msg))
        self._on_surface_changed(s.surface)
        self._on_playing_changed(s.playing)
        self.resize(1600, 1000)
        geometry = self._settings().value("geometry") if restore_layout else None
        if isinstance(geometry, QtCore.QByteArray):
            self.restoreGeometry(geometry)
            state = self._settings().value("state")
            if isinstance(state, QtCore.QByteArray):
                self.restoreState(state)
        self.main2d.currentWidget().setFocus()  # presenter keys work from the start

    # -- layout ------------------------------------------------------------------------------
    def _build_views(self) -> None:
        # the contour, curve and data views are built the first time a surface needs
        # them (a 2D surface never builds the curve view): start-up builds what it shows
        self._views: dict[str, QtWidgets.QWidget] = {}
        self.surface3d = Surface3DView(self.scene, self.controller)
        self.loss = LossView(self.scene, self.controller)
        self.main2d = QtWidgets.QStackedWidget()
        top = QtWidgets.QSplitter(QtCore.Qt.Horizontal)
        top.addWidget(self.main2d)
        top.addWidget(self.surface3d)
        top.setStretchFactor(0, 1)
        top.setStretchFactor(1, 1)
        self.bottom = QtWidgets.QSplitter(QtCore.Qt.Horizontal)
        self.bottom.addWidget(self.loss)
        split = QtWidgets.QSplitter(QtCore.Qt.Vertical)
        split.addWidget(top)
        split.addWidget(self.bottom)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        self.lesson = QtWidgets.QLabel()
        self.lesson.setWordWrap(True)
        self.lesson.setTextFormat(QtCore.Qt.RichText)
        self.lesson.setContentsMargins(8, 4, 8, 4)
        central = QtWidgets.QWidget()
        lay = QtWidgets.QVBoxLayout(central)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.lesson)
        lay.addWidget(split, 1)
        self.timeline = Timeline(self.scene, self.controller)
        lay.addWidget(self.timeline)
        self.setCentralWidget(central)
        self._set_lesson_text()

    @property
    def contour(self) -> ContourView:
        return self._view("contour")

    @property
    def curve(self) -> CurveView:
        return self._view("curve")

    @property
    def data(self) -> DataView:
        return self._view("data")

    @property
    def views(self) -> tuple:
        """The views built so far; the 3D view first, so that its frame renders while
        the 2D views paint."""
        lazy = [self._views.get(n) for n in ("contour", "curve", "data")]
        return (self.surface3d, self.loss, *(v for v in lazy if v is not None))

    def _view(self, name: str):
        view = self._views.get(name)
        if view is not None:
            return view
        if name == "contour":
            view = ContourView(self.scene, self.controller)
            view.on_click = lambda x, y: self._add_run_at((x, y))
            view.on_start_moved = self._move_start
            self.main2d.addWidget(view)
        elif name == "curve":
            from gdsim.qt.views.curve1d import CurveView

            view = CurveView(self.scene, self.controller)
            view.on_click = lambda x: self._add_run_at((x,))
            self.main2d.addWidget(view)
        elif name == "data":
            from gdsim.qt.views.data import DataView

            view = DataView(self.scene, self.controller)
            view.setVisible(False)  # shown by _on_surface_changed for a data surface
            self.bottom.addWidget(view)
        else:
            raise KeyError(name)
        self._views[name] = view
        return view

    def built_view(self, name: str):
        """The view called ``name`` if it has been built, else None."""
        return self._views.get(name)

    def _build_panels(self) -> None:
        self.controls = ControlsPanel(self.scene)
        self.controls.message.connect(lambda m: self.statusBar().showMessage(m, 8000))
        scroll = QtWidgets.QScrollArea()
        scroll.setWidget(self.controls)
        scroll.setWidgetResizable(True)
        scroll.setMinimumWidth(self.controls.sizeHint().width() + 24)
        self.controls_dock = QtWidgets.QDockWidget("Controls", self)
        self.controls_dock.setObjectName("controls")
        self.controls_dock.setWidget(scroll)
        self.addDockWidget(QtCore.Qt.LeftDockWidgetArea, self.controls_dock)
        self.runs_panel = RunsPanel(self.scene, self.controller)
        self.runs_dock = QtWidgets.QDockWidget("Runs", self)
        self.runs_dock.setObjectName("runs")
        self.runs_dock.setWidget(self.runs_panel)
        self.addDockWidget(QtCore.Qt.LeftDockWidgetArea, self.runs_dock)
        self.step_table = StepTable(self.scene, self.controller)
        self.steps_dock = QtWidgets.QDockWidget("Steps of the selected run", self)
        self.steps_dock.setObjectName("steps")
        self.steps_dock.setWidget(self.step_table)
        self.addDockWidget(QtCore.Qt.LeftDockWidgetArea, self.steps_dock)
        self.tabifyDockWidget(self.runs_dock, self.steps_dock)
        self.runs_dock.raise_()
        self.resizeDocks([self.controls_dock, self.runs_dock], [600, 300], QtCore.Qt.Vertical)

    def _action(self, text: str, slot, shortcut=None, tip: str = "", checkable=False):
        act = QtGui.QAction(text, self)
        if shortcut:
            act.setShortcuts(shortcut if isinstance(shortcut, list) else [shortcut])
            act.setShortcutContext(QtCore.Qt.WindowShortcut)
        act.setToolTip(f"{tip or text} ({act.shortcut().toString()})" if shortcut else tip or text)
        act.setCheckable(checkable)
        act.triggered.connect(slot)
        self.addAction(act)
        return act

    def _build_toolbar(self) -> None:
        c = self.controller
        tb = self.playback_toolbar = self.addToolBar("Playback")
        tb.setObjectName("playback")
        tb.setIconSize(QtCore.QSize(28, 28))
        self.play_act = self._action("Play", c.toggle_play, "Space", "Play / pause")
        self.back_act = self._action("Step back", c.step_back, "Left", "One step back")
        self.fwd_act = self._action("Step", c.step_forward, "Right", "One step forward")
        self.reset_act = self._action("Reset", c.reset, "R", "Back to step 0 and pause")
        self.home_act = self._action("First step", lambda: self.scene.set_cursor(0), "Home")
        self.end_act = self._action(
            "Last step", lambda: self.scene.set_cursor(c.last_step()), "End"
        )
        self.faster_act = self._action(
            "Faster",
            lambda: self.scene.set_speed(self.scene.speed * 1.5),
            ["+", "="],
            "Faster playback",
        )
        self.slower_act = self._action(
            "Slower", lambda: self.scene.set_speed(self.scene.speed / 1.5), "-", "Slower playback"
        )
        self._set_icons()
        for a in (self.reset_act, self.back_act, self.play_act, self.fwd_act):
            tb.addAction(a)
        tb.addSeparator()
        tb.addWidget(QtWidgets.QLabel(" speed "))
        self.speed = QtWidgets.QDoubleSpinBox()
        self.speed.setRange(0.5, 1000.0)
        self.speed.setDecimals(1)
        self.speed.setSuffix(" steps/s")
        self.speed.setKeyboardTracking(False)
        self.speed.setToolTip("Playback speed in steps per second (+ / −)")
        self.speed.valueChanged.connect(self.scene.set_speed)
        tb.addWidget(self.speed)
        self.step_label = QtWidgets.QLabel()
        self.step_label.setMinimumWidth(150)
        self.step_label.setAlignment(QtCore.Qt.AlignCenter)
        tb.addWidget(self.step_label)
        tb.addSeparator()
        self.log_act, self.grad_act, self.vel_act = (
            self._action(
                text, lambda on, k=key: self.scene.set_view(k, on), keys, tip, checkable=True
            )
            for text, key, keys, tip in (
                ("Log loss", "log_loss", "L", "Loss axis on a log scale"),
                (
                    "−∇f arrows",
                    "show_gradient",
                    "G",
                    "Show −∇f (black) and the mini-batch −g (dashed)",
                ),
                ("Step arrows", "show_velocity", "V", "Show the step each optimizer takes next"),
            )
        )
        for a in (self.log_act, self.grad_act, self.vel_act):
            tb.addAction(a)
        self._sync_speed(self.scene.speed)
        self._sync_view_actions()

    def _build_menus(self) -> None:
        mb = self.menuBar()
        fm = mb.addMenu("&File")
        fm.addAction(self._action("&Open session…", self.open_dialog, QtGui.QKeySequence.Open))
        self.recent_menu = fm.addMenu("Open &recent")
        self._fill_recent()
        fm.addAction(self._action("&Save", self.save, QtGui.QKeySequence.Save))
        fm.addAction(self._action("Save &as…", self.save_as, QtGui.QKeySequence.SaveAs))
        fm.addSeparator()
        self.export_act = self._action(
            "&Export…",
            self.export_dialog,
            "Ctrl+E",
            "Export a picture, an animation or the trajectories",
        )
        self.export_act.setIcon(icons.icon("save"))
        fm.addAction(self.export_act)
        self.playback_toolbar.addSeparator()
        self.playback_toolbar.addAction(self.export_act)
        fm.addAction(
            self._action(
                "&Copy view",
                self.copy_view,
                "Ctrl+Shift+C",
                "Copy the map (or curve) view to the clipboard",
            )
        )
        code = fm.addMenu("Export selected run as &code")
        code.setToolTipsVisible(True)
        numpy_act = code.addAction("Plain Python + numpy…", lambda: self.export_code("numpy"))
        numpy_act.setToolTip("A script that prints gdsim's trajectory of the run, bit for bit")
        torch_act = code.addAction("PyTorch (torch.optim)…", lambda: self.export_code("torch"))
        torch_act.setToolTip("The same run handed to torch.optim; agrees to rounding")
        fm.addSeparator()
        lessons = fm.addMenu("Open &lesson")
        for p in list_presets():
            lessons.addAction(p.title, lambda name=p.name: self.open_preset(name))
        fm.addSeparator()
        quit_act = self._action("&Quit", self.close, QtGui.QKeySequence.Quit)
        fm.addAction(quit_act)
        vm = mb.addMenu("&View")
        for a in (self.log_act, self.grad_act, self.vel_act):
            vm.addAction(a)
        self.minima_act = self._action(
            "Known minima",
            lambda on: self.scene.set_view("show_minima", on),
            None,
            "Mark the known minima and saddles",
            checkable=True,
        )
        self.minima_act.setChecked(self.scene.view.get("show_minima", True))
        vm.addAction(self.minima_act)
        self.panels_act = self._action(
            "Panels", self._toggle_panels, "Ctrl+P", "Show or hide the side panels", checkable=True
        )
        self.panels_act.setChecked(True)
        vm.addAction(self.panels_act)
        self.full_act = self._action("Full screen", self._toggle_full_screen, "F11", checkable=True)
        vm.addAction(self.full_act)
        self.projector_act = self._action(
            "Projector mode",
            self.set_projector,
            "F5",
            "Full screen, panels hidden, text and marks sized for the back row",
            checkable=True,
        )
        vm.addAction(self.projector_act)
        self.dark_act = self._action(
            "Dark theme",
            self.set_dark,
            "Ctrl+Shift+D",
            "High-contrast dark colours (remembered)",
            checkable=True,
        )
        self.dark_act.setChecked(theme.DARK)
        vm.addAction(self.dark_act)
        pm = mb.addMenu("&Playback")
        for a in (
            self.play_act,
            self.back_act,
            self.fwd_act,
            self.home_act,
            self.end_act,
            self.reset_act,
            self.faster_act,
            self.slower_act,
        ):
            pm.addAction(a)
        rm = mb.addMenu("&Runs")
        rm.addAction(self._action("Add run", lambda: self.scene.add_run(), "Ctrl+N"))
        rm.addAction(self._action("Remove selected run", self.runs_panel._remove, "Delete"))
        am = mb.addMenu("&Analyses")
        am.addAction(
            self._action(
                "&Basin map…",
                lambda: self.analyses(0),
                "Ctrl+B",
                "Run the selected run's optimizer from every start of a grid",
            )
        )
        am.addAction(
            self._action(
                "Learning-rate &sweep…",
                lambda: self.analyses(1),
                "Ctrl+Shift+L",
                "Repeat the selected run at many learning rates",
            )
        )

    # -- scene -> window ---------------------------------------------------------------------
    def _set_lesson_text(self) -> None:
        s = self.scene
        if s.title or s.explanation:
            size = theme.font_pt(theme.BASE_POINT_SIZE + 3)
            self.lesson.setText(
                f"<b style='font-size:{size:.0f}pt'>{s.title}</b><br>{s.explanation}"
            )
            self.lesson.show()
        else:
            self.lesson.hide()

    def _on_surface_changed(self, name: str) -> None:
        surface = get_surface(name)
        self._set_lesson_text()
        grid = sample(surface, 200 if surface.dim == 2 else 400)
        two_d = surface.dim == 2
        main = self.contour if two_d else self.curve
        self.main2d.setCurrentWidget(main)
        self.surface3d.setVisible(two_d)
        main.set_surface(surface, grid)
        if two_d:
            self.surface3d.set_surface(surface, grid)
        self.loss.set_surface(surface)
        data = self.data if surface.is_data else self.built_view("data")
        if data is not None:
            data.setVisible(surface.is_data)
            data.set_surface(surface)
            sizes = self.bottom.sizes()
            if surface.is_data and sizes[-1] < sum(sizes) // 4:  # just built: share the row
                self.bottom.setSizes([sum(sizes) // 2, sum(sizes) - sum(sizes) // 2])
        self._on_runs_changed()

    def _on_runs_changed(self) -> None:
        for v in self.views:
            v.sync_runs()
        self.redraw()

    def redraw(self, *_args) -> None:
        cursor = self.scene.cursor
        for v in self.views:
            if v.isVisibleTo(self):
                v.redraw(cursor)
        self.step_label.setText(f"step {cursor} / {self.controller.last_step()}")

    def _on_trajectory_changed(self, _run_id: int) -> None:
        self.loss.refresh()
        self.redraw()

    def _on_playing_changed(self, playing: bool) -> None:
        self.play_act.setIcon(icons.icon("pause" if playing else "play"))
        self.play_act.setText("Pause" if playing else "Play")

    def _set_icons(self) -> None:
        """The toolbar's icons in the theme's ink."""
        self.play_act.setIcon(icons.icon("pause" if self.scene.playing else "play"))
        self.back_act.setIcon(icons.icon("back"))
        self.fwd_act.setIcon(icons.icon("forward"))
        self.reset_act.setIcon(icons.icon("reset"))
        if hasattr(self, "export_act"):
            self.export_act.setIcon(icons.icon("save"))

    def _sync_speed(self, v: float) -> None:
        with QtCore.QSignalBlocker(self.speed):
            self.speed.setValue(v)

    def _sync_view_actions(self) -> None:
        view = self.scene.view
        for act, key in (
            (self.log_act, "log_loss"),
            (self.grad_act, "show_gradient"),
            (self.vel_act, "show_velocity"),
        ):
            with QtCore.QSignalBlocker(act):
                act.setChecked(bool(view.get(key)))

    def _on_view_changed(self) -> None:
        self._sync_view_actions()
        self.loss.refresh()
        show_minima = self.scene.view.get("show_minima", True)
        contour = self.built_view("contour")
        if contour is not None:
            contour.show_minima(show_minima)
            contour.apply_ranges()
        self.surface3d.apply_camera()
        self.surface3d.show_minima(show_minima)
        self.redraw()

    # -- user actions ------------------------------------------------------------------------
    def _add_run_at(self, start: tuple[float, ...]) -> None:
        base = self.scene.selected_run
        if base is not None:
            cfg = base.config.replace(start=tuple(float(v) for v in start), seed=base.config.seed)
            self.scene.add_run(cfg)
        else:
            run = self.scene.add_run()
            self.scene.update_run(run.id, start=tuple(float(v) for v in start))
        self.statusBar().showMessage(
            "Dropped a marble at (" + ", ".join(f"{v:.3g}" for v in start) + ")", 4000
        )

    def _move_start(self, run_id: int, start: tuple[float, float]) -> None:
        try:
            self.scene.update_run(run_id, start=start)
        except ValueError as e:
            self.statusBar().showMessage(str(e), 5000)

    def open_preset(self, name: str) -> None:
        self.scene.load(Scene.from_dict(scene_document(load_preset(name))))
        self.session_path = None
        self._set_lesson_text()

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

    # -- export ------------------------------------------------------------------------------
    def export_dialog(self) -> None:
        from gdsim.qt.export_dialog import ExportDialog

        ExportDialog(self).exec()

    def export_code(self, flavour: str, path: str | None = None) -> bool:
        """The selected run as a standalone script that prints its trajectory."""
        from gdsim.io.atomic import write_atomic
        from gdsim.io.code_export import numpy_script, torch_script

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
        text = (numpy_script if flavour == "numpy" else torch_script)(run.config)
        try:
            write_atomic(path, text)
        except OSError as e:
            self.statusBar().showMessage(f"Not written: {path}: {e.strerror}", 8000)
            return False
        self.statusBar().showMessage(f"Wrote {path}: run it with python", 6000)
        return True

    def copy_view(self) -> None:
        from gdsim.qt.export import render

        QtWidgets.QApplication.clipboard().setImage(render(self.main2d.currentWidget(), 1.0))
        self.statusBar().showMessage("Copied the view to the clipboard", 4000)

    # -- sessions ----------------------------------------------------------------------------
    def _settings(self) -> QtCore.QSettings:
        return QtCore.QSettings()

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        recent = self._settings().value("recent", [], type=list) or []
        for path in recent:
            self.recent_menu.addAction(path, lambda p=path: self.open_session(p))
        self.recent_menu.setEnabled(bool(recent))

    def _remember(self, path: str) -> None:
        s = self._settings()
        recent = [p for p in (s.value("recent", [], type=list) or []) if p != path]
        s.setValue("recent", [path, *recent][:8])
        self._fill_recent()

    def open_session(self, path: str) -> bool:
        """Open a saved session; on failure say why and change nothing."""
        try:
            scene = read_session(path)
        except SessionError as e:
            QtWidgets.QMessageBox.warning(self, "Cannot open session", str(e))
            self.statusBar().showMessage(str(e), 10000)
            return False
        self.scene.load(scene)
        self.session_path = path
        self._set_lesson_text()
        self._remember(path)
        self.statusBar().showMessage(f"Opened {path}", 5000)
        return True

    def open_dialog(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(
            self, "Open session", "", "gdsim sessions (*.gdsim.json);;All files (*)"
        )
        if path:
            self.open_session(path)

    def save(self) -> bool:
        if not self.session_path:
            return self.save_as()
        return self.save_to(self.session_path)

    def save_as(self) -> bool:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self, "Save session", "lesson" + SUFFIX, "gdsim sessions (*.gdsim.json)"
        )
        if not path:
            return False
        if not path.endswith(".json"):
            path += SUFFIX
        return self.save_to(path)

    def save_to(self, path: str) -> bool:
        self.scene.view["camera"] = self.surface3d.camera()
        contour = self.built_view("contour")
        if contour is not None and self.main2d.currentWidget() is contour:
            self.scene.view["ranges"] = contour.ranges()
        try:
            save_session(path, self.scene)
        except OSError as e:
            QtWidgets.QMessageBox.warning(self, "Cannot save", f"{path}: {e.strerror}")
            return False
        self.session_path = path
        self._remember(path)
        self.statusBar().showMessage(f"Saved {path}", 5000)
        return True

    def _toggle_panels(self, on: bool) -> None:
        for dock in (self.controls_dock, self.runs_dock, self.steps_dock):
            dock.setVisible(on)

    def _toggle_full_screen(self, on: bool) -> None:
        self.showFullScreen() if on else self.showNormal()

    def set_dark(self, on: bool) -> None:
        """Dark or light colours for the window and every view; remembered for next time."""
        theme.set_dark(on)
        theme.apply_palette(QtWidgets.QApplication.instance())
        theme.configure_pyqtgraph()  # for views built later
        for view in self.views:
            view.restyle()
        if self.analysis_dialog is not None:
            self.analysis_dialog.restyle()
        self._set_icons()
        self.dark_act.setChecked(on)
        self._settings().setValue("dark", bool(on))

    def set_projector(self, on: bool) -> None:
        """Projector mode: full screen, the side panels hidden, text 1.5× and trails,
        arrows and marbles 1.6× as large; leaving it puts the window back as it was."""
        if on == (self._before_projector is not None):
            return
        if on:
            self._before_projector = (self.full_act.isChecked(), self.panels_act.isChecked())
            full, panels = True, False
        else:
            full, panels = self._before_projector
            self._before_projector = None
        theme.set_projector(on)
        app = QtWidgets.QApplication.instance()
        theme.apply_app_font(app, theme.FONT_SCALE)
        for view in self.views:
            view.restyle()
        self._set_lesson_text()
        self.full_act.setChecked(full)
        self._toggle_full_screen(full)
        self.panels_act.setChecked(panels)
        self._toggle_panels(panels)
        self.projector_act.setChecked(on)

    def closeEvent(self, event) -> None:
        if self._before_projector is not None:  # save the window as it is outside projector mode
            self.set_projector(False)
        if self.analysis_dialog is not None:  # an analysis under way stops first
            self.analysis_dialog.stop()
            self.analysis_dialog.close()
        self._settings().setValue("geometry", self.saveGeometry())
        self._settings().setValue("state", self.saveState())
        self.controller.shutdown()
        self.scene.set_playing(False)
        super().closeEvent(event)

    def dispose(self) -> None:
        """Tear down in a safe order (the worker, then the GL window) before deletion."""
        self.controller.shutdown()
        self.surface3d.dispose()
