"""Export what the class saw: PNG (any view or the whole window, 1×–4×), SVG of the 2D
views, GIF / MP4 of steps 0..K, and the trajectories as CSV / JSON.

Pictures are rendered, not screen-grabbed: a 2D view re-renders its scene at the
requested scale (crisp lines and text), and the 3D view renders its GL scene into an
off-screen buffer of the requested size, composed into window pictures.  SVG is
written by pyqtgraph's own SVGExporter, which corrects what Qt's SVG generator gets
wrong for plots (item transforms, cosmetic pens, clipping, images): rendered by
another program (rsvg-convert) it matches the PNG.  (It crashes on Qt ≥ 6.11 in
pyqtgraph 0.14.0; pyproject pins PySide6 6.10.)
"""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from gdsim.io.atomic import OutputError, write_atomic, writing
from gdsim.io.trajectory_io import scene_trajectories

VIEWS = ("window", "contour", "3d", "loss", "data")
SVG_VIEWS = ("contour", "loss", "data")  # the 2D plots
FORMATS = ("png", "svg", "gif", "mp4", "csv", "json")


class ExportError(ValueError):
    """An export that cannot be made (one-line reason)."""


def view_widget(window, view: str) -> QtWidgets.QWidget:
    if view == "window":
        area = window.view_area
        if area.built_view("loss") is None:  # a picture taken before the window painted
            area.loss  # noqa: B018 (built now, and laid out in its place)
            area.loss_slot.layout().activate()
        return window
    if view == "contour":
        return window.view_area.map_view()  # the curve view for 1D surfaces
    if view == "3d":
        if not window.surface3d.isVisible():
            raise ExportError("this surface has one parameter: there is no 3D view")
        return window.surface3d
    if view == "loss":
        return window.loss
    if view == "data":
        data = window.built_view("data")
        model_data = window.built_view("model_data")
        if model_data is not None and model_data.isVisible():
            return model_data
        if data is None or not data.isVisible():
            raise ExportError("this surface is not data-driven: there is no data view")
        return data
    raise ExportError(f"unknown view {view!r}; choose one of: {', '.join(VIEWS)}")


def svg_refusal(view: str) -> str:
    return (
        f"SVG is drawn for the 2D plots only ({', '.join(SVG_VIEWS)}), not for {view!r}; "
        "use PNG for it"
    )


def _gl_image(view3d, width: int, height: int) -> QtGui.QImage:
    """The 3D scene rendered off-screen at ``width`` × ``height`` pixels."""
    arr = view3d.render_array(width, height)  # (h, w, 4) BGRA, top row first
    arr = np.ascontiguousarray(arr)
    img = QtGui.QImage(arr.data, width, height, 4 * width, QtGui.QImage.Format_ARGB32)
    return img.copy()


def render(widget: QtWidgets.QWidget, scale: float = 1.0) -> QtGui.QImage:
    """``widget`` as a picture of ``scale`` × its size, the 3D views included."""
    from gdsim.qt.views.surface3d import Surface3DView

    size = widget.size()
    w, h = round(size.width() * scale), round(size.height() * scale)
    if isinstance(widget, Surface3DView):
        return _gl_image(widget, w, h)
    img = QtGui.QImage(w, h, QtGui.QImage.Format_ARGB32)
    img.fill(QtGui.QColor("white"))
    painter = QtGui.QPainter(img)
    painter.setRenderHint(QtGui.QPainter.Antialiasing)
    painter.setRenderHint(QtGui.QPainter.TextAntialiasing)
    painter.scale(scale, scale)
    # QWidget.render (QGraphicsView overloads render with a scene-only version)
    QtWidgets.QWidget.render(
        widget,
        painter,
        QtCore.QPoint(),
        QtGui.QRegion(),
        QtWidgets.QWidget.DrawChildren | QtWidgets.QWidget.DrawWindowBackground,
    )
    for view in widget.findChildren(Surface3DView):
        if view.isVisible():
            top_left = view.mapTo(widget, QtCore.QPoint(0, 0))
            frame = _gl_image(view, round(view.width() * scale), round(view.height() * scale))
            painter.drawImage(
                QtCore.QRectF(top_left.x(), top_left.y(), view.width(), view.height()), frame
            )
    painter.end()
    return img


def export_png(widget, path: str | os.PathLike, scale: float = 1.0) -> QtGui.QImage:
    if not 1.0 <= scale <= 4.0:
        raise ExportError(f"scale must be between 1 and 4, got {scale:g}")
    img = render(widget, scale)
    with writing(path, suffix=".png") as tmp:
        if not img.save(tmp, "PNG"):
            raise OutputError(path, "the picture could not be saved")
    return img


def export_svg(widget, path: str | os.PathLike) -> None:
    """A 2D view as SVG, by pyqtgraph's SVGExporter (written beside, then renamed)."""
    import pyqtgraph as pg
    from pyqtgraph.exporters import SVGExporter

    if not isinstance(widget, pg.GraphicsView):
        raise ExportError("SVG is available for the 2D views (contour, loss, data) only")
    # items cached as pixmaps (map, isolines, axes) would reach the SVG as bitmaps
    items = widget.scene().items()
    modes = [it.cacheMode() for it in items]
    for it in items:
        it.setCacheMode(QtWidgets.QGraphicsItem.NoCache)
    cut = getattr(widget, "map_cut_to_view", None)
    try:
        with writing(path, suffix=".svg") as tmp, cut() if cut is not None else nullcontext():
            SVGExporter(widget.scene()).export(tmp)
    finally:
        for it, mode in zip(items, modes, strict=True):
            it.setCacheMode(mode)


def _frame(widget) -> np.ndarray:
    img = render(widget, 1.0).convertToFormat(QtGui.QImage.Format_RGB888)
    w, h = img.width() // 2 * 2, img.height() // 2 * 2  # even sizes for H.264
    arr = np.frombuffer(img.constBits(), dtype=np.uint8, count=img.sizeInBytes())
    arr = arr.reshape(img.height(), img.bytesPerLine())[:, : img.width() * 3]
    return arr.reshape(img.height(), img.width(), 3)[:h, :w].copy()


def export_animation(
    window,
    widget,
    path: str | os.PathLike,
    last: int,
    fps: float = 10.0,
    progress: Callable[[int, int], bool] | None = None,
) -> int:
    """Steps 0..last as a GIF or MP4 (frames all the same size); returns frames written.

    ``progress(done, total)`` is called after each frame; returning False cancels (the
    partial file is removed).
    """
    import imageio.v2 as imageio

    if not 0.5 <= fps <= 60:
        raise ExportError(f"fps must be between 0.5 and 60, got {fps:g}")
    suffix = Path(path).suffix.lower()
    scene = window.scene
    keep = scene.cursor
    scene.set_playing(False)
    window.surface3d.wait_laid()  # every frame draws the long runs' 3D trails
    total = last + 1
    done = 0
    try:
        with writing(path, suffix=suffix) as tmp:
            if suffix == ".gif":
                writer = imageio.get_writer(tmp, mode="I", duration=1000.0 / fps, loop=0)
            else:
                writer = imageio.get_writer(
                    tmp, fps=fps, codec="libx264", macro_block_size=1, quality=8, format="FFMPEG"
                )
            try:
                for k in range(total):
                    scene.set_cursor(k)
                    QtWidgets.QApplication.processEvents()
                    writer.append_data(_frame(widget))
                    done += 1
                    if progress is not None and progress(done, total) is False:
                        raise _Cancelled
            finally:
                writer.close()
    except _Cancelled:
        return 0  # (the partial file is gone with the temporary one)
    finally:
        scene.set_cursor(keep)
    return done


class _Cancelled(Exception):
    """The user cancelled an animation export."""


def export_trajectories(window, path: str | os.PathLike) -> None:
    as_json = not str(path).lower().endswith(".csv")
    write_atomic(path, scene_trajectories(window.scene, window.controller.trajectories, as_json))


def export(
    window,
    view: str,
    path: str,
    scale: float = 1.0,
    fps: float = 10.0,
    step: int | None = None,
    progress=None,
) -> None:
    """Export by the file's extension; ``step`` sets the cursor (last step by default
    for pictures; the last frame for animations)."""
    fmt = Path(path).suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; use one of: {', '.join(FORMATS)}")
    if fmt in ("csv", "json"):
        export_trajectories(window, path)
        return
    if fmt == "svg" and view not in SVG_VIEWS:
        raise ExportError(svg_refusal(view))
    widget = view_widget(window, view)
    last = window.controller.last_step()
    k = last if step is None else step
    if not 0 <= k <= last:
        raise ExportError(f"step must be in 0..{last}, got {k}")
    if fmt in ("gif", "mp4"):
        return export_animation(window, widget, path, k, fps, progress) > 0
    window.scene.set_cursor(k)
    QtWidgets.QApplication.processEvents()
    window.surface3d.wait_laid()  # a long run's 3D trail, laid in the background
    if fmt == "png":
        export_png(widget, path, scale)
    else:
        export_svg(widget, path)
    return True
