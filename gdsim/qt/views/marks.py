"""Every run's marks on a plot of parameter space, drawn by one item.

A run shows its trail (a line and a dot per step) up to the cursor, the step its
optimizer takes next, and its marble; the item also draws the −∇f arrows (and the
dashed mini-batch −g).  On screen each run's trail goes into a layer of its own that a
step extends by the new segments only (scrubbing back or changing the run redraws it),
so playing costs the same at step 5 and at step 500; the layers stack in the runs'
order, as in an export.  Beyond OWN_LAYERS runs the last ones share a layer: inside
that swarm a step's new segments lie over the others' older ones until the next full
redraw stacks them in order.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, replace

import numpy as np
from PySide6 import QtCore, QtGui

from gdsim.qt import theme
from gdsim.qt.views import painting
from gdsim.qt.views.base import TrailBoxes, finite_prefix
from gdsim.qt.views.decimate import visible_points, visible_segments
from gdsim.qt.views.marbles import MARBLE_EXTENT, marble_reach, spread_coinciding
from gdsim.qt.views.painting import Layer, points_inside, polygon, to_device
from gdsim.qt.views.trail_snapshots import (
    SHARED_SNAPSHOT_BYTES,
    SHARED_SNAPSHOTS,
    LayerSnapshots,
)

#: trail stretches longer than this are drawn at the screen's resolution
LOD_STEPS = 1000
#: up to this many runs, each run's trail has a layer of its own (beyond, the first
#: OWN_LAYERS − 1 have, and the rest share one)
OWN_LAYERS = 8
_SHARED = "all runs"


@dataclass
class RunFrame:
    """What one run shows at the cursor."""

    source: object  # its trajectory: the same object means the same points so far
    color: str
    trail: np.ndarray  # (k + 1, 2) positions up to the cursor
    step: np.ndarray | None = None  # (6, 2) arrow points of the next step
    marker: str = "o"  # the run's symbol: its marble and its step dots


PAD = 14.0  # screen pixels around the trails' and arrows' points (pens, dots, heads)


def _united(a: QtCore.QRectF | None, b: QtCore.QRectF | None) -> QtCore.QRectF | None:
    """Both areas, or None (everything) if either is."""
    return None if a is None or b is None else a.united(b)


class RunMarks(painting.ViewRectItem):
    DOT_WIDTH = 7.0

    def __init__(self) -> None:
        super().__init__()
        self.setZValue(10)
        self.runs: dict[int, RunFrame] = {}
        self.marbles = np.empty((0, 2))
        self.marble_colors: list[str] = []
        self.marble_markers: list[str] = []
        self.marble_along: np.ndarray | None = None  # on a curve: its direction there
        self.gradients = np.empty((0, 2))  # arrow points, 6 per arrow
        self.batch_gradients = np.empty((0, 2))
        self._layers: dict = {}  # run id (or _SHARED) -> the trails drawn on screen
        self._members: dict = {}  # the same key -> the run ids its layer holds
        self._snapshots: dict = {}  # the same key -> its LayerSnapshots
        self._drawn: dict[int, tuple] = {}  # run id -> (source, (colour, marker), k drawn)
        self._moving: QtCore.QRectF | None = None  # where the last arrows and marbles were
        self._px = 1.0  # painter units per screen pixel in the paint under way
        self._screen = True
        # trajectory -> (view key, steps kept at the screen's resolution)
        self._lod: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._boxes = TrailBoxes()  # the running boxes of the trails' points

    @staticmethod
    def rows_of(source) -> np.ndarray:
        """The points a trajectory's trail is drawn through (the map: its positions; a
        view of other points, e.g. the curve's (x, loss), sets its own)."""
        return source.position

    def set_frame(
        self, runs: dict[int, RunFrame], marbles, colors, gradients, batch, markers=None, along=None
    ) -> None:
        """The marks at the cursor (``along``: on a curve, its direction at each marble,
        in data units, which marbles on one place are spread along).  Only the area
        that changes is repainted: last frame's arrows and marbles, this frame's, and
        the trail steps not yet drawn; when the trails are drawn again (a jump along
        the timeline), the boxes of the trails drawn before and of those drawn now."""
        extends = self._extends(runs)
        self.runs = runs
        self.marbles = np.asarray(marbles, dtype=float).reshape(-1, 2)
        self.marble_colors = list(colors)
        self.marble_markers = list(markers) if markers is not None else ["o"] * len(colors)
        self.marble_along = None if along is None else np.asarray(along, float).reshape(-1, 2)
        self.gradients = np.asarray(gradients, dtype=float).reshape(-1, 2)
        self.batch_gradients = np.asarray(batch, dtype=float).reshape(-1, 2)
        arrows = [self.gradients, self.batch_gradients]
        arrows += [fr.step for fr in runs.values() if fr.step is not None]
        new_trail = [
            fr.trail[max(self._drawn[rid][2], 0) if rid in self._drawn else 0 :]
            for rid, fr in runs.items()
        ]
        box = _united(
            painting.changed_rect(self, [self.marbles], marble_reach()),
            painting.changed_rect(self, arrows, PAD * theme.LINE_SCALE),
        )
        # a long stretch (a jump along the timeline) repaints the whole view anyway
        extends = extends and sum(len(t) for t in new_trail) < LOD_STEPS
        if extends:
            dirty = painting.changed_rect(self, new_trail, PAD * theme.LINE_SCALE)
        else:
            before = [self._corners(src, done + 1) for src, _look, done in self._drawn.values()]
            now = [self._corners(fr.source, len(fr.trail)) for fr in runs.values()]
            dirty = painting.changed_rect(self, before + now, PAD * theme.LINE_SCALE)
        if box is not None and dirty is not None and self._moving is not None:
            self.update(self._moving.united(box).united(dirty))
        else:
            self.update()
        self._moving = box

    def _extendable(self, rid: int, fr: RunFrame | None) -> bool:
        """True when run ``rid``'s drawn trail becomes ``fr``'s by adding steps: the run
        is drawn, still there, unchanged, and has not gone back."""
        drawn = self._drawn.get(rid)
        return (
            drawn is not None
            and fr is not None
            and drawn[0] is fr.source
            and drawn[1] == (fr.color, fr.marker)
            and len(fr.trail) - 1 >= drawn[2]
        )

    def _extends(self, runs: dict[int, RunFrame]) -> bool:
        """True when every trail drawn on screen so far can be extended to ``runs``."""
        return all(self._extendable(rid, runs.get(rid)) for rid in self._drawn)

    # -- painting ------------------------------------------------------------------------
    def paint(self, p: QtGui.QPainter, _option, widget=None) -> None:
        t = p.transform()
        screen = painting.on_screen(self, p, widget)
        scale = 1.0 if screen else painting.pixel_scale(self, p)
        self._export = scale
        self._px = theme.LINE_SCALE * scale  # projector mode draws the marks bigger
        self._screen = screen
        self._dpr = widget.devicePixelRatioF() if widget is not None else 1.0
        p.save()
        p.resetTransform()
        p.setRenderHint(QtGui.QPainter.Antialiasing, True)
        rect = painting.visible_rect(t, self.boundingRect(), painting.MARGIN if screen else 0.0)
        if screen:
            self._paint_layers(p, widget, t, rect)
        else:
            for fr in self.runs.values():
                self._paint_trail(p, t, rect, fr, -1)
        self._paint_marbles(p, t, rect)
        self._paint_arrows(p, t, rect)  # above the marbles: the class must see them
        p.restore()

    def _pen(self, color, width: float, style=QtCore.Qt.SolidLine, cap=QtCore.Qt.SquareCap):
        """A pen ``width`` screen pixels wide (wider when exported at a larger scale)."""
        return painting.pen(color, width * self._px, style, cap)

    def _paint_layers(self, p: QtGui.QPainter, widget, t, rect) -> None:
        """The trails come from on-screen layers stacked in the runs' order, as an
        export draws them: one per run, except that beyond OWN_LAYERS runs the last
        ones share one (with 64 runs, compositing a layer per run cost more than the
        rest of the frame; inside that swarm a step's new segments lie over its other
        trails).  While a layer's runs are unchanged and have not gone back, a step adds
        their new steps to it; otherwise it is drawn again from its nearest snapshot."""
        key = (painting.transform_key(t), theme.LINE_SCALE)
        order = list(self.runs)
        own = len(order) if len(order) <= OWN_LAYERS else OWN_LAYERS - 1
        groups = {rid: (rid,) for rid in order[:own]}
        if order[own:]:
            groups[_SHARED] = tuple(order[own:])
        for slot in [s for s in self._layers if s not in groups]:
            del self._layers[slot]
            self._members.pop(slot, None)
        for slot, members in groups.items():
            layer = self._layers.setdefault(slot, Layer())
            before = self._members.get(slot, ())
            ok = (
                layer.is_current(widget, key)
                and members[: len(before)] == before  # runs added after: drawn on top
                and all(self._extendable(rid, self.runs[rid]) for rid in before)
            )
            lp, cleared = layer.begin(widget, key, clear=not ok)
            done = {rid: -1 for rid in members}
            if not cleared:
                done.update({rid: self._drawn[rid][2] for rid in before})
            if slot not in self._snapshots:
                shared = slot == _SHARED
                self._snapshots[slot] = (
                    LayerSnapshots(SHARED_SNAPSHOTS, SHARED_SNAPSHOT_BYTES)
                    if shared
                    else LayerSnapshots()
                )
            shots = self._snapshots[slot]
            lp = self._from_snapshot(lp, layer, shots, (widget, key), (t, rect), members, done)
            self._draw_members(lp, t, rect, members, done)
            lp.end()
            layer.used = self._used(t, members, done)
            self._members[slot] = members
            layer.draw(p)
        for slot in [s for s in self._snapshots if s not in groups]:
            del self._snapshots[slot]
        for rid in [rid for rid in self._drawn if rid not in self.runs]:
            del self._drawn[rid]

    def _used(self, t, members, done: dict) -> QtCore.QRectF:
        """Where the trails of a layer's runs drawn up to the steps in ``done`` lie on
        screen: the box of their points, the dots' and pens' reach around it."""
        corners = [self._corners(self.runs[rid].source, done[rid] + 1) for rid in members]
        dev = painting.clamped(to_device(t, np.concatenate(corners)))
        if not len(dev):
            return QtCore.QRectF()
        pad = PAD * theme.LINE_SCALE
        lo, hi = dev.min(axis=0) - pad, dev.max(axis=0) + pad
        return QtCore.QRectF(lo[0], lo[1], hi[0] - lo[0], hi[1] - lo[1])

    def _corners(self, source, n: int) -> np.ndarray:
        """The box of the first ``n`` points of the trail of trajectory ``source``."""
        return self._boxes.corners(source, n, self.rows_of)

    def _state(self, members, upto: int | None = None) -> tuple:
        """(run id, trajectory, look, steps) of a layer's runs drawn up to the cursor,
        or up to step ``upto``."""
        out = []
        for rid in members:
            fr = self.runs[rid]
            last = len(fr.trail) - 1
            out.append(
                (rid, fr.source, (fr.color, fr.marker), last if upto is None else min(upto, last))
            )
        return tuple(out)

    def _draw_members(self, lp, t, rect, members, done: dict, upto: int | None = None) -> None:
        """The trails of a layer's runs from the steps in ``done`` up to the cursor (or
        step ``upto``); ``done`` and the record of what is drawn follow.  In a shared
        layer the short stretches of runs that look alike are drawn together (one
        stroke and one set of dots per look: per run, 57 runs cost ~10 ms a jump)."""
        alike: dict[tuple, list] = {}  # look -> (stretch, whether its first dot is new)
        for rid, source, look, end in self._state(members, upto):
            if done[rid] < end:
                fr = self.runs[rid]
                start = max(done[rid], 0)
                if self._screen and len(members) > 1 and end - start < LOD_STEPS:
                    alike.setdefault(look, []).append((fr.trail[start : end + 1], done[rid] < 0))
                else:
                    if end < len(fr.trail) - 1:
                        fr = replace(fr, trail=fr.trail[: end + 1])
                    self._paint_trail(lp, t, rect, fr, done[rid])
                done[rid] = end
            self._drawn[rid] = (source, look, done[rid])
        for (color, marker), stretches in alike.items():
            self._paint_stretches(lp, t, rect, color, marker, stretches)

    def _paint_stretches(self, p, t, rect, color: str, marker: str, stretches) -> None:
        """Stretches of trails in one look, as (points, whether the first one's dot is
        new): their segments in one stroke, then their new dots."""
        a = to_device(t, np.concatenate([pts[:-1] for pts, _first in stretches]))
        b = to_device(t, np.concatenate([pts[1:] for pts, _first in stretches]))
        p.setPen(self._pen(color, theme.TRAIL_WIDTH))
        p.drawLines(polygon(painting.clip_segments(a, b, rect)))
        firsts = [pts[:1] for pts, first in stretches if first]
        dots = np.concatenate([b, to_device(t, np.concatenate(firsts))]) if firsts else b
        img = painting.stamp(marker, color, self._dot_size(marker), self._dpr)
        painting.draw_stamps(p, img, points_inside(dots, rect))

    def _from_snapshot(self, lp, layer, shots, where, view, members, done: dict):
        """A layer starts from its best snapshot when that has more of the trails than
        the layer (a jump back, or far ahead); on the way to the cursor it takes the
        highest one that is missing (trail_snapshots.py).  The painter to go on with."""
        state = self._state(members)
        shot = shots.best(layer.key, state)
        if shot is not None and sum(m[3] for m in shot.state) > sum(
            max(d, 0) for d in done.values()
        ):
            lp.setCompositionMode(QtGui.QPainter.CompositionMode_Source)  # replaces it all:
            lp.fillRect(self._used(view[0], members, done), QtCore.Qt.transparent)
            if not shot.image.isNull():
                lp.drawImage(shot.origin, shot.image)
            lp.setCompositionMode(QtGui.QPainter.CompositionMode_SourceOver)
            done.update({m[0]: m[3] for m in shot.state})
        longest = max(len(self.runs[rid].source.position) for rid in members) - 1
        step = shots.wanted(layer.key, state, max(done.values()), longest)
        if step is None:
            return lp
        self._draw_members(lp, *view, members, done, upto=step)
        lp.end()
        shots.add(
            layer.key,
            step,
            self._state(members, step),
            layer.image,
            self._used(view[0], members, done),
        )
        return layer.begin(*where)[0]

    def _detail(self, t, fr: RunFrame):
        """``fr``'s whole trajectory mapped to the device, with the segments and dots
        that show at the screen's resolution (decimate.py), kept per trajectory and
        view: scrubbing a long run then draws only what can be seen."""
        key = (painting.transform_key(t), len(fr.source))
        cached = self._lod.get(fr.source)
        if cached is not None and cached[0] == key:
            return cached[1]
        dev = to_device(t, finite_prefix(self.rows_of(fr.source)))
        detail = (dev, visible_segments(dev, 0.5), visible_points(dev, 0.5))
        self._lod[fr.source] = (key, detail)
        return detail

    def _paint_trail(self, p: QtGui.QPainter, t, rect, fr: RunFrame, done: int) -> None:
        """A run's trail segments, then its step dots, for the steps after ``done``:
        every step, or on screen for a long stretch the pieces the screen can show."""
        last = len(fr.trail) - 1
        if last <= done:
            return
        start = max(done, 0)
        p.setPen(self._pen(fr.color, theme.TRAIL_WIDTH))
        if self._screen and last == done + 1 and self._paint_step(p, t, rect, fr, done):
            return
        if self._screen and last - start < LOD_STEPS:
            self._paint_stretches(p, t, rect, fr.color, fr.marker, [(fr.trail[start:], done < 0)])
            return
        if self._screen:
            dev, segs, pts_idx = self._detail(t, fr)
            s = segs[np.searchsorted(segs, start) : np.searchsorted(segs, last)]
            p.drawLines(polygon(painting.clip_segments(dev[s], dev[s + 1], rect)))
            first = start + 1 if done >= 0 else start
            d = pts_idx[np.searchsorted(pts_idx, first) : np.searchsorted(pts_idx, last, "right")]
            dots = points_inside(dev[np.append(d, last)], rect)
        else:  # an export: every step
            pts = to_device(t, fr.trail[start:])
            p.drawLines(painting.polyline_segments(pts, rect))
            dots = points_inside(pts if done < 0 else pts[1:], rect)
        size = self._dot_size(fr.marker)
        if fr.marker == "o" and not self._screen:  # round dots, exactly as on screen
            p.setPen(self._pen(fr.color, self.DOT_WIDTH, cap=QtCore.Qt.RoundCap))
            p.drawPoints(polygon(dots))
        elif self._screen:  # one small picture per dot: fast for long trails
            painting.draw_stamps(p, painting.stamp(fr.marker, fr.color, size, self._dpr), dots)
        else:  # exports draw each dot's shape as a vector
            path = QtGui.QPainterPath()
            for x, y in dots.tolist():
                path.addPath(painting.symbol_path(fr.marker, size, x, y))
            p.setPen(QtCore.Qt.NoPen)
            p.setBrush(QtGui.QColor(fr.color))
            p.drawPath(path)

    def _paint_step(self, p: QtGui.QPainter, t, rect, fr: RunFrame, done: int) -> bool:
        """A trail's one new step on screen (the usual frame while playing): its segment
        and dot drawn straight, without the arrays of a longer stretch (with 64 runs
        those cost ~4 ms a frame); False, drawing nothing, when an end is off the view."""
        (x0, y0), (x1, y1) = fr.trail[done].tolist(), fr.trail[done + 1].tolist()
        x0, y0 = t.map(x0, y0)
        x1, y1 = t.map(x1, y1)
        if not (rect.contains(x0, y0) and rect.contains(x1, y1)):
            return False  # (NaN is never contained)
        p.drawLine(QtCore.QLineF(x0, y0, x1, y1))
        img = painting.stamp(fr.marker, fr.color, self._dot_size(fr.marker), self._dpr)
        painting.draw_stamps(p, img, ((x1, y1),))
        return True

    def _dot_size(self, marker: str) -> float:
        """A step dot's size (the shapes other than a disc a little larger)."""
        return self.DOT_WIDTH * self._px * (1.25 if marker != "o" else 1.0)

    def _paint_arrows(self, p: QtGui.QPainter, t, rect) -> None:
        """The dashed mini-batch −g, the −∇f arrows, then each run's next step, on white
        halos so that they read over trails and the map: every halo first, then the
        arrows, one call per pen (64 runs in a few colours: a few calls), all their
        points mapped to the device in one go."""
        w = theme.arrow_width() * self._export
        groups = [
            ((90, 90, 90), 0.8 * w, QtCore.Qt.DashLine, self.batch_gradients),
            ("k", w, QtCore.Qt.SolidLine, self.gradients),
        ]
        groups += [
            (fr.color, w, QtCore.Qt.SolidLine, fr.step)
            for fr in self.runs.values()
            if fr.step is not None
        ]
        groups = [g for g in groups if len(g[3])]
        if not groups:
            return
        arrows = to_device(t, np.concatenate([g[3] for g in groups])).reshape(-1, 6, 2)
        shortest = 0.6 * theme.MARBLE_SIZE * self._px  # shorter ones hide under the marble
        with np.errstate(invalid="ignore"):
            long_enough = np.hypot(*(arrows[:, 1] - arrows[:, 0]).T) >= shortest
        keys = [(c if isinstance(c, str) else tuple(c), w, st) for c, w, st, _p in groups]
        pens: dict[tuple, int] = {}  # (colour, width, style) -> its index
        for key in keys:
            pens.setdefault(key, len(pens))
        pen_of = np.repeat([pens[key] for key in keys], [len(g[3]) // 6 for g in groups])
        lines = {}
        halos: dict[float, list[np.ndarray]] = {}  # one halo per width: one stroke for all
        for key, j in pens.items():
            seg = arrows[long_enough & (pen_of == j)].reshape(-1, 2)
            if len(seg):
                lines[key] = painting.clip_segments(seg[0::2], seg[1::2], rect)
                halos.setdefault(key[1], []).append(lines[key])
        # opaque, square-capped strokes: Qt's raster engine strokes a translucent wide
        # line ~6× slower, and round caps ~4× (64 runs' arrows: 4.0 → 2.1 ms a step);
        # square caps close the tip where the head's two strokes meet
        halo = (255, 255, 255, 255)
        for width, parts in halos.items():
            extra = theme.screen_px(2.5) * self._export
            p.setPen(painting.pen(halo, width + extra, cap=QtCore.Qt.SquareCap))
            p.drawLines(polygon(np.concatenate(parts)))
        for (color, width, style), seg in lines.items():
            p.setPen(painting.pen(color, width, style, QtCore.Qt.SquareCap))
            p.drawLines(polygon(seg))

    def _paint_marbles(self, p: QtGui.QPainter, t, rect) -> None:
        """Each marble, outlined in white: on screen a picture made once per colour and
        shape, the marbles that look alike in one call; in exports a vector path."""
        size = theme.MARBLE_SIZE * self._px  # _px holds the projector's scale
        p.setPen(self._pen("w", 2.0))
        along = self.marble_along
        if along is not None:  # directions: the transform without its shift
            along = to_device(t, along) - (t.dx(), t.dy())
        dev = spread_coinciding(to_device(t, self.marbles), size, along)
        alike: dict[tuple, list[int]] = {}  # (marker, colour) -> marbles, in the runs' order
        for i in np.flatnonzero(painting.inside(dev, rect)).tolist():
            alike.setdefault((self.marble_markers[i], self.marble_colors[i]), []).append(i)
        for (marker, color), members in alike.items():
            extent = size * MARBLE_EXTENT.get(marker, 1.1)
            if self._screen:
                img = painting.stamp(marker, color, extent, self._dpr, 2.0 * self._px)
                painting.draw_stamps(p, img, dev[members])
                continue
            p.setBrush(QtGui.QColor(color))
            for x, y in dev[members].tolist():
                p.drawPath(painting.symbol_path(marker, extent, x, y))
