"""A model's data and what the model makes of it at the cursor step (issue 15).

The regression (linreg-5) plots each training row's fitted value against its true
value: on the diagonal the fit is perfect.  A classifier of two inputs shows the data
over the regions the followed run's network gives each class; iris (four inputs)
shows petal length and width, each flower in its species' colour, ringed where the
network gets it wrong.  Held-out rows are drawn hollow.  The caption under the plot gives
the followed run's training and held-out loss (and accuracy) at the cursor.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pyqtgraph.functions as fn
from PySide6 import QtCore, QtGui

from gdsim.core.decision_regions import RegionGrid
from gdsim.core.model_surface import model_metrics
from gdsim.qt import theme
from gdsim.qt.views.base import index_at
from gdsim.qt.views.painting import cache_picture
from gdsim.qt.views.viewbox import RunPlot, add_caption

#: the classes' colours: points, and (lighter) the regions a network gives them
CLASS_COLORS = ("#1f5fa8", "#c2570c", "#2a8a3e")
REGION_COLORS = ((158, 196, 232), (250, 190, 140), (170, 220, 170))
#: grid points per side of the decision regions, and their opacity over the plot
REGION_POINTS = 120
REGION_ALPHA = 150
#: iris: the two features drawn (petal length and width separate the species best)
IRIS_AXES = (2, 3)


class RegionsImage(pg.GraphicsObject):
    """The class at each grid point as one small image stretched over the grid's box.

    The image is ARGB32 premultiplied, the format QPainter draws without converting:
    pyqtgraph's ImageItem hands it RGBA8888, converted pixel by pixel at every paint,
    which doubled the cost of the data view's frame when the regions move at each step.
    """

    def __init__(self) -> None:
        super().__init__()
        self.classes: np.ndarray | None = None  # (n, n), row = y, as drawn
        self._pixels = None  # the image's memory (the QImage does not copy it)
        self._image: QtGui.QImage | None = None
        self._rect = QtCore.QRectF()
        a = REGION_ALPHA
        rgb = np.asarray(REGION_COLORS, dtype=np.uint32) * a // 255  # premultiplied
        self._lut = (a << 24) | (rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2]

    def set_box(self, box) -> None:
        (x0, y0), (x1, y1) = box
        self.prepareGeometryChange()
        self._rect = QtCore.QRectF(x0, y0, x1 - x0, y1 - y0)

    def set_classes(self, classes: np.ndarray) -> None:
        """Show ``classes``; row 0 is drawn at the box's lowest y."""
        self.classes = classes
        self._pixels = np.ascontiguousarray(self._lut[classes])
        self._image = fn.ndarray_to_qimage(self._pixels, QtGui.QImage.Format_ARGB32_Premultiplied)
        self.update()

    def clear(self) -> None:
        self.classes = self._pixels = self._image = None
        self.prepareGeometryChange()
        self._rect = QtCore.QRectF()  # no box: auto-range leaves it out

    def boundingRect(self) -> QtCore.QRectF:
        return QtCore.QRectF(self._rect)

    def paint(self, p: QtGui.QPainter, *_args) -> None:
        if self._image is not None:
            p.drawImage(self._rect, self._image)


class ModelDataView(RunPlot):
    def __init__(self, scene, controller, parent=None):
        super().__init__(scene, controller, parent, title="Data and the model's answer")
        self.regions = RegionsImage()
        self.regions.setZValue(-10)
        self.plot.addItem(self.regions)
        self.diagonal = pg.PlotDataItem()
        self.plot.addItem(self.diagonal)
        self.points = pg.ScatterPlotItem(pxMode=True)
        self.plot.addItem(self.points)
        self.wrong = pg.ScatterPlotItem(pxMode=True, symbol="o", brush=None)
        self.plot.addItem(self.wrong)
        self.info = add_caption(self.plot)
        self._lines = 1  # the caption's lines: as many at every step (the plot stays put)
        self.surface = self.model_ = None
        self._shown = None  # (trajectory, row) drawn
        self._drawn = (None, None)  # the misclassified rows and the region classes drawn
        self.apply_colors()

    def apply_colors(self) -> None:
        c = theme.colors()
        self.diagonal.setPen(pg.mkPen(c["cursor"], width=1.5, style=QtCore.Qt.DashLine))
        self.wrong.setPen(pg.mkPen("#d00000", width=2.5))
        self._shown = None

    # -- the data -----------------------------------------------------------------------
    def set_surface(self, surface) -> None:
        self.surface = surface
        self.model_ = getattr(surface, "model", None)
        self._shown = None
        self._drawn = (None, None)
        m = self.model_
        if m is None:
            return
        self._lines = 2 if m.is_classifier else 1
        # a classifier's data stay put from step to step: painted once, into a cached
        # picture (a regression's fitted values move at every step)
        cache_picture(self.points, cached=m.is_classifier)
        self._say()
        self.regions.clear()
        self.diagonal.setData([], [])
        self.wrong.setData([], [])
        # a grid helps read a fit off the diagonal; over a classifier's regions it is
        # clutter (and a whole-plot layer to paint again at each step)
        self.plot.showGrid(x=not m.is_classifier, y=not m.is_classifier, alpha=0.2)
        if not m.is_classifier:
            self.plot.setLabel("bottom", f"true {m.target_name}")
            self.plot.setLabel("left", f"fitted {m.target_name}")
            lo, hi = float(m.y.min()), float(m.y.max())
            self.diagonal.setData([lo, hi], [lo, hi])
            self.plot.setRange(xRange=(lo, hi), yRange=(lo, hi))
            return
        xy = self._xy(m.X)
        names = m.feature_names
        ax = IRIS_AXES if m.X.shape[1] > 2 else (0, 1)
        self.plot.setLabel("bottom", names[ax[0]])
        self.plot.setLabel("left", names[ax[1]])
        self._draw_points(xy, m.y.astype(int))
        pad = 0.08 * (xy.max(axis=0) - xy.min(axis=0))
        (x0, y0), (x1, y1) = self._box = (xy.min(axis=0) - pad, xy.max(axis=0) + pad)
        self.plot.setRange(xRange=(x0, x1), yRange=(y0, y1))
        self._regions = RegionGrid(self._box, REGION_POINTS)  # once per surface
        self.regions.set_box(self._box)

    def _xy(self, X) -> np.ndarray:
        """The two coordinates drawn for rows X (raw units where standardised)."""
        m = self.model_
        if m.standardisation is not None:
            mean, std = m.standardisation
            X = X * std + mean
        return X[:, IRIS_AXES] if X.shape[1] > 2 else X[:, :2]

    def _draw_points(self, xy, cls) -> None:
        m = self.model_
        held = m.heldout
        size = 9 if len(xy) <= 300 else 6
        brushes = [
            None if h else pg.mkBrush(CLASS_COLORS[k]) for k, h in zip(cls, held, strict=True)
        ]
        pens = [
            pg.mkPen(CLASS_COLORS[k], width=2 if h else 1) for k, h in zip(cls, held, strict=True)
        ]
        self.points.setData(pos=xy, brush=brushes, pen=pens, size=size, symbol="o")

    def sync_runs(self) -> None:
        self._shown = None

    # -- the model at the cursor --------------------------------------------------------
    def redraw(self, cursor: int) -> None:
        m = self.model_
        if m is None or self.surface is None or self.surface.name != self.model.surface:
            return
        chosen = self.lens_run()
        if chosen is None or chosen[1].dim != m.dim:
            self._say()
            return
        run, traj = chosen
        k = index_at(traj, cursor)
        if self._shown == (traj, k, run.color):
            return
        self._shown = (traj, k, run.color)
        theta = traj.position[k]
        if not np.isfinite(theta).all():
            self._say(f"<span style='color:{run.color}'>■</span> step {k}: diverged")
            return
        z = m.outputs(theta, m.X)  # one pass of the network: the picture and the readings
        if m.is_classifier:
            self._draw_classes(theta, m.classes_of(z))
        else:
            self._draw_fit(z, run.color)  # a regression's output is its fitted value
        metrics = model_metrics(m, theta, z)
        mark = f"<span style='color:{run.color}'>■</span> step {k}"
        if m.is_classifier:
            lines = [
                f"{mark} · loss {metrics['loss']:.3g} · accuracy {100 * metrics['accuracy']:.0f} %",
                f"held-out: loss {metrics['heldout_loss']:.3g} · accuracy "
                f"{100 * metrics['heldout_accuracy']:.0f} %",
            ]
        else:
            held = metrics["heldout_loss"]
            lines = [f"{mark} · loss {metrics['loss']:.3g} (held-out {held:.3g})"]
        self._say(*lines)

    def _say(self, *lines: str) -> None:
        """The caption: ``lines``, padded to the surface's number of lines."""
        lines = [*lines, *["&nbsp;"] * (self._lines - len(lines))]
        ink = theme.colors()["ink"]
        self.info.setText("<br>".join(lines), size=f"{theme.font_pt():.0f}pt", color=ink)

    def _draw_fit(self, fitted, color) -> None:
        m = self.model_
        held = m.heldout
        brushes = [None if h else pg.mkBrush(color) for h in held]
        self.points.setData(x=m.y, y=fitted, brush=brushes, pen=pg.mkPen(color), size=5, symbol="o")

    def _draw_classes(self, theta, classes) -> None:
        """The rings round misclassified rows (``classes``: the network's class for each
        row) and the regions, each set again only when it changed (late in training,
        mostly neither does)."""
        m = self.model_
        wrong = classes != m.y.astype(int)
        was_wrong, was_cls = self._drawn
        if was_wrong is None or not np.array_equal(wrong, was_wrong):
            self.wrong.setData(pos=self._xy(m.X)[wrong], size=15)
        if m.X.shape[1] != 2:
            self._drawn = (wrong, None)
            return
        cls = self._regions.classes(m, theta)
        self._drawn = (wrong, cls)
        if was_cls is None or not np.array_equal(cls, was_cls):
            self.regions.set_classes(cls)
