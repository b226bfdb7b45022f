"""The box where a teacher types a surface of their own: f(x, y) = …

The text is checked as it is typed (once sympy is loaded) and again on Enter or Apply;
a refused formula turns the field red, says what is wrong and where, puts the text
cursor at that column, and leaves the current surface in place. Nothing typed is ever
executed: see :mod:`gdsim.core.formula`.
"""

from __future__ import annotations

import sys

from PySide6 import QtCore, QtWidgets

from gdsim.core.formula import FUNCTIONS, FormulaError, formula_surface, parse, surface_name
from gdsim.qt import theme
from gdsim.qt.panels.widgets import WrappedLabel

EXAMPLE = "sin(x)*cos(y) + 0.1*(x^2 + y^2)"
HELP = (
    "Type f(x, y), or f(x) for a 1D surface, and press Enter.\n"
    "Numbers, x, y, pi, e; + − * / and ^ (or **) for powers; parentheses;\n"
    f"functions: {', '.join(sorted(FUNCTIONS))}.\n"
    "Write products with *: 3*x, not 3x. x and y run over [−5, 5]."
)


class FormulaBox(QtWidgets.QWidget):
    """``applied(name)`` carries the surface name of an accepted formula."""

    applied = QtCore.Signal(str)
    refused = QtCore.Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QtWidgets.QGridLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.label = QtWidgets.QLabel("f(x, y) =")
        self.edit = QtWidgets.QLineEdit()
        self.edit.setPlaceholderText(EXAMPLE)
        self.edit.setToolTip(HELP)
        self.edit.setMaxLength(200)
        self.label.setBuddy(self.edit)
        self.apply = QtWidgets.QPushButton("Apply")
        self.apply.setToolTip("Use this formula as the surface (Enter)")
        self.error = WrappedLabel()
        self.error.hide()
        # the field has the panel's whole width (a formula is long; the panel narrow)
        lay.addWidget(self.label, 0, 0)
        lay.addWidget(self.apply, 0, 1, QtCore.Qt.AlignRight)
        lay.addWidget(self.edit, 1, 0, 1, 2)
        lay.addWidget(self.error, 2, 0, 1, 2)
        lay.setColumnStretch(0, 1)
        self.edit.returnPressed.connect(self.submit)
        self.apply.clicked.connect(self.submit)
        self._live = QtCore.QTimer(self, singleShot=True, interval=250)
        self._live.timeout.connect(self._check_live)
        self.edit.textEdited.connect(lambda _t: self._live.start())
        self.edit.revert = self.revert  # what Escape does in the field (presenter_keys)

    def set_text(self, text: str) -> None:
        self._applied = text
        self.edit.setText(text)
        self._show(None)

    def revert(self) -> None:
        """Escape: the formula in force again."""
        self.set_text(getattr(self, "_applied", ""))

    def text(self) -> str:
        return self.edit.text().strip() or self.edit.placeholderText()

    def submit(self) -> bool:
        """Build the typed surface; emit ``applied`` or show why it is refused."""
        self._live.stop()
        text = self.text()
        QtWidgets.QApplication.setOverrideCursor(QtCore.Qt.WaitCursor)
        try:
            formula_surface(text)
        except FormulaError as e:
            raw = self.edit.text()
            lead = len(raw) - len(raw.lstrip()) if raw.strip() else 0
            if e.column is not None and lead:  # columns of the text as it stands in the box
                e = FormulaError(e.message, e.column + lead)
            self._show(e)
            self.refused.emit(f"Formula not applied: {e}")
            return False
        finally:
            QtWidgets.QApplication.restoreOverrideCursor()
        if not self.edit.text().strip():
            self.edit.setText(text)
        self._show(None)
        self.applied.emit(surface_name(text))
        return True

    def _check_live(self) -> None:
        """While typing: say what is wrong, if sympy is already there to tell."""
        if "sympy" not in sys.modules or not self.edit.text().strip():
            self._show(None)
            return
        try:
            parse(self.edit.text())
        except FormulaError as e:
            self._show(e, move_cursor=False)
        else:
            self._show(None)

    def _show(self, error: FormulaError | None, move_cursor: bool = True) -> None:
        if error is None:
            self.error.hide()
            self.edit.setStyleSheet("")
            return
        self.error.setText(str(error))
        self.error.setStyleSheet(theme.error_style())
        self.error.show()
        self.edit.setStyleSheet(theme.REFUSED_FIELD)
        if move_cursor and error.column is not None:
            self.edit.setFocus(QtCore.Qt.OtherFocusReason)
            self.edit.setCursorPosition(max(0, error.column - 1))
            self.edit.setProperty("keep_focus", True)  # the edit goes on: see presenter_keys

    def set_dimension(self, dim: int) -> None:
        self.label.setText("f(x) =" if dim == 1 else "f(x, y) =")
