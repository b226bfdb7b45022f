"""Loss against step for every run, with a cursor line; optional log scale.

The curves are drawn by one item.  Since x is the step, the curves up to the cursor
are the whole curves cut at the cursor: on screen they are drawn once into a layer
(again when a trajectory, the scale or the size changes) and a step shows more of it.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from gdsim.qt import theme
from gdsim.qt.views import painting
from gdsim.qt.views.viewbox import RunPlot


class LossCurves(painting.ViewRectItem):
    WIDTH = 2.5

    def __init__(self) -> None:
        super().__init__()
        self.curves: dict[int, tuple[object, str, np.ndarray]] = {}  # id -> (source, colour, y)
        self.cursor = 0
        self._layer = painting.Layer()

    def set_curves(self, curves: dict[int, tuple[object, str, np.ndarray]]) -> None:
        """Each run's (trajectory, colour, plotted values for every step)."""
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
        _source, _color, y = self.curves[run_id]
        k = min(self.cursor, len(y) - 1)
        return np.arange(k + 1, dtype=float), y[: k + 1]

    def dataBounds(self, axis: int, frac=1.0, orthoRange=None):
        """The curves' extent, for pyqtgraph's "View All" and auto-range."""
        if not self.curves:
            return (None, None)
        if axis == 0:
            return (0.0, float(max(len(y) for _, _, y in self.curves.values()) - 1))
        ys = np.concatenate([y for _, _, y in self.curves.values()])
        ys = ys[np.isfinite(ys)]
        return (float(ys.min()), float(ys.max())) if ys.size else (None, None)

    def _draw(self, p: QtGui.QPainter, t, rect, upto: int | None, px: float = 1.0) -> None:
        for _source, color, y in self.curves.values():
            n = len(y) if upto is None else min(upto, len(y) - 1) + 1
            pts = painting.to_device(t, np.column_stack([np.arange(n, dtype=float), y[:n]]))
            p.setPen(painting.pen(color, self.WIDTH * px))
            p.drawLines(painting.polyline_segments(pts, rect))

    def paint(self, p: QtGui.QPainter, _option, widget=None) -> None:
        t = p.transform()
        rect = painting.visible_rect(t, self.boundingRect())
        screen = painting.on_screen(self, p, widget)
        px = painting.pixel_scale(self, p)  # before the transform is reset
        p.save()
        p.resetTransform()
        p.setRenderHint(QtGui.QPainter.Antialiasing, True)
        if screen:
            key = (painting.transform_key(t), theme.LINE_SCALE)
            lp, cleared = self._layer.begin(widget, key)
            if cleared:
                self._draw(lp, t, rect, None, theme.LINE_SCALE)
            lp.end()
            x = painting.to_device(t, np.array([[float(self.cursor), 0.0]]))[0, 0]
            self._layer.draw(p, QtCore.QRectF(0.0, 0.0, max(0.0, x), float(widget.height())))
        else:
            self._draw(p, t, rect, self.cursor, px * theme.LINE_SCALE)
        p.restore()


class LossView(RunPlot):
    def __init__(self, scene, controller, parent=None):
        super().__init__(scene, controller, parent, title="Loss")
        self.plot.setLabel("bottom", "step")
        self.plot.disableAutoRange()
        self.plot.showGrid(x=True, y=True, alpha=0.25)
        self.cursor_line = pg.InfiniteLine(angle=90)
        self.plot.addItem(self.cursor_line)
        self.apply_colors()
        self.curves = LossCurves()
        self.plot.addItem(self.curves)
        # pyqtgraph's own "Log Y" (right-click > Plot Options) is the same switch as ours
        self.plot.ctrl.logYCheck.toggled.connect(self._log_toggled)
        self.plot.ctrl.logXCheck.setEnabled(False)  # steps are counted, not scaled
        self.floor = 0.0  # f* subtracted in log mode
        self.surface = None

    def set_surface(self, surface) -> None:
        self.surface = surface
        known = [c.value for c in surface.minima]
        self.floor = min(known) if known else 0.0
        self.refresh()

    def _log_toggled(self, on: bool) -> None:
        if on != self.log:
            self.model.set_view("log_loss", on)

    def apply_colors(self) -> None:
        self.cursor_line.setPen(pg.mkPen(theme.colors()["cursor"], width=1.5 * theme.LINE_SCALE))

    @property
    def log(self) -> bool:
        return bool(self.model.view.get("log_loss", False))

    def sync_runs(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        """The curves and the axes for the current trajectories and scale (the axes are
        fixed to the whole trajectories, so they are not redrawn while playing)."""
        self.plot.setLogMode(x=False, y=self.log)
        self.plot.setLabel("left", "f − f* (log scale)" if self.log else "loss f")
        runs = self.shown_runs()
        curves = {run.id: (traj, run.color, self._plotted(traj)) for run, traj in runs}
        self.curves.set_curves(curves)
        if not runs:
            return
        top = max(len(t) - 1 for _, t in runs)
        self.plot.setXRange(0, max(top, 1), padding=0.02)
        ys = np.concatenate([y for _, _, y in curves.values()])
        ys = ys[np.isfinite(ys)]
        if ys.size:
            lo, hi = float(ys.min()), float(ys.max())
            self.plot.setYRange(lo, hi if hi > lo else lo + 1.0, padding=0.05)

    def _plotted(self, traj) -> np.ndarray:
        """The loss as plotted: f, or log10(f − f*) on the log scale (the axis shows
        powers of ten)."""
        if not self.log:
            return traj.loss
        with np.errstate(invalid="ignore", divide="ignore"):
            y = np.log10(np.maximum(traj.loss - self.floor, 1e-300))
        # 16 decades below where the run starts is the bottom: a run that reaches f* to
        # the last bit would otherwise stretch the axis down to 1e-300
        if len(y) and np.isfinite(y[0]):
            y = np.maximum(y, y[0] - 16.0)
        return y

    def redraw(self, cursor: int) -> None:
        self.curves.set_cursor(cursor)
        self.cursor_line.setValue(cursor)
