"""Loss against step for every run, with a cursor line; optional log scale.  With the
curvature lens on, the same plot shows λmax of the exact Hessian at each step instead,
with each run's stability edge (2/α, (2 + 2β)/α …, from the learning rate in force) as
a dashed line in the run's colour: where a curve rises above its line, that run's
steps have begun to overshoot.  On the linear scale a diverging run's loss leaves the
plot once it is well past the other runs, as its marble runs off the map, and they stay
readable (log loss shows it whole; :mod:`gdsim.qt.views.loss_range`).

The curves are drawn by one item.  Since x is the step, the curves up to the cursor
are the whole curves cut at the cursor: on screen they are drawn once into a layer
(again when a trajectory, the scale or the size changes) and a step shows more of it.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from gdsim.core.curvature import lambda_max
from gdsim.core.model_surface import heldout_curve
from gdsim.core.stability import stability_rule
from gdsim.qt import theme
from gdsim.qt.views import painting
from gdsim.qt.views.decimate import envelope, visible_segments
from gdsim.qt.views.legend import RunLegend
from gdsim.qt.views.loss_range import curvature_range, linear_range
from gdsim.qt.views.lr_axis import LearningRateAxis, at_screen_resolution
from gdsim.qt.views.viewbox import RunPlot

LOG_LABELS = ("f − f* (log scale)", "f − f* (log)", "f − f*")
LINEAR_LABELS = ("loss f", "f")
CURVATURE_LABELS = ("λmax of ∇²f", "λmax")
LOSS_TITLE = "Loss"
CURVATURE_TITLE = "Curvature λmax against the stability edge (dashed)"
#: runs this short get their marker at every step of their loss curve
MARKED_STEPS = 60
#: curves longer than this are drawn on screen at the screen's resolution
LOD_STEPS = 2000
#: columns of steps a long curve is reduced to (each under half a pixel up to 4K)
ENVELOPE_COLUMNS = 8192


class Curve:
    """One curve as drawn: values (at every step, or at the steps ``x``), colour, marker
    (None: none) and whether it is dashed (a held-out loss, or a run's curve that lies on
    top of an earlier run's, which must stay visible); ``width`` scales the pen."""

    __slots__ = ("color", "dashed", "marker", "source", "width", "x", "y")

    def __init__(self, source, color, y, marker="o", dashed=False, x=None, width=1.0):
        self.source, self.color, self.y, self.marker = source, color, y, marker
        self.dashed, self.x, self.width = dashed, x, width

    def steps(self, upto: int | None = None) -> np.ndarray:
        """The steps of the points drawn up to step ``upto`` (all with None)."""
        if self.x is None:
            n = len(self.y) if upto is None else min(upto, len(self.y) - 1) + 1
            return np.arange(n, dtype=float)
        return self.x if upto is None else self.x[: np.searchsorted(self.x, upto, "right")]


def mark_coinciding(curves: list[Curve]) -> None:
    """Dash every curve that coincides with an earlier one over their common steps."""

    def close(a, b) -> bool:
        return np.allclose(a, b, rtol=1e-6, atol=1e-9, equal_nan=True)

    for i, c in enumerate(curves):
        for earlier in curves[:i]:
            n = min(len(c.y), len(earlier.y))
            every = max(1, n // 1000)  # a thousand steps first: most curves differ there
            if n and close(c.y[:n:every], earlier.y[:n:every]) and close(c.y[:n], earlier.y[:n]):
                c.dashed = True
                break


class LossCurves(painting.ViewRectItem):
    WIDTH = 2.5

    def __init__(self) -> None:
        super().__init__()
        self.curves: dict[int, Curve] = {}
        self.cursor = 0
        self._layer = painting.Layer()
        # curve key -> (values, view key, envelope's indices, device points, segments)
        self._lod: dict = {}

    def set_curves(self, curves: dict[int, Curve]) -> None:
        """Each run's curve (trajectory, colour, plotted values for every step, marker)."""
        self.curves = curves
        self._layer.invalidate()
        self.update()

    def set_cursor(self, cursor: int) -> None:
        """Show the curves up to ``cursor``: repaints the strip between the two cursors."""
        if cursor == self.cursor:
            return
        lo, hi = sorted((self.cursor, cursor))
        self.cursor = cursor
        vr = self.boundingRect()
        strip = painting.changed_rect(self, [[(lo, vr.top()), (hi, vr.bottom())]], pad=4.0)
        self.update(strip if strip is not None else vr)

    def shown(self, run_id: int) -> tuple[np.ndarray, np.ndarray]:
        """The points of a run's curve drawn at the cursor: (steps, values)."""
        c = self.curves[run_id]
        x = c.steps(self.cursor)
        return x, c.y[: len(x)]

    def dataBounds(self, axis: int, frac=1.0, orthoRange=None):
        """The curves' extent, for pyqtgraph's "View All" and auto-range."""
        if not self.curves:
            return (None, None)
        if axis == 0:
            return (0.0, float(max(c.steps()[-1] for c in self.curves.values())))
        ys = np.concatenate([c.y for c in self.curves.values()])
        ys = ys[np.isfinite(ys)]
        return (float(ys.min()), float(ys.max())) if ys.size else (None, None)

    def _draw(
        self, p: QtGui.QPainter, t, rect, upto: int | None, px: float = 1.0, dpr: float = 1.0
    ) -> None:
        lod = {}
        for name, c in self.curves.items():
            y = c.y
            x = c.steps(upto)
            n = len(x)
            style = QtCore.Qt.DashLine if c.dashed else QtCore.Qt.SolidLine
            p.setPen(painting.pen(c.color, self.WIDTH * c.width * px, style))
            if upto is None and n > LOD_STEPS:
                # on screen, a long curve's segments at the screen's resolution, kept
                # while the curve and the view stay (another run arriving, a resize of
                # another view, draws the layer again but need not decimate this curve)
                key = (painting.transform_key(t), n)
                known = self._lod.get(name)
                if known is None or known[0] is not y or known[1] != key:
                    same = known is not None and known[0] is y and known[1][1] == n
                    env = known[2] if same else None  # the view changed, not the curve
                    env = env if env is not None else self._envelope(c, n)
                    idx = env if self._fine(env, n, t) else np.arange(n)
                    pts = painting.to_device(t, np.column_stack([x[idx], y[idx]]))
                    known = (y, key, env, pts, visible_segments(pts, 0.5))
                lod[name] = known
                pts, s = known[3], known[4]
                p.drawLines(painting.polygon(painting.clip_segments(pts[s], pts[s + 1], rect)))
            else:
                pts = painting.to_device(t, np.column_stack([x, y[:n]]))
                p.drawLines(painting.polyline_segments(pts, rect))
            if c.marker is not None and len(y) <= MARKED_STEPS:
                dots = painting.points_inside(pts[np.isfinite(pts).all(axis=1)], rect)
                size = 6.0 * px
                if upto is None:  # on screen: pictures of the marker
                    painting.draw_stamps(p, painting.stamp(c.marker, c.color, size, dpr), dots)
                else:
                    path = QtGui.QPainterPath()
                    for x, yy in dots.tolist():
                        path.addPath(painting.symbol_path(c.marker, size, x, yy))
                    p.save()
                    p.setPen(QtCore.Qt.NoPen)
                    p.setBrush(QtGui.QColor(c.color))
                    p.drawPath(path)
                    p.restore()
        if upto is None:
            self._lod = lod  # the curves drawn on screen now: the others' are dropped

    @staticmethod
    def _envelope(c: Curve, n: int) -> np.ndarray | None:
        """A long curve's envelope over ENVELOPE_COLUMNS columns of steps (O(n), made
        once per curve); None for a curve sampled at chosen steps."""
        return envelope(c.y[:n], ENVELOPE_COLUMNS) if c.x is None else None

    @staticmethod
    def _fine(env: np.ndarray | None, n: int, t) -> bool:
        """True when the envelope draws the curve at the view's resolution: a column is
        narrower than half a pixel, as when the whole run is in view (zoomed in
        further, the segments kept are chosen from every point)."""
        return env is not None and abs(t.m11()) * -(-n // ENVELOPE_COLUMNS) <= 0.5

    def paint(self, p: QtGui.QPainter, _option, widget=None) -> None:
        t = p.transform()
        screen = painting.on_screen(self, p, widget)
        rect = painting.visible_rect(t, self.boundingRect(), painting.MARGIN if screen else 0.0)
        px = painting.pixel_scale(self, p)  # before the transform is reset
        p.save()
        p.resetTransform()
        p.setRenderHint(QtGui.QPainter.Antialiasing, True)
        if screen:
            key = (painting.transform_key(t), theme.LINE_SCALE)
            lp, cleared = self._layer.begin(widget, key)
            if cleared:
                self._draw(lp, t, rect, None, theme.LINE_SCALE, widget.devicePixelRatioF())
            lp.end()
            x = painting.to_device(t, np.array([[float(self.cursor), 0.0]]))[0, 0]
            self._layer.draw(p, QtCore.QRectF(0.0, 0.0, max(0.0, x), float(widget.height())))
        else:
            self._draw(p, t, rect, self.cursor, px * theme.LINE_SCALE)
        p.restore()


class LossView(RunPlot):
    def __init__(self, scene, controller, parent=None):
        super().__init__(scene, controller, parent, title="Loss")
        self.plot.hideButtons()  # (fitted again by View → Reset zoom and camera, key 0)
        self.plot.setLabel("bottom", "step")
        self.plot.disableAutoRange()
        self.plot.showGrid(x=True, y=True, alpha=0.25)
        self.cursor_line = pg.InfiniteLine(angle=90)
        self.plot.addItem(self.cursor_line)
        self.curves = LossCurves()
        self.plot.addItem(self.curves)
        # pyqtgraph's own "Log Y" (right-click > Plot Options) is the same switch as ours
        self.plot.ctrl.logYCheck.toggled.connect(self._log_toggled)
        self.plot.ctrl.logXCheck.setEnabled(False)  # steps are counted, not scaled
        self.floor = 0.0  # f* subtracted in log mode
        self.surface = None
        self.legend = RunLegend(self.plot, side="right")  # wide and low: the legend beside
        self.plot.getAxis("left").geometryChanged.connect(self.fit_axis_label)
        self.edges: dict[int, pg.PlotDataItem] = {}  # run id -> its stability edge
        self._edge_at = (0.0, 0.0)  # where the lens run's edge ends (its label's place)
        self.edge_label = pg.TextItem(anchor=(1.0, 1.0))
        self.edge_label.setZValue(3)
        self.plot.addItem(self.edge_label, ignoreBounds=True)
        self._lambda: dict[int, tuple[object, np.ndarray]] = {}  # run id -> (traj, λmax)
        self.lr_axis = LearningRateAxis(self.plot, self.legend)
        # a model's held-out loss per run (dashed): run id -> (traj, steps, values)
        self.heldout: dict[int, tuple] = {}
        self.apply_colors()

    def set_surface(self, surface) -> None:
        self.surface = surface
        known = [c.value for c in surface.minima]
        self.floor = min(known) if known else 0.0
        self.refresh()

    def fit_axis_label(self) -> None:
        """The y axis' label, as long as the axis has room for."""
        choices = CURVATURE_LABELS if self.curvature else LOG_LABELS if self.log else LINEAR_LABELS
        axis = self.plot.getAxis("left")
        font = axis.label.font()
        metrics = QtGui.QFontMetricsF(font)
        room = axis.geometry().height() - 8 if axis.geometry().height() > 0 else 1e9
        label = next((c for c in choices if metrics.horizontalAdvance(c) <= room), choices[-1])
        if axis.labelText != label:
            self.plot.setLabel("left", label)

    def _log_toggled(self, on: bool) -> None:
        if on != self.log:
            self.model.set_view("log_loss", on)

    def apply_colors(self) -> None:
        self.cursor_line.setPen(pg.mkPen(theme.colors()["cursor"], width=1.5 * theme.LINE_SCALE))
        self.lr_axis.restyle()

    @property
    def log(self) -> bool:
        return bool(self.model.view.get("log_loss", False)) and not self.curvature

    @property
    def curvature(self) -> bool:
        """The lens's λmax plot: for surfaces of one or two parameters (a model's exact
        Hessian over all its weights is not drawn per step)."""
        dim = self.surface.dim if self.surface is not None else 2
        return bool(self.model.view.get("show_curvature", False)) and dim <= 2

    def sync_runs(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        """The curves and the axes for the current trajectories and scale (the axes are
        fixed to the whole trajectories, so they are not redrawn while playing)."""
        self.plot.setLogMode(x=False, y=self.log)
        theme.set_title(self.plot, CURVATURE_TITLE if self.curvature else LOSS_TITLE, ("λmax",))
        self.fit_axis_label()
        runs = self.shown_runs()
        markers = self.model.markers()
        curves = {
            run.id: Curve(traj, run.color, self._plotted(run.id, traj), markers[run.id])
            for run, traj in runs
        }
        mark_coinciding(list(curves.values()))
        held = self._heldout(runs)
        self.curves.set_curves({**curves, **held})
        edges, own = self._show_edges(runs)
        if self.model.view.get("show_lr", False) and runs:
            self.lr_axis.show(runs)
        else:
            self.lr_axis.hide()
        self.update_legend(self.model.cursor)
        if not runs:
            return
        top = max(len(t) - 1 for _, t in runs)
        self.plot.setXRange(0, max(top, 1), padding=0.02)
        ys = np.concatenate([c.y for c in (*curves.values(), *held.values())])
        ys = ys[np.isfinite(ys)]
        if ys.size:
            lo, hi = float(ys.min()), float(ys.max())
            if self.curvature:
                lo, hi = curvature_range(curves, lo, hi, edges, own)
            elif not self.log:
                lo, hi = linear_range((*curves.values(), *held.values()), lo, hi)
            self.plot.setYRange(lo, hi if hi > lo else lo + 1.0, padding=0.05)
        self.place_edge_label()

    def _show_edges(self, runs) -> tuple[np.ndarray, np.ndarray]:
        """Each run's stability edge over its steps, in curvature mode: the values drawn,
        and those of the lens run's edge."""
        shown = {}
        if self.curvature:
            for run, traj in runs:
                rule = stability_rule(run.config.optimizer, run.config.hyper)
                if rule is not None:
                    shown[run.id] = (run, traj, rule)
        for rid in [rid for rid in self.edges if rid not in shown]:
            self.plot.removeItem(self.edges.pop(rid))
        drawn = []
        for rid, (run, traj, rule) in shown.items():
            item = self.edges.get(rid)
            if item is None:
                item = self.edges[rid] = pg.PlotDataItem()
                item.setZValue(2)
                self.plot.addItem(item, ignoreBounds=True)
                at_screen_resolution(item)
            y = rule.edge(traj.lr)
            y = np.where(np.isfinite(y), y, np.nan)
            item.setPen(pg.mkPen(run.color, width=1.8 * theme.LINE_SCALE, style=QtCore.Qt.DashLine))
            item.setData(np.arange(len(y), dtype=float), y, connect="finite")
            item.setToolTip(f"{rule.who} overshoots where λmax > {rule.edge_text}")
            drawn.append(y[np.isfinite(y)])
        own = self._label_edge(shown)
        return (np.concatenate(drawn) if drawn else np.empty(0)), own

    def _label_edge(self, shown) -> np.ndarray:
        """The lens run's edge (or the first run's that has one) named at its right end
        ("2/α = 6.67"); its values."""
        chosen = self.lens_run()
        rid = chosen[0].id if chosen is not None and chosen[0].id in shown else None
        if rid is None and shown:  # the lens run has no edge (Adam …): the first that has
            rid = next(iter(shown))
        if rid is None:
            self.edge_label.setVisible(False)
            return np.empty(0)
        run, traj, rule = shown[rid]
        y = rule.edge(traj.lr)
        finite = np.flatnonzero(np.isfinite(y))
        if not len(finite):
            self.edge_label.setVisible(False)
            return np.empty(0)
        last = int(finite[-1])  # a run that diverged: its last step's edge
        self.edge_label.setHtml(
            f'<span style="color:{run.color}; font-size:{theme.font_pt():.0f}pt; '
            f'background-color:{theme.colors()["background"]}">'
            f"{rule.edge_text} = {y[last]:.4g}</span>"
        )
        self.edge_label.setVisible(True)
        self._edge_at = (float(last), float(y[last]))
        return y[finite]

    def place_edge_label(self) -> None:
        """The edge's label at its right end, inside the plot: under the line when the
        line is in the upper half (or above the top), over it otherwise."""
        if not self.edge_label.isVisible():
            return
        (_x0, x1), (y0, y1) = self.plot.viewRange()
        x, y = self._edge_at
        upper = y > (y0 + y1) / 2
        self.edge_label.setAnchor((1.0, 0.0 if upper else 1.0))
        self.edge_label.setPos(min(x, x1), min(max(y, y0), y1))

    def _heldout(self, runs) -> dict:
        """A model's held-out loss along each run, thinner and dashed in the run's colour
        (the training loss is the solid curve): ("heldout", run id) -> its Curve."""
        model = getattr(self.surface, "model", None)
        shown = {} if model is None or self.curvature else {r.id: (r, t) for r, t in runs}
        for rid in [rid for rid in self.heldout if rid not in shown]:
            del self.heldout[rid]
        out = {}
        for rid, (run, traj) in shown.items():
            known = self.heldout.get(rid)
            if known is None or known[0] is not traj:
                known = self.heldout[rid] = (traj, *heldout_curve(model, traj.position))
            _, steps, values = known
            y = self._scaled(values)
            out["heldout", rid] = Curve(
                traj, run.color, y, None, dashed=True, x=steps.astype(float), width=0.5
            )
        self.setToolTip(
            "Solid: the loss on the training rows; dashed: on the held-out rows,\n"
            "kept out of training (a gap that grows is overfitting)"
            if out
            else ""
        )
        return out

    def _scaled(self, loss: np.ndarray) -> np.ndarray:
        """Loss values as plotted: f, or log10(f − f*) on the log scale (the axis shows
        powers of ten)."""
        if not self.log:
            return loss
        with np.errstate(invalid="ignore", divide="ignore"):
            y = np.log10(np.maximum(loss - self.floor, 1e-300))
        # 16 decades below where the run starts is the bottom: a run that reaches f* to
        # the last bit would otherwise stretch the axis down to 1e-300
        if len(y) and np.isfinite(y[0]):
            y = np.maximum(y, y[0] - 16.0)
        return y

    def _plotted(self, run_id: int, traj) -> np.ndarray:
        """The loss as plotted: f, or log10(f − f*) on the log scale (the axis shows
        powers of ten); in curvature mode λmax at each step."""
        if self.curvature and self.surface is not None:
            known = self._lambda.get(run_id)
            if known is None or known[0] is not traj:
                known = self._lambda[run_id] = (traj, lambda_max(self.surface, traj.position))
            return known[1]
        return self._scaled(traj.loss)

    def redraw(self, cursor: int) -> None:
        self.curves.set_cursor(cursor)
        self.cursor_line.setValue(cursor)
        self.update_legend(cursor)

    def update_legend(self, cursor: int) -> None:
        self.legend.set_visible(self.model.view.get("show_legend", True))
        self.legend.update(self.legend.entries(self.model, self.controller, cursor))
