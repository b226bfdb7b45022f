"""The side panels' dock widgets, whose titles follow the application's font."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets


class Dock(QtWidgets.QDockWidget):
    """A dock widget whose title, docked, is drawn in its own font.  Qt draws an unstyled dock's
    title in the platform's title font as it was when the dock was made, so in
    projector mode "Controls" and "Runs" stayed 9 pt over 33 pt panels; and its float
    and close buttons keep the icon size measured first until the style changes."""

    def __init__(self, title: str, parent=None, name: str = "") -> None:
        super().__init__(title, parent)
        self.setObjectName(name)

    def paintEvent(self, event) -> None:
        if self.titleBarWidget() is not None or self.isFloating():  # (floating: Qt's own,
            super().paintEvent(event)  # a native title bar on most platforms)
            return
        p = QtWidgets.QStylePainter(self)
        title = QtWidgets.QStyleOptionDockWidget()
        self.initStyleOption(title)
        p.drawControl(QtWidgets.QStyle.CE_DockWidgetTitle, title)

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QtCore.QEvent.FontChange:  # (projector mode: larger metrics)
            buttons = self.findChildren(
                QtWidgets.QAbstractButton, options=QtCore.Qt.FindDirectChildrenOnly
            )
            for button in buttons:
                QtWidgets.QApplication.sendEvent(button, QtCore.QEvent(QtCore.QEvent.StyleChange))
                button.updateGeometry()
