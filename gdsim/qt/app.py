"""Starting the window: the QApplication, the first scene, ``--smoke-test``.

``GDSIM_STARTUP_PROBE=1`` makes the app print ``first-paint`` as soon as the main
window has painted once, then ``complete`` once the views built after that paint (the
loss view, the 3D view's GL window) have drawn too, then quit (used by ``gdsim bench
gui``).
"""

from __future__ import annotations

import gc
import os
import sys

from gdsim.model import Scene, SceneError
from gdsim.presets import PresetError, load_preset, scene_document

EXIT_USAGE = 2


def initial_scene(preset: str | None) -> Scene:
    return Scene.from_dict(scene_document(load_preset(preset or "ravine")))


def make_app(argv=None, remembered_theme: bool = True):
    """The QApplication, set up for gdsim. ``remembered_theme``: the window's remembered
    dark theme (off for command-line pictures and the bench: the same on every machine)."""
    from PySide6 import QtCore, QtWidgets

    from gdsim.qt import theme

    QtCore.QCoreApplication.setOrganizationName("gdsim")
    QtCore.QCoreApplication.setApplicationName("gdsim")
    app = QtWidgets.QApplication.instance()
    if app is None:  # (the GL format is set once, before the application exists)
        prepare_gl()
        app = QtWidgets.QApplication(argv or [sys.argv[0]])
    collect_in_gui_thread()
    app.setDesktopFileName("io.github.gdsim.Gdsim")  # matches assets/*.desktop
    from gdsim.qt.icons import app_icon

    app.setWindowIcon(app_icon())
    if remembered_theme and QtCore.QSettings().value("dark", False, type=bool):
        theme.set_dark(True)
    theme.apply_palette(app)  # gdsim's style (Fusion, dark-proof check boxes) either way
    theme.configure_pyqtgraph()
    theme.apply_app_font(app)
    return app


def prepare_gl() -> None:
    """Before the QApplication exists: a multisampled default format, and one share
    group for every GL context, so that pyqtgraph's cached shader programs stay valid
    when a 3D view is closed and another one opened (export, a second window, tests)."""
    from PySide6 import QtCore, QtGui

    fmt = QtGui.QSurfaceFormat()
    fmt.setDepthBufferSize(24)
    fmt.setStencilBufferSize(8)  # the same depth format as an FBO: depth can be copied
    fmt.setSwapInterval(0)  # no vsync wait: the views are redrawn at the playback rate
    QtGui.QSurfaceFormat.setDefaultFormat(fmt)
    QtCore.QCoreApplication.setAttribute(QtCore.Qt.AA_ShareOpenGLContexts)


class _WhenComplete:
    """Probe: ``callback(True)`` once the loss view has painted and the 3D view has
    rendered a frame (both are built after the window's first paint), or
    ``callback(False)`` if that has not happened within ``timeout_ms``."""

    def __init__(self, window, callback, timeout_ms: int = 20_000):
        from PySide6 import QtCore, QtWidgets

        area, app = window.view_area, QtWidgets.QApplication.instance()
        self.loss_painted, self.callback = False, callback
        probe = self

        class Filter(QtCore.QObject):  # the loss view's first paint, as soon as it is built
            def eventFilter(self, obj, event):
                if event.type() == QtCore.QEvent.Paint and not probe.loss_painted:
                    loss = area.built_view("loss")
                    probe.loss_painted = loss is not None and obj == loss.viewport()
                return False

        self.filter = Filter(window)
        app.installEventFilter(self.filter)
        self.timer = QtCore.QTimer(window)
        self.timer.setInterval(5)
        self.timer.timeout.connect(lambda: self._check(area))
        self.timer.start()
        QtCore.QTimer.singleShot(timeout_ms, window, lambda: self._finish(False))

    def _check(self, area) -> None:
        gl, shown = area.surface3d.gl, area.surface3d.isVisibleTo(area)
        if self.loss_painted and (not shown or (gl is not None and gl.frames > 0)):
            self._finish(True)

    def _finish(self, complete: bool) -> None:
        if self.callback is None:
            return
        from PySide6 import QtWidgets

        self.timer.stop()
        QtWidgets.QApplication.instance().removeEventFilter(self.filter)
        callback, self.callback = self.callback, None
        callback(complete)


def end_startup() -> None:
    """The window is up: freeze what start-up made (hundreds of thousands of objects and
    little garbage, built with the cycle collector off: ~40 ms of start-up), so that
    later collections, in the GUI thread (collect_in_gui_thread), do not walk it again."""
    gc.freeze()


_collector = None


def collect_in_gui_thread() -> None:
    """Python's cycle collector runs in whichever thread allocates when a threshold is
    crossed; run in the simulation thread, it may free a closed dialog's Qt widgets
    there, and Qt deadlocks (the widget's destructor waits for the GUI thread, which
    waits for the GIL).  pyqtgraph's GarbageCollector turns automatic collection off and
    collects on a timer of the GUI thread instead (once per process)."""
    global _collector
    if _collector is None:
        from pyqtgraph.util.garbage_collector import GarbageCollector

        _collector = GarbageCollector(interval=1.0)


def run_app(
    preset: str | None = None,
    session: str | None = None,
    smoke_test: bool = False,
    report: str | None = None,
    mode: str = "normal",
) -> int:
    from gdsim.io.session import SessionError, read_session

    try:
        scene = read_session(session) if session is not None else initial_scene(preset)
    except (PresetError, SceneError, SessionError) as e:
        print(f"gdsim: {e}", file=sys.stderr)
        return EXIT_USAGE
    app = make_app()
    from PySide6 import QtCore

    from gdsim.qt.first_paint import after_first_paint
    from gdsim.qt.main_window import MainWindow

    window = MainWindow(scene, restore_layout=not smoke_test)
    if session is not None:
        window.session_path = session
    probe = bool(os.environ.get("GDSIM_STARTUP_PROBE"))

    def painted():
        if probe:
            print("first-paint", flush=True)

            def complete(done: bool):
                print("complete" if done else "incomplete", flush=True)
                window.close()

            window.startup_probe = _WhenComplete(window, complete)
        end_startup()
        # what the window needs first when a user acts, imported while they look at it
        QtCore.QTimer.singleShot(100, lambda: window.controls.run_editor.lr_to_scene)

    after_first_paint(window, painted)
    QtCore.QTimer.singleShot(5000, end_startup)  # in case the window is never painted
    if smoke_test:
        from gdsim.qt.smoke import SmokeTest

        smoke = SmokeTest(app, window, report, mode)
        window.show()
        code = smoke.run()
    else:
        from gdsim.qt.stop_signals import StopSignals

        stops = StopSignals(window)  # SIGTERM and Ctrl+C close the window cleanly
        window.show()
        if mode == "projector":
            window.presentation.set_projector(True)
        elif mode == "fullscreen":
            window.presentation.set_full_screen(True)
        code = app.exec()
        stops.remove()
    window.dispose()
    import shiboken6

    shiboken6.delete(window)
    return int(code)
