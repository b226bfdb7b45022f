"""The legend of a plot: each visible run's colour, marker, label and live status
("running", "converged at step 72", "diverged at step 26"), so that the class can tell
the runs apart with the side panels hidden.

It is pyqtgraph's own LegendItem, laid out in the plot beside the data, never over
it: between the title and the map (where the hidden top axis would be), in as many
columns as the width holds; or right of a wide, low plot such as the loss curves (where
the hidden right axis would be), one entry a line.  Its items are made only when the
runs it lists or their looks change; a new status is new text in the same label.
"""

from __future__ import annotations

import pyqtgraph as pg
from pyqtgraph.graphicsItems.LegendItem import ItemSample
from pyqtgraph.graphicsItems.ScatterPlotItem import drawSymbol
from PySide6 import QtCore, QtGui

from gdsim.core.trajectory import CONVERGED, DIVERGED, MAX_STEPS
from gdsim.qt import theme
from gdsim.qt.views.base import index_at

MAX_ROWS = 4  # more runs than fit in four rows: the last entry says how many more
_UNLIMITED = 16777215.0  # QWIDGETSIZE_MAX


def status_at(traj, cursor: int, with_step: bool = True) -> str:
    """What a run is doing at the cursor: running, or how it ended once it has."""
    if traj is None:
        return "computing…"
    k = index_at(traj, cursor)
    if k < len(traj) - 1:
        return f"running (step {k})" if with_step else "running"
    st = traj.status
    if st.state in (CONVERGED, DIVERGED):
        return st.short
    if st.state == MAX_STEPS:
        return f"max steps ({st.step})" if not with_step else str(st)
    return str(st)


class _LegendItem(pg.LegendItem):
    """pyqtgraph's legend, fixed in its place in the plot's layout (not draggable); it
    never makes the plot wider than its widget (RunLegend takes columns away instead)."""

    deferred = False  # True while entries are added: sized once they all are

    def mouseDragEvent(self, ev):
        ev.ignore()

    def updateSize(self) -> None:
        """pyqtgraph's, where the plot's layout put the legend: its updateSize sets the
        geometry at (0, 0), and when the size stays (new text as wide as the old) the
        layout never moves it back, so it sat over the plot's title and y axis."""
        if self.deferred:
            return
        pos = self.pos()
        super().updateSize()
        self.setPos(pos)

    def sizeHint(self, which, constraint=QtCore.QSizeF()):  # noqa: B008
        hint = super().sizeHint(which, constraint)
        if which == QtCore.Qt.MinimumSize:
            hint.setWidth(0.0)
        return hint


class _Sample(ItemSample):
    """A run's sample in the legend: a stretch of its trail and its marker, drawn from
    its colour and shape (pyqtgraph's sample reads them off a PlotDataItem, which costs
    ~2 ms to make: 64 runs' legend took ~0.3 s to build).  ``color`` None: no sample
    (the "… and 12 more runs" entry).  It takes no clicks (pyqtgraph's hides the item
    it was made from)."""

    def __init__(self, color, marker: str, size: float, width: float) -> None:
        super().__init__(None)
        self.look = (color, marker)
        self._size, self._width = size, width
        self.setFixedWidth(self._side())
        self.setFixedHeight(self._side())
        self.setAcceptedMouseButtons(QtCore.Qt.NoButton)

    def _side(self) -> float:
        return sample_side(self._size)

    def boundingRect(self) -> QtCore.QRectF:
        side = self._side()
        return QtCore.QRectF(0, 0, side, side)

    def paint(self, p, *args) -> None:
        color, marker = self.look
        if color is None:
            return
        side = self._side()
        p.setRenderHint(QtGui.QPainter.Antialiasing)
        p.setPen(pg.mkPen(color, width=self._width))
        p.drawLine(QtCore.QLineF(0, side / 2 + 1, side, side / 2 + 1))
        p.translate(side / 2, side / 2)
        drawSymbol(p, marker, self._size, pg.mkPen("w", width=1), pg.mkBrush(color))


def _metrics() -> QtGui.QFontMetricsF:
    """The metrics of the legend's text."""
    font = QtGui.QFont()
    font.setPointSizeF(round(theme.font_pt(theme.BASE_POINT_SIZE - 1)))
    return QtGui.QFontMetricsF(font)


def _names(entries: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """The entries with the runs' names only, without their status."""
    return [(c, mk, t.rsplit(": ", 1)[0]) for c, mk, t in entries]


#: a sample's marker, pixels (× the theme's LINE_SCALE)
MARKER = 11


def sample_side(size: float) -> float:
    """A sample's square for a marker ``size`` px across: pyqtgraph's 20 px, or the
    marker's and a little more (projector mode on a tall screen: the marker hid the line
    and painted over the text beside a 20 px box)."""
    return max(20.0, size + 2.4)


def entry_extra() -> float:
    """An entry's width besides its text: the sample, the spacing and some slack."""
    return sample_side(MARKER * theme.LINE_SCALE) + 14 + 14 + 8


class RunLegend:
    """The legend of ``plot`` (a PlotItem): a row above the data (``side="top"``) or a
    column right of it (``side="right"``)."""

    def __init__(self, plot: pg.PlotItem, side: str = "top"):
        self.plot, self.side = plot, side
        self.item = _LegendItem(offset=None, verSpacing=-4, horSpacing=14, frame=False)
        axis = plot.getAxis(side)
        plot.layout.removeItem(axis)  # the hidden axis' cell holds the legend
        plot.layout.addItem(self.item, *((1, 1) if side == "top" else (2, 2)))
        self._key = None
        self._on = True
        self._any = False
        self._style = None  # the theme's sizes and colours the entries were made in
        self._height = _UNLIMITED  # beside the data: its entries' height, at the top
        if side == "right":  # (stretched to the plot's height, a lone entry's sample
            # sat halfway down, away from its name)
            plot.layout.setAlignment(self.item, QtCore.Qt.AlignTop | QtCore.Qt.AlignLeft)
        self._show()

    def set_visible(self, on: bool) -> None:
        """Shown when ``on`` (the view flag) and there is a run to list."""
        if bool(on) != self._on:
            self._on = bool(on)
            self._show()

    def _show(self) -> None:
        shown = self._on and self._any
        self.item.setVisible(shown)
        self.item.setMaximumHeight(self._height if shown else 0.0)  # hidden: no room taken

    def is_shown(self) -> bool:
        return self.item.isVisible()

    def entries(self, model, controller, cursor: int) -> list[tuple[str, str, str]]:
        """(colour, marker, text) for each visible run, in the runs' order."""
        labels, markers = model.labels(), model.markers()
        out = []
        for run in model.runs:
            if run.visible:
                status = status_at(controller.trajectories.get(run.id), cursor, with_step=False)
                out.append((run.color, markers[run.id], f"{labels[run.id]}: {status}"))
        return out

    def invalidate(self) -> None:
        """Lay the legend out again at the next update (the plot changed size)."""
        self._key = None

    def _columns(self, texts: list[str], width: float, height: float) -> tuple[int, int]:
        """(columns, entries shown): a row above the data has as many columns as the
        width holds and at most MAX_ROWS rows; a column beside it as many rows as the
        height holds."""
        m = _metrics()
        if self.side == "right":
            rows = max(1, int(height // (m.height() + 2)))
            return 1, rows
        text_w = max((m.horizontalAdvance(t) for t in texts), default=0)
        entry_w = text_w + entry_extra()
        cols = max(1, min(len(texts), int((width - 8) // entry_w)))
        return cols, cols * MAX_ROWS

    def update(self, entries: list[tuple[str, str, str]]) -> None:
        if entries and all(text.endswith(": computing…") for *_, text in entries):
            return  # nothing to say yet (the window is starting): keep the last legend
        width = int(self.plot.vb.width()) or int(self.plot.width())
        height = self._height_beside() if self.side == "right" else 0
        style = (theme.FONT_SCALE, theme.LINE_SCALE, theme.DARK)
        key = (tuple(entries), *style, width, height)
        if key == self._key:
            return
        self._key = key
        if self.side == "right":
            entries = self._fitting(entries)
        cols, fit = self._columns([t for *_, t in entries], width, height)
        if self.side == "top" and len(entries) > cols:
            # more than a row above the data: the names alone, when that takes fewer rows
            # (at 1024×768 a model's map kept a strip under two rows of legend)
            names = _names(entries)
            n_cols, n_fit = self._columns([t for *_, t in names], width, height)
            if -(-len(names) // n_cols) < -(-len(entries) // cols):
                entries, cols, fit = names, n_cols, n_fit
        if self._style != style:
            self._restyle(style)
        while True:
            shown = entries if len(entries) <= fit else entries[: max(fit - 1, 1)]
            rows = [((c, m), t) for c, m, t in shown]
            if len(entries) > len(shown):
                rows.append(((None, "o"), f"… and {len(entries) - len(shown)} more runs"))
            self._sync(rows)
            self._fit(cols, width)
            # beside the data: one entry fewer while the entries are taller than the room
            if self.side != "right" or self._height <= height or len(shown) <= 1:
                break
            fit = len(rows) - 1
        self._any = bool(entries)
        self._show()

    def _height_beside(self) -> float:
        """The height beside the data: the view's, less the title and the step axis.
        (The view box's own grew with a long legend, until the plot was taller than its
        view and the step axis and its numbers were out of sight.)"""
        plot = self.plot
        widget = plot.getViewWidget()
        total = float(widget.viewport().height()) if widget is not None else plot.height()
        for item in (plot.titleLabel, plot.getAxis("bottom")):
            if item.isVisible():
                total -= item.effectiveSizeHint(QtCore.Qt.PreferredSize).height()
        return max(total - 8.0, 0.0)  # (the plot's layout margins)

    def _room(self) -> float:
        """Beside the data the legend takes at most 40 % of the plot's width."""
        return 0.4 * float(self.plot.width())

    def _fitting(self, entries: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
        """The entries, or when one of them is wider than the room beside the data (a
        small window, a projector's large type) only the runs' names, without their
        status: the plot keeps most of the width."""
        m = _metrics()
        widest = max((m.horizontalAdvance(t) for *_, t in entries), default=0.0)
        if widest + entry_extra() <= self._room():
            return entries
        return _names(entries)

    def _fit(self, cols: int, width: float) -> None:
        """``cols`` columns, fewer while the legend is wider than the plot (measured
        once laid out: the labels' real sizes)."""
        leg = self.item
        while True:
            if leg.columnCount != cols:
                leg.setColumnCount(cols)
            leg.layout.activate()  # the labels' sizes now, not those of the last layout
            leg.updateSize()
            if self.side == "right":
                # beside the data: as wide as its longest entry, up to 40 % of the plot
                room = self._room()
                leg.setMinimumWidth(min(leg.layout.preferredWidth(), room))
                leg.setMaximumWidth(room)
                self._height = leg.layout.preferredHeight()
                return
            if cols == 1 or leg.layout.preferredWidth() <= width:
                return
            cols -= 1

    def _restyle(self, style) -> None:
        """No entries, and new ones in the theme's current type and colours."""
        leg = self.item
        leg.clear()
        c = theme.colors()
        leg.opts["labelTextSize"] = f"{round(theme.font_pt(theme.BASE_POINT_SIZE - 1))}pt"
        leg.opts["labelTextColor"] = pg.mkColor(c["ink"])
        self._style = style

    def _sync(self, rows: list[tuple[tuple, str]]) -> None:
        """The entries made to say ``rows`` ((colour, marker), text), keeping the items
        already made: a sample takes a new look and a label new text in place, and only
        the entries beyond the old ones are made (with 64 runs a status that changes
        the legend's columns made ~60 entries again, ~50 ms)."""
        leg = self.item
        items = leg.items
        count = len(items)
        while len(items) > len(rows):
            leg._removeItemFromLayout(*items.pop())  # (pyqtgraph 0.14's own helpers)
        for (sample, label), (look, text) in zip(items, rows, strict=False):
            if sample.look != look:
                sample.look = look
                sample.update()
            if label.text != text:
                label.setText(text)
        size, width = MARKER * theme.LINE_SCALE, theme.trail_width()
        leg.deferred = True  # sized once, by _fit: not once per entry added
        try:
            for (color, marker), text in rows[len(items) :]:
                leg.addItem(_Sample(color, marker, size, width), text)
            if len(items) < count:  # the last rows emptied: laid out again, packed
                for i in range(leg.layout.count() - 1, -1, -1):
                    leg.layout.removeAt(i)
                for sample, label in items:
                    leg._addItemToLayout(sample, label)
        finally:
            leg.deferred = False

    def texts(self) -> list[str]:
        """What the legend says, entry by entry (for tests and the layout report)."""
        return [label.text for _sample, label in self.item.items]
