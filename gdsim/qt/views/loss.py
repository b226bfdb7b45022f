"""Loss against step for every run, with a cursor line; optional log scale."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from gdsim.qt import theme
from gdsim.qt.views.base import RunView, index_at


class LossView(pg.PlotWidget, RunView):
    def __init__(self, scene, controller, parent=None):
        super().__init__(parent=parent)
        self.model, self.controller = scene, controller
        self.plot = self.getPlotItem()
        theme.style_plot(self.plot, "Loss")
        self.plot.setLabel("bottom", "step")
        self.plot.disableAutoRange()
        self.plot.showGrid(x=True, y=True, alpha=0.25)
        self.cursor_line = pg.InfiniteLine(angle=90, pen=pg.mkPen((80, 80, 80), width=1.5))
        self.plot.addItem(self.cursor_line)
        self.curves: dict[int, pg.PlotDataItem] = {}
        self.floor = 0.0  # f* subtracted in log mode
        self.surface = None

    def set_surface(self, surface) -> None:
        self.surface = surface
        known = [c.value for c in surface.minima]
        self.floor = min(known) if known else 0.0
        self._apply_mode()

    def _apply_mode(self) -> None:
        log = bool(self.model.view.get("log_loss", False))
        self.plot.setLogMode(x=False, y=log)
        self.fit_ranges()
        self.plot.setLabel("left", "f − f* (log scale)" if log else "loss f")

    def _new_curve(self, _run):
        curve = pg.PlotCurveItem(segmentedLineMode="on")
        self.plot.addItem(curve)
        return curve

    def sync_runs(self) -> None:
        self.sync_items(self.curves, self._new_curve, self.plot.removeItem)
        for run in self.model.runs:
            curve = self.curves[run.id]
            curve.setPen(pg.mkPen(run.color, width=2.5))
            curve.setVisible(run.visible)
        self._apply_mode()

    def _values(self, traj, k: int | None = None) -> np.ndarray:
        y = traj.loss if k is None else traj.loss[: k + 1]
        if self.model.view.get("log_loss", False):
            y = np.maximum(y - self.floor, 1e-300)
        return y

    def fit_ranges(self) -> None:
        """Axes fixed to the whole trajectories (set when they change, not at each step,
        so the axes are not redrawn while playing)."""
        runs = self.shown_runs()
        if not runs:
            return
        top = max(len(t) - 1 for _, t in runs)
        ys = np.concatenate([self._values(t) for _, t in runs])
        ys = ys[np.isfinite(ys)]
        self.plot.setXRange(0, max(top, 1), padding=0.02)
        if ys.size:
            if self.model.view.get("log_loss", False):
                lo, hi = np.log10(max(ys.min(), 1e-300)), np.log10(max(ys.max(), 1e-300))
            else:
                lo, hi = float(ys.min()), float(ys.max())
            self.plot.setYRange(lo, hi if hi > lo else lo + 1.0, padding=0.05)

    def redraw(self, cursor: int) -> None:
        for run, traj in self.shown_runs():
            k = index_at(traj, cursor)
            self.curves[run.id].setData(np.arange(k + 1), self._values(traj, k))
        self.cursor_line.setValue(cursor)
