"""``gdsim --smoke-test``: build the window, play the default lesson for at least 30
steps, check that the 2D and the 3D views really rendered (a framebuffer with more
than one colour), close the window while it is still playing; exit 0 or 1.

``--report FILE.json`` also writes the window's layout after it has played (see
:mod:`gdsim.qt.layout_report`); ``--projector`` / ``--fullscreen`` enter that mode
first."""

from __future__ import annotations

import json
import sys

import numpy as np
from PySide6 import QtCore, QtGui

MIN_STEPS = 30
TIMEOUT_MS = 30000


def image_is_drawn(img: QtGui.QImage) -> bool:
    """True when the image is not empty and holds more than one colour."""
    if img.isNull() or img.width() < 10 or img.height() < 10:
        return False
    img = img.convertToFormat(QtGui.QImage.Format_RGBA8888)
    arr = np.frombuffer(img.constBits(), dtype=np.uint8, count=img.sizeInBytes())
    arr = arr.reshape(img.height(), img.bytesPerLine())[:, : img.width() * 4]
    return len(np.unique(arr.reshape(-1, 4)[:: max(1, arr.size // 40000)], axis=0)) > 8


class SmokeTest:
    def __init__(self, app, window, report: str | None = None, mode: str = "normal"):
        self.app, self.window = app, window
        self.result: dict[str, bool] = {}
        self.code = 1
        self.report, self.mode = report, mode

    def run(self) -> int:
        w = self.window
        w.ask_on_close = False  # nobody is there to answer
        if not w.scene.runs:  # a session saved without runs: drop one marble to play
            w.scene.add_run()
        if self.mode == "projector":
            w.presentation.set_projector(True)
        elif self.mode == "fullscreen":
            w.presentation.set_full_screen(True)
        w.scene.set_speed(120.0)
        w.scene.set_playing(True)
        self.checking = True
        # checked at each step, so that a short lesson is caught before its end
        w.scene.cursor_changed.connect(lambda _c: QtCore.QTimer.singleShot(0, self._check))
        QtCore.QTimer.singleShot(TIMEOUT_MS, self._timeout)
        self.app.exec()
        return self.code

    def _check(self) -> None:
        w = self.window
        # a short lesson is checked one step before its end, while it still plays
        enough = min(MIN_STEPS, max(w.controller.last_step() - 1, 1))
        if not self.checking or w.scene.cursor < enough or w.controller.pending():
            return
        self.checking = False
        two_d = image_is_drawn(w.view_area.map_view().grab().toImage())
        has_3d = w.surface3d.isVisibleTo(w)  # a one-parameter surface has no 3D view
        three_d = image_is_drawn(w.surface3d.grabFramebuffer()) if has_3d else True
        playing = w.scene.playing
        ok = two_d and three_d and playing
        print(
            f"smoke test: played {w.scene.cursor} steps; 2D view rendered: {two_d}; "
            f"3D view rendered: {three_d if has_3d else 'none (one parameter)'}; "
            f"closed while playing: {playing}; {'OK' if ok else 'FAILED'}",
            file=sys.stderr if not ok else sys.stdout,
        )
        self.code = 0 if ok else 1
        if self.report:
            self._write_report()
        w.close()  # mid-run
        self.app.quit()

    def _write_report(self) -> None:
        from gdsim.qt.layout_report import layout_report

        for _ in range(3):  # let the last layout and paint settle
            self.app.processEvents()
        try:
            with open(self.report, "w", encoding="utf-8") as f:
                json.dump(layout_report(self.window), f, indent=1, ensure_ascii=False)
        except OSError as e:
            print(f"smoke test: cannot write {self.report}: {e.strerror}", file=sys.stderr)
            self.code = 1

    def _timeout(self) -> None:
        if self.checking:
            print(
                f"smoke test: FAILED, only {self.window.scene.cursor} steps in "
                f"{TIMEOUT_MS / 1000:.0f} s",
                file=sys.stderr,
            )
            self.code = 1
            self.window.close()
            self.app.quit()
