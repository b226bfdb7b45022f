"""The toolbar's icons, drawn in the theme's ink so that they read on light and dark."""

from __future__ import annotations

from PySide6 import QtCore, QtGui

from gdsim.qt import theme

SIZE = 64
# shapes on a 64 × 64 grid: ("poly", points) or ("rect", x, y, w, h); save = export
SHAPES = {
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
    """The ``kind`` icon (play, pause, back, forward, reset, save) in the current ink."""
    pixmap = QtGui.QPixmap(SIZE, SIZE)
    pixmap.fill(QtCore.Qt.transparent)
    p = QtGui.QPainter(pixmap)
    p.setRenderHint(QtGui.QPainter.Antialiasing)
    p.setPen(QtCore.Qt.NoPen)
    p.setBrush(QtGui.QColor(theme.colors()["ink"]))
    for shape in SHAPES[kind]:
        if shape[0] == "poly":
            p.drawPolygon(QtGui.QPolygonF([QtCore.QPointF(x, y) for x, y in shape[1]]))
        else:
            p.drawRect(QtCore.QRectF(*shape[1:]))
    p.end()
    return QtGui.QIcon(pixmap)
