"""Pictures of widgets, with OpenGL views composed in (``QWidget.grab()`` leaves a GL
view blank or stale; its framebuffer has to be read separately)."""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets


def grab_widget(widget: QtWidgets.QWidget) -> QtGui.QImage:
    """The widget as the user sees it, every visible 3D view inside painted in."""
    from gdsim.qt.views.surface3d import Surface3DView

    img = widget.grab().toImage().convertToFormat(QtGui.QImage.Format_ARGB32)
    gls = [w for w in widget.findChildren(Surface3DView) if w.isVisible()]
    if isinstance(widget, Surface3DView):
        gls.append(widget)
    if not gls:
        return img
    dpr = img.devicePixelRatio()
    painter = QtGui.QPainter(img)
    for view in gls:
        frame = view.grabFramebuffer()
        top_left = (
            view.mapTo(widget, QtCore.QPoint(0, 0)) if view is not widget else QtCore.QPoint()
        )
        target = QtCore.QRectF(top_left.x(), top_left.y(), view.width(), view.height())
        if dpr != 1.0:
            target = QtCore.QRectF(target.x(), target.y(), target.width(), target.height())
        painter.drawImage(target, frame)
    painter.end()
    return img
