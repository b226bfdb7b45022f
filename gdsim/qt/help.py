"""Help → Keyboard shortcuts (every key, from the one table of actions) and About."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from gdsim import __version__
from gdsim.qt import theme
from gdsim.qt.actions import shortcut_rows

EXTRA_KEYS = (
    ("Enter", "Apply a typed value", "Ends the edit and gives the keys back to the views"),
    ("Escape (in a field)", "Drop a typed value", "The run's value comes back"),
    ("Click the map", "Drop a marble", "A new run from there, with the selected run's settings"),
    ("Drag a start ring", "Move a run's start", "The run is recomputed as you drag"),
)


class ShortcutsDialog(QtWidgets.QDialog):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts — gdsim")
        rows = [*shortcut_rows(), *EXTRA_KEYS]
        self.table = QtWidgets.QTableWidget(len(rows), 3)
        self.table.setHorizontalHeaderLabels(["keys", "command", "what it does"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.NoEditTriggers)
        self.table.setWordWrap(True)
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                self.table.setItem(r, c, QtWidgets.QTableWidgetItem(text))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QtWidgets.QHeaderView.ResizeToContents)
        header.setSectionResizeMode(1, QtWidgets.QHeaderView.ResizeToContents)
        header.setSectionResizeMode(2, QtWidgets.QHeaderView.Stretch)  # wraps, no scrolling
        self.table.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarAlwaysOff)
        self.table.verticalHeader().setSectionResizeMode(QtWidgets.QHeaderView.ResizeToContents)
        note = QtWidgets.QLabel(
            "Presenter keys (Space, arrows, PgUp / PgDown, Home / End, R, + / −, L, G, V, K, "
            "T, M, B, F5, F11, Escape) act on the simulation whatever has focus, except while "
            "a text field is being typed in."
        )
        note.setWordWrap(True)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.Close)
        buttons.rejected.connect(self.close)
        lay = QtWidgets.QVBoxLayout(self)
        lay.addWidget(note)
        lay.addWidget(self.table, 1)
        lay.addWidget(buttons)
        screen = (parent.screen() if parent is not None else None) or self.screen()
        avail, scale = screen.availableGeometry(), theme.FONT_SCALE  # (projector: larger)
        self.resize(min(820 * scale, avail.width() - 40), min(640 * scale, avail.height() - 80))

    def keys(self) -> list[str]:
        return [self.table.item(r, 0).text() for r in range(self.table.rowCount())]


def about_text() -> str:
    import pyqtgraph
    from PySide6 import __version__ as qt_version

    return (
        f"gdsim {__version__}\n\n"
        "A gradient-descent simulator for the classroom: drop marbles on a loss surface, "
        "drag the learning rate, scrub through the steps, export the picture.\n\n"
        "Licence: MIT. Optimizers follow torch.optim's update rules and defaults.\n"
        f"Qt for Python {qt_version}, pyqtgraph {pyqtgraph.__version__}."
    )


def about(parent) -> QtWidgets.QMessageBox:
    box = QtWidgets.QMessageBox(parent)
    box.setWindowTitle("About gdsim")
    box.setTextFormat(QtCore.Qt.PlainText)
    box.setText(about_text())
    box.setIconPixmap(parent.windowIcon().pixmap(64, 64))
    box.setStandardButtons(QtWidgets.QMessageBox.Ok)
    box.show()
    return box
