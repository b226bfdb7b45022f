"""SIGTERM and SIGINT close the window cleanly: unsaved changes go to a recovery
session, the simulation thread stops, and gdsim exits 0."""

import os
import signal
import subprocess
import sys
import time

from gdsim.io.session import read_session
from gdsim.qt import stop_signals
from gdsim.qt.stop_signals import StopSignals


def test_sigterm_saves_unsaved_changes_and_closes_the_window(
    make_window, qtbot, tmp_path, monkeypatch
):
    monkeypatch.setattr(stop_signals, "recovery_folder", lambda: str(tmp_path / "recovered"))
    w = make_window("marbles")
    stops = StopSignals(w)
    try:
        w.scene.set_hyper(w.scene.runs[0].id, lr=0.0123)  # not saved
        os.kill(os.getpid(), signal.SIGTERM)
        qtbot.waitUntil(lambda: not w.isVisible(), timeout=5000)
    finally:
        stops.remove()
    assert not w.controller.is_running()
    saved = list((tmp_path / "recovered").iterdir())
    assert len(saved) == 1 and saved[0].name.endswith(".gdsim.json")
    assert read_session(saved[0]).runs[0].config.lr == 0.0123
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL  # given back


def test_ctrl_c_with_nothing_unsaved_just_closes(make_window, qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(stop_signals, "recovery_folder", lambda: str(tmp_path / "recovered"))
    w = make_window("ravine")
    stops = StopSignals(w)
    try:
        os.kill(os.getpid(), signal.SIGINT)
        qtbot.waitUntil(lambda: not w.isVisible(), timeout=5000)
    finally:
        stops.remove()
    assert not (tmp_path / "recovered").exists()


def test_gdsim_exits_0_on_sigterm_with_its_thread_stopped():
    proc = subprocess.Popen(
        [sys.executable, "-m", "gdsim", "--preset", "rosenbrock-race"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(4)  # the window is up and playing
    assert proc.poll() is None
    proc.send_signal(signal.SIGTERM)
    _out, err = proc.communicate(timeout=15)
    assert proc.returncode == 0, err
    assert "QThread" not in err and "Traceback" not in err
