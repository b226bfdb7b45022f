"""pyqtgraph ViewBoxes: a context menu built when first asked for, and plain clicks.

pyqtgraph builds each ViewBox's right-click menu (view all, axis and mouse settings)
as the box is made, ~10 ms apiece; nobody opens it before the window is up.
"""

from __future__ import annotations

import pyqtgraph as pg
from pyqtgraph.graphicsItems.ViewBox.ViewBoxMenu import ViewBoxMenu
from PySide6 import QtCore


class LazyMenuViewBox(pg.ViewBox):
    def __init__(self, *args, **kwargs):
        kwargs["enableMenu"] = False  # do not build it now ...
        super().__init__(*args, **kwargs)
        self.state["enableMenu"] = True  # ... but offer it

    def getMenu(self, ev):
        if self.menu is None and self.menuEnabled():
            self.menu = ViewBoxMenu(self)
            self.updateViewLists()
        return self.menu

    def getContextMenus(self, event):
        menu = self.getMenu(event)
        return menu.actions() if menu is not None else []


class ClickViewBox(LazyMenuViewBox):
    """A ViewBox that reports plain left clicks (in data coordinates)."""

    sigClicked = QtCore.Signal(float, float)

    def mouseClickEvent(self, ev):
        if ev.button() == QtCore.Qt.LeftButton and not ev.double():
            p = self.mapSceneToView(ev.scenePos())
            ev.accept()
            self.sigClicked.emit(p.x(), p.y())
            return
        super().mouseClickEvent(ev)
