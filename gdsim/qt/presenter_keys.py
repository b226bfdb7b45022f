"""Presenter keys work whatever has focus, except while a text field is typed in.

Qt already lets a window's shortcuts win over sliders, lists, combo boxes and buttons;
only text fields (a line edit, the text of a spin box) take Space, the arrows, Home,
End and letters for themselves, as they must while a value is typed.  So a field's
edit ends with Enter (the value is applied) or Escape (the value goes back to the
run's), and either gives the focus back to the views, where every presenter key acts
on the simulation again.  A formula field keeps the focus when its formula is refused
(the cursor is put where the problem is).
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

_ENTER = (QtCore.Qt.Key_Return, QtCore.Qt.Key_Enter)


def _field(widget) -> QtWidgets.QWidget | None:
    """The text field that ``widget`` is (a spin box for its line edit), or None."""
    if isinstance(widget, QtWidgets.QLineEdit):
        parent = widget.parentWidget()
        return parent if isinstance(parent, QtWidgets.QAbstractSpinBox) else widget
    if isinstance(widget, QtWidgets.QAbstractSpinBox):
        return widget
    return None


def revert(field: QtWidgets.QWidget) -> None:
    """Show the value in force again, dropping what was typed."""
    if isinstance(field, QtWidgets.QAbstractSpinBox):
        with QtCore.QSignalBlocker(field):
            if hasattr(field, "value"):
                field.setValue(field.value())
            else:
                field.clear()
        return
    revert_to = getattr(field, "revert", None)
    if callable(revert_to):
        revert_to()
    else:
        field.undo()


class PresenterKeys(QtCore.QObject):
    """Watches the window's focused text field; ``focus_views()`` is the window's."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self._active = True
        # only the text field that gets the focus is watched (not every event of the app);
        # the connection goes with this object (a bound method of a QObject)
        QtWidgets.QApplication.instance().focusChanged.connect(self._on_focus)

    def _on_focus(self, _old, new) -> None:
        if not self._active or new is None or _field(new) is None:
            return
        if new.window() is self.window:
            new.installEventFilter(self)  # installing twice keeps one filter

    def remove(self) -> None:
        """The window is closing: watch no more fields."""
        self._active = False

    def eventFilter(self, obj, event) -> bool:
        kind = event.type()
        if kind not in (QtCore.QEvent.KeyPress, QtCore.QEvent.ShortcutOverride):
            return False
        key = event.key()
        if key != QtCore.Qt.Key_Escape and key not in _ENTER:
            return False
        field = _field(obj)
        if field is None or field.window() is not self.window:
            return False
        if kind == QtCore.QEvent.ShortcutOverride:
            if key == QtCore.Qt.Key_Escape:
                event.accept()  # Escape ends the edit; it does not leave full screen
                return True
            return False
        if key == QtCore.Qt.Key_Escape:
            revert(field)
            self.window.focus_views()
            return True
        # Enter: the field applies the value (its own handler runs first), then the
        # views get the focus unless the field refused the text and wants it back
        QtCore.QTimer.singleShot(0, lambda f=field: self._after_enter(f))
        return False

    def _after_enter(self, field) -> None:
        if not field.isVisible() or field.property("keep_focus"):
            field.setProperty("keep_focus", False)
            return
        if QtWidgets.QApplication.focusWidget() in (field, *field.findChildren(QtWidgets.QWidget)):
            self.window.focus_views()
