"""A run's start on the map: a ring the user drags to move it."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6 import QtCore

from gdsim.qt import theme
from gdsim.qt.views.painting import cache_picture


class StartRing(pg.TargetItem):
    """pyqtgraph's TargetItem, whose bounds hold its pen (a cached picture of it cut
    its outer edge), as large as the other marks (projector mode: LINE_SCALE)."""

    SIZE = 16  # pixels across, out of projector mode
    PEN = 2.5  # its pen's width, pixels

    def boundingRect(self) -> QtCore.QRectF:
        r = super().boundingRect()
        px, py = r.width() / self.scale, r.height() / self.scale  # one pixel, in its units
        reach = self.currentPen.widthF() / 2 + 1.0
        return r.adjusted(-reach * px, -reach * py, reach * px, reach * py)

    def set_look(self, color: str) -> None:
        """The run's colour, at the theme's size."""
        self.setPen(pg.mkPen(color, width=self.PEN * theme.LINE_SCALE))
        size = self.SIZE * theme.LINE_SCALE
        if size != self.scale:
            self.prepareGeometryChange()
            self.scale = size  # (TargetItem's size on screen)
            self.viewTransformChanged()  # its shape, again at that size


def start_marker(plot: pg.PlotItem, color: str) -> StartRing:
    """A run's start: a ring the user drags to move it."""
    target = StartRing(
        size=StartRing.SIZE, symbol="o", movable=True, brush=pg.mkBrush(255, 255, 255, 160)
    )
    target.setToolTip("Drag to move this run's start")
    target.set_look(color)
    target.setZValue(25)
    plot.addItem(target)
    cache_picture(target)  # 64 runs' rings were painted again at every step (~1.5 ms)
    return target
