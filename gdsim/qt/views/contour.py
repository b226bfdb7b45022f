"""The 2D contour view: filled map + isolines of the surface, trails, marbles, start
markers (drag them), arrows for −∇f and for the step the optimizer takes, minima.

Items are built once per surface / per run; a step only calls ``setData`` on the
small per-run items.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from gdsim.core import isolines
from gdsim.core.grid import SurfaceGrid
from gdsim.qt import theme
from gdsim.qt.views.base import RunView, arrow_vector, index_at, plot_title

LIGHT_MAP = pg.ColorMap(
    [0.0, 0.35, 0.7, 1.0],
    [(33, 102, 172), (146, 197, 222), (247, 247, 247), (244, 165, 130)],
)


def isoline_path(grid: SurfaceGrid, t: np.ndarray, levels) -> QtGui.QPainterPath:
    """All isolines of ``t`` (display values on the grid) as one path of segments."""
    segs = [isolines.segments(t, grid.xs, grid.ys, float(level)) for level in levels]
    pts = np.concatenate(segs).reshape(-1, 2) if segs else np.empty((0, 2))
    if not len(pts):
        return QtGui.QPainterPath()
    connect = np.zeros(len(pts), dtype=bool)
    connect[0::2] = True  # join each start point to its end point only
    return pg.functions.arrayToQPath(pts[:, 0], pts[:, 1], connect=connect)


class ClickViewBox(pg.ViewBox):
    """A ViewBox that reports plain left clicks (in data coordinates)."""

    sigClicked = QtCore.Signal(float, float)

    def mouseClickEvent(self, ev):
        if ev.button() == QtCore.Qt.LeftButton and not ev.double():
            p = self.mapSceneToView(ev.scenePos())
            ev.accept()
            self.sigClicked.emit(p.x(), p.y())
            return
        super().mouseClickEvent(ev)


def arrow_segments(origin, vec, head: float = 0.28) -> np.ndarray:
    """Points (6, 2) of an arrow drawn as three segments (shaft and two head strokes)."""
    o = np.asarray(origin, dtype=float)
    v = np.asarray(vec, dtype=float)
    tip = o + v
    n = float(np.hypot(*v))
    if n == 0.0:
        return np.repeat(o[None, :], 6, axis=0)
    back = -v / n * min(head * n, n)
    c, s = np.cos(0.45), np.sin(0.45)
    left = tip + np.array([c * back[0] - s * back[1], s * back[0] + c * back[1]])
    right = tip + np.array([c * back[0] + s * back[1], -s * back[0] + c * back[1]])
    return np.array([o, tip, tip, left, tip, right])


class _RunItems:
    """A run's trail (line + a dot per step), next-step arrow and draggable start ring.

    Curves are PlotCurveItems (PlotDataItem's dataset handling costs more than the
    drawing); the step dots are zero-length round-capped segments, far cheaper than
    a ScatterPlotItem rebuilt at every step.
    """

    def __init__(self, plot: pg.PlotItem, color: str):
        # drawn as separate segments: 1.5× faster than stroking one antialiased polyline
        self.trail = pg.PlotCurveItem(segmentedLineMode="on")
        self.dots = pg.PlotCurveItem(connect="pairs")
        self.velocity = pg.PlotCurveItem(connect="pairs")
        self.start = pg.TargetItem(
            size=16, symbol="o", movable=True, brush=pg.mkBrush(255, 255, 255, 160)
        )
        self.start.setToolTip("Drag to move this run's start")
        self.set_color(color)
        for z, item in ((10, self.trail), (11, self.dots), (16, self.velocity), (25, self.start)):
            item.setZValue(z)
            plot.addItem(item)

    @property
    def all(self):
        return (self.trail, self.dots, self.velocity, self.start)

    def remove(self, plot: pg.PlotItem):
        for item in self.all:
            plot.removeItem(item)

    def set_color(self, color: str):
        self.trail.setPen(pg.mkPen(color, width=theme.TRAIL_WIDTH))
        self.dots.setPen(pg.mkPen(color, width=7, cap=QtCore.Qt.RoundCap))
        self.velocity.setPen(pg.mkPen(color, width=2.5))
        self.start.setPen(pg.mkPen(color, width=2.5))


class ClickPlotView(pg.PlotWidget, RunView):
    """A plot of parameter space that reports clicks (contour and 1D curve views)."""

    def __init__(self, scene, controller, parent=None):
        self.vb = ClickViewBox()
        super().__init__(parent=parent, viewBox=self.vb)
        self.model, self.controller = scene, controller
        self.plot = self.getPlotItem()
        theme.style_plot(self.plot)
        self.on_click = None
        self.vb.sigClicked.connect(self._clicked)

    def _clicked(self, x: float, y: float) -> None:
        """A click inside the surface's domain calls ``on_click`` with its coordinates
        (x alone for a one-parameter surface)."""
        if self.surface is None or self.on_click is None:
            return
        coords = (x, y)[: self.surface.dim]
        if all(lo <= c <= hi for c, (lo, hi) in zip(coords, self.surface.domain, strict=True)):
            self.on_click(*coords)


class ContourView(ClickPlotView):
    """Parameter space seen from above."""

    def __init__(self, scene, controller, parent=None):
        super().__init__(scene, controller, parent)
        self.plot.setAspectLocked(True)
        self.plot.showGrid(x=False, y=False)
        self.image = pg.ImageItem()
        self.image.setZValue(-10)
        self.image.setColorMap(LIGHT_MAP)
        self.image.setCacheMode(QtWidgets.QGraphicsItem.DeviceCoordinateCache)
        self.plot.addItem(self.image)
        # all isolines in one path item, cached as a pixmap: a step repaints the trails
        # over it without re-stroking hundreds of isoline segments
        self.isolines = QtWidgets.QGraphicsPathItem()
        pen = pg.mkPen(60, 60, 60, 150, width=1)
        pen.setCosmetic(True)
        self.isolines.setPen(pen)
        self.isolines.setCacheMode(QtWidgets.QGraphicsItem.DeviceCoordinateCache)
        self.isolines.setZValue(-5)
        self.plot.vb.addItem(self.isolines, ignoreBounds=True)
        self.minima = pg.ScatterPlotItem(
            symbol="star", size=20, brush=pg.mkBrush("w"), pen=pg.mkPen("k", width=1.5)
        )
        self.minima.setZValue(5)
        self.plot.addItem(self.minima)
        self.gradients = pg.PlotCurveItem(pen=pg.mkPen("k", width=2.5), connect="pairs")
        self.gradients.setZValue(15)
        self.plot.addItem(self.gradients)
        self.marbles = pg.ScatterPlotItem(size=theme.MARBLE_SIZE, pen=pg.mkPen("w", width=2))
        self.marbles.setZValue(20)
        self.plot.addItem(self.marbles)
        self.batch_gradients = pg.PlotCurveItem(
            pen=pg.mkPen((90, 90, 90), width=2, style=QtCore.Qt.DashLine), connect="pairs"
        )
        self.batch_gradients.setZValue(14)
        self.plot.addItem(self.batch_gradients)
        self.items: dict[int, _RunItems] = {}
        self._brushes: dict = {}
        self.grid: SurfaceGrid | None = None
        self.surface = None
        self.on_start_moved = None  # callable(run_id, (x, y))
        self.setToolTip("Click to drop a marble; drag a start ring to move it")

    # -- building ------------------------------------------------------------------------
    def set_surface(self, surface, grid: SurfaceGrid) -> None:
        self.surface, self.grid = surface, grid
        t = grid.transform(grid.values)
        self.image.setImage(t, levels=(grid.t_min, grid.t_max))
        (x0, x1), (y0, y1) = surface.domain
        self.image.setRect(QtCore.QRectF(x0, y0, x1 - x0, y1 - y0))
        self.isolines.setPath(isoline_path(grid, t, grid.levels(12)))
        self.plot.setLabel("bottom", surface.params[0])
        self.plot.setLabel("left", surface.params[1])
        self.plot.setTitle(plot_title(surface), size="12pt")
        self.plot.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0.02)
        self.show_minima(self.model.view.get("show_minima", True))

    def apply_ranges(self) -> None:
        """The saved view range (xmin, xmax, ymin, ymax), or the whole domain."""
        r = self.model.view.get("ranges")
        if r and len(r) == 4 and self.surface is not None:
            self.plot.setRange(xRange=(r[0], r[1]), yRange=(r[2], r[3]), padding=0)

    def ranges(self) -> list[float]:
        (x0, x1), (y0, y1) = self.plot.viewRange()
        return [float(x0), float(x1), float(y0), float(y1)]

    def show_minima(self, show: bool) -> None:
        pts = [c.position for c in self.surface.critical_points] if show and self.surface else []
        if pts:
            self.minima.setData(pos=np.array(pts, dtype=float))
        else:
            self.minima.clear()

    def sync_runs(self) -> None:
        """Create / remove / recolour per-run items to match the scene."""
        if not self._current():
            return
        ids = {r.id for r in self.model.runs}
        for rid in list(self.items):
            if rid not in ids:
                self.items.pop(rid).remove(self.plot)
        for run in self.model.runs:
            items = self.items.get(run.id)
            if items is None:
                items = self.items[run.id] = _RunItems(self.plot, run.color)
                items.start.sigPositionChanged.connect(
                    lambda target, rid=run.id: self._start_dragged(rid, target)
                )
            else:
                items.set_color(run.color)
            start = run.config.resolved_start(self.surface) if self.surface else (0, 0)
            with QtCore.QSignalBlocker(items.start):
                items.start.setPos(*start[:2])
            for it in items.all:
                it.setVisible(run.visible)

    def _brush(self, color: str):
        """One QBrush per colour, reused: a new brush object at every step makes the
        scatter item re-render its symbol atlas."""
        brush = self._brushes.get(color)
        if brush is None:
            brush = self._brushes[color] = pg.mkBrush(color)
        return brush

    # -- per step ------------------------------------------------------------------------
    def redraw(self, cursor: int) -> None:
        if self.grid is None or not self._current():
            return
        view = self.model.view
        width = float(np.ptp(self.grid.xs))
        grads, batch, marbles, brushes = [], [], [], []
        for run, traj in self.shown_runs():
            items = self.items.get(run.id)
            if items is None:
                continue
            k = index_at(traj, cursor)
            pos = traj.position
            items.trail.setData(pos[: k + 1, 0], pos[: k + 1, 1])
            dots = np.repeat(pos[: k + 1], 2, axis=0)
            dots[1::2, 0] += 1e-6 * width  # a zero-length segment would not be drawn
            items.dots.setData(dots[:, 0], dots[:, 1])
            marbles.append(pos[k])
            brushes.append(self._brush(run.color))
            if view.get("show_gradient", True):
                grads.append(
                    arrow_segments(
                        pos[k], arrow_vector(-traj.full_grad[k], 0.18 * width, self.grid.grad_ref)
                    )
                )
                if not np.array_equal(traj.grad[k], traj.full_grad[k]):
                    batch.append(
                        arrow_segments(
                            pos[k], arrow_vector(-traj.grad[k], 0.18 * width, self.grid.grad_ref)
                        )
                    )
            if view.get("show_velocity", True) and k + 1 < len(traj):
                step = pos[k + 1] - pos[k]
                items.velocity.setData(
                    *arrow_segments(pos[k], arrow_vector(step, 0.18 * width, 0.02 * width)).T
                )
            else:
                items.velocity.setData([], [])
        if marbles:
            m = np.array(marbles)
            self.marbles.setData(m[:, 0], m[:, 1], brush=brushes)
        else:
            self.marbles.clear()
        if grads:
            self.gradients.setData(*np.concatenate(grads).T)
        else:
            self.gradients.setData([], [])
        if batch:
            self.batch_gradients.setData(*np.concatenate(batch).T)
        else:
            self.batch_gradients.setData([], [])

    # -- user input ----------------------------------------------------------------------
    def _start_dragged(self, run_id: int, target) -> None:
        if self.on_start_moved is not None:
            p = target.pos()
            self.on_start_moved(run_id, (float(p.x()), float(p.y())))
