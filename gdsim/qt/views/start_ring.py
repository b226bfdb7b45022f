"""A run's start on the map: a ring the user drags to move it."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6 import QtCore

from gdsim.qt.views.painting import cache_picture


class StartRing(pg.TargetItem):
    """pyqtgraph's TargetItem, whose bounds hold its pen (a cached picture of it cut
    its outer edge)."""

    SIZE = 16  # pixels across

    def boundingRect(self) -> QtCore.QRectF:
        r = super().boundingRect()
        px, py = r.width() / self.SIZE, r.height() / self.SIZE  # one pixel, in its units
        reach = self.currentPen.widthF() / 2 + 1.0
        return r.adjusted(-reach * px, -reach * py, reach * px, reach * py)


def start_marker(plot: pg.PlotItem, color: str) -> pg.TargetItem:
    """A run's start: a ring the user drags to move it."""
    target = StartRing(
        size=StartRing.SIZE, symbol="o", movable=True, brush=pg.mkBrush(255, 255, 255, 160)
    )
    target.setToolTip("Drag to move this run's start")
    target.setPen(pg.mkPen(color, width=2.5))
    target.setZValue(25)
    plot.addItem(target)
    cache_picture(target)  # 64 runs' rings were painted again at every step (~1.5 ms)
    return target
