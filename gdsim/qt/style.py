"""The widgets' Qt style: Fusion, with what the dark theme and projector mode need
drawn differently.  Each need is a style of its own, installed only while it is
needed: Qt calls a Python override for every primitive it draws and every size it
asks of the style (thousands while the window is built and first painted)."""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

_installed: tuple | None = None  # (dark, scale) of the style the application has
_keep = None  # the style object installed


class _DarkStyle(QtWidgets.QProxyStyle):
    """Check boxes and pressed tool buttons that read on a dark window (Fusion draws
    them in shades of the window colour that vanish there): a box has a light frame
    and is filled white when on; a pressed tool button is blue.  (A style sheet would
    do the same but stops palette changes reaching the widgets when the theme is
    switched.)"""

    def __init__(self, *args) -> None:
        super().__init__(*args)
        S = QtWidgets.QStyle
        self._boxes = (S.PE_IndicatorCheckBox, S.PE_IndicatorItemViewItemCheck)
        self._tool, self._on = S.PE_PanelButtonTool, S.State_On

    def drawPrimitive(self, element, option, painter, widget=None):
        if element in self._boxes:
            _box(option, painter)
            return
        if element == self._tool and option.state & self._on:
            painter.save()
            painter.setRenderHint(QtGui.QPainter.Antialiasing)
            painter.setPen(QtGui.QPen(QtGui.QColor("#8cc4ff"), 1.0))
            painter.setBrush(QtGui.QColor("#2f5f8f"))
            painter.drawRoundedRect(QtCore.QRectF(option.rect).adjusted(0.5, 0.5, -0.5, -0.5), 3, 3)
            painter.restore()
            return
        super().drawPrimitive(element, option, painter, widget)


def _box(option, painter) -> None:
    """A dark theme's check box: light frame, white when on, with a dark tick."""
    r = QtCore.QRectF(option.rect).adjusted(1.5, 1.5, -1.5, -1.5)
    side = min(r.width(), r.height())
    r = QtCore.QRectF(r.center().x() - side / 2, r.center().y() - side / 2, side, side)
    enabled = bool(option.state & QtWidgets.QStyle.State_Enabled)
    on = bool(option.state & QtWidgets.QStyle.State_On)
    painter.save()
    painter.setRenderHint(QtGui.QPainter.Antialiasing)
    painter.setPen(QtGui.QPen(QtGui.QColor("#e0e0e0" if enabled else "#6a6a6a"), 2.0))
    painter.setBrush(QtGui.QColor("#ffffff" if on else "#121212"))
    painter.drawRoundedRect(r, 2, 2)
    if on:
        pen = QtGui.QPen(QtGui.QColor("#0b3d6e"), max(2.0, side / 7))
        pen.setCapStyle(QtCore.Qt.RoundCap)
        painter.setPen(pen)
        x, y, s = r.x(), r.y(), side
        tick = [(0.22, 0.52), (0.42, 0.72), (0.78, 0.28)]
        painter.drawPolyline(
            QtGui.QPolygonF([QtCore.QPointF(x + a * s, y + b * s) for a, b in tick])
        )
    painter.restore()


class _ProjectorStyle(QtWidgets.QProxyStyle):
    """Fusion's sizes in pixels grown with the text (``scale``: the theme's FONT_SCALE):
    a 4K panel showed 13 px tick boxes and slider handles beside 33 pt text."""

    SCALED = (
        "PM_IndicatorWidth",
        "PM_IndicatorHeight",
        "PM_ExclusiveIndicatorWidth",
        "PM_ExclusiveIndicatorHeight",
        "PM_SmallIconSize",
        "PM_ButtonIconSize",
        "PM_TabBarIconSize",
        "PM_ScrollBarExtent",
        "PM_ScrollBarSliderMin",
        "PM_SliderThickness",
        "PM_SliderLength",
        "PM_SliderControlThickness",
        "PM_SplitterWidth",
        "PM_DockWidgetSeparatorExtent",
        "PM_DockWidgetTitleBarButtonMargin",
        "PM_MenuButtonIndicator",
        "PM_HeaderMarkSize",
    )
    SPIN_BUTTON = 14  # Fusion's spin-box buttons' width, px

    def __init__(self, name: str, scale: float) -> None:
        super().__init__(name)
        self.scale = scale
        self._scaled = frozenset(getattr(QtWidgets.QStyle, m) for m in self.SCALED)
        self._wider = round(self.SPIN_BUTTON * (scale - 1.0))  # the spin boxes' arrows

    def pixelMetric(self, metric, option=None, widget=None):
        value = super().pixelMetric(metric, option, widget)
        return round(value * self.scale) if metric in self._scaled else value

    def subControlRect(self, control, option, sub, widget=None):
        rect = super().subControlRect(control, option, sub, widget)
        if self._wider and control == QtWidgets.QStyle.CC_SpinBox:
            if sub in (QtWidgets.QStyle.SC_SpinBoxUp, QtWidgets.QStyle.SC_SpinBoxDown):
                rect.setLeft(rect.left() - self._wider)
            elif sub == QtWidgets.QStyle.SC_SpinBoxEditField:
                rect.setRight(rect.right() - self._wider)
        return rect

    def sizeFromContents(self, kind, option, size, widget=None):
        out = super().sizeFromContents(kind, option, size, widget)
        if kind == QtWidgets.QStyle.CT_SpinBox:
            out.setWidth(out.width() + self._wider)
        return out


class _DarkProjectorStyle(_ProjectorStyle, _DarkStyle):
    pass


def apply_style(app, dark: bool, scale: float) -> None:
    """The style for the theme (``dark``) and projector mode's text ``scale``: plain
    Fusion for the light theme at 1080p sizes."""
    global _installed, _keep
    key = (bool(dark), float(scale))
    if key == _installed and app.style() is _keep:
        return
    if scale != 1.0:
        cls = _DarkProjectorStyle if dark else _ProjectorStyle
        style = cls("Fusion", scale)
    elif dark:
        style = _DarkStyle("Fusion")
    else:
        style = QtWidgets.QStyleFactory.create("Fusion")
    app.setStyle(style)
    _installed, _keep = key, style
