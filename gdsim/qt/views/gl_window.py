"""The 3D view's OpenGL window: pyqtgraph's 3D view (GLViewMixin) as a QOpenGLWindow
embedded with ``createWindowContainer`` rather than a QOpenGLWidget, which would make Qt
compose the whole main window through OpenGL on every repaint of any widget (~55 ms a
frame with software OpenGL at 1920×1080); the container costs nothing.  Its static items
(the mesh, the floor, the minima) are kept in a framebuffer with their depth, drawn again
only when they or the camera change, the trail grows over them there, and the marbles
are drawn on the screen over the copied frame (only what changed is copied when the
window still holds the frame before: gl_damage.py, frame_code.py); a frame is submitted
early so that software OpenGL renders it while the 2D plots paint.  pyqtgraph.opengl and
PyOpenGL are imported on first use (~0.3 s).
"""

from __future__ import annotations

from contextlib import contextmanager
from functools import cache
from math import atan, degrees, radians, tan

import numpy as np
from PySide6 import QtCore, QtOpenGL

from gdsim.qt.views import frame_code, gl_damage
from gdsim.qt.views.painting import device_pixels

__all__ = ["gl_modules", "horizontal_fov", "on_top"]

#: the widest pane (width / height) that pyqtgraph's horizontal field of view is kept
#: for; a wider one keeps the vertical field such a pane has
WIDEST = 4 / 3


def horizontal_fov(fov: float, width: float, height: float) -> float:
    """The horizontal field of view (degrees) a ``width`` × ``height`` viewport is drawn
    with: ``fov`` (pyqtgraph's, horizontal) up to WIDEST; a wider pane sees more at the
    sides instead of less above and below (in a projector's wide pane the surface ran
    off the top and the floor off the bottom)."""
    aspect = width / max(height, 1)
    if aspect <= WIDEST:
        return fov
    return 2.0 * degrees(atan(tan(radians(fov / 2.0)) * aspect / WIDEST))


def on_top() -> dict:
    """GL options of items drawn over everything: blended, no depth test."""
    from OpenGL import GL

    return {
        GL.GL_DEPTH_TEST: False,
        GL.GL_BLEND: True,
        GL.GL_CULL_FACE: False,
        "glBlendFunc": (GL.GL_SRC_ALPHA, GL.GL_ONE_MINUS_SRC_ALPHA),
    }


@cache
def gl_modules():
    """(pyqtgraph.opengl, the GL window class), imported on first use."""
    import pyqtgraph.opengl as gl
    from OpenGL import GL
    from OpenGL.error import GLError
    from pyqtgraph.opengl.GLViewWidget import GLViewMixin

    class GLSceneWindow(GLViewMixin, QtOpenGL.QOpenGLWindow):
        """pyqtgraph's 3D view as a QOpenGLWindow.

        ``update()`` (called by pyqtgraph's items on every change) renders at the next turn
        of the event loop instead of waiting for the platform's update request, which on
        X11 arrives up to a refresh interval later; several changes in one step give one
        frame.  ``frames`` counts the frames rendered that way.
        """

        _pending = False  # class defaults: the mixin's __init__ already calls update()
        _submitted = False  # a frame is drawn (``submit``) but not yet swapped
        _stale = False
        frames = 0
        camera_moved = None  # called when the user has rotated or zoomed the view

        def mouseReleaseEvent(self, ev) -> None:
            super().mouseReleaseEvent(ev)
            if self.camera_moved is not None:
                self.camera_moved()

        def wheelEvent(self, ev) -> None:
            super().wheelEvent(ev)
            if self.camera_moved is not None:
                self.camera_moved()

        static_items: tuple = ()
        growing = None  # the item drawn into the framebuffer as it grows (the 3D trail)
        _grown = (None, 0)  # (its buffers and style, vertices) the framebuffer holds
        _delta = None  # the item that draws a stretch of its vertices
        _background = None  # QOpenGLFramebufferObject: the static items' depth, the frame
        _static_colour = None  # and one holding the static items' colours alone
        _background_key = None
        _cache_ok = True  # False if this GL cannot copy between framebuffers
        _sprites = None  # the window squares of the marbles in the frame drawn last
        _code = 0  # the code written into that frame's corner pixels (0: none)
        _corner = ((255, 255, 255), (255, 255, 255))  # the static items' colours there
        _held = _missed = 0  # frames whose window held the frame drawn before, or not
        partial_frames = 0  # frames that copied only what changed to the window

        def devicePixelRatioF(self) -> float:
            return float(self.devicePixelRatio())

        @contextmanager
        def _fov_for(self, width: float, height: float):
            """pyqtgraph's field of view read as ``horizontal_fov`` of a ``width`` ×
            ``height`` viewport, for the duration."""
            fov = self.opts["fov"]
            self.opts["fov"] = horizontal_fov(fov, width, height)
            try:
                yield
            finally:
                self.opts["fov"] = fov

        def projectionMatrix(self, region, viewport):
            """pyqtgraph's frustum (every frame, picture and pick goes through here)."""
            with self._fov_for(viewport[2], viewport[3]):
                return super().projectionMatrix(region, viewport)

        def pan(self, *args, **kwargs):  # (a drag pans as far as the pointer moves)
            with self._fov_for(self.width(), self.height()):
                return super().pan(*args, **kwargs)

        def pixelSize(self, pos):
            with self._fov_for(self.width(), self.height()):
                return super().pixelSize(pos)

        def update(self) -> None:
            if self._submitted:
                self._stale = True  # changed after the drawn frame: draw it again
            if not self._pending:
                self._pending = True
                QtCore.QTimer.singleShot(0, self, self.render_now)  # dropped if self is deleted

        def invalidate_background(self) -> None:
            """The static items changed: draw them again at the next frame."""
            self._background_key = None
            self.update()

        def submit(self) -> None:
            """Draw the frame now and show it at the next turn of the event loop.

            Software OpenGL rasterises in its own threads after a flush, so the frame
            is being rendered while the 2D views paint; ``render_now`` swaps it.
            """
            if not self.isExposed() or self.context() is None:
                self.update()
                return
            self.makeCurrent()
            self.paint_screen()
            GL.glFlush()
            self.doneCurrent()
            self._submitted, self._stale = True, False
            if not self._pending:
                self._pending = True
                QtCore.QTimer.singleShot(0, self, self.render_now)

        def paintGL(self) -> None:
            """Qt's own repaint (the window was exposed or resized): a full frame, and
            any frame drawn by ``submit`` and not yet shown is outdated."""
            self._submitted = False
            self.paint_screen()

        def release_gl(self) -> None:
            """Free the cached frame while the GL context still exists."""
            if self.context() is not None:
                self.makeCurrent()
                self._forget_frame()
                self.doneCurrent()

        def _forget_frame(self) -> None:
            """No cached frame (its framebuffers freed, in the current context)."""
            self._background = self._static_colour = self._delta = None
            self._background_key, self._grown = None, (None, 0)
            self._sprites, self._code = None, 0

        def render_now(self) -> None:
            self._pending = False
            if not self.isExposed() or self.context() is None:
                self._submitted = False
                super().update()  # not on screen yet: let Qt paint it when it is exposed
                return
            self.makeCurrent()
            if not self._submitted or self._stale:
                self.paint_screen()
            self._submitted = self._stale = False
            self.context().swapBuffers(self)
            self.doneCurrent()
            self.frames += 1

        def paint_screen(self) -> None:
            """One on-screen frame: the static items (the mesh, the floor, the minima)
            come from a framebuffer drawn when they or the camera change; the trail is
            drawn over them there as it grows, tested against the static items' depth
            (it still hides behind a hill); the frame is copied to the screen and the
            marbles drawn over it."""
            dpr = self.devicePixelRatioF()
            w, h = device_pixels(self.width(), dpr), device_pixels(self.height(), dpr)
            viewport = (0, 0, w, h)
            if not (self._cache_ok and self.static_items and self._compose(viewport)):
                self._forget_frame()  # (freed, if there were)
                GL.glViewport(*viewport)
                self.paint(region=viewport, viewport=viewport)

        def _compose(self, viewport) -> bool:
            """The frame in the static items' framebuffer, copied to the screen; False
            if this GL cannot copy between framebuffers.

            The framebuffer keeps the static items' depth for good: the trail is drawn
            into it without writing depth (its lines do not hide each other: the order
            drawn decides), each frame only the vertices it shows beyond those already
            there; going back, the colours around the vertices taken away are first
            restored from a copy of the static items' and the trail drawn again there.
            The other moving items are drawn on the screen after the copy, where there
            is no depth to test against: they must be drawn on top of everything (the
            marbles: ``on_top()``).  Copying colours only: at 3840×2160 copying the
            depth to the screen at each frame made software OpenGL's frame ~5 ms
            longer.  Where the window still holds the frame drawn last, only what
            changed is copied (gl_damage.py)."""
            w, h = viewport[2], viewport[3]
            key = (
                viewport,
                tuple(self.projectionMatrix(viewport, viewport).data()),
                tuple(self.viewMatrix().data()),
                tuple(i.visible() for i in self.static_items),
            )
            fbo = self._background
            if fbo is None or (fbo.width(), fbo.height()) != (w, h):
                fbo = self._background = QtOpenGL.QOpenGLFramebufferObject(
                    w, h, QtOpenGL.QOpenGLFramebufferObject.Attachment.CombinedDepthStencil
                )
                self._static_colour = QtOpenGL.QOpenGLFramebufferObject(w, h)
                self._background_key = None
            try:
                # (read before drawing: reading then would wait for that to be rasterised)
                held = self._sprites is not None and self._holds_last_frame()
                fbo.bind()
                GL.glViewport(*viewport)
                mvp = np.array(
                    (self.projectionMatrix(viewport, viewport) * self.viewMatrix()).copyDataTo()
                ).reshape(4, 4)
                redrawn = key != self._background_key
                if redrawn:
                    self._draw(viewport, self.static_items, clear=True)
                    _copy_colour(fbo.handle(), self._static_colour.handle(), (0, 0, w, h))
                    self._background_key, self._grown = key, (None, 0)
                    self._corner = _read_corner(fbo.handle())  # (copied: no wait)
                    fbo.bind()
                moving = [i for i in self.items if i not in self.static_items]
                growing = self.growing if self.growing in moving else None
                on_top = [i for i in moving if i is not growing]
                sprites = _sprites(on_top, mvp, (w, h))
                # the trail's changed box is not looked for when the window is copied
                # whole anyway (64 marbles: projecting the trail cost ~1 ms a jump)
                measure = not redrawn and sprites is not None
                GL.glDepthMask(GL.GL_FALSE)
                try:
                    changed = self._grow(viewport, growing, mvp if measure else None)
                finally:
                    GL.glDepthMask(GL.GL_TRUE)
                rects = self._damage(held, changed, sprites, (w, h))
                screen = self.defaultFramebufferObject()
                for rect in [(0, 0, w, h)] if rects is None else rects:
                    _copy_colour(fbo.handle(), screen, rect)
                self.partial_frames += rects is not None
                GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, screen)
                self._draw(viewport, on_top)
                self._write_code()
                self._sprites = sprites
            except GLError:  # formats differ: draw everything at every frame from now on
                self._cache_ok = False
            GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, self.defaultFramebufferObject())
            return self._cache_ok

        def _grow(self, viewport, item, mvp):
            """The growing item (the 3D trail: a prefix of one buffer of vertices) in
            the framebuffer: the vertices it shows beyond those drawn there already, or,
            when it shows fewer, the static items' colours again around those taken
            away and its vertices there (a jump back); when it shows others, all of
            them on the static items' colours.  Returns the rectangle of the
            framebuffer changed (gl_damage: False for none, None for all of it, or
            unknown: no ``mvp`` to find it with)."""
            shown = len(item.pos) if item is not None and item.visible() else 0
            look = (
                (item.pos, item.color, item.width, item.antialias, item.gl_options)
                if shown
                else None
            )
            held, done = self._grown
            same = (
                look is not None
                and held is not None
                and held[0] is look[0]
                and held[1] is look[1]
                and held[2:] == look[2:]
            )
            size = (viewport[2], viewport[3])
            changed = False
            if done and not (same and shown >= done):
                changed = _trail_box(item, shown, done, mvp, size) if same else None
                if changed is not False:
                    rect = (0, 0, *size) if changed is None else changed
                    _copy_colour(self._static_colour.handle(), self._background.handle(), rect)
                    self._background.bind()
                    self._draw_trail(viewport, item, 0, shown, None if changed is None else rect)
                done = shown
            if shown > done:
                changed = _trail_box(item, done, shown, mvp, size)
                self._draw_trail(viewport, item, done, shown)
            self._grown = (look, shown)
            return changed

        def _draw_trail(self, viewport, item, start: int, stop: int, scissor=None) -> None:
            """Vertices ``start`` to ``stop`` of the growing item, in ``scissor`` only
            (a rectangle) if given."""
            if stop <= start:
                return
            drawn = self._delta = self._delta or _Delta(self)
            drawn.show_range(item, start, stop)
            if scissor is not None:
                GL.glEnable(GL.GL_SCISSOR_TEST)
                x0, y0, x1, y1 = scissor
                GL.glScissor(x0, y0, x1 - x0, y1 - y0)
            try:
                self._draw(viewport, [drawn])
            finally:
                GL.glDisable(GL.GL_SCISSOR_TEST)

        def _damage(self, held: bool, changed, sprites, size):
            """The rectangles to copy to the window (gl_damage.py), or None for all of
            it: the framebuffer's ``changed`` one and the sprites' squares where they
            were and where they are, when the window ``held`` the frame drawn last."""
            if not held or changed is None or sprites is None:
                return None
            rects = gl_damage.merged(([changed] if changed else []) + self._sprites + sprites)
            return rects if gl_damage.worth_it(rects, size) else None

        def _holds_last_frame(self) -> bool:
            """True when the window's buffer holds the frame drawn last: its corner
            pixels carry the code written then (frame_code.py; given up after many
            frames that never held it: a GPU's swap chain)."""
            if not self._code or (self._held == 0 and self._missed >= frame_code.CHECKS):
                return False
            held = frame_code.read_code(_read_corner(self.defaultFramebufferObject())) == (
                self._code
            )
            self._held += held
            self._missed += not held
            return held

        def _write_code(self) -> None:
            """A new code into the window's two corner pixels (the low bits of the
            static items' colours there), after everything else of the frame."""
            self._code = frame_code.next_code(self._code)
            GL.glEnable(GL.GL_SCISSOR_TEST)
            try:
                for x, colour in enumerate(frame_code.code_colours(self._code, self._corner)):
                    GL.glScissor(x, 0, 1, 1)
                    GL.glClearColor(*(c / 255.0 for c in colour), 1.0)
                    GL.glClear(GL.GL_COLOR_BUFFER_BIT)
            finally:
                GL.glDisable(GL.GL_SCISSOR_TEST)

        def _draw(self, viewport, items, clear: bool = False) -> None:
            """pyqtgraph's ``paint`` for some top-level items only."""
            self.setProjection(viewport, viewport)
            self.setModelview()
            if clear:
                GL.glClearColor(*self.opts["bgcolor"])
                GL.glClear(GL.GL_DEPTH_BUFFER_BIT | GL.GL_COLOR_BUFFER_BIT)
            for item in sorted(items, key=lambda i: i.depthValue()):
                if item.parentItem() is None:
                    self._modelViewStack.append(self.currentModelView() * item.transform())
                    try:
                        self.drawItemTree(item)
                    finally:
                        self._modelViewStack.pop()

    class _Delta(gl.GLLinePlotItem):
        """A stretch of a growing line item's vertices, drawn by the window alone (not
        one of its items: its changes ask for no frame)."""

        def __init__(self, window) -> None:
            super().__init__(mode="lines")
            self._setView(window)  # (pyqtgraph's: the view whose matrices it draws with)

        def update(self) -> None:
            pass

        def show_range(self, item, start: int, stop: int) -> None:
            self.setGLOptions(item.gl_options)
            self.setTransform(item.transform())
            rows = np.asarray(item.pos)[start:stop]  # (the buffer, not its shown prefix)
            color = item.color
            if isinstance(color, np.ndarray):
                color = color[start:stop]
            self.setData(pos=rows, color=color, width=item.width, antialias=item.antialias)

    def _read_corner(framebuffer: int) -> np.ndarray:
        """The (2, 3) 8-bit colours of a framebuffer's two bottom-left pixels."""
        GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, framebuffer)
        px = GL.glReadPixels(0, 0, 2, 1, GL.GL_RGBA, GL.GL_UNSIGNED_BYTE)
        return np.frombuffer(bytes(px), dtype=np.uint8).reshape(2, 4)[:, :3]

    def _copy_colour(source: int, target: int, rect) -> None:
        """A rectangle (x0, y0, x1, y1) of colours from one framebuffer to another."""
        GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, source)
        GL.glBindFramebuffer(GL.GL_DRAW_FRAMEBUFFER, target)
        GL.glBlitFramebuffer(*rect, *rect, GL.GL_COLOR_BUFFER_BIT, GL.GL_NEAREST)

    def _trail_box(item, start: int, stop: int, mvp, size):
        """The window rectangle around the growing item's vertices ``start`` to
        ``stop`` (gl_damage: False if none shows, None if unknown or too many)."""
        if mvp is None or stop - start > gl_damage.PROJECTED_LIMIT:
            return None
        m = mvp @ np.array(item.transform().copyDataTo()).reshape(4, 4)
        pixels = gl_damage.to_window(m, np.asarray(item.pos)[start:stop], size)
        return gl_damage.box(pixels, item.width + 2.0, size)

    def _sprites(items, mvp, size):
        """The window squares of the items drawn over the copied frame (point sprites
        sized in pixels: the marbles), or None if one is of another kind."""
        out = []
        for item in items:
            if not item.visible():
                continue
            if not (isinstance(item, gl.GLScatterPlotItem) and item.pxMode):
                return None
            if item.parentItem() is not None or item.childItems():
                return None
            if item.pos is None or not len(item.pos):
                continue
            m = mvp @ np.array(item.transform().copyDataTo()).reshape(4, 4)
            rects = gl_damage.squares(gl_damage.to_window(m, item.pos, size), item.size, size)
            if rects is None or len(out) + len(rects) > gl_damage.MAX_RECTS:
                return None  # (64 marbles: the whole window)
            out += rects
        return out

    return gl, GLSceneWindow
