"""The 3D view's OpenGL window: pyqtgraph's 3D view (GLViewMixin) as a QOpenGLWindow
embedded with ``createWindowContainer`` rather than a QOpenGLWidget, which would make Qt
compose the whole main window through OpenGL on every repaint of any widget (~55 ms a
frame with software OpenGL at 1920×1080); the container costs nothing.  Its static items
(the mesh, the floor, the minima) are kept in a framebuffer with their depth, drawn again
only when they or the camera change, and the moving items are drawn over them there; a
frame is submitted early so that software OpenGL
renders it while the 2D plots paint.  pyqtgraph.opengl and PyOpenGL are imported on first
use (~0.3 s).
"""

from __future__ import annotations

from functools import cache

from PySide6 import QtCore, QtOpenGL

from gdsim.qt.views.painting import device_pixels

__all__ = ["gl_modules", "on_top"]


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
        _background = None  # QOpenGLFramebufferObject: the static items' depth, the frame
        _static_colour = None  # and one holding the static items' colours alone
        _background_key = None
        _cache_ok = True  # False if this GL cannot copy between framebuffers

        def devicePixelRatioF(self) -> float:
            return float(self.devicePixelRatio())

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
            if self._background is not None and self.context() is not None:
                self.makeCurrent()
                self._background = self._static_colour = None
                self.doneCurrent()

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
            come from a framebuffer drawn when they or the camera change; the marbles
            and trails are drawn over them there, tested against the static items'
            depth (a trail still hides behind a hill), and the frame is copied to the
            screen."""
            dpr = self.devicePixelRatioF()
            w, h = device_pixels(self.width(), dpr), device_pixels(self.height(), dpr)
            viewport = (0, 0, w, h)
            if not (self._cache_ok and self.static_items and self._compose(viewport)):
                self._background = self._static_colour = None  # (freed, if there were)
                GL.glViewport(*viewport)
                self.paint(region=viewport, viewport=viewport)

        def _compose(self, viewport) -> bool:
            """The frame in the static items' framebuffer, copied to the screen; False
            if this GL cannot copy between framebuffers.

            The framebuffer keeps the static items' depth for good: the marbles and
            trails are drawn without writing depth (so they do not hide each other: the
            order drawn decides), and its colour is restored from a copy at each frame.
            Copying colours only: at 3840×2160 copying the depth to the screen at each
            frame made software OpenGL's frame ~5 ms longer."""
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
                if key != self._background_key:
                    fbo.bind()
                    GL.glViewport(*viewport)
                    self._draw(viewport, self.static_items, clear=True)
                    _copy_colour(fbo.handle(), self._static_colour.handle(), w, h)
                    self._background_key = key
                else:
                    _copy_colour(self._static_colour.handle(), fbo.handle(), w, h)
                fbo.bind()
                GL.glViewport(*viewport)
                GL.glDepthMask(GL.GL_FALSE)
                try:
                    self._draw(viewport, [i for i in self.items if i not in self.static_items])
                finally:
                    GL.glDepthMask(GL.GL_TRUE)
                _copy_colour(fbo.handle(), self.defaultFramebufferObject(), w, h)
            except GLError:  # formats differ: draw everything at every frame from now on
                self._cache_ok = False
            GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, self.defaultFramebufferObject())
            return self._cache_ok

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

    def _copy_colour(source: int, target: int, w: int, h: int) -> None:
        GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, source)
        GL.glBindFramebuffer(GL.GL_DRAW_FRAMEBUFFER, target)
        GL.glBlitFramebuffer(0, 0, w, h, 0, 0, w, h, GL.GL_COLOR_BUFFER_BIT, GL.GL_NEAREST)

    return gl, GLSceneWindow
