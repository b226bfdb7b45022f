"""The legend on a plot: each visible run's colour, marker, label and live status
("running", "converged at step 72", "diverged at step 26"), so that the class can tell
the runs apart with the side panels hidden.  pyqtgraph's own LegendItem, rebuilt only
when what it says changes (a run ends, is added, renamed or recoloured)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtGui

from gdsim.core.trajectory import CONVERGED, DIVERGED, MAX_STEPS
from gdsim.qt import theme
from gdsim.qt.views.base import index_at

MAX_ENTRIES = 8


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
    """pyqtgraph's legend that remembers being dragged by the user."""

    dragged = False

    def mouseDragEvent(self, ev):
        super().mouseDragEvent(ev)
        self.dragged = True


class RunLegend:
    """A legend in a corner of ``plot``'s view box (drag it anywhere); two columns when
    one would be taller than half the plot."""

    def __init__(self, plot: pg.PlotItem, corner: tuple[int, int] = (-8, 8)):
        self.plot = plot
        self.corner = corner
        self.item = _LegendItem(offset=corner, verSpacing=-4)
        self.item.setParentItem(plot.vb)
        self.item.setZValue(50)
        self._key = None
        self._samples: list[pg.PlotDataItem] = []
        self._on = True
        self._any = False
        self._built = None  # (looks, content) of the items made

    def set_visible(self, on: bool) -> None:
        """Shown when ``on`` (the view flag) and there is a run to list."""
        self._on = bool(on)
        self.item.setVisible(self._on and self._any)

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

    def rebuild(self) -> None:
        """Make its items again at the next update (another theme or size of text)."""
        self._key = self._built = None

    def _layout(self, texts: list[str], width: float, height: float) -> tuple[int, int]:
        """(columns, entries shown): one column if the legend fits in about half the
        plot's height and its width, else two; taller (up to 4/5 of the plot) rather
        than leaving a run out; fewer entries only when nothing else fits."""
        font = QtGui.QFont()
        font.setPointSizeF(round(theme.font_pt(theme.BASE_POINT_SIZE - 1)))
        m = QtGui.QFontMetricsF(font)
        row = max(m.height(), 11 * theme.LINE_SCALE) + 2
        text_w = max((m.horizontalAdvance(t) for t in texts), default=0) + 8
        entry_w = 46 * theme.LINE_SCALE + text_w
        room_w = width - 2 * abs(self.corner[0])
        for n in range(len(texts), 0, -1):
            for share in (0.55, 0.8):
                for cols in (1, 2):
                    rows = -(-n // cols)
                    if rows * row + 12 <= share * height and cols * entry_w + 12 <= room_w:
                        return cols, n
        return 1, 1

    def update(self, entries: list[tuple[str, str, str]], points=None) -> None:
        """Show ``entries``; ``points()`` gives what the legend should not cover ((n, 2) in
        data coordinates; asked only when the legend is laid out again): it goes to the
        corner with the fewest of them."""
        if entries and all(text.endswith(": computing…") for *_, text in entries):
            return  # nothing to say yet (the window is starting): keep the last legend
        vb = self.plot.vb
        size = (int(vb.width()), int(vb.height()))
        content = (tuple(entries), theme.FONT_SCALE, theme.LINE_SCALE, theme.DARK)
        key = (content, size, tuple(tuple(r) for r in vb.viewRange()))
        if key == self._key:
            return
        self._key = key
        leg = self.item
        cols, fit = self._layout([t for *_, t in entries], *size)
        fit = min(fit, MAX_ENTRIES)
        shown = entries if len(entries) <= fit else entries[: max(fit - 1, 1)]
        # pyqtgraph's labels are slow to make: new items only when the runs shown, their
        # looks or the theme changed; a new status is a new text in the same label
        looks = (tuple((c, m) for c, m, _t in shown), len(entries), *content[1:])
        if self._built is None or self._built[0] != looks:
            self._build(entries, shown)
        elif self._built[1] != content:
            for (_sample, label), (_c, _m, text) in zip(leg.items, shown, strict=False):
                if label.text != text:
                    label.setText(text)
        self._built = (looks, content)
        self._any = bool(entries)
        if leg.columnCount != cols:
            leg.setColumnCount(cols)
        leg.updateSize()
        if not leg.dragged:  # pyqtgraph anchors once: a wider legend would overhang
            corner = self._emptiest_corner(points() if points is not None else None)
            ox, oy = abs(self.corner[0]), abs(self.corner[1])
            offset = (ox if corner[0] == 0 else -ox, oy if corner[1] == 0 else -oy)
            leg.anchor(itemPos=corner, parentPos=corner, offset=offset)
        leg.setVisible(self._on and self._any)

    def _build(self, entries, shown) -> None:
        leg = self.item
        leg.clear()
        leg.setColumnCount(1)
        c = theme.colors()
        leg.opts["labelTextSize"] = f"{round(theme.font_pt(theme.BASE_POINT_SIZE - 1))}pt"
        leg.opts["labelTextColor"] = pg.mkColor(c["ink"])
        back = pg.mkColor(c["background"])
        back.setAlpha(170)  # what lies under the legend still shows through
        leg.setBrush(pg.mkBrush(back))
        leg.setPen(pg.mkPen(c["soft"], width=1))
        size = 11 * theme.LINE_SCALE
        self._samples = []
        for color, marker, text in shown:
            sample = pg.PlotDataItem(
                pen=pg.mkPen(color, width=theme.trail_width()),
                symbol=marker,
                symbolSize=size,
                symbolBrush=pg.mkBrush(color),
                symbolPen=pg.mkPen("w", width=1),
            )
            self._samples.append(sample)
            leg.addItem(sample, text)
        if len(entries) > len(shown):
            more = pg.PlotDataItem(pen=None)
            self._samples.append(more)
            leg.addItem(more, f"… and {len(entries) - len(shown)} more runs")

    def _emptiest_corner(self, points) -> tuple[int, int]:
        """The corner of the plot (x, y: 0 left / top, 1 right / bottom) where the
        legend covers the fewest ``points``; top right when they tie."""
        corners = [(1, 0), (0, 0), (1, 1), (0, 1)]
        if points is None or not len(points):
            return corners[0]
        vb = self.plot.vb
        pts = np.asarray(points, dtype=float).reshape(-1, 2)
        pts = pts[np.isfinite(pts).all(axis=1)]
        if len(pts) > 4000:
            pts = pts[:: len(pts) // 4000 + 1]
        (x0, x1), (y0, y1) = vb.viewRange()
        w, h = vb.width(), vb.height()
        if not (w > 0 and h > 0 and x1 > x0 and y1 > y0):
            return corners[0]
        px = (pts[:, 0] - x0) / (x1 - x0) * w
        py = (y1 - pts[:, 1]) / (y1 - y0) * h  # screen y grows downwards
        lw, lh = self.item.boundingRect().width() + 8, self.item.boundingRect().height() + 8
        counts = []
        for cx, cy in corners:
            left = 0 if cx == 0 else w - lw
            top = 0 if cy == 0 else h - lh
            inside = (px >= left) & (px <= left + lw) & (py >= top) & (py <= top + lh)
            counts.append(int(inside.sum()))
        return corners[int(np.argmin(counts))]

    def texts(self) -> list[str]:
        """What the legend says, line by line (for tests and the layout report)."""
        return [label.text for _sample, label in self.item.items]
