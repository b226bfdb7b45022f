"""Qt fixtures: the real window on the Xvfb screen (OpenGL needs a real X server)."""

import os

import pytest

pytest.importorskip("PySide6")

import shiboken6

from gdsim.qt.app import prepare_gl

prepare_gl()


@pytest.fixture(scope="session", autouse=True)
def _settings_in_a_temp_dir(tmp_path_factory):
    """QSettings (window geometry, recent files) go to a temporary INI file."""
    from PySide6 import QtCore

    QtCore.QCoreApplication.setOrganizationName("gdsim-tests")
    QtCore.QCoreApplication.setApplicationName("gdsim-tests")
    QtCore.QSettings.setDefaultFormat(QtCore.QSettings.IniFormat)
    QtCore.QSettings.setPath(
        QtCore.QSettings.IniFormat,
        QtCore.QSettings.UserScope,
        str(tmp_path_factory.mktemp("settings")),
    )


@pytest.fixture(autouse=True)
def _no_blocking_dialogs(monkeypatch):
    """A test never waits for a person: a file dialog nobody patched fails the test, and
    a message box nobody patched is answered with its default button."""
    from PySide6 import QtWidgets

    def no_file_dialog(*_args, **_kwargs):
        pytest.fail("a file dialog was opened in a test (patch QFileDialog to answer it)")

    for name in ("getSaveFileName", "getOpenFileName", "getExistingDirectory"):
        monkeypatch.setattr(QtWidgets.QFileDialog, name, staticmethod(no_file_dialog))
    for name in ("warning", "critical", "information", "question"):
        monkeypatch.setattr(
            QtWidgets.QMessageBox, name, staticmethod(lambda *a, **k: QtWidgets.QMessageBox.Ok)
        )


@pytest.fixture(scope="session", autouse=True)
def _cycles_collected_in_the_gui_thread(qapp):
    """As in the app (gdsim.qt.app.collect_in_gui_thread): a collection in the
    simulation thread could free a closed window's widgets there and deadlock Qt."""
    import gc

    from gdsim.qt import app

    app.collect_in_gui_thread()
    yield
    app._collector.timer.stop()
    gc.enable()


@pytest.fixture(scope="session", autouse=True)
def _pyqtgraph_config():
    from gdsim.qt import theme

    theme.configure_pyqtgraph()


@pytest.fixture
def make_window(qtbot):
    """Build a MainWindow on a preset (or a Scene); close it and check its thread stopped."""
    from gdsim.model import Scene
    from gdsim.presets import load_preset, scene_document
    from gdsim.qt.main_window import MainWindow

    windows = []

    def make(preset="ravine", playing=False, scene=None, size=(1400, 900), wait=True):
        if scene is None:
            doc = scene_document(load_preset(preset))
            doc["playing"] = playing
            scene = Scene.from_dict(doc)
        w = MainWindow(scene, restore_layout=False)
        # closing with unsaved edits would ask; a test that wants the question answers it
        w.documents.ask_to_save = lambda doing: "discard"
        qtbot.addWidget(w)
        w.resize(*size)
        w.show()
        qtbot.waitExposed(w)
        windows.append(w)
        # the 3D view builds its GL window, and the area its loss view, just after the
        # window first paints
        qtbot.waitUntil(lambda: w.surface3d.gl is not None or not w.surface3d.isVisible())
        qtbot.waitUntil(lambda: w.view_area.built_view("loss") is not None)
        if wait:
            wait_trajectories(qtbot, w)
        return w

    yield make
    for w in windows:
        w.close()
        assert not w.controller.is_running(), "the simulation thread outlived its window"
        w.dispose()
        shiboken6.delete(w)  # no main window may outlive the test (GL container at exit)
    import gc

    gc.collect()  # its Python-side cycles go now, in this (the GUI) thread


def wait_trajectories(qtbot, w, timeout=5000):
    qtbot.waitUntil(lambda: not w.controller.pending(), timeout=timeout)


def needs_display():
    return pytest.mark.skipif(
        os.environ.get("QT_QPA_PLATFORM") == "offscreen" or not os.environ.get("DISPLAY"),
        reason="OpenGL needs an X server (run under xvfb-run, as make test does)",
    )
