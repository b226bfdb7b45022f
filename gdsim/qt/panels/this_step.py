"""The "This step" panel: the selected run's update at the cursor, written out line by
line as torch's documentation writes the algorithm, each line with its numbers at this
step (see :mod:`gdsim.core.explain`).  It follows the cursor, the selection and every
new trajectory; a hidden panel computes nothing and catches up when it is shown.  Copy
puts the lines on the clipboard with every digit."""

from __future__ import annotations

import html

from PySide6 import QtCore, QtGui, QtWidgets

from gdsim.core.explain import explain_step, fmt
from gdsim.qt import theme
from gdsim.qt.panels.widgets import on_screen
from gdsim.qt.views.base import index_at
from gdsim.qt.views.legend import status_at

DIGITS = 6  # significant digits on screen (Copy gives them all)


class ThisStepPanel(QtWidgets.QWidget):
    moved = QtCore.Signal()  # popped out or docked back: the keyboard goes back to the views

    def __init__(self, scene, controller, parent=None):
        super().__init__(parent)
        self.scene, self.controller = scene, controller
        self.explanation = None
        self.heading = QtWidgets.QLabel()
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(QtCore.Qt.PlainText)
        self.view = QtWidgets.QTextBrowser()
        self.view.setOpenLinks(False)
        self.view.setToolTip(
            "The selected run's update at the cursor, with this step's numbers "
            "(the run's own float64 values; Copy gives every digit)"
        )
        self.copy_btn = QtWidgets.QPushButton("Copy")
        self.copy_btn.setToolTip("Copy these lines as text, with every digit")
        self.copy_btn.clicked.connect(self.copy)
        self.pop_btn = QtWidgets.QPushButton("Pop out")
        self.pop_btn.setToolTip(
            "Show this panel in a large window of its own, beside the plots (the class can "
            "read it); again to put it back"
        )
        self.pop_btn.clicked.connect(self.pop_out)
        top = QtWidgets.QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.pop_btn, 0, QtCore.Qt.AlignTop)
        top.addWidget(self.copy_btn, 0, QtCore.Qt.AlignTop)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(top)
        lay.addWidget(self.view, 1)
        scene.cursor_changed.connect(lambda _c: self.refresh())
        scene.selection_changed.connect(lambda _r: self.refresh())
        scene.run_changed.connect(lambda _r, _c: self.refresh())
        scene.reset.connect(self.refresh)
        controller.trajectory_changed.connect(self._on_trajectory)

    def _on_trajectory(self, run_id: int) -> None:
        if run_id == self.scene.selected:
            self.refresh()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.refresh(force=True)

    def refresh(self, force: bool = False) -> None:
        """The explanation at the cursor; nothing while off screen unless ``force``
        (the dock's tab has just come to the front)."""
        if not (force and self.isVisible()) and not on_screen(self):
            return
        heading, self.explanation = self.explain()
        self._show(heading, "" if self.explanation is None else self._html(self.explanation))

    def explain(self):
        """(heading, Explanation or None) for the selected run at the cursor, whether
        the panel is shown or not."""
        run = self.scene.selected_run
        traj = None if run is None else self.controller.trajectories.get(run.id)
        if run is None:
            return "Select a run to see its steps written out.", None
        label = self.scene.label(run.id)
        if traj is None or len(traj) == 0 or not self.controller.is_current(run.id):
            return f"{label}: computing…", None
        k = index_at(traj, self.scene.cursor)
        if k >= len(traj) - 1:
            return f"{label} at step {k}: {status_at(traj, k)}; no step follows.", None
        try:
            e = explain_step(run.config, traj, k)
        except (ValueError, ArithmeticError, KeyError) as err:  # an undefined step: say so
            return f"{label}, step {k} → {k + 1}: {err}", None
        opt = run.config.optimizer
        who = label if label.split()[0] == opt else f"{label} ({opt})"
        return f"{who}: step {k} → {k + 1}", e

    def current_text(self) -> str:
        """The panel's text at the cursor with every digit, shown or not (Copy view)."""
        heading, e = self.explain()
        return heading if e is None else heading + "\n" + e.text()

    def _show(self, heading: str, body: str) -> None:
        self.heading.setText(heading)
        self.view.setHtml(body)
        self.copy_btn.setEnabled(self.explanation is not None)

    def _html(self, e) -> str:
        """Each line's formula and '= value' side by side where the panel is wide enough,
        else the value below its formula; notes in grey; sized for the back row (the
        theme's font, larger in projector mode)."""
        soft = theme.colors()["soft"]
        size = theme.font_pt() + 1
        font = QtGui.QFont(self.font())
        font.setPointSizeF(size)
        bold = QtGui.QFont(font)
        bold.setBold(True)
        cells = [
            (ln.formula, "" if ln.value is None else "= " + fmt(ln.value, DIGITS), ln.note)
            for ln in e.lines
        ]
        left = max(QtGui.QFontMetrics(bold).horizontalAdvance(f) for f, _, _ in cells)
        right = max(QtGui.QFontMetrics(font).horizontalAdvance(v) for _, v, _ in cells)
        side_by_side = left + right + 40 <= self.view.viewport().width()
        small = f"color:{soft}; font-size:{size - 2:.0f}pt"
        rows = []
        for formula, value, note in cells:
            f, v = html.escape(formula), html.escape(value)
            if side_by_side:
                rows.append(
                    f"<tr><td style='white-space:nowrap; padding-right:10px'><b>{f}</b></td>"
                    f"<td style='white-space:nowrap'>{v}</td></tr>"
                )
            else:
                rows.append(f"<tr><td><b>{f}</b></td></tr>")
                rows.append(f"<tr><td style='padding-left:14px; white-space:nowrap'>{v}</td></tr>")
            if note:
                span = " colspan=2" if side_by_side else ""
                rows.append(f"<tr><td{span} style='{small}'>{html.escape(note)}</td></tr>")
        return (
            f"<table cellspacing=0 cellpadding=1 style='font-size:{size:.0f}pt'>"
            f"{''.join(rows)}</table>"
        )

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.explanation is not None:  # side by side or stacked, for the new width
            self.view.setHtml(self._html(self.explanation))

    def pop_out(self) -> None:
        """Float the panel's dock in a window of about half the screen, at its right
        (lines side by side there), or dock it back."""
        dock = self.parentWidget()
        while dock is not None and not isinstance(dock, QtWidgets.QDockWidget):
            dock = dock.parentWidget()
        if dock is None:
            return
        if dock.isFloating():
            dock.setFloating(False)
            self.pop_btn.setText("Pop out")
            self.moved.emit()
            return
        screen = (self.screen() or QtWidgets.QApplication.primaryScreen()).availableGeometry()
        w, h = int(screen.width() * 0.45), int(screen.height() * 0.7)
        dock.setFloating(True)
        dock.setGeometry(screen.right() - w - 8, screen.top() + int(screen.height() * 0.12), w, h)
        dock.raise_()
        self.pop_btn.setText("Dock")
        self.refresh(force=True)
        self.moved.emit()

    def text(self) -> str:
        """What Copy puts on the clipboard: the heading and the lines, every digit."""
        if self.explanation is None:
            return self.heading.text()
        return self.heading.text() + "\n" + self.explanation.text()

    def copy(self) -> None:
        QtGui.QGuiApplication.clipboard().setText(self.text())
