"""The 2D contour view: filled map + isolines of the surface, trails, marbles, start
markers (drag them), arrows for −∇f and for the step the optimizer takes, minima.

Items are built once per surface / per run; a step only calls ``setData`` on the
small per-run items.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from gdsim.core import isolines
from gdsim.core.grid import SurfaceGrid, extend
from gdsim.core.surfaces import get_surface
from gdsim.qt import theme
from gdsim.qt.views.arrows import screen_arrows
from gdsim.qt.views.base import index_at, plot_title, trail_at
from gdsim.qt.views.cloud import GradientCloud
from gdsim.qt.views.legend import RunLegend
from gdsim.qt.views.lens import CurvatureLens, FlowPath
from gdsim.qt.views.marks import RunFrame, RunMarks
from gdsim.qt.views.painting import cache_picture
from gdsim.qt.views.start_ring import start_marker
from gdsim.qt.views.viewbox import ClickViewBox, RunPlot

LIGHT_MAP = pg.ColorMap(
    [0.0, 0.35, 0.7, 1.0],
    [(33, 102, 172), (146, 197, 222), (247, 247, 247), (244, 165, 130)],
)


def _isoline_pen() -> QtGui.QPen:
    """The isolines' hairline: a pixel wide, wider on a projector's tall screen."""
    return pg.mkPen(60, 60, 60, 150, width=theme.screen_px(1.0))  # (cosmetic: pixels)


def isoline_path(grid: SurfaceGrid, t: np.ndarray, levels) -> QtGui.QPainterPath:
    """All isolines of ``t`` (display values on the grid) as one path of segments."""
    pts = isolines.isolines(t, grid.xs, grid.ys, levels).reshape(-1, 2)
    if not len(pts):
        return QtGui.QPainterPath()
    connect = np.zeros(len(pts), dtype=bool)
    connect[0::2] = True  # join each start point to its end point only
    return pg.functions.arrayToQPath(pts[:, 0], pts[:, 1], connect=connect)


#: the map reaches at most this many domain half-widths from the domain's centre
MAP_REACH = 3.0


class ClickPlotView(RunPlot):
    """A plot of parameter space that reports clicks (contour and 1D curve views), with
    the legend of the runs."""

    def __init__(self, scene, controller, parent=None):
        self.vb = ClickViewBox()
        super().__init__(scene, controller, parent, view_box=self.vb)
        self.plot.hideButtons()  # (its "A" fitted the map's wide margins too; key 0 instead)
        for check in (self.plot.ctrl.logXCheck, self.plot.ctrl.logYCheck):
            check.setEnabled(False)  # pyqtgraph's log axes would not move the map with them
        self.on_click = None
        self.vb.sigClicked.connect(self._clicked)
        self.legend = RunLegend(self.plot)
        self.lens = CurvatureLens(self.plot)
        self.flow = FlowPath(self.plot)
        # where L-BFGS and the line search evaluated f inside the step at the cursor
        self.probes = pg.ScatterPlotItem(size=7, pxMode=True, brush=None)
        self.probes.setZValue(9)
        self.probes.setToolTip("Where the optimizer evaluated f within this step")
        self.plot.addItem(self.probes)

    def clickable(self) -> list[tuple[float, float]]:
        """Where a click drops a marble: the domain (views that show more say so)."""
        return list(self.surface.domain)

    def _clicked(self, x: float, y: float) -> None:
        """A click on the map calls ``on_click`` with its coordinates (x alone for a
        one-parameter surface)."""
        if self.surface is None or self.on_click is None:
            return
        coords = (x, y)[: self.surface.dim]
        if all(lo <= c <= hi for c, (lo, hi) in zip(coords, self.clickable(), strict=True)):
            self.on_click(*coords)

    def update_legend(self, cursor: int) -> None:
        self.legend.set_visible(self.model.view.get("show_legend", True))
        self.legend.update(self.legend.entries(self.model, self.controller, cursor))

    def draw_lens(self, cursor: int, length: float) -> None:
        """The curvature lens and the gradient flow of the lens' run, where shown."""
        view, chosen = self.model.view, self.lens_run()
        if chosen is None or not view.get("show_curvature"):
            self.lens.hide()
        else:
            traj = chosen[1]
            self.lens.show(self.surface, traj.position[index_at(traj, cursor)], length)
        if chosen is None or not view.get("show_flow"):
            self.flow.hide()
        else:
            self.flow.show(self.surface, chosen[1], cursor, self.flow_bounds())

    def flow_bounds(self) -> list[tuple[float, float]]:
        """Where the gradient flow is drawn: it stops where it leaves this."""
        return self.clickable()


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
        self.isolines.setPen(_isoline_pen())
        self.isolines.setCacheMode(QtWidgets.QGraphicsItem.DeviceCoordinateCache)
        self.isolines.setZValue(-5)
        self.plot.vb.addItem(self.isolines, ignoreBounds=True)
        self.minima = pg.ScatterPlotItem(
            symbol="star", size=20, brush=pg.mkBrush("w"), pen=pg.mkPen("k", width=1.5)
        )
        self.minima.setZValue(5)
        # still from step to step: painted once into a cached picture (a scatter's own
        # paint costs a few tenths of a ms at every frame, however few its points)
        self.minima.setCacheMode(QtWidgets.QGraphicsItem.DeviceCoordinateCache)
        self.plot.addItem(self.minima)
        # every run's trail, dots, arrows and marble: one item (see marks.py)
        self.marks = RunMarks()
        self.plot.addItem(self.marks, ignoreBounds=True)
        self.starts: dict[int, pg.TargetItem] = {}
        self.cloud = GradientCloud(self.plot)
        self.grid: SurfaceGrid | None = None
        self.map_grid: SurfaceGrid | None = None  # what the map shows: the grid, or more
        self.surface = None
        self.on_start_moved = None  # callable(run_id, (x, y))
        self.setToolTip("Click to drop a marble; drag a start ring to move it")
        # a pane of another shape than the domain shows more of the surface, not margins
        self._refit = QtCore.QTimer(self, singleShot=True, interval=120)
        self._refit.timeout.connect(self.fill_view)
        self.plot.vb.sigRangeChanged.connect(lambda *_: self._refit.start())
        self.plot.vb.sigResized.connect(lambda *_: self._refit.start())  # (a slice's aspect)
        self._aspect = 1.0  # the view's aspect the marks were last built for
        # a zoom or a pan by the user is the scene's range (a session saves it)
        self.plot.vb.sigRangeChangedManually.connect(lambda *_: self.store_ranges())

    # -- building ------------------------------------------------------------------------
    def set_surface(self, surface, grid: SurfaceGrid) -> None:
        self.surface, self.grid = surface, grid
        self.map_grid = None  # drawn by fill_view if the view shows more, else below
        self.plot.setLabel("bottom", surface.params[0])
        self.plot.setLabel("left", surface.params[1])
        theme.set_title(self.plot, plot_title(surface), (surface.formula,), surface.title)
        # a surface's x and y at one scale (a ravine looks as narrow as it is); a model's
        # slice fills the view, as Li et al. draw theirs: a PCA plane's second axis spans
        # a few per cent of its first, and at one scale the map was a strip
        self.plot.setAspectLocked("slice" not in surface.extra)
        self.show_domain()
        self.show_minima(self.model.view.get("show_minima", True))
        self.fill_view()
        if self.map_grid is None:
            self._show_map(grid)

    def _show_map(self, grid: SurfaceGrid) -> None:
        self.map_grid = grid
        t = grid.transform(grid.values)
        self.image.setImage(t, levels=(self.grid.t_min, self.grid.t_max))
        x0, x1, y0, y1 = grid.xs[0], grid.xs[-1], grid.ys[0], grid.ys[-1]
        self.image.setRect(QtCore.QRectF(x0, y0, x1 - x0, y1 - y0))
        self.isolines.setPath(isoline_path(grid, t, self.grid.levels(12)))
        cache_picture(self.image, self.isolines)  # a new picture

    @contextmanager
    def map_cut_to_view(self):
        """The map sampled over exactly what the view shows, for the duration (an SVG
        export: not every SVG renderer clips an image to the plot)."""
        if self.grid is None:
            yield
            return
        shown = self.map_grid
        (x0, x1), (y0, y1) = self.plot.viewRange()
        n = max(len(self.grid.xs), 2)
        self._show_map(extend(self.grid, self.surface, ((x0, x1), (y0, y1)), n))
        try:
            yield
        finally:
            self._show_map(shown)

    def map_extent(self) -> tuple[tuple[float, float], tuple[float, float]]:
        g = self.map_grid if self.map_grid is not None else self.grid
        return (float(g.xs[0]), float(g.xs[-1])), (float(g.ys[0]), float(g.ys[-1]))

    def clickable(self) -> list[tuple[float, float]]:
        return list(self.map_extent()) if self.map_grid is not None else super().clickable()

    def fill_view(self) -> None:
        """Sample the surface over what the view shows (up to MAP_REACH half-widths from
        the domain's centre) when that reaches past the map drawn so far: a wide pane
        then shows more of the surface beside the domain instead of blank margins."""
        if self.grid is not None and abs(self.pixel_aspect() / self._aspect - 1.0) > 1e-3:
            self.redraw(self.model.cursor)  # the arrows, for the view's new shape
        if self.surface is None or self.grid is None or "slice" in self.surface.extra:
            return  # (a model's slice is sampled off the GUI thread, over its plane only)
        (vx0, vx1), (vy0, vy1) = self.plot.viewRange()
        (dx0, dx1), (dy0, dy1) = self.surface.domain
        (mx0, mx1), (my0, my1) = self.map_extent()
        cx, cy = (dx0 + dx1) / 2, (dy0 + dy1) / 2
        hx, hy = MAP_REACH * (dx1 - dx0) / 2, MAP_REACH * (dy1 - dy0) / 2
        want = (
            (max(min(vx0, dx0), cx - hx), min(max(vx1, dx1), cx + hx)),
            (max(min(vy0, dy0), cy - hy), min(max(vy1, dy1), cy + hy)),
        )
        tol_x, tol_y = 1e-3 * (dx1 - dx0), 1e-3 * (dy1 - dy0)
        inside = (
            want[0][0] >= mx0 - tol_x
            and want[0][1] <= mx1 + tol_x
            and want[1][0] >= my0 - tol_y
            and want[1][1] <= my1 + tol_y
        )
        if inside:
            return
        # a little more than asked, so that small pans do not sample again
        (a, b), (c, d) = want
        pad_x, pad_y = 0.1 * (b - a), 0.1 * (d - c)
        extent = (
            (max(a - pad_x, cx - hx), min(b + pad_x, cx + hx)),
            (max(c - pad_y, cy - hy), min(d + pad_y, cy + hy)),
        )
        span = max(
            (extent[0][1] - extent[0][0]) / (dx1 - dx0), (extent[1][1] - extent[1][0]) / (dy1 - dy0)
        )
        n = int(min(max(len(self.grid.xs), len(self.grid.xs) * span), 2 * len(self.grid.xs)))
        self._show_map(extend(self.grid, self.surface, extent, n))

    def apply_ranges(self) -> None:
        """The saved view range (xmin, xmax, ymin, ymax), or the whole domain."""
        if self.surface is None:
            return
        r = self.model.view.get("ranges")
        if r and len(r) == 4:
            self.plot.setRange(xRange=(r[0], r[1]), yRange=(r[2], r[3]), padding=0)
        else:
            self.show_domain()

    def show_domain(self) -> None:
        """The whole domain in view, with a small margin."""
        (x0, x1), (y0, y1) = self.surface.domain
        self.plot.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0.02)

    def ranges(self) -> list[float]:
        (x0, x1), (y0, y1) = self.plot.viewRange()
        return [float(x0), float(x1), float(y0), float(y1)]

    def store_ranges(self) -> None:
        self.model.view["ranges"] = self.ranges()

    def show_minima(self, show: bool) -> None:
        pts = [c.position for c in self.surface.critical_points] if show and self.surface else []
        if pts:  # (a star as large as the marks: larger in projector mode)
            self.minima.setData(pos=np.array(pts, dtype=float), size=20 * theme.LINE_SCALE)
        else:
            self.minima.clear()
        cache_picture(self.minima)

    def restyle(self) -> None:
        super().restyle()
        self.show_minima(self.model.view.get("show_minima", True))
        self.isolines.setPen(_isoline_pen())
        self.sync_runs()  # the start rings' size

    def sync_runs(self) -> None:
        """Create / remove / recolour the start markers to match the scene."""
        if not self._current():
            return
        self.sync_items(self.starts, self._new_start, self.plot.removeItem)
        for run in self.model.runs:
            target = self.starts[run.id]
            target.set_look(run.color)
            with QtCore.QSignalBlocker(target):
                target.setPos(*self._start_on_map(run))
            target.setVisible(run.visible)

    def _start_on_map(self, run) -> tuple[float, float]:
        """Where a run starts on the map: its start, or on a model's slice its start's
        coordinates on the plane (the slice's own default start is the plane's centre:
        a PCA plane's centre is the path's end, and the ring sat on the end)."""
        if self.surface is None:
            return (0.0, 0.0)
        plane = self.surface.extra.get("slice")
        if plane is None:
            return tuple(run.config.resolved_start(self.surface)[:2])
        theta = np.asarray(run.config.resolved_start(get_surface(run.config.surface)), float)
        a, b = plane.coordinates(theta[None, :])[0]
        return (float(a), float(b))

    def _new_start(self, run) -> pg.TargetItem:
        target = start_marker(self.plot, run.color)
        target.sigPositionChanged.connect(lambda t, rid=run.id: self._start_dragged(rid, t))
        return target

    # -- per step ------------------------------------------------------------------------
    def redraw(self, cursor: int) -> None:
        if self.grid is None or not self._current():
            return
        view = self.model.view
        base = 0.18 * float(np.ptp(self.grid.xs))  # an arrow's longest, in data units
        scale = base * theme.arrow_scale()
        ref = self.grid.grad_ref
        aspect = self._aspect = self.pixel_aspect()
        shown, marbles, colors, shapes = [], [], [], []
        steps, grads, batch = ([], []), ([], []), ([], [])  # (origins, vectors) each
        markers = self.model.markers()
        velocity, gradient = view.get("show_velocity", True), view.get("show_gradient", True)
        for run, traj in self.shown_runs():
            k = index_at(traj, cursor)
            pos = traj.position
            trail = trail_at(traj, k)
            if not len(trail):
                continue
            stepping = velocity and k + 1 < len(traj)
            if stepping:
                steps[0].append(pos[k])
                steps[1].append(pos[k + 1] - pos[k])
            shown.append((run, traj, trail, stepping))
            marbles.append(trail[-1])
            colors.append(run.color)
            shapes.append(markers[run.id])
            if gradient:
                g, full = traj.grad[k], traj.full_grad[k]
                grads[0].append(pos[k])
                grads[1].append(-full)
                if g.tolist() != full.tolist():  # a mini-batch's gradient
                    batch[0].append(pos[k])
                    batch[1].append(-g)

        def arrows(pairs, ref):  # every arrow of a kind in one pass: 64 runs, 128 arrows
            return screen_arrows(*pairs, scale, ref, aspect) if pairs[0] else np.empty((0, 6, 2))

        step_arrows = iter(arrows(steps, base / 9))
        frames = {
            run.id: RunFrame(
                traj, run.color, trail, next(step_arrows) if stepping else None, markers[run.id]
            )
            for run, traj, trail, stepping in shown
        }
        grads, batch = arrows(grads, ref).reshape(-1, 2), arrows(batch, ref).reshape(-1, 2)
        self.marks.set_frame(
            frames,
            marbles,
            colors,
            grads,
            batch,
            shapes,
        )
        self.show_probes(cursor)
        self.draw_lens(cursor, base)
        self.draw_cloud(cursor, scale, ref, aspect)
        self.update_legend(cursor)

    def pixel_aspect(self) -> float:
        """The y data units per x data unit of one screen length (1 at one scale)."""
        if self.plot.vb.state["aspectLocked"]:
            return 1.0
        w, h = self.plot.vb.viewPixelSize()
        aspect = h / w if w > 0 else 1.0
        return aspect if np.isfinite(aspect) and aspect > 0 else 1.0

    def draw_cloud(self, cursor: int, scale: float, ref: float, aspect: float = 1.0) -> None:
        """The followed run's mini-batch gradient cloud (data surfaces, when shown)."""
        if not self.model.view.get("show_cloud"):
            self.cloud.hide()
            return
        chosen, data = self.lens_run(), get_surface(self.model.surface)
        if chosen is None or not data.is_data:
            self.cloud.hide()
            return
        run, traj = chosen
        k = index_at(traj, cursor)
        raw = getattr(self.controller, "raw", {}).get(run.id, traj)  # a model's whole θ
        plane = self.surface.extra.get("slice")
        axes = np.eye(2) if plane is None else np.column_stack([plane.d1, plane.d2])
        if raw.dim != axes.shape[0] or k >= len(raw):
            self.cloud.hide()
            return
        b = run.config.batch_size
        cloud = self.cloud.cloud(data, raw.position[k], b, (raw, k, b, data.name))
        self.cloud.show(traj.position[k], cloud, axes, scale, ref, run.color, aspect)

    def show_probes(self, cursor: int) -> None:
        """Small rings where each run's optimizer evaluated f inside the step that
        leaves the cursor (L-BFGS's inner iterations, the line search's trial steps)."""
        points, pens = [], []
        for run, traj in self.shown_runs():
            inner = traj.evaluations
            k = index_at(traj, cursor)
            if inner is None or k >= len(inner) or not len(inner[k]):
                continue
            pts = inner[k][:, :2]
            pts = pts[np.isfinite(pts).all(axis=1)]
            points.append(pts)
            pens += [pg.mkPen(run.color, width=1.5 * theme.LINE_SCALE)] * len(pts)
        if points:
            self.probes.setData(pos=np.concatenate(points), pen=pens, brush=None)
        elif self.probes.isVisible():  # (most optimizers: none at every step)
            self.probes.clear()
        self.probes.setVisible(bool(points))

    # -- user input ----------------------------------------------------------------------
    def _start_dragged(self, run_id: int, target) -> None:
        if self.on_start_moved is not None:
            p = target.pos()
            self.on_start_moved(run_id, (float(p.x()), float(p.y())))
