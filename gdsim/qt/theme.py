"""Look and feel: pyqtgraph options, fonts sized for a projector, colour helpers."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6 import QtGui, QtWidgets

BASE_POINT_SIZE = 11
MARBLE_SIZE = 18
TRAIL_WIDTH = 3.0
CONTOUR_MAP = "viridis"


def configure_pyqtgraph() -> None:
    pg.setConfigOptions(
        antialias=True,
        background="w",
        foreground="k",
        imageAxisOrder="row-major",
    )


def apply_app_font(app, scale: float = 1.0) -> None:
    font = app.font()
    font.setPointSizeF(BASE_POINT_SIZE * scale)
    app.setFont(font)


def qcolor(hex_color: str, alpha: int = 255) -> QtGui.QColor:
    c = QtGui.QColor(hex_color)
    c.setAlpha(alpha)
    return c


def rgba(hex_color: str, alpha: float = 1.0) -> tuple[float, float, float, float]:
    c = QtGui.QColor(hex_color)
    return (c.redF(), c.greenF(), c.blueF(), alpha)


def style_plot(plot: pg.PlotItem, title: str = "") -> None:
    font = QtGui.QFont()
    font.setPointSize(BASE_POINT_SIZE)
    for name in ("left", "bottom"):  # the top and right axes are hidden
        ax = plot.getAxis(name)
        ax.setTickFont(font)
        ax.setStyle(tickTextOffset=6)
        # plain tick numbers ("1e+06" when large): pyqtgraph's SI prefixes would also
        # re-typeset the axis label at every range change
        ax.enableAutoSIPrefix(False)
        # axes repaint from a pixmap while only the data inside the plot changes
        ax.setCacheMode(QtWidgets.QGraphicsItem.DeviceCoordinateCache)
    if title:
        plot.setTitle(title, size=f"{BASE_POINT_SIZE + 2}pt")
