"""Work that waits for a widget's first paint: the window shows its panels and map
first, and the views that take longest to build (the OpenGL window, the loss plot) are
built at the next turn of the event loop after their place has painted."""

from __future__ import annotations

from PySide6 import QtCore

__all__ = ["after_first_paint"]


class _Once(QtCore.QObject):
    """Event filter on ``widget``: at its first paint, ``callback`` is queued and the
    filter removes itself."""

    def __init__(self, widget, callback) -> None:
        super().__init__(widget)
        self.widget, self.callback = widget, callback

    def eventFilter(self, obj, event) -> bool:
        if obj is self.widget and event.type() == QtCore.QEvent.Paint:
            self.widget.removeEventFilter(self)
            QtCore.QTimer.singleShot(0, self.widget, self.callback)  # (dropped if deleted)
            self.deleteLater()
        return False


def after_first_paint(widget, callback) -> None:
    """``callback()`` once, at the turn of the event loop after ``widget`` first paints
    (its paint, and the window's, are then on the screen)."""
    widget.installEventFilter(_Once(widget, callback))
