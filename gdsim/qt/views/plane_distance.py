"""The strip under a model's loss plot: each run's distance from the slice's plane per
step, ‖θ_k − its projection‖, with the cursor.  Where a curve is far from zero the
path on the map is a shadow: the marble is not on the surface drawn under it."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from gdsim.qt import theme
from gdsim.qt.views.loss import Curve, LossCurves
from gdsim.qt.views.viewbox import RunPlot

TITLE = "Distance from the plane"


class PlaneDistanceView(RunPlot):
    """The distances are drawn as the loss plot draws its curves (one item, drawn once
    and revealed up to the cursor), so a step costs the strip between two cursors."""

    def __init__(self, scene, controller, landscape, parent=None):
        super().__init__(scene, controller, parent, title=TITLE)
        self.landscape = landscape
        self.plot.setLabel("bottom", "step")
        self.plot.setLabel("left", "‖θ − plane‖")
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.curves = LossCurves()
        self.plot.addItem(self.curves)
        self._drawn: tuple | None = None  # the (run, trajectory) pairs and plane drawn
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

    def sync_runs(self) -> None:
        self._drawn = None
        self.redraw(self.model.cursor)

    def redraw(self, cursor: int) -> None:
        self.cursor_line.setValue(cursor)
        runs = [(r, t) for r, t in self.shown_runs() if t.dim > 2]
        plane = self.landscape.plane
        drawn = ([(r.id, r.color, t) for r, t in runs], plane)
        if drawn != self._drawn:
            self._drawn = drawn
            curves = (
                {}
                if plane is None
                else {
                    run.id: Curve(traj, run.color, plane.distance(traj.position), None, width=0.8)
                    for run, traj in runs
                }
            )
            self.curves.set_curves(curves)
            if runs:  # the loss plot's steps
                self.plot.setXRange(0, max(max(len(t) for _, t in runs) - 1, 1), padding=0.02)
            ys = np.concatenate([c.y for c in curves.values()]) if curves else np.zeros(0)
            ys = ys[np.isfinite(ys)]
            if ys.size:
                self.plot.setYRange(0.0, max(float(ys.max()), 1e-9), padding=0.05)
        self.curves.set_cursor(cursor)
