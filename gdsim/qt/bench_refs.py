"""The references ``gdsim bench gui`` times beside gdsim, in the same process, drawing
the same picture (the map with isolines, the 3D surface, the loss curves, every run's
trail and marble) at the same size:

- ``PyqtgraphReference``: what a competent pyqtgraph program does — items built once per
  surface (pyqtgraph's own ImageItem and IsocurveItem, GLSurfacePlotItem), then
  ``setData`` on each run's trail, marble and loss curve at each step;
- ``matplotlib_redraw_ms``: the same picture in matplotlib (contourf and contour once,
  ``set_data`` per step, the Agg canvas drawn), when matplotlib is installed (the
  ``bench`` extra); otherwise None ("not measured").
"""

from __future__ import annotations

import statistics
import time

import numpy as np
from PySide6 import QtCore, QtWidgets

from gdsim.core.grid import sample
from gdsim.qt.views.contour import LIGHT_MAP

__all__ = ["PyqtgraphReference", "matplotlib_redraw_ms"]


def _box(surface, grid, pos, loss):
    """Positions and losses as points of a [−1, 1]² × [0, 1] box (as the 3D view)."""
    (x0, x1), (y0, y1) = surface.domain
    u = (pos[:, 0] - (x0 + x1) / 2) / ((x1 - x0) / 2)
    v = (pos[:, 1] - (y0 + y1) / 2) / ((y1 - y0) / 2)
    return np.column_stack([u, v, grid.normalised(loss)])


class PyqtgraphReference(QtWidgets.QWidget):
    """The picture in idiomatic pyqtgraph; ``show_step(k)`` draws step k."""

    def __init__(self, surface, trajectories, colors):
        import pyqtgraph as pg
        import pyqtgraph.opengl as gl

        super().__init__()
        self.surface, self.trajs = surface, trajectories
        grid = sample(surface, 200)
        t = grid.transform(grid.values)
        lay = QtWidgets.QGridLayout(self)
        self.map = pg.PlotWidget()
        self.map.setAspectLocked(True)
        image = pg.ImageItem(t.T)  # ImageItem is column-major: (x, y)
        image.setColorMap(LIGHT_MAP)
        x0, x1, y0, y1 = grid.xs[0], grid.xs[-1], grid.ys[0], grid.ys[-1]
        image.setRect(QtCore.QRectF(x0, y0, x1 - x0, y1 - y0))
        self.map.addItem(image)
        for level in grid.levels(12):
            iso = pg.IsocurveItem(data=t.T, level=float(level), pen=(60, 60, 60, 150))
            iso.setParentItem(image)  # in the image's pixel coordinates, as documented
        self.gl = gl.GLViewWidget()
        mesh = sample(surface, 60)
        z = mesh.normalised(mesh.values)
        xs = np.linspace(-1, 1, len(mesh.xs))
        ys = np.linspace(-1, 1, len(mesh.ys))
        self.gl.addItem(gl.GLSurfacePlotItem(x=xs, y=ys, z=z.T, shader="heightColor"))
        self.loss = pg.PlotWidget()
        self.cursor = pg.InfiniteLine(angle=90)
        self.loss.addItem(self.cursor)
        self.trails, self.marbles, self.curves, self.lines3d, self.boxes = [], [], [], [], []
        for traj, color in zip(trajectories, colors, strict=True):
            self.trails.append(self.map.plot(pen=pg.mkPen(color, width=2), symbol="o",
                                             symbolSize=5, symbolBrush=color))  # fmt: skip
            self.marbles.append(pg.ScatterPlotItem(size=14, brush=color))
            self.map.addItem(self.marbles[-1])
            self.curves.append(self.loss.plot(pen=pg.mkPen(color, width=2)))
            rgba = pg.mkColor(color).getRgbF()
            self.lines3d.append(gl.GLLinePlotItem(color=rgba, width=3, antialias=True))
            self.gl.addItem(self.lines3d[-1])
            self.boxes.append(_box(surface, grid, traj.position, traj.loss))
        self.marbles3d = gl.GLScatterPlotItem(size=14)
        self.gl.addItem(self.marbles3d)
        lay.addWidget(self.map, 0, 0)
        lay.addWidget(self.gl, 0, 1)
        lay.addWidget(self.loss, 1, 0, 1, 2)
        lay.setRowStretch(0, 2)
        lay.setRowStretch(1, 1)
        self.loss.setXRange(0, max(len(t) for t in trajectories))

    def show_step(self, k: int) -> None:
        ends = []
        for i, traj in enumerate(self.trajs):
            j = min(k, len(traj) - 1) + 1
            pos = traj.position[:j]
            self.trails[i].setData(pos[:, 0], pos[:, 1])
            self.marbles[i].setData(pos[-1:, 0], pos[-1:, 1])
            self.curves[i].setData(traj.loss[:j])
            self.lines3d[i].setData(pos=self.boxes[i][:j])
            ends.append(self.boxes[i][j - 1])
        self.marbles3d.setData(pos=np.array(ends))
        self.cursor.setValue(k)

    def painted_widgets(self):
        return self.map.viewport(), self.loss.viewport()


def matplotlib_redraw_ms(surface, trajectories, colors, size, steps, jumps) -> dict | None:
    """Median ms per step of the same picture in matplotlib (Agg canvas at ``size``
    pixels), stepping and jumping; None without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg", force=True)
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    grid = sample(surface, 200)
    t = grid.transform(grid.values)
    w, h = size
    fig = plt.figure(figsize=(w / 100, h / 100), dpi=100)
    ax_map = fig.add_subplot(2, 2, 1)
    ax_3d = fig.add_subplot(2, 2, 2, projection="3d")
    ax_loss = fig.add_subplot(2, 1, 2)
    ax_map.contourf(grid.xs, grid.ys, t, levels=40, cmap="RdBu_r")
    ax_map.contour(grid.xs, grid.ys, t, levels=grid.levels(12), colors="k", linewidths=0.5)
    mesh = sample(surface, 60)
    mx, my = np.meshgrid(np.linspace(-1, 1, len(mesh.xs)), np.linspace(-1, 1, len(mesh.ys)))
    ax_3d.plot_surface(mx, my, mesh.normalised(mesh.values), cmap="RdBu_r", linewidth=0)
    lines = []
    for traj, color in zip(trajectories, colors, strict=True):
        box = _box(surface, grid, traj.position, traj.loss)
        trail = ax_map.plot([], [], "-o", color=color, markersize=3)[0]
        marble = ax_map.plot([], [], "o", color=color, markersize=10)[0]
        curve = ax_loss.plot([], [], color=color)[0]
        line3d = ax_3d.plot([], [], [], color=color)[0]
        lines.append((traj, box, trail, marble, curve, line3d))
    ax_loss.set_xlim(0, max(len(tr) for tr in trajectories))
    ax_loss.set_ylim(min(float(np.nanmin(tr.loss)) for tr in trajectories),
                     max(float(np.nanmax(tr.loss)) for tr in trajectories))  # fmt: skip
    cursor = ax_loss.axvline(0, color="0.3")

    def draw(k: int) -> float:
        t0 = time.perf_counter()
        for traj, box, trail, marble, curve, line3d in lines:
            j = min(k, len(traj) - 1) + 1
            trail.set_data(traj.position[:j, 0], traj.position[:j, 1])
            marble.set_data(traj.position[j - 1 : j, 0], traj.position[j - 1 : j, 1])
            curve.set_data(np.arange(j), traj.loss[:j])
            line3d.set_data_3d(box[:j, 0], box[:j, 1], box[:j, 2])
        cursor.set_xdata([k, k])
        fig.canvas.draw()
        return (time.perf_counter() - t0) * 1000.0

    draw(0)
    stepping = [draw(k) for k in range(1, min(steps, 40) + 1)]
    jumping = [draw(k) for k in jumps[:20]]
    plt.close(fig)
    return {"redraw": statistics.median(stepping), "scrub": statistics.median(jumping)}
