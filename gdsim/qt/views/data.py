"""Data-driven surfaces: the data points and each run's fitted line at the cursor,
with the size of the full and of the mini-batch gradient at that step."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from gdsim.qt import theme
from gdsim.qt.views.base import index_at
from gdsim.qt.views.viewbox import RunPlot


class DataView(RunPlot):
    def __init__(self, scene, controller, parent=None):
        super().__init__(scene, controller, parent, title="Data and fitted lines")
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.points = pg.ScatterPlotItem(size=6, pen=None)
        self.plot.addItem(self.points)
        self.lines: dict[int, pg.PlotDataItem] = {}
        self.info = pg.TextItem(anchor=(0, 0))
        self.plot.addItem(self.info, ignoreBounds=True)
        self.surface = None
        self._x_range = (0.0, 1.0)
        self.apply_colors()

    def apply_colors(self) -> None:
        c = theme.colors()
        self.points.setBrush(pg.mkBrush(*c["points"]))
        self.info.setColor(c["ink"])

    def set_surface(self, surface) -> None:
        self.surface = surface
        if not getattr(surface, "is_data", False):
            return
        x, y = surface.inputs, surface.y
        n = len(x)
        self.points.setData(
            x, y, size=10 if n < 50 else 5, brush=pg.mkBrush(*theme.colors()["points"])
        )
        self.plot.setLabel("bottom", surface.x_label)
        self.plot.setLabel("left", surface.y_label)
        lo, hi = float(x.min()), float(x.max())
        pad = 0.08 * (hi - lo)
        self._x_range = (min(0.0, lo - pad), hi + pad)
        self.plot.setRange(xRange=self._x_range, yRange=(min(0.0, y.min()), y.max() * 1.1))

    def _new_line(self, _run):
        line = pg.PlotDataItem()
        self.plot.addItem(line)
        return line

    def sync_runs(self) -> None:
        self.sync_items(self.lines, self._new_line, self.plot.removeItem)
        for run in self.model.runs:
            line = self.lines[run.id]
            line.setPen(pg.mkPen(run.color, width=theme.trail_width()))
            line.setVisible(run.visible)

    def redraw(self, cursor: int) -> None:
        if self.surface is None or not getattr(self.surface, "is_data", False):
            return
        xs = np.array(self._x_range)
        text = []
        for run, traj in self.shown_runs():
            k = index_at(traj, cursor)
            theta = traj.position[k]
            self.lines[run.id].setData(xs, self.surface.predict(theta, xs))
            full = float(np.linalg.norm(traj.full_grad[k]))
            used = float(np.linalg.norm(traj.grad[k]))
            params = " ".join(
                f"{p}={v:.3g}" for p, v in zip(self.surface.params, theta, strict=True)
            )
            line = f"<span style='color:{run.color}'>■</span> {params} · ‖∇f‖ = {full:.3g}"
            if not np.array_equal(traj.grad[k], traj.full_grad[k]):
                line += f" · mini-batch ‖g‖ = {used:.3g}"
            text.append(line)
        size = theme.font_pt()
        self.info.setHtml(f"<div style='font-size:{size:.0f}pt'>" + "<br>".join(text) + "</div>")
        vr = self.plot.viewRange()
        self.info.setPos(vr[0][0], vr[1][1])
