"""Small input widgets: a logarithmic slider with a typed field, a scientific-number
field that refuses bad text with a visible reason."""

from __future__ import annotations

import math

from PySide6 import QtCore, QtGui, QtWidgets

from gdsim.qt import theme


def fmt(v: float) -> str:
    return f"{v:.4g}"


class NumberField(QtWidgets.QLineEdit):
    """A float typed by the user (1e-3, 0.5 ...), checked against a range on Enter.

    ``valueChanged(float)`` fires with a valid value; invalid text turns the field red
    and ``refused(str)`` carries the reason (the old value stays in force).
    """

    valueChanged = QtCore.Signal(float)
    refused = QtCore.Signal(str)

    def __init__(self, name: str, lo: float, hi: float, lo_open: bool = False, parent=None):
        super().__init__(parent)
        self.name, self.lo, self.hi, self.lo_open = name, lo, hi, lo_open
        self._value = lo
        self._fit_width()
        self.editingFinished.connect(self._commit)

    def _fit_width(self) -> None:
        """64 to 110 px, wider with larger text (projector mode: "1e-06" was cut)."""
        m = self.fontMetrics()
        self.setMinimumWidth(max(64, m.horizontalAdvance("1e-06") + 24))
        self.setMaximumWidth(max(110, m.horizontalAdvance("0.000001") + 24))

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QtCore.QEvent.FontChange:
            self._fit_width()

    def value(self) -> float:
        return self._value

    def setValue(self, v: float) -> None:
        self._value = float(v)
        self.setText(fmt(v))
        self._mark(ok=True)

    def _mark(self, ok: bool) -> None:
        self.setStyleSheet("" if ok else theme.REFUSED_FIELD)

    def check(self, text: str) -> tuple[float | None, str]:
        try:
            v = float(text.replace(",", "."))
        except ValueError:
            return None, f"{self.name}: {text!r} is not a number"
        if not math.isfinite(v):
            return None, f"{self.name} must be a finite number"
        low_ok = v > self.lo if self.lo_open else v >= self.lo
        if not low_ok or v > self.hi:
            bracket = "(" if self.lo_open else "["
            return None, f"{self.name} must be in {bracket}{fmt(self.lo)}, {fmt(self.hi)}]"
        return v, ""

    def revert(self) -> None:
        """Show the value in force again (Escape, or a refused value at the end of an edit)."""
        self.setText(fmt(self._value))
        self._mark(ok=True)

    def _commit(self) -> None:
        v, reason = self.check(self.text())
        if v is None:
            self.refused.emit(reason)  # the reason is shown beside the field ...
            self.revert()  # ... and the field shows the value the run uses
            return
        self._mark(ok=True)
        if v != self._value:
            self._value = v
            self.valueChanged.emit(v)
        self.setText(fmt(v))


class LogSlider(QtWidgets.QWidget):
    """α on a logarithmic slider (10^lo .. 10^hi) beside a typed field."""

    valueChanged = QtCore.Signal(float)
    refused = QtCore.Signal(str)

    TICKS = 1000

    def __init__(
        self,
        name: str,
        lo_exp: float = -6.0,
        hi_exp: float = 1.0,
        field_hi: float | None = None,
        parent=None,
    ):
        super().__init__(parent)
        self.lo_exp, self.hi_exp = lo_exp, hi_exp
        self.slider = QtWidgets.QSlider(QtCore.Qt.Horizontal)
        self.slider.setRange(0, self.TICKS)
        self.slider.setPageStep(self.TICKS // 14)
        # the slider spans 10^lo_exp .. 10^hi_exp; the field takes any value up to field_hi
        hi = 10.0**hi_exp if field_hi is None else field_hi
        self.field = NumberField(name, 0.0, hi, lo_open=True)
        lay = QtWidgets.QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.slider, 1)
        lay.addWidget(self.field)
        self.slider.valueChanged.connect(self._from_slider)
        self.field.valueChanged.connect(self._from_field)
        self.field.refused.connect(self.refused)

    def _to_tick(self, v: float) -> int:
        e = (math.log10(max(v, 1e-300)) - self.lo_exp) / (self.hi_exp - self.lo_exp)
        return round(min(max(e, 0.0), 1.0) * self.TICKS)

    def value(self) -> float:
        return self.field.value()

    def setValue(self, v: float) -> None:
        with QtCore.QSignalBlocker(self.slider):
            self.slider.setValue(self._to_tick(v))
        self.field.setValue(v)

    def _from_slider(self, tick: int) -> None:
        e = self.lo_exp + (self.hi_exp - self.lo_exp) * tick / self.TICKS
        v = float(f"{10.0**e:.3g}")  # round to what a teacher would type
        self.field.setValue(v)
        self.valueChanged.emit(v)

    def _from_field(self, v: float) -> None:
        with QtCore.QSignalBlocker(self.slider):
            self.slider.setValue(self._to_tick(v))
        self.valueChanged.emit(v)

    def setToolTip(self, text: str) -> None:
        super().setToolTip(text)
        self.slider.setToolTip(text)
        self.field.setToolTip(text)


def on_screen(widget: QtWidgets.QWidget) -> bool:
    """Shown and not behind another tab (the page of a tabbed dock that is not at the
    front stays "visible", moved out of the window)."""
    return widget.isVisible() and not widget.visibleRegion().isEmpty()


def spin(lo: float, hi: float, step: float, decimals: int, tooltip: str = ""):
    w = QtWidgets.QDoubleSpinBox()
    w.setRange(lo, hi)
    w.setSingleStep(step)
    w.setDecimals(decimals)
    w.setKeyboardTracking(False)
    w.setToolTip(tooltip)
    return w


def ispin(lo: int, hi: int, tooltip: str = ""):
    w = QtWidgets.QSpinBox()
    w.setRange(lo, hi)
    w.setKeyboardTracking(False)
    w.setToolTip(tooltip)
    return w


def bold(text: str) -> QtWidgets.QLabel:
    lab = QtWidgets.QLabel(text)
    f = lab.font()
    f.setBold(True)
    lab.setFont(f)
    return lab


def run_icon(color: str, marker: str = "s", size: int = 16) -> QtGui.QIcon:
    """A run's colour in its marker's shape (the same as on the plots)."""
    from gdsim.qt.views.painting import symbol_path

    pm = QtGui.QPixmap(size * 2, size * 2)
    pm.setDevicePixelRatio(2.0)
    pm.fill(QtCore.Qt.transparent)
    p = QtGui.QPainter(pm)
    p.setRenderHint(QtGui.QPainter.Antialiasing)
    p.setPen(QtGui.QPen(QtGui.QColor("white"), 1.0))
    p.setBrush(QtGui.QColor(color))
    p.drawPath(symbol_path(marker, size - 2, size / 2, size / 2))
    p.end()
    return QtGui.QIcon(pm)


class SteadyLabel(QtWidgets.QLabel):
    """A label of fixed size, as large as the widest text it will show (``show``): a new
    text then changes no layout.  A label that may change size posts a layout request to
    its parent, and the step counters did at every step up to the main window, which laid
    itself out again (~1 ms a step at 3840×2160)."""

    def __init__(self, min_width: int = 0, parent=None):
        super().__init__(parent)
        self._min_width, self._widest = min_width, ""

    def show_text(self, text: str, widest: str) -> None:
        if widest != self._widest:
            self._widest = widest
            self._fit()
        self.setText(text)

    def show_count(self, k: int, last: int, prefix: str = "") -> None:
        """ "{prefix}k / last", as wide as the widest count (the cursor may pass the end
        while the runs are computed again)."""
        widest = max(k, last)
        self.show_text(f"{prefix}{k} / {last}", f"{prefix}{widest} / {widest}")

    def _fit(self) -> None:
        m, margins = self.fontMetrics(), self.contentsMargins()
        pad = margins.left() + margins.right() + 2 * self.margin() + 4
        width = max(self._min_width, m.horizontalAdvance(self._widest) + pad)
        height = m.height() + margins.top() + margins.bottom() + 2 * self.margin()
        if (self.minimumWidth(), self.minimumHeight()) != (width, height):
            self.setFixedSize(width, height)

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QtCore.QEvent.FontChange:  # projector mode: larger type
            self._fit()


class WrappedLabel(QtWidgets.QLabel):
    """A word-wrapped label at least as tall as its text at its width.  A form laid one
    out at its two-line size hint when its text grew to four lines (the stability hint
    under α at 1024 × 768, over the row below it) although it had made room for four.
    Measured again when its text, width, font or style change, and only then (the panel
    sets the same texts again at every tick of the α slider)."""

    def __init__(self, text: str = "", parent=None):
        super().__init__(text, parent)
        self.setWordWrap(True)
        self._fitted = None  # (text, width, font) the minimum height was measured for

    def setText(self, text: str) -> None:
        super().setText(text)
        self._fit()

    def clear(self) -> None:
        super().clear()
        self._fit()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() in (QtCore.QEvent.FontChange, QtCore.QEvent.StyleChange):
            self._fitted = None
            self._fit()

    def _fit(self) -> None:
        key = (self.text(), self.width(), self.font().key())
        if key == self._fitted:
            return
        self._fitted = key
        height = 0
        if self.text():
            # (a label's height for a width is never below its minimum: measured with
            # the minimum kept, it would only ever grow)
            self.setMinimumHeight(0)
            height = max(self.heightForWidth(self.width()), 0)
        self.setMinimumHeight(height)
