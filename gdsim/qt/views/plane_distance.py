"""The strip under a model's loss plot: each run's distance from the slice's plane per
step, ‖θ_k − its projection‖, with the cursor.  Where a curve is far from zero the
path on the map is a shadow: the marble is not on the surface drawn under it."""

from __future__ import annotations

import pyqtgraph as pg

from gdsim.qt import theme
from gdsim.qt.views.viewbox import RunPlot

TITLE = "Distance from the plane"


class PlaneDistanceView(RunPlot):
    def __init__(self, scene, controller, landscape, parent=None):
        super().__init__(scene, controller, parent, title=TITLE)
        self.landscape = landscape
        self.plot.setLabel("bottom", "step")
        self.plot.setLabel("left", "‖θ − plane‖")
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.curves: dict[int, pg.PlotDataItem] = {}
        self._drawn: dict[int, tuple] = {}  # run id -> (trajectory, plane) drawn
        self.cursor_line = pg.InfiniteLine(angle=90)
        self.plot.addItem(self.cursor_line)
        self.setToolTip(
            "How far each run's weights are from the plane of the slice above.\n"
            "The map shows the path's shadow on the plane; where this is large, the\n"
            "marble is not on the surface drawn under it (Recompute plane, or PCA)."
        )
        landscape.changed.connect(lambda: self.redraw(self.model.cursor))
        self.apply_colors()

    def apply_colors(self) -> None:
        self.cursor_line.setPen(pg.mkPen(theme.colors()["cursor"], width=1.5 * theme.LINE_SCALE))

    def set_surface(self, surface) -> None:
        self.surface = surface

    def _new_curve(self, _run):
        curve = pg.PlotDataItem()
        self.plot.addItem(curve)
        return curve

    def sync_runs(self) -> None:
        self.sync_items(self.curves, self._new_curve, self.plot.removeItem)
        for rid in [rid for rid in self._drawn if rid not in self.curves]:
            del self._drawn[rid]
        for run in self.model.runs:
            curve = self.curves[run.id]
            curve.setPen(pg.mkPen(run.color, width=theme.trail_width()))
            curve.setVisible(run.visible)

    def distances(self, run_id: int):
        """The run's distance from the plane at each step (None without a plane)."""
        traj, plane = self.controller.trajectories.get(run_id), self.landscape.plane
        if traj is None or plane is None or traj.dim <= 2:
            return None
        return plane.distance(traj.position)

    def redraw(self, cursor: int) -> None:
        self.cursor_line.setValue(cursor)
        plane = self.landscape.plane
        lengths = [len(t) for _, t in self.shown_runs()]
        if lengths:  # the loss plot's steps
            self.plot.setXRange(0, max(max(lengths) - 1, 1), padding=0.02)
        for run in self.model.runs:
            traj = self.controller.trajectories.get(run.id)
            curve = self.curves.get(run.id)
            if curve is None or self._drawn.get(run.id) == (traj, plane):
                continue
            self._drawn[run.id] = (traj, plane)
            d = self.distances(run.id)
            if d is None:
                curve.setData([], [])
            else:
                curve.setData(d)
                curve.setDownsampling(auto=True, method="peak")
                curve.setClipToView(True)
