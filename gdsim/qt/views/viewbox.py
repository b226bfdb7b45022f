"""pyqtgraph plots as the views use them: ViewBoxes with a context menu built when
first asked for (pyqtgraph builds each box's right-click menu as the box is made,
~10 ms apiece, and nobody opens it before the window is up), one that reports plain
clicks, and the styled plot every view starts from.
"""

from __future__ import annotations

import pyqtgraph as pg
from pyqtgraph.graphicsItems.ViewBox.ViewBoxMenu import ViewBoxMenu
from PySide6 import QtCore

from gdsim.qt import theme
from gdsim.qt.views.base import RunView
from gdsim.qt.views.log_axis import axes


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


class _Caption(pg.LabelItem):
    """A LabelItem that never widens the plot: a caption longer than the plot is wide
    is cut at its edge (its height is still the text's).  New text of the same height
    (a reading at each step) leaves the plot's layout alone: laying it out again cost
    more than the rest of the caption."""

    _height: float | None = None
    _quiet = False  # in setText, with the height unchanged so far

    def setText(self, text, **args) -> None:
        self._quiet = self._height is not None
        try:
            super().setText(text, **args)
        finally:
            self._quiet = False

    def updateMin(self) -> None:
        height = self.itemRect().height()
        if self._quiet and height == self._height:
            return
        self._quiet = False
        self._height = height
        super().updateMin()
        self.setMinimumWidth(0)
        self._sizeHint[QtCore.Qt.SizeHint.MinimumSize] = (0, height)
        self._sizeHint[QtCore.Qt.SizeHint.PreferredSize] = (0, height)
        self.updateGeometry()

    def updateGeometry(self) -> None:
        if not self._quiet:
            super().updateGeometry()


def add_caption(plot: pg.PlotItem) -> pg.LabelItem:
    """Text under the plot's x axis, outside the data: a view's readings at the cursor
    (a box over the data would hide points in a small window)."""
    label = _Caption("", justify="left")
    plot.layout.addItem(label, 4, 0, 1, 3)  # from under the y axis to the right edge
    return label


class RunPlot(pg.PlotWidget, RunView):
    """A plot bound to the scene (``self.model``) and the controller, in gdsim's style;
    ``self.plot`` is its PlotItem."""

    def __init__(self, scene, controller, parent=None, view_box=None, title: str = ""):
        super().__init__(parent=parent, viewBox=view_box or LazyMenuViewBox(), axisItems=axes())
        self.model, self.controller = scene, controller
        self.plot = self.getPlotItem()
        theme.style_plot(self.plot, title)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        plot = self.__dict__.get("plot")  # pyqtgraph resizes before __init__ has set it
        if plot is not None:
            theme.fit_title(plot)  # a long formula is shortened or wrapped to the new width
        legend = self.__dict__.get("legend")
        if legend is not None and "model" in self.__dict__:
            legend.invalidate()
            self.update_legend(self.model.cursor)
            # and once the plot's layout has given the data its new size
            QtCore.QTimer.singleShot(0, self, lambda: self._legend_after_resize(legend))

    def _legend_after_resize(self, legend) -> None:
        legend.invalidate()
        self.update_legend(self.model.cursor)

    def apply_colors(self) -> None:
        """The view's own items in the theme's colours (views with such items override)."""

    def restyle(self) -> None:
        """Text, colours and marks at the theme's current sizes and colours (projector
        mode, light or dark)."""
        theme.style_plot(self.plot)
        self.apply_colors()
        self.sync_runs()
        self.redraw(self.model.cursor)
        self.update()
