"""The learning rate α(k) of every run on a second axis of the loss plot (the view flag
``show_lr``): a schedule's warmup, decay, restarts or one cycle seen against the loss it
produces.  pyqtgraph's way to a second y axis: a ViewBox of its own, x linked to the
plot's, drawn over the plot's area, with the right axis tied to it."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore

from gdsim.qt import theme
from gdsim.qt.views.log_axis import Axis

LABEL = "α(k) (dotted)"


def at_screen_resolution(item: pg.PlotDataItem) -> pg.PlotDataItem:
    """A curve over the steps that may be a million long (a rate, a stability edge)
    drawn at the screen's resolution by pyqtgraph's own downsampling: per pixel column
    its extremes ("peak"), only the part in view.  (Call it after adding the item to a
    PlotItem, which sets its own downsampling on the items it is given.)"""
    item.setDownsampling(auto=True, method="peak")
    item.setClipToView(True)
    return item


class LearningRateAxis:
    """``legend`` is the plot's RunLegend, laid out where the right axis was: with the
    axis shown, the axis takes that place beside the data and the legend moves right."""

    def __init__(self, plot: pg.PlotItem, legend):
        self.plot, self.legend = plot, legend
        self.box = pg.ViewBox(enableMouse=False)
        self.box.setXLink(plot.vb)
        self.box.setZValue(plot.vb.zValue() + 1)
        plot.scene().addItem(self.box)
        self.axis = Axis("right", parent=plot)  # (laid out where the legend was, in show)
        self.axis.linkToView(self.box)
        theme.style_axis(self.axis)  # (no SI prefix: 0.001, not "(x0.001)" by the label)
        self.axis.setVisible(False)
        plot.vb.sigResized.connect(self._fit)
        self.curves: dict[int, pg.PlotDataItem] = {}
        self.visible = False

    def restyle(self) -> None:
        """The axis at the theme's sizes and colours (projector mode, light or dark)."""
        theme.style_axis(self.axis)

    def _fit(self) -> None:
        self.box.setGeometry(self.plot.vb.sceneBoundingRect())

    def show(self, runs) -> None:
        """One dotted curve of α(k) per shown run ``(run, traj)``; the axis spans them."""
        if not self.visible:
            layout = self.plot.layout
            layout.removeItem(self.legend.item)
            layout.addItem(self.axis, 2, 2)
            layout.addItem(self.legend.item, 2, 3)
            self.axis.setVisible(True)
        self.visible = True
        self.axis.setToolTip("The learning rate in force at each step (its schedule)")
        self._fit()
        ids = {run.id for run, _ in runs}
        for rid in [rid for rid in self.curves if rid not in ids]:
            self.box.removeItem(self.curves.pop(rid))
        # the rates of the steps: the last row has none (its rate would be the schedule's
        # after the run, which OneCycleLR computes past its end)
        rates = {
            run.id: np.asarray(traj.lr, dtype=float)[: max(len(traj) - 1, 1)] for run, traj in runs
        }
        shown = np.concatenate([r[np.isfinite(r) & (r > 0)] for r in rates.values()])
        peaks = [float(np.nanmax(r)) for r in rates.values() if np.isfinite(r).any()]
        # runs whose rates are decades apart (α = 0.001 beside 0.1) share a log scale; a
        # schedule falling to 0 keeps the linear one, where its shape reads as in torch's docs
        log = bool(peaks) and min(peaks) > 0 and max(peaks) > 100.0 * min(peaks)
        self.axis.setLogMode(False, log)
        self.axis.setLabel(LABEL + (", log scale" if log else ""))
        for run, _traj in runs:
            item = self.curves.get(run.id)
            if item is None:
                item = self.curves[run.id] = pg.PlotDataItem()
                self.box.addItem(item)
                at_screen_resolution(item)
            lr = rates[run.id]
            y = np.log10(np.where(lr > 0, lr, np.nan)) if log else lr
            item.setPen(pg.mkPen(run.color, width=1.6 * theme.LINE_SCALE, style=QtCore.Qt.DotLine))
            item.setData(np.arange(len(y), dtype=float), y, connect="finite")
            item.setToolTip(f"{run.name}: α(k) from its {run.config.schedule.kind} schedule")
        if shown.size:
            lo, hi = float(shown.min()), float(shown.max())
            lo, hi = (np.log10(lo), np.log10(hi)) if log else (min(0.0, lo), hi)
            self.box.setYRange(lo, hi if hi > lo else lo + 1.0, padding=0.05)

    def hide(self) -> None:
        if not self.visible:
            return
        self.visible = False
        for item in self.curves.values():
            self.box.removeItem(item)
        self.curves.clear()
        layout = self.plot.layout
        layout.removeItem(self.axis)
        layout.removeItem(self.legend.item)
        self.axis.setVisible(False)
        layout.addItem(self.legend.item, 2, 2)
