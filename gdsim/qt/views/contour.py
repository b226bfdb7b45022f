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
from gdsim.qt.views.base import arrow_vector, finite_prefix, index_at, plot_title
from gdsim.qt.views.marks import RunFrame, RunMarks
from gdsim.qt.views.viewbox import ClickViewBox, RunPlot

LIGHT_MAP = pg.ColorMap(
    [0.0, 0.35, 0.7, 1.0],
    [(33, 102, 172), (146, 197, 222), (247, 247, 247), (244, 165, 130)],
)


def isoline_path(grid: SurfaceGrid, t: np.ndarray, levels) -> QtGui.QPainterPath:
    """All isolines of ``t`` (display values on the grid) as one path of segments."""
    pts = isolines.isolines(t, grid.xs, grid.ys, levels).reshape(-1, 2)
    if not len(pts):
        return QtGui.QPainterPath()
    connect = np.zeros(len(pts), dtype=bool)
    connect[0::2] = True  # join each start point to its end point only
    return pg.functions.arrayToQPath(pts[:, 0], pts[:, 1], connect=connect)


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


def start_marker(plot: pg.PlotItem, color: str) -> pg.TargetItem:
    """A run's start: a ring the user drags to move it."""
    target = pg.TargetItem(size=16, symbol="o", movable=True, brush=pg.mkBrush(255, 255, 255, 160))
    target.setToolTip("Drag to move this run's start")
    target.setPen(pg.mkPen(color, width=2.5))
    target.setZValue(25)
    plot.addItem(target)
    return target


class ClickPlotView(RunPlot):
    """A plot of parameter space that reports clicks (contour and 1D curve views)."""

    def __init__(self, scene, controller, parent=None):
        self.vb = ClickViewBox()
        super().__init__(scene, controller, parent, view_box=self.vb)
        for check in (self.plot.ctrl.logXCheck, self.plot.ctrl.logYCheck):
            check.setEnabled(False)  # pyqtgraph's log axes would not move the map with them
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
        # every run's trail, dots, arrows and marble: one item (see marks.py)
        self.marks = RunMarks()
        self.plot.addItem(self.marks, ignoreBounds=True)
        self.starts: dict[int, pg.TargetItem] = {}
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
        theme.set_title(self.plot, plot_title(surface))
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
        """Create / remove / recolour the start markers to match the scene."""
        if not self._current():
            return
        self.sync_items(self.starts, self._new_start, self.plot.removeItem)
        for run in self.model.runs:
            target = self.starts[run.id]
            target.setPen(pg.mkPen(run.color, width=2.5))
            start = run.config.resolved_start(self.surface) if self.surface else (0, 0)
            with QtCore.QSignalBlocker(target):
                target.setPos(*start[:2])
            target.setVisible(run.visible)

    def _new_start(self, run) -> pg.TargetItem:
        target = start_marker(self.plot, run.color)
        target.sigPositionChanged.connect(lambda t, rid=run.id: self._start_dragged(rid, t))
        return target

    # -- per step ------------------------------------------------------------------------
    def redraw(self, cursor: int) -> None:
        if self.grid is None or not self._current():
            return
        view = self.model.view
        scale = 0.18 * float(np.ptp(self.grid.xs))
        ref = self.grid.grad_ref
        frames, grads, batch, marbles, colors = {}, [], [], [], []
        for run, traj in self.shown_runs():
            k = index_at(traj, cursor)
            pos = traj.position
            trail = finite_prefix(pos[: k + 1])
            if not len(trail):
                continue
            step = None
            if view.get("show_velocity", True) and k + 1 < len(traj):
                step = arrow_segments(pos[k], arrow_vector(pos[k + 1] - pos[k], scale, scale / 9))
            frames[run.id] = RunFrame(traj, run.color, trail, step)
            marbles.append(trail[-1])
            colors.append(run.color)
            if view.get("show_gradient", True):
                grads.append(arrow_segments(pos[k], arrow_vector(-traj.full_grad[k], scale, ref)))
                if not np.array_equal(traj.grad[k], traj.full_grad[k]):
                    batch.append(arrow_segments(pos[k], arrow_vector(-traj.grad[k], scale, ref)))
        self.marks.set_frame(
            frames,
            marbles,
            colors,
            np.concatenate(grads) if grads else (),
            np.concatenate(batch) if batch else (),
        )

    # -- user input ----------------------------------------------------------------------
    def _start_dragged(self, run_id: int, target) -> None:
        if self.on_start_moved is not None:
            p = target.pos()
            self.on_start_moved(run_id, (float(p.x()), float(p.y())))
