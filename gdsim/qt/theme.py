"""Look and feel: pyqtgraph options, fonts sized for a projector, colour helpers."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6 import QtGui, QtWidgets

BASE_POINT_SIZE = 11
MARBLE_SIZE = 18
TRAIL_WIDTH = 3.0
CONTOUR_MAP = "viridis"

# Projector mode: text and marks sized for the back row of a classroom.
PROJECTOR_FONT_SCALE = 1.5
PROJECTOR_LINE_SCALE = 1.6
FONT_SCALE = 1.0  # text in the plots and the window
LINE_SCALE = 1.0  # trails, arrows, curves and marbles


def set_projector(on: bool) -> None:
    """Scale text and marks for a projector (or back); views then ``restyle()``."""
    global FONT_SCALE, LINE_SCALE
    FONT_SCALE = PROJECTOR_FONT_SCALE if on else 1.0
    LINE_SCALE = PROJECTOR_LINE_SCALE if on else 1.0


def font_pt(base: float = BASE_POINT_SIZE) -> float:
    return base * FONT_SCALE


def title_size() -> str:
    """The size of a plot's title, for pyqtgraph's ``setTitle(size=...)``."""
    return f"{font_pt(BASE_POINT_SIZE + 1):.0f}pt"


def trail_width() -> float:
    return TRAIL_WIDTH * LINE_SCALE


def marble_size() -> float:
    return MARBLE_SIZE * LINE_SCALE


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
    font.setPointSizeF(font_pt())
    for name in ("left", "bottom"):  # the top and right axes are hidden
        ax = plot.getAxis(name)
        ax.setTickFont(font)
        ax.setStyle(tickTextOffset=6)
        # plain tick numbers ("1e+06" when large): pyqtgraph's SI prefixes would also
        # re-typeset the axis label at every range change
        ax.enableAutoSIPrefix(False)
        # axes repaint from a pixmap while only the data inside the plot changes
        ax.setCacheMode(QtWidgets.QGraphicsItem.DeviceCoordinateCache)
        ax.label.setFont(font)  # the axis title ("x", "loss f") follows the same size
    if title:
        plot.setTitle(title, size=title_size())
