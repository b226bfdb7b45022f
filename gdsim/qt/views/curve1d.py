"""One-parameter surfaces: the curve f(x) with each run's marble and its steps on it."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore

from gdsim.core.grid import SurfaceGrid, quantile
from gdsim.qt import theme
from gdsim.qt.views.base import arrow_vector, index_at, plot_title
from gdsim.qt.views.contour import ClickPlotView


class CurveView(ClickPlotView):
    def __init__(self, scene, controller, parent=None):
        super().__init__(scene, controller, parent)
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.curve = pg.PlotDataItem()
        self.plot.addItem(self.curve)
        self.minima = pg.ScatterPlotItem(
            symbol="star", size=20, brush=pg.mkBrush("w"), pen=pg.mkPen("k", width=1.5)
        )
        self.plot.addItem(self.minima)
        self.gradients = pg.PlotDataItem(connect="pairs")
        self.gradients.setZValue(25)  # above the marbles
        self.plot.addItem(self.gradients)
        self.items: dict[int, tuple[pg.PlotDataItem, pg.ScatterPlotItem]] = {}
        self.grid: SurfaceGrid | None = None
        self.surface = None
        self.setToolTip("Click on the axis to drop a marble at that x")
        self.apply_colors()

    def apply_colors(self) -> None:
        c = theme.colors()
        self.curve.setPen(pg.mkPen(c["soft"], width=3 * theme.LINE_SCALE))
        self.gradients.setPen(pg.mkPen(c["ink"], width=theme.ARROW_WIDTH * theme.arrow_scale()))

    def set_surface(self, surface, grid: SurfaceGrid) -> None:
        self.surface, self.grid = surface, grid
        self.plot.setLabel("bottom", surface.params[0])
        self.plot.setLabel("left", "f")
        theme.set_title(self.plot, plot_title(surface), (surface.formula,))
        self.show_minima(self.model.view.get("show_minima", True))
        self.apply_ranges()

    def show_minima(self, show: bool) -> None:
        mins = self.surface.minima if self.surface is not None else []
        if mins and show:
            self.minima.setData([c.position[0] for c in mins], [c.value for c in mins])
        else:
            self.minima.clear()

    def x_extent(self) -> tuple[float, float]:
        """The x range to show: the saved one, else the domain widened to every run's
        start (a lesson's first frame shows all its marbles)."""
        r = self.model.view.get("ranges")
        if r and len(r) == 4:
            return float(r[0]), float(r[1])
        lo, hi = self.surface.domain[0]
        starts = [run.config.resolved_start(self.surface)[0] for run in self.model.runs]
        if starts:
            pad = 0.05 * (hi - lo)
            lo, hi = min(lo, min(starts) - pad), max(hi, max(starts) + pad)
        return lo, hi

    def apply_ranges(self) -> None:
        """The curve over the range shown (sampled again when it reaches past the
        domain) and the view's range: the saved one or the domain and the starts."""
        if self.surface is None:
            return
        lo, hi = self.x_extent()
        xs = self.grid.xs
        if lo < xs[0] or hi > xs[-1]:
            xs = np.linspace(min(lo, xs[0]), max(hi, xs[-1]), len(xs))
            with np.errstate(all="ignore"):
                values = np.asarray(self.surface.evaluate(xs[:, None])[0], dtype=float)
        else:
            values = self.grid.values
        self.curve.setData(xs, values)
        r = self.model.view.get("ranges")
        if r and len(r) == 4:
            self.plot.setRange(xRange=(r[0], r[1]), yRange=(r[2], r[3]), padding=0)
            return
        inside = values[(xs >= lo) & (xs <= hi) & np.isfinite(values)]
        top = quantile(inside, 0.98) if inside.size else 1.0
        bottom = float(inside.min()) if inside.size else 0.0
        self.plot.setRange(xRange=(lo, hi), yRange=(bottom, top), padding=0.05)

    def covered_points(self) -> np.ndarray:
        """The curve and every shown run's steps on it."""
        xs, ys = self.curve.getData()
        pts = [np.column_stack([xs, ys])] if xs is not None else []
        pts += [np.column_stack([t.position[:, 0], t.loss]) for _r, t in self.shown_runs()]
        return np.concatenate(pts) if pts else np.empty((0, 2))

    def ranges(self) -> list[float]:
        (x0, x1), (y0, y1) = self.plot.viewRange()
        return [float(x0), float(x1), float(y0), float(y1)]

    def sync_runs(self) -> None:
        if not self._current():
            return
        ids = {r.id for r in self.model.runs}
        for rid in list(self.items):
            if rid not in ids:
                for it in self.items.pop(rid):
                    self.plot.removeItem(it)
        markers = self.model.markers()
        for run in self.model.runs:
            pair = self.items.get(run.id)
            if pair is None:
                trail = pg.PlotDataItem()
                marble = pg.ScatterPlotItem(pen=pg.mkPen("w", width=2))
                trail.setZValue(10)
                marble.setZValue(20)
                self.plot.addItem(trail)
                self.plot.addItem(marble)
                pair = self.items[run.id] = (trail, marble)
            trail, marble = pair
            trail.setPen(pg.mkPen(run.color, width=2 * theme.LINE_SCALE, style=QtCore.Qt.DashLine))
            trail.setSymbol(markers[run.id])
            marble.setSymbol(markers[run.id])
            trail.setSymbolSize(7 * theme.LINE_SCALE)
            marble.setSize(theme.marble_size())
            trail.setSymbolBrush(run.color)
            trail.setSymbolPen(None)
            marble.setBrush(pg.mkBrush(run.color))
            trail.setVisible(run.visible)
            marble.setVisible(run.visible)

    def redraw(self, cursor: int) -> None:
        if self.grid is None or not self._current():
            return
        width = float(np.ptp(self.grid.xs))
        arrows = []
        for run, traj in self.shown_runs():
            k = index_at(traj, cursor)
            x = traj.position[: k + 1, 0]
            f = traj.loss[: k + 1]
            trail, marble = self.items[run.id]
            trail.setData(x, f)
            marble.setData(x[-1:], f[-1:])
            if self.model.view.get("show_gradient", True):
                scale = 0.15 * width * theme.arrow_scale()
                v = arrow_vector(-traj.full_grad[k], scale, self.grid.grad_ref)[0]
                tip = x[-1] + v
                arrows += [[x[-1], f[-1]], [tip, f[-1]]]
        if arrows:
            self.gradients.setData(*np.array(arrows).T)
        else:
            self.gradients.setData([], [])
        self.update_legend(cursor)
