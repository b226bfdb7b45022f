"""The toolbar's icons, drawn in the theme's ink so that they read on light and dark."""

from __future__ import annotations

from PySide6 import QtCore, QtGui

from gdsim.qt import theme

SIZE = 64
PIXELS = 128  # drawn at: the toolbar's 28 px icons are 84 px in projector mode on 6K
# shapes on a 64 × 64 grid: ("poly", points), ("rect", x, y, w, h), ("line", points,
# width) or ("dot", x, y, r); save = export
SHAPES = {
    "log": [("line", [(8, 6), (8, 56), (60, 56)], 4),
            ("line", [(12, 10), (18, 26), (26, 37), (36, 44), (48, 48), (60, 50)], 6)],
    "gradient": [("line", [(10, 54), (44, 20)], 7), ("poly", [(56, 8), (50, 34), (30, 14)])],
    "step": [("dot", 10, 50, 6), ("dot", 26, 40, 6), ("line", [(26, 40), (46, 24)], 5),
             ("poly", [(58, 14), (50, 34), (38, 18)])],
    "legend": [("rect", 6, 8, 14, 12), ("rect", 26, 12, 32, 5),
               ("poly", [(13, 26), (21, 40), (5, 40)]), ("rect", 26, 31, 32, 5),
               ("rect", 6, 46, 14, 12), ("rect", 26, 50, 32, 5)],
    "play": [("poly", [(18, 12), (52, 32), (18, 52)])],
    "pause": [("rect", 16, 12, 11, 40), ("rect", 37, 12, 11, 40)],
    "back": [("poly", [(34, 14), (8, 32), (34, 50)]), ("poly", [(58, 14), (32, 32), (58, 50)])],
    "forward": [("poly", [(6, 14), (32, 32), (6, 50)]), ("poly", [(30, 14), (56, 32), (30, 50)])],
    "reset": [("rect", 8, 14, 8, 36), ("poly", [(40, 14), (16, 32), (40, 50)]),
              ("poly", [(62, 14), (38, 32), (62, 50)])],
    "save": [("poly", [(26, 6), (38, 6), (38, 28), (48, 28), (32, 44), (16, 28), (26, 28)]),
             ("rect", 8, 50, 48, 7), ("rect", 8, 38, 7, 19), ("rect", 49, 38, 7, 19)],
}  # fmt: skip


def icon(kind: str) -> QtGui.QIcon:
    """The ``kind`` icon (play, pause, back, forward, reset, save, log, gradient, step,
    legend) in the current ink."""
    pixmap = QtGui.QPixmap(PIXELS, PIXELS)
    pixmap.fill(QtCore.Qt.transparent)
    p = QtGui.QPainter(pixmap)
    p.setRenderHint(QtGui.QPainter.Antialiasing)
    p.scale(PIXELS / SIZE, PIXELS / SIZE)
    p.setPen(QtCore.Qt.NoPen)
    p.setBrush(QtGui.QColor(theme.colors()["ink"]))
    ink = QtGui.QColor(theme.colors()["ink"])
    for shape in SHAPES[kind]:
        if shape[0] == "poly":
            p.drawPolygon(QtGui.QPolygonF([QtCore.QPointF(x, y) for x, y in shape[1]]))
        elif shape[0] == "line":
            p.setPen(QtGui.QPen(ink, shape[2], QtCore.Qt.SolidLine, QtCore.Qt.RoundCap))
            p.drawPolyline(QtGui.QPolygonF([QtCore.QPointF(x, y) for x, y in shape[1]]))
            p.setPen(QtCore.Qt.NoPen)
        elif shape[0] == "dot":
            p.drawEllipse(QtCore.QPointF(shape[1], shape[2]), shape[3], shape[3])
        else:
            p.drawRect(QtCore.QRectF(*shape[1:]))
    p.end()
    return QtGui.QIcon(pixmap)


def app_icon() -> QtGui.QIcon:
    """gdsim's icon (a marble rolling down a bowl), read when it is first drawn."""
    from importlib import resources

    return QtGui.QIcon(str(resources.files("gdsim") / "assets" / "gdsim.svg"))
