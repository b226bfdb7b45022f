"""The lesson's title and explanation above the views, foldable to its title line."""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from gdsim.qt import theme


class LessonBanner(QtWidgets.QWidget):
    """Title (bold) and explanation (plain text, wrapped); the arrow button, or T, folds
    the explanation away so that the views get its room."""

    fold_toggled = QtCore.Signal(bool)  # True: folded by the user

    def __init__(self, parent=None):
        super().__init__(parent)
        self.button = QtWidgets.QToolButton()
        self.button.setCheckable(True)
        self.button.setAutoRaise(True)
        self.button.setToolTip("Fold or unfold the lesson text (T)")
        self.button.setAccessibleName("Fold the lesson text")
        self.button.toggled.connect(self._on_button)
        self.title = QtWidgets.QLabel()
        self.title.setTextFormat(QtCore.Qt.PlainText)
        self.title.setWordWrap(True)
        self.body = QtWidgets.QLabel()
        self.body.setTextFormat(QtCore.Qt.PlainText)  # a lesson's "<" is a less-than sign
        self.body.setWordWrap(True)
        self.body.setTextInteractionFlags(QtCore.Qt.TextSelectableByMouse)
        head = QtWidgets.QHBoxLayout()
        head.setContentsMargins(0, 0, 0, 0)
        head.setSpacing(6)  # the arrow clear of the title (the style's spacing may be 0)
        head.addWidget(self.button, 0, QtCore.Qt.AlignTop)
        head.addWidget(self.title, 1)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(4, 2, 8, 2)
        lay.setSpacing(0)
        lay.addLayout(head)
        lay.addWidget(self.body)
        self.restyle()
        self._show_fold()

    def set_lesson(self, title: str, explanation: str) -> None:
        self.title.setText(title or "Lesson")
        self.body.setText(explanation)
        self.setVisible(bool(title or explanation))
        self.button.setEnabled(bool(explanation))

    def text(self) -> str:
        """Title and explanation as plain text."""
        return f"{self.title.text()}\n{self.body.text()}".strip()

    @property
    def folded(self) -> bool:
        return self.button.isChecked()

    def set_folded(self, folded: bool) -> None:
        """Fold or unfold without telling (the window decides what is remembered)."""
        with QtCore.QSignalBlocker(self.button):
            self.button.setChecked(bool(folded))
        self._show_fold()

    def _on_button(self, folded: bool) -> None:
        self._show_fold()
        self.fold_toggled.emit(folded)

    def _show_fold(self) -> None:
        folded = self.button.isChecked()
        self.body.setVisible(not folded)
        self.button.setText("▶" if folded else "▼")

    def restyle(self) -> None:
        """Title and text at the theme's sizes (projector mode)."""
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(theme.font_pt(theme.BASE_POINT_SIZE + 3))
        self.title.setFont(font)
        arrow = QtGui.QFont(font)  # the fold arrow, a glyph: it grows with the title (the
        arrow.setPointSizeF(0.6 * font.pointSizeF())  # style's own arrow keeps one size)
        self.button.setFont(arrow)
        body = self.body.font()
        body.setPointSizeF(theme.font_pt())
        self.body.setFont(body)
