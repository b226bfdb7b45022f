"""The mini-batch gradient cloud on the map (View ▸ Batch gradient cloud, key N): where
the step of each of many random mini-batches of size B would point from the followed
marble, the full-batch gradient's among them, and the cloud's 1-σ ellipse.  Drawn to
the same scale as the −∇f arrow, so the full-batch point is the arrow's tip."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore

from gdsim.core.gradient_cloud import batch_cloud, sigma_ellipse
from gdsim.qt import theme
from gdsim.qt.views.base import arrow_vector, screen_stretch


class GradientCloud:
    def __init__(self, plot: pg.PlotItem):
        self.points = pg.ScatterPlotItem(size=5, pen=None, pxMode=True)
        self.full = pg.ScatterPlotItem(size=14, symbol="d", pxMode=True)
        self.ellipse = pg.PlotDataItem()
        for z, item in enumerate((self.points, self.ellipse, self.full)):
            item.setZValue(6 + z)
            plot.addItem(item, ignoreBounds=True)
        self._key = None
        self._cloud = None
        self.hide()

    def hide(self) -> None:
        for item in (self.points, self.full, self.ellipse):
            item.setVisible(False)

    def cloud(self, surface, theta, batch_size, key):
        """The batch gradients at θ (computed once per run, step and B)."""
        if self._key != key:
            self._key, self._cloud = key, batch_cloud(surface, theta, batch_size)
        return self._cloud

    def show(
        self, origin, cloud, axes, scale: float, ref: float, color: str, aspect: float = 1.0
    ) -> None:
        """``axes`` (P, 2): the plane's directions (the identity for a 2D surface);
        ``aspect``: the view's, as the −∇f arrow is drawn (arrows.screen_arrows)."""
        full = -cloud.full @ axes
        norm = float(np.hypot(*full))
        factor = float(np.hypot(*arrow_vector(full, scale, ref))) / norm if norm > 0 else 0.0
        factor *= float(screen_stretch(full, aspect)[0])
        pts = np.asarray(origin) + factor * (-cloud.gradients @ axes)
        tip = np.asarray(origin) + factor * full
        pts = pts[np.isfinite(pts).all(axis=1)]
        if not len(pts) or not np.isfinite(tip).all():
            self.hide()
            return
        c = pg.mkColor(color)
        c.setAlpha(110)
        self.points.setData(pos=pts, brush=pg.mkBrush(c))
        self.full.setData(
            pos=[tip], brush=pg.mkBrush(color), pen=pg.mkPen(theme.colors()["ink"], width=1.5)
        )
        ring = sigma_ellipse(pts) if len(pts) > 2 else np.empty((0, 2))
        self.ellipse.setData(ring[:, 0], ring[:, 1])
        self.ellipse.setPen(pg.mkPen(color, width=2 * theme.LINE_SCALE, style=QtCore.Qt.DashLine))
        for item in (self.points, self.full, self.ellipse):
            item.setVisible(True)
