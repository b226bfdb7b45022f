"""Pictures of the analyses: a basin map and a learning-rate sweep, as pyqtgraph plots
(shown in the Analyses dialog, and rendered to PNG by ``gdsim basin`` / ``gdsim sweep``)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from gdsim.core.analyses import DIVERGED, STILL_MOVING, BasinMap, Sweep, point_text
from gdsim.model import PALETTE
from gdsim.qt import theme
from gdsim.qt.views.log_axis import axes
from gdsim.qt.views.painting import to_device

MOVING_COLOR = "#BBBBBB"  # still moving after the last step
DIVERGED_COLOR = "#333333"
STATE_COLORS = {
    "converged": "#009E73",
    "max steps": "#0072B2",
    "diverged": "#D55E00",
    "stopped": "#7F7F7F",  # the optimizer could not step (a singular Hessian…)
}


def basin_colors(n: int) -> list[str]:
    """One colour per basin, largest basin first: the colour-blind-safe palette, then
    hues spread by the golden ratio (still distinct, never washed out to white)."""
    base = [c for c in PALETTE if c != "#000000"]
    out = base[:n]
    for i in range(len(out), n):
        hue = (0.07 + 0.618034 * i) % 1.0
        out.append(QtGui.QColor.fromHsvF(hue, 0.55, 0.75 + 0.2 * (i % 2)).name())
    return out


def _legend(plot: pg.PlotWidget, offset) -> pg.LegendItem:
    """A legend on a half-opaque panel of the theme's background, in its ink."""
    c = theme.colors()
    legend = plot.addLegend(
        offset=offset, labelTextSize=f"{theme.font_pt():.0f}pt", labelTextColor=c["ink"]
    )
    background = pg.mkColor(c["background"])
    background.setAlpha(220)
    legend.setBrush(pg.mkBrush(background))
    return legend


def _config_text(cfg) -> str:
    """'gd (α=0.01), 500 steps': the optimizer with its settings as the run uses them."""
    values = {"α": cfg.lr, **{k: v for k, v in cfg.hyper.items() if k != "lr"}}
    text = ", ".join(
        f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in values.items()
    )
    return f"{cfg.optimizer} ({text}), {cfg.max_steps} steps"


class BasinPlot(pg.PlotWidget):
    """Each start of the grid coloured by the basin its run ends in."""

    def __init__(self, parent=None):
        super().__init__(parent, axisItems=axes())
        self.image = pg.ImageItem()
        self.addItem(self.image)
        self.ends = pg.ScatterPlotItem(symbol="star", size=16, pen=pg.mkPen("k"), brush="w")
        self.addItem(self.ends)
        # top right, beside the square map rather than over it
        self.legend = _legend(self, offset=(-10, 10))
        self.getPlotItem().setAspectLocked(True)
        theme.style_plot(self.getPlotItem())
        self.result: BasinMap | None = None

    def show_map(self, result: BasinMap, params=("x", "y")) -> None:
        self.result = result
        colors = basin_colors(len(result.basins))
        lut = [QtGui.QColor(c) for c in colors] + [
            QtGui.QColor(MOVING_COLOR),
            QtGui.QColor(DIVERGED_COLOR),
        ]
        rgb = np.array([[c.red(), c.green(), c.blue()] for c in lut], dtype=np.uint8)
        index = result.label.copy()
        index[result.label == STILL_MOVING] = len(colors)
        index[result.label == DIVERGED] = len(colors) + 1
        self.image.setImage(rgb[index], autoLevels=False)
        x0, x1, y0, y1 = result.xs[0], result.xs[-1], result.ys[0], result.ys[-1]
        dx = (x1 - x0) / max(len(result.xs) - 1, 1)
        dy = (y1 - y0) / max(len(result.ys) - 1, 1)
        self.image.setRect(QtCore.QRectF(x0 - dx / 2, y0 - dy / 2, x1 - x0 + dx, y1 - y0 + dy))
        pos = np.array([b.position for b in result.basins], dtype=float).reshape(-1, 2)
        self.ends.setData(pos=pos)
        self.legend.clear()
        total = result.label.size
        for i, (b, c) in enumerate(zip(result.basins, colors, strict=True)):  # largest first
            if i >= 8:
                break
            where = point_text(b.position)
            kind = "minimum" if b.known else "settles at"
            self._legend_entry(c, f"{kind} ({where}): {100 * b.count / total:.0f} %")
        if len(result.basins) > 8:
            rest = sum(b.count for b in result.basins[8:])
            self._legend_entry(
                "#FFFFFF", f"{len(result.basins) - 8} more: {100 * rest / total:.0f} %"
            )
        if result.still_moving:
            self._legend_entry(
                MOVING_COLOR, f"still moving: {100 * result.still_moving / total:.0f} %"
            )
        if result.diverged:
            self._legend_entry(DIVERGED_COLOR, f"diverged: {100 * result.diverged / total:.0f} %")
        plot = self.getPlotItem()
        plot.setLabel("bottom", params[0])
        plot.setLabel("left", params[1])
        plot.setTitle(
            f"Basin map: {len(result.xs)}×{len(result.ys)} starts, {_config_text(result.config)}",
            size=f"{theme.BASE_POINT_SIZE + 1}pt",
        )
        plot.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0.02)

    def _legend_entry(self, color: str, text: str) -> None:
        item = pg.ScatterPlotItem(symbol="s", size=14, brush=pg.mkBrush(color), pen=pg.mkPen("k"))
        self.legend.addItem(item, text)


class SweepPlot(pg.PlotWidget):
    """Final loss against α (log axes); diverged runs marked along the top."""

    def __init__(self, parent=None):
        super().__init__(parent, axisItems=axes())
        plot = self.getPlotItem()
        theme.style_plot(plot)
        plot.setLogMode(x=True, y=False)
        plot.showGrid(x=True, y=True, alpha=0.25)
        plot.setLabel("bottom", "learning rate α")
        self.curve = pg.PlotDataItem(pen=pg.mkPen("#0072B2", width=2))
        # a PlotDataItem, not a bare ScatterPlotItem, so that the log axes apply to it
        self.points = pg.PlotDataItem(pen=None, symbolSize=9, symbolPen=pg.mkPen("k", width=0.5))
        self.best = pg.InfiniteLine(
            angle=90, pen=pg.mkPen("#009E73", width=2, style=QtCore.Qt.DashLine)
        )
        self.current = pg.InfiniteLine(angle=90, pen=pg.mkPen(theme.colors()["ink"], width=1))
        for item in (self.curve, self.points, self.best, self.current):
            self.addItem(item)
        # in the corner with the fewest marks (bottom right first: diverged runs are
        # marked along the top), placed again when the plot's range or size changes
        self.legend = _legend(self, offset=(-10, -10))
        self.legend_corner = (1, 1)
        self.legend_dragged = False
        self.legend.mouseDragEvent = self._legend_drag
        vb = plot.getViewBox()
        vb.sigResized.connect(lambda *_: self.place_legend())
        vb.sigRangeChanged.connect(lambda *_: self.place_legend())
        self.result: Sweep | None = None

    #: corners to try, in order of preference: (x, y) anchors, 0 = left / top
    CORNERS = ((1, 1), (0, 1), (0, 0), (1, 0))
    MARGIN = 10  # pixels between the legend and the plot's edge
    LINE_WEIGHT = 5  # a covered α line counts as this many covered points

    def place_legend(self) -> None:
        """The legend in the corner where it covers the fewest of the sweep's points and
        α lines; left where the user dragged it."""
        vb = self.getPlotItem().getViewBox()
        x, y = self.points.getData()
        if self.legend_dragged or x is None or not len(x) or vb.width() <= 0:
            return
        ok = np.isfinite(x) & np.isfinite(y)
        t = vb.childTransform()  # view coordinates -> the box's pixels
        px, py = to_device(t, np.column_stack([x[ok], y[ok]])).T
        shown = [ln for ln in (self.best, self.current) if ln.isVisible()]
        lines = [t.m11() * ln.value() + t.dx() for ln in shown]
        size = self.legend.boundingRect().size()
        reach = 6.0  # a mark's radius, and a little air
        box = vb.boundingRect()
        w, h = size.width() + 2 * reach, size.height() + 2 * reach  # the legend and air
        lefts = (box.left() + self.MARGIN - reach, box.right() - self.MARGIN - w + reach)
        tops = (box.top() + self.MARGIN - reach, box.bottom() - self.MARGIN - h + reach)

        def covered(corner) -> int:
            left, top = lefts[corner[0]], tops[corner[1]]
            inside = (px >= left) & (px <= left + w) & (py >= top) & (py <= top + h)
            crossed = sum(left <= lx <= left + w for lx in lines)
            return int(inside.sum()) + self.LINE_WEIGHT * crossed

        corner = min(self.CORNERS, key=covered)  # (the first of those that tie)
        if corner != self.legend_corner:
            self.legend_corner = corner
            offset = tuple(-self.MARGIN if c else self.MARGIN for c in corner)
            self.legend.anchor(itemPos=corner, parentPos=corner, offset=offset)

    def _legend_drag(self, ev) -> None:
        self.legend_dragged = True  # the user's place, until the next sweep
        type(self.legend).mouseDragEvent(self.legend, ev)

    def show_sweep(self, result: Sweep, current_lr: float | None = None) -> None:
        self.result = result
        self.legend_dragged = False
        lrs = result.lrs
        loss = result.final_loss
        ok = np.isfinite(loss)
        positive = ok & (loss > 0)
        log_y = bool(ok.any() and positive.sum() == ok.sum())
        plot = self.getPlotItem()
        plot.setLogMode(x=True, y=log_y)
        plot.setLabel("left", "final loss" + (" (log scale)" if log_y else ""))
        y = np.where(ok, loss, np.nan)
        top = float(np.nanmax(y)) if ok.any() else 1.0
        if log_y:  # losses that reach 0 to the last bit would stretch the axis to 1e-300
            y = np.maximum(y, top * 1e-15)
        self.curve.setData(lrs, y, connect="finite")
        marks_y = np.where(ok, y, top * 10.0 if log_y else top + 0.1 * abs(top) + 1.0)
        brushes = [pg.mkBrush(STATE_COLORS.get(s, "#777777")) for s in result.state]
        symbols = ["t" if s == "diverged" else "o" for s in result.state]
        self.points.setData(lrs, marks_y, symbolBrush=brushes, symbol=symbols)
        best = result.best()
        self.best.setVisible(best is not None)
        if best is not None:
            self.best.setValue(np.log10(best))
        self.current.setVisible(current_lr is not None)
        if current_lr is not None:
            self.current.setValue(np.log10(current_lr))
        self.legend.clear()
        for state, color in STATE_COLORS.items():
            count = result.state.count(state)
            if count:
                symbol = "t" if state == "diverged" else "o"
                item = pg.ScatterPlotItem(symbol=symbol, size=10, brush=pg.mkBrush(color))
                self.legend.addItem(item, f"{state}: {count}")
        if best is not None:
            self.legend.addItem(
                pg.PlotDataItem(pen=self.best.pen), f"lowest final loss: α = {best:.3g}"
            )
        if current_lr is not None:
            self.legend.addItem(
                pg.PlotDataItem(pen=self.current.pen), f"the run's α = {current_lr:.3g}"
            )
        # α ticks at powers of ten (and 2, 5 between them over a short range): pyqtgraph's
        # own log ticks label 2·10⁻⁵, 3·10⁻⁵… too, and those collide
        plot.getAxis("bottom").setTicks([log_ticks(lrs[0], lrs[-1]), []])
        cfg = result.config
        plot.setTitle(
            f"Learning-rate sweep: {len(lrs)} runs, {_config_text(cfg)}",
            size=f"{theme.BASE_POINT_SIZE + 1}pt",
        )
        plot.enableAutoRange()
        self.place_legend()


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _label(value: float, powers: bool) -> str:
    k = round(np.log10(value))
    if powers and abs(value - 10.0**k) <= 1e-9 * value:
        return "10" + str(k).translate(_SUPERSCRIPT)
    return f"{value:g}"


def log_ticks(lo: float, hi: float) -> list[tuple[float, str]]:
    """(log10 position, label) of round values between lo and hi: written as decimals
    when all of them lie in [0.001, 1000], else all as powers of ten."""
    first, last = int(np.floor(np.log10(lo))), int(np.ceil(np.log10(hi)))
    steps = (1.0,) if last - first > 2 else (1.0, 2.0, 5.0)
    values = [
        m * 10.0**k
        for k in range(first, last + 1)
        for m in steps
        if lo * (1 - 1e-9) <= m * 10.0**k <= hi * (1 + 1e-9)
    ]
    powers = bool(values) and not (values[0] >= 1e-3 and values[-1] <= 1e3)
    return [(float(np.log10(v)), _label(v, powers)) for v in values]
