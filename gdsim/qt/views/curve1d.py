"""One-parameter surfaces: the curve f(x) with each run's marble and its steps on it."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from gdsim.core.grid import SurfaceGrid, quantile
from gdsim.qt import theme
from gdsim.qt.views.arrows import arrow_segments
from gdsim.qt.views.base import arrow_vector, finite_prefix, index_at, plot_title
from gdsim.qt.views.contour import ClickPlotView
from gdsim.qt.views.marks import RunFrame, RunMarks


class CurveView(ClickPlotView):
    """The curve f(x); each run's steps on it, its marble, the −∇f arrow (along x) and
    the step it takes next, drawn by the same marks item as the contour map."""

    def __init__(self, scene, controller, parent=None):
        super().__init__(scene, controller, parent)
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.curve = pg.PlotDataItem()
        self.plot.addItem(self.curve)
        self.minima = pg.ScatterPlotItem(
            symbol="star", size=20, brush=pg.mkBrush("w"), pen=pg.mkPen("k", width=1.5)
        )
        self.plot.addItem(self.minima)
        self.marks = RunMarks()
        self.marks.rows_of = curve_points  # its trails go through (x, loss)
        self.plot.addItem(self.marks, ignoreBounds=True)
        self.grid: SurfaceGrid | None = None
        self.surface = None
        self.setToolTip("Click on the axis to drop a marble at that x")
        self.apply_colors()

    def apply_colors(self) -> None:
        c = theme.colors()
        self.curve.setPen(pg.mkPen(c["soft"], width=3 * theme.LINE_SCALE))
        self.minima.setSize(20 * theme.LINE_SCALE)  # as the map's star

    def set_surface(self, surface, grid: SurfaceGrid) -> None:
        self.surface, self.grid = surface, grid
        self.plot.setLabel("bottom", surface.params[0])
        self.plot.setLabel("left", "f")
        theme.set_title(self.plot, plot_title(surface), (surface.formula,), surface.title)
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

    def flow_bounds(self) -> list[tuple[float, float]]:
        return [self.x_extent()]

    def ranges(self) -> list[float]:
        (x0, x1), (y0, y1) = self.plot.viewRange()
        return [float(x0), float(x1), float(y0), float(y1)]

    def sync_runs(self) -> None:
        """Nothing per run to build: the marks item draws every run."""

    def _arrow(self, origin, vec) -> np.ndarray:
        """An arrow from ``origin`` along ``vec`` (data units) whose head is drawn in
        screen proportions: the two axes of this plot have different units."""
        sx, sy = self.plot.vb.viewPixelSize()  # data units per pixel
        if not (sx > 0 and sy > 0):
            sx = sy = 1.0
        o = np.array([origin[0] / sx, origin[1] / sy])
        v = np.array([vec[0] / sx, vec[1] / sy])
        pts = arrow_segments(o, v, max_head=theme.arrow_width(14.0))  # pixels
        return pts * np.array([sx, sy])

    def redraw(self, cursor: int) -> None:
        if self.grid is None or not self._current():
            return
        view = self.model.view
        width = float(np.ptp(self.grid.xs))
        scale = 0.15 * width * theme.arrow_scale()
        frames, grads, marbles, colors, shapes, along = {}, [], [], [], [], []
        markers = self.model.markers()
        for run, traj in self.shown_runs():
            k = index_at(traj, cursor)
            pts = np.column_stack([traj.position[: k + 2, 0], traj.loss[: k + 2]])
            trail = finite_prefix(pts[: k + 1])
            if not len(trail):
                continue
            step = None
            if (
                view.get("show_velocity", True)
                and k + 1 < len(traj)
                and np.isfinite(pts[k + 1]).all()
            ):
                step = self._arrow(pts[k], pts[k + 1] - pts[k])
            frames[run.id] = RunFrame(traj, run.color, trail, step, markers[run.id])
            marbles.append(trail[-1])
            along.append((1.0, traj.full_grad[len(trail) - 1, 0]))  # the curve's slope
            colors.append(run.color)
            shapes.append(markers[run.id])
            if view.get("show_gradient", True):
                v = arrow_vector(-traj.full_grad[k], scale, self.grid.grad_ref)[0]
                grads.append(self._arrow(trail[-1], (v, 0.0)))
        grads = np.concatenate(grads) if grads else ()
        self.marks.set_frame(frames, marbles, colors, grads, (), shapes, along)
        self.draw_lens(cursor, 0.12 * width)
        self.update_legend(cursor)


def curve_points(traj) -> np.ndarray:
    """A run's points on the curve: (x, loss) at every step."""
    return np.column_stack([traj.position[:, 0], traj.loss])
