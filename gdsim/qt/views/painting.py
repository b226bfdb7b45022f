"""Drawing many points and segments with one QPainter call, and on-screen layers.

The per-step marks (trails, step dots, arrows, marbles, loss curves) are drawn by a
few items that paint straight in device pixels: the points are mapped with numpy,
segments are clipped to the visible area (a diverging run can reach 1e30), and
QPainter gets one call per run and kind of mark.  On screen, what does not change
from one step to the next is kept in a ``Layer`` (an image the size of the view) so
that a step draws only what is new; exports (another scale, SVG) draw vectors.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pyqtgraph as pg
import pyqtgraph.functions as fn
from PySide6 import QtCore, QtGui, QtWidgets

MARGIN = 64.0  # device pixels drawn beyond the visible area (pen widths, marbles)


def device_pixels(logical: float, dpr: float) -> int:
    """A length in device pixels as Qt rounds it (halves up; Python's round() would
    round 431 × 1.5 down to 646 and leave a pixel column of the window undrawn)."""
    return max(1, int(logical * dpr + 0.5))


PICTURES_PER_SCREEN = 6  # the cached pictures of one full-screen window fill ~1.5 screens
_watching_screens = False


def size_picture_cache() -> None:
    """Make room in QPixmapCache for the window's cached pictures.

    Items with DeviceCoordinateCache (the plots' axes and grids, the map, its isolines
    and minima) keep their pictures in QPixmapCache, which holds 10 MB by default.  At
    2560×1440 the loss plot's two grid axes alone are larger than that.  Then every
    cached item is evicted and repainted at each step: 60 ms a step at 2560×1440, 97 ms
    at 3840×2160, where 14 ms and 24 ms are enough.  The room is sized by the largest
    screen, and sized again when a screen is plugged in or changes.
    """
    global _watching_screens
    app = QtGui.QGuiApplication.instance()

    def device_bytes(screen) -> float:
        size = screen.size()
        return size.width() * size.height() * screen.devicePixelRatio() ** 2 * 4

    largest = max((device_bytes(s) for s in app.screens()), default=0.0)
    kb = int(PICTURES_PER_SCREEN * largest / 1024)
    QtGui.QPixmapCache.setCacheLimit(max(QtGui.QPixmapCache.cacheLimit(), kb))
    if not _watching_screens:
        _watching_screens = True
        app.screenAdded.connect(lambda screen: _watch(screen))
        for screen in app.screens():
            _watch(screen)


def _watch(screen) -> None:
    """Size the picture cache again when ``screen`` (new, or changed) is larger."""
    screen.geometryChanged.connect(lambda _rect: size_picture_cache())
    size_picture_cache()


def cache_picture(*items, cached: bool = True) -> None:
    """Paint ``items`` from a cached picture from now on (or not), dropping any picture
    cached before: with unchanged bounds Qt could keep showing the old one (one typed
    formula after another)."""
    mode = QtWidgets.QGraphicsItem.DeviceCoordinateCache if cached else None
    for item in items:
        item.setCacheMode(QtWidgets.QGraphicsItem.NoCache)
        if mode is not None:
            item.setCacheMode(mode)


@lru_cache(maxsize=256)
def pen(color, width: float, style=QtCore.Qt.SolidLine, cap=QtCore.Qt.SquareCap) -> QtGui.QPen:
    """A pen for marks drawn in device pixels, made once per look (QPainter copies it).
    Not cosmetic: when an export renders the widget at 2× below the painter's transform,
    the lines get 2× wider, like the marbles, instead of staying one screen pixel wide."""
    return QtGui.QPen(pg.mkColor(color), width, style, cap)


def symbol_path(marker: str, size: float, x: float = 0.0, y: float = 0.0) -> QtGui.QPainterPath:
    """pyqtgraph's symbol ``marker`` (its unit path) ``size`` pixels across at (x, y)."""
    from pyqtgraph.graphicsItems.ScatterPlotItem import Symbols

    t = QtGui.QTransform()
    t.translate(x, y)
    t.scale(size, size)
    return t.map(Symbols.get(marker, Symbols["o"]))


@lru_cache(maxsize=256)
def stamp(marker: str, color: str, size: float, dpr: float, outline: float = 0.0) -> QtGui.QImage:
    """A filled symbol as an image ``size`` logical pixels across (step dots; marbles,
    with a white ``outline`` that wide)."""
    side = device_pixels(size + 2.0 + outline, dpr)
    img = QtGui.QImage(side, side, QtGui.QImage.Format_ARGB32_Premultiplied)
    img.fill(0)
    img.setDevicePixelRatio(dpr)
    p = QtGui.QPainter(img)
    p.setRenderHint(QtGui.QPainter.Antialiasing, True)
    p.setPen(pen("w", outline) if outline else QtCore.Qt.NoPen)
    p.setBrush(pg.mkColor(color))
    half = side / dpr / 2.0
    p.drawPath(symbol_path(marker, size, half, half))
    p.end()
    return img


FEW_STAMPS = 8  # fewer are drawn one by one


def draw_stamps(p: QtGui.QPainter, img: QtGui.QImage, pts: np.ndarray) -> None:
    """``img`` centred on each of the (n, 2) device points (an array, or a few (x, y)
    pairs): many of them in one call
    (QPainter.drawPixmapFragments, through the array pyqtgraph's ScatterPlotItem fills
    for it: a jump back along 64 runs' trails drew ~4800 dots one by one, 6 ms)."""
    if len(pts) < FEW_STAMPS:
        half = img.width() / img.devicePixelRatio() / 2.0
        for x, y in pts.tolist() if isinstance(pts, np.ndarray) else pts:
            p.drawImage(QtCore.QPointF(x - half, y - half), img)
        return
    pix = _pixmap(img)
    frags = _fragments()
    frags.resize(len(pts))
    arr = frags.ndarray()
    dpr = img.devicePixelRatio()
    arr[:, 0:2] = pts  # the centres
    arr[:, 2:6] = (0.0, 0.0, pix.width(), pix.height())  # the whole pixmap (device pixels)
    arr[:, 6:10] = (1.0 / dpr, 1.0 / dpr, 0.0, 1.0)  # scale, rotation, opacity
    p.drawPixmapFragments(*frags.drawargs(), pix)


_PIXMAPS: dict[int, QtGui.QPixmap] = {}  # by QImage.cacheKey(): the stamps' pixmaps


def _pixmap(img: QtGui.QImage) -> QtGui.QPixmap:
    pix = _PIXMAPS.get(img.cacheKey())
    if pix is None:
        if len(_PIXMAPS) > 512:
            _PIXMAPS.clear()
        pix = _PIXMAPS[img.cacheKey()] = QtGui.QPixmap.fromImage(img)
        pix.setDevicePixelRatio(1.0)  # fragments scale by 1/dpr themselves
    return pix


@lru_cache(maxsize=1)
def _fragments():
    from pyqtgraph.Qt.internals import PrimitiveArray

    return PrimitiveArray(QtGui.QPainter.PixmapFragment, 10)


def to_device(t: QtGui.QTransform, pts: np.ndarray) -> np.ndarray:
    """(n, 2) points mapped by the affine transform ``t``."""
    pts = np.asarray(pts, dtype=float).reshape(-1, 2)
    out = np.empty_like(pts)
    with np.errstate(over="ignore", invalid="ignore"):
        out[:, 0] = t.m11() * pts[:, 0] + t.m21() * pts[:, 1] + t.dx()
        out[:, 1] = t.m12() * pts[:, 0] + t.m22() * pts[:, 1] + t.dy()
    return out


def polygon(pts: np.ndarray) -> QtGui.QPolygonF:
    """A QPolygonF holding the (n, 2) points (one copy, no Python loop)."""
    poly = fn.create_qpolygonf(len(pts))
    if len(pts):
        fn.ndarray_from_qpolygonf(poly)[:] = pts
    return poly


def _all_inside(pts: np.ndarray, lo, hi) -> bool:
    """True when every point is finite and inside [lo, hi] (NaN compares false)."""
    mins, maxs = pts.min(axis=0), pts.max(axis=0)
    return bool(mins[0] >= lo[0] and mins[1] >= lo[1] and maxs[0] <= hi[0] and maxs[1] <= hi[1])


def clip_segments(a: np.ndarray, b: np.ndarray, rect: QtCore.QRectF) -> np.ndarray:
    """Segments a[i]→b[i] clipped to ``rect`` (Liang–Barsky), as (2m, 2) point pairs;
    segments outside it or with a non-finite end are dropped."""
    lo = (rect.left(), rect.top())
    hi = (rect.right(), rect.bottom())
    if len(a) and _all_inside(a, lo, hi) and _all_inside(b, lo, hi):  # the usual case
        out = np.empty((2 * len(a), 2))
        out[0::2] = a
        out[1::2] = b
        return out
    keep = np.isfinite(a).all(axis=1) & np.isfinite(b).all(axis=1)
    a, b = a[keep], b[keep]
    d = b - a
    t0 = np.zeros(len(a))
    t1 = np.ones(len(a))
    ok = np.isfinite(d).all(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        for axis in (0, 1):
            for p, q in ((-d[:, axis], a[:, axis] - lo[axis]), (d[:, axis], hi[axis] - a[:, axis])):
                r = q / p
                ok &= ~((p == 0) & (q < 0))
                t0 = np.where(p < 0, np.maximum(t0, r), t0)
                t1 = np.where(p > 0, np.minimum(t1, r), t1)
    ok &= t0 <= t1
    a, d, t0, t1 = a[ok], d[ok], t0[ok, None], t1[ok, None]
    out = np.empty((2 * len(a), 2))
    out[0::2] = a + t0 * d
    out[1::2] = a + t1 * d
    return out


def polyline_segments(pts: np.ndarray, rect: QtCore.QRectF) -> QtGui.QPolygonF:
    """The polyline through ``pts`` (device pixels) as clipped segments for drawLines."""
    if len(pts) < 2:
        return QtGui.QPolygonF()
    return polygon(clip_segments(pts[:-1], pts[1:], rect))


def inside(pts: np.ndarray, rect: QtCore.QRectF) -> np.ndarray:
    """Which of the (n, 2) points lie in ``rect`` (a non-finite one never does)."""
    return (
        (pts[:, 0] >= rect.left())
        & (pts[:, 0] <= rect.right())
        & (pts[:, 1] >= rect.top())
        & (pts[:, 1] <= rect.bottom())
    )


def points_inside(pts: np.ndarray, rect: QtCore.QRectF) -> np.ndarray:
    return pts[inside(pts, rect)]


def visible_rect(
    t: QtGui.QTransform, bounds: QtCore.QRectF, margin: float = MARGIN
) -> QtCore.QRectF:
    """``bounds`` (the view's visible area, in item coordinates) in device pixels, with
    a margin: where marks are drawn.  Exports use no margin: an SVG renderer without
    clip paths (Qt's own) would show what lies past the plot's edge."""
    return t.mapRect(bounds).adjusted(-margin, -margin, margin, margin)


def clamped(dev: np.ndarray) -> np.ndarray:
    """Device points with infinities (a finite 1e306 mapped to the screen) at ±1e7, far
    outside any view, and NaN rows dropped: a box around them still covers the rest."""
    dev = np.clip(dev, -1e7, 1e7)  # (NaN stays NaN)
    return dev[~np.isnan(dev).any(axis=1)]


def changed_rect(item, point_sets, pad: float) -> QtCore.QRectF | None:
    """The area (item coordinates) covering the finite points of ``point_sets`` drawn
    on screen, ``pad`` device pixels around them (pens, marbles); an empty rect when
    there are none, None when the item is not on screen."""
    t = item.deviceTransform_()  # pyqtgraph's: None until the item is on screen
    if t is None:
        return None
    inv, ok = t.inverted()
    if not ok:
        return None
    pts = [np.asarray(p, dtype=float).reshape(-1, 2) for p in point_sets if len(p)]
    pts = np.concatenate(pts) if pts else np.empty((0, 2))
    dev = clamped(to_device(t, pts))
    if not len(dev):
        return QtCore.QRectF()
    lo, hi = dev.min(axis=0) - pad, dev.max(axis=0) + pad
    return inv.mapRect(QtCore.QRectF(lo[0], lo[1], hi[0] - lo[0], hi[1] - lo[1]))


def _scale(t: QtGui.QTransform) -> float:
    return abs(t.m11() * t.m22() - t.m12() * t.m21()) ** 0.5


def _view_transform(item) -> QtGui.QTransform | None:
    """Item -> viewport pixels in the view that shows ``item`` on screen."""
    scene = item.scene()
    views = scene.views() if scene is not None else []
    return item.deviceTransform(views[0].viewportTransform()) if views else None


def on_screen(item: QtWidgets.QGraphicsItem, painter: QtGui.QPainter, widget) -> bool:
    """True when ``painter`` draws ``item`` on its view's viewport at the view's own
    scale: not an export (another scale, an image, SVG), which gets vectors."""
    if widget is None or getattr(item, "_exportOpts", False):  # pyqtgraph's exporters
        return False
    own = _view_transform(item)
    if own is None or item.scene().views()[0].viewport() is not widget:
        return False
    a = painter.transform()
    same = all(
        abs(x - y) <= 1e-9 * (1.0 + abs(y))
        for x, y in zip(transform_key(a), transform_key(own), strict=True)
    )
    # QWidget.render into a larger image scales below the painter's own transform
    device = _scale(painter.deviceTransform())
    expected = _scale(a) * widget.devicePixelRatioF()
    return same and abs(device - expected) <= 1e-6 * (1.0 + expected)


def pixel_scale(item, painter: QtGui.QPainter) -> float:
    """How many painter units make one screen pixel: 1 on screen, 2 when pyqtgraph's
    exporter renders the scene at twice its size (pen widths and marbles follow)."""
    own = _view_transform(item)
    if own is None or _scale(own) == 0.0:
        return 1.0
    return _scale(painter.transform()) / _scale(own)


def transform_key(t: QtGui.QTransform) -> tuple:
    return (t.m11(), t.m12(), t.m21(), t.m22(), t.dx(), t.dy())


class ViewRectItem(pg.GraphicsObject):
    """An item inside a ViewBox whose bounds are the visible area (it draws marks
    anywhere in it; the ViewBox clips to it).  Not clickable: clicks reach the view."""

    def __init__(self) -> None:
        super().__init__()
        self.setAcceptedMouseButtons(QtCore.Qt.NoButton)
        self._bounds: QtCore.QRectF | None = None

    def viewTransformChanged(self) -> None:
        super().viewTransformChanged()  # forgets pyqtgraph's cached view rect
        self.prepareGeometryChange()
        self._bounds = None
        self.update()

    def boundingRect(self) -> QtCore.QRectF:
        if self._bounds is None:
            vr = self.viewRect()
            self._bounds = QtCore.QRectF() if vr is None else QtCore.QRectF(vr)
        return self._bounds


class Layer:
    """A transparent image covering a widget, in the widget's logical pixels.

    ``begin(widget, key)`` returns a painter on it and whether it was cleared (asked
    to, or the key, e.g. the view transform, changed); ``draw(painter)`` puts it on
    screen.  A caller that knows where its drawing lies says so in ``used`` after each
    ``begin`` (at 3840×2160 clearing and putting on screen a whole layer costs ~0.6 ms
    each; the ravine's trails cover a fifth of it); otherwise it is all of the layer.
    """

    def __init__(self) -> None:
        self.image: QtGui.QImage | None = None
        self.key = None
        self.used: QtCore.QRectF | None = None  # where it holds drawing; None: anywhere

    def begin(
        self, widget: QtWidgets.QWidget, key, clear: bool = False
    ) -> tuple[QtGui.QPainter, bool]:
        full_key = self._full_key(widget, key)
        cleared = clear or full_key != self.key or self.image is None
        if cleared:
            dpr = widget.devicePixelRatioF()
            w, h = device_pixels(widget.width(), dpr), device_pixels(widget.height(), dpr)
            used = self.used
            if self.image is None or (self.image.width(), self.image.height()) != (w, h):
                self.image = QtGui.QImage(w, h, QtGui.QImage.Format_ARGB32_Premultiplied)
                self.image.setDevicePixelRatio(dpr)
                used = None
            if used is None:
                self.image.fill(0)
            elif not used.isEmpty():
                eraser = QtGui.QPainter(self.image)
                eraser.setCompositionMode(QtGui.QPainter.CompositionMode_Source)
                eraser.fillRect(used, QtCore.Qt.transparent)
                eraser.end()
            self.key = full_key
        self.used = None  # until the caller says
        painter = QtGui.QPainter(self.image)
        painter.setRenderHint(QtGui.QPainter.Antialiasing, True)
        return painter, cleared

    @staticmethod
    def _full_key(widget: QtWidgets.QWidget, key) -> tuple:
        return (widget.width(), widget.height(), widget.devicePixelRatioF(), key)

    def is_current(self, widget: QtWidgets.QWidget, key) -> bool:
        """True when the layer holds a picture for this widget size and ``key``."""
        return self.key == self._full_key(widget, key)

    def invalidate(self) -> None:
        self.key = None

    def draw(self, painter: QtGui.QPainter, clip: QtCore.QRectF | None = None) -> None:
        """The layer at the widget's origin (``painter`` in widget coordinates), within
        ``clip`` and where it is ``used``."""
        if self.image is None:
            return
        if self.used is not None:
            clip = self.used if clip is None else clip.intersected(self.used)
            if clip.isEmpty():
                return
        if clip is None:
            painter.drawImage(QtCore.QPointF(0.0, 0.0), self.image)
            return
        dpr = self.image.devicePixelRatio()
        source = QtCore.QRectF(
            clip.x() * dpr, clip.y() * dpr, clip.width() * dpr, clip.height() * dpr
        )
        painter.drawImage(clip, self.image, source)
