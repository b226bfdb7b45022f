"""The 3D view: the surface as a coloured mesh, marbles riding on it with their trails.

The domain is drawn in a normalised box (x, y in [−1, 1], height 0..HEIGHT in the same
display coordinate as the contour's colours, log-compressed where the surface needs
it), so every surface fills the view the same way.  The mesh is uploaded once per
surface; a step moves the marbles and extends the trails.

The GL scene lives in a QOpenGLWindow (pyqtgraph's GLViewMixin) embedded with
``createWindowContainer``, not in a QOpenGLWidget: a QOpenGLWidget makes Qt compose
the whole main window through OpenGL on every repaint of any widget, which costs
~55 ms per frame with software OpenGL at 1920×1080; the container costs nothing.

The GL part (pyqtgraph.opengl, the context, the items) is built right after the view
first paints, so that the window appears sooner (importing PyOpenGL and making the
context take ~0.3 s); until then the surface given to ``set_surface`` waits.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import shiboken6
from PySide6 import QtCore, QtGui, QtOpenGL, QtWidgets

from gdsim.core.grid import SurfaceGrid
from gdsim.qt import theme
from gdsim.qt.views.base import RunView, finite_prefix, index_at
from gdsim.qt.views.contour import LIGHT_MAP
from gdsim.qt.views.painting import device_pixels

HEIGHT = 0.9
MESH = 60
TRAIL_PIECE = 0.04  # a trail's pieces in the 3D box are at most this long (the box is 2 wide)
TRAIL_EXTRA = 20_000  # at most this many points added per run to lay its trail on the surface


def _on_top() -> dict:
    """GL options of items drawn over everything: blended, no depth test."""
    from OpenGL import GL

    return {
        GL.GL_DEPTH_TEST: False,
        GL.GL_BLEND: True,
        GL.GL_CULL_FACE: False,
        "glBlendFunc": (GL.GL_SRC_ALPHA, GL.GL_ONE_MINUS_SRC_ALPHA),
    }


@cache
def _gl():
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
        _background = None  # QOpenGLFramebufferObject holding the static items' frame
        _background_key = None
        _cache_ok = True  # False if this GL cannot copy depth between framebuffers

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
                self._background = None
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
            come from a framebuffer drawn when they or the camera change, copied with
            its depth so that a trail still hides behind a hill; then the marbles and
            trails are drawn over it."""
            dpr = self.devicePixelRatioF()
            w, h = device_pixels(self.width(), dpr), device_pixels(self.height(), dpr)
            viewport = (0, 0, w, h)
            if not (self._cache_ok and self.static_items and self._blit_background(viewport)):
                GL.glViewport(*viewport)
                self.paint(region=viewport, viewport=viewport)
                return
            GL.glViewport(*viewport)
            dynamic = [i for i in self.items if i not in self.static_items]
            self._draw(viewport, dynamic, clear=False)

        def _blit_background(self, viewport) -> bool:
            """Copy the static items' frame (drawn again if they or the camera changed)
            to the screen; False if this GL cannot copy depth between framebuffers."""
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
                self._background_key = None
            if key != self._background_key:
                fbo.bind()
                GL.glViewport(*viewport)
                self._draw(viewport, self.static_items, clear=True)
                fbo.release()
                self._background_key = key
            screen = self.defaultFramebufferObject()
            GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, fbo.handle())
            GL.glBindFramebuffer(GL.GL_DRAW_FRAMEBUFFER, screen)
            try:
                GL.glBlitFramebuffer(
                    0, 0, w, h, 0, 0, w, h,
                    GL.GL_COLOR_BUFFER_BIT | GL.GL_DEPTH_BUFFER_BIT,
                    GL.GL_NEAREST,
                )  # fmt: skip
            except GLError:  # formats differ: draw everything at every frame from now on
                self._cache_ok = False
            GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, screen)
            return self._cache_ok

        def _draw(self, viewport, items, clear: bool) -> None:
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

    return gl, GLSceneWindow


class Surface3DView(QtWidgets.QWidget, RunView):
    def __init__(self, scene, controller, parent=None):
        super().__init__(parent)
        self.model, self.controller = scene, controller
        self.gl = None
        self._gl_scheduled = False
        self._box_cache: dict[int, tuple] = {}  # run id -> (trajectory, box points, pairs)
        self.container = None
        self._layout = QtWidgets.QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.setMinimumSize(320, 240)
        self.grid: SurfaceGrid | None = None
        self.surface = None
        self.setToolTip("Drag to rotate, wheel to zoom")

    def paintEvent(self, event) -> None:
        """Until the GL window exists: the window has just painted, so build it now."""
        super().paintEvent(event)
        if self.gl is None and not self._gl_scheduled:
            self._gl_scheduled = True
            QtCore.QTimer.singleShot(0, self, self.ensure_gl)

    def ensure_gl(self) -> None:
        """Build the GL window and its items (once), then draw what is pending."""
        if self.gl is not None:
            return
        gl, window_class = _gl()
        self.gl = window_class()
        self.container = QtWidgets.QWidget.createWindowContainer(self.gl, self)
        self._layout.addWidget(self.container)
        self.gl.setBackgroundColor(QtGui.QColor(*theme.colors()["gl_background"]))
        self.gl.camera_moved = self.store_camera
        self.apply_camera()
        self.mesh = None
        self.floor = gl.GLGridItem(color=theme.colors()["floor"])
        self.floor.setSize(2.0, 2.0)
        self.floor.setSpacing(0.25, 0.25)
        self.addItem(self.floor)
        self.minima = gl.GLScatterPlotItem(pos=np.zeros((0, 3)), color=(1, 1, 1, 1), size=14)
        self.minima.setGLOptions("translucent")
        self.addItem(self.minima)
        # every run's trail as segments of one item (one draw call), coloured per vertex
        self.trails = gl.GLLinePlotItem(
            pos=np.zeros((0, 3)),
            mode="lines",
            width=3.0 * theme.LINE_SCALE * self._dpr(),
            antialias=True,
        )
        self.trails.setGLOptions("translucent")
        self.addItem(self.trails)
        self.marbles = gl.GLScatterPlotItem(
            pos=np.zeros((0, 3)), size=theme.marble_size() * self._dpr()
        )
        # no depth test, drawn last: a marble in a well is never hidden by the surface
        self.marbles.setGLOptions(_on_top())
        self.marbles.setDepthValue(100)
        self.addItem(self.marbles)
        if self.surface is not None:
            self.set_surface(self.surface, self.grid)
            self.sync_runs()
            self.redraw(self.model.cursor)

    def addItem(self, item) -> None:
        self.gl.addItem(item)

    def removeItem(self, item) -> None:
        self.gl.removeItem(item)

    def dispose(self) -> None:
        """Delete the GL window now, while its container still exists.

        PySide leaves the QWindow owned by Python after ``createWindowContainer``; if
        Python collected it later than the container expects (at interpreter exit), the
        application would crash on its way out.
        """
        if self.gl is not None and shiboken6.isValid(self.gl):
            self.gl.release_gl()
            shiboken6.delete(self.gl)
        self.gl = None

    def grabFramebuffer(self) -> QtGui.QImage:
        """What the 3D view shows now, rendered into an image."""
        self.ensure_gl()
        return self.gl.grabFramebuffer()

    def render_array(self, width: int, height: int) -> np.ndarray:
        """The scene rendered off-screen: (height, width, 4) BGRA."""
        self.ensure_gl()
        return self.gl.renderToArray((width, height))

    # -- coordinates -----------------------------------------------------------------------
    def to_box(self, pos: np.ndarray, loss: np.ndarray) -> np.ndarray:
        (x0, x1), (y0, y1) = self.surface.domain
        u = (pos[:, 0] - (x0 + x1) / 2) / ((x1 - x0) / 2)
        v = (pos[:, 1] - (y0 + y1) / 2) / ((y1 - y0) / 2)
        z = self.grid.normalised(loss) * HEIGHT
        return np.column_stack([np.clip(u, -1.2, 1.2), np.clip(v, -1.2, 1.2), z + 0.025])

    # -- building --------------------------------------------------------------------------
    def set_surface(self, surface, grid: SurfaceGrid) -> None:
        self.surface, self.grid = surface, grid
        self._box_cache.clear()
        if self.gl is None:
            return  # drawn by ensure_gl
        gl = _gl()[0]
        step_x = max(1, len(grid.xs) // MESH)
        step_y = max(1, len(grid.ys) // MESH)
        vals = grid.values[::step_y, ::step_x]
        u = np.linspace(-1.0, 1.0, vals.shape[1])
        v = np.linspace(-1.0, 1.0, vals.shape[0])
        zn = grid.normalised(vals)
        z = (zn * HEIGHT).T  # GLSurfacePlotItem wants z[x_index, y_index]
        colors = LIGHT_MAP.map(np.clip(zn, 0, 1).T.ravel(), mode="float").reshape(-1, 4)
        colors[:, :3] *= 0.75 + 0.25 * np.clip(zn.T, 0, 1).reshape(-1, 1)  # a hint of depth
        if self.mesh is not None:
            self.removeItem(self.mesh)
        self.mesh = gl.GLSurfacePlotItem(
            x=u, y=v, z=z, colors=colors, computeNormals=False, smooth=False, drawEdges=False
        )
        self.mesh.setGLOptions("opaque")
        self.mesh.setDepthValue(-10)  # drawn first: the translucent trails blend over it
        self.addItem(self.mesh)
        self.gl.static_items = (self.mesh, self.floor, self.minima)
        mins = [c for c in surface.critical_points]
        if mins:
            pos = np.array([c.position for c in mins], dtype=float)
            vals_m = np.array([c.value for c in mins])
            self.minima.setData(
                pos=self.to_box(pos, vals_m), color=(1, 1, 1, 1), size=12 * self._dpr()
            )
        else:
            self.minima.setData(pos=np.zeros((0, 3)))
        self.minima.setVisible(self.model.view.get("show_minima", True))
        self.gl.invalidate_background()

    def restyle(self) -> None:
        """Trails and marbles at the theme's current sizes (projector mode), the
        background and floor in its colours (light or dark)."""
        if self.gl is not None:
            self.trails.setData(width=3.0 * theme.LINE_SCALE * self._dpr())
            self.gl.setBackgroundColor(QtGui.QColor(*theme.colors()["gl_background"]))
            self.floor.setColor(theme.colors()["floor"])
            self.gl.invalidate_background()
            self.redraw(self.model.cursor)

    def sync_runs(self) -> None:
        """Nothing per run to build (the trails and marbles are drawn from the runs);
        forget the boxed trajectories of removed runs."""
        ids = {r.id for r in self.model.runs}
        self._box_cache = {rid: v for rid, v in self._box_cache.items() if rid in ids}

    # -- per step --------------------------------------------------------------------------
    def _boxed(self, run_id: int, traj) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """A run's whole trajectory in the 3D box (up to its first non-finite point), its
        trail as pairs of points, and after how many pairs each step ends. Each step's
        straight line in (x, y) is laid on the surface in pieces of at most TRAIL_PIECE,
        so a long step follows the hills instead of cutting through the air. Made once
        per trajectory, then sliced at each step."""
        cached = self._box_cache.get(run_id)
        if cached is None or cached[0] is not traj:
            pts = finite_prefix(self.to_box(traj.position, traj.loss))
            chain, ends = self._laid_on_surface(traj.position[: len(pts)], pts)
            pairs = np.empty((2 * max(len(chain) - 1, 0), 3))
            pairs[0::2], pairs[1::2] = chain[:-1], chain[1:]
            cached = self._box_cache[run_id] = (traj, pts, pairs, ends)
        return cached[1], cached[2], cached[3]

    def _laid_on_surface(self, pos: np.ndarray, pts: np.ndarray):
        """The polyline through ``pts`` (box points of positions ``pos``) with each step
        cut into pieces whose heights are the surface's; and the index in it where each
        step ends."""
        n = len(pts)
        if n < 2:
            return pts, np.zeros(0, dtype=np.int64)
        flat = np.hypot(*(pts[1:, :2] - pts[:-1, :2]).T)
        k = np.clip(np.ceil(flat / TRAIL_PIECE), 1, 32).astype(np.int64)
        on_map = (np.abs(pts[:, :2]) <= 1.0).all(axis=1)
        k[~(np.isfinite(flat) & on_map[:-1] & on_map[1:])] = 1  # off the map: a straight line
        extra = int(k.sum()) - (n - 1)
        if extra > TRAIL_EXTRA:  # a long zig-zagging run: fewer pieces per step
            k = 1 + ((k - 1) * (TRAIL_EXTRA / extra)).astype(np.int64)
        step = np.repeat(np.arange(n - 1), k)
        first = np.repeat(np.cumsum(k) - k, k)
        frac = (np.arange(int(k.sum())) - first + 1) / np.repeat(k, k)  # 1/k … 1 per step
        mid = pos[step] + frac[:, None] * (pos[step + 1] - pos[step])
        ends = np.cumsum(k)
        with np.errstate(all="ignore"):
            try:
                loss = np.asarray(self.surface.value(mid), dtype=float)
            except (ArithmeticError, ValueError):
                loss = np.full(len(mid), np.nan)
            chain = self.to_box(mid, loss)
        chord = pts[step] + frac[:, None] * (pts[step + 1] - pts[step])
        bad = ~np.isfinite(chain[:, 2])  # undefined on the way: the straight line there
        chain[bad] = chord[bad]
        chain[ends - 1] = pts[1:]  # each step ends exactly where the run is
        return np.vstack([pts[:1], chain]), ends

    def redraw(self, cursor: int) -> None:
        if self.grid is None or not self._current() or self.gl is None:
            return
        segments, seg_colors, marbles, colors = [], [], [], []
        for run, traj in self.shown_runs():
            box, pairs, ends = self._boxed(run.id, traj)
            j = min(index_at(traj, cursor) + 1, len(box))
            if not j:
                continue
            color = theme.rgba(run.color)
            if j > 1:
                n = 2 * int(ends[j - 2])
                segments.append(pairs[:n])
                seg_colors.append(np.broadcast_to(color, (n, 4)))
            marbles.append(box[j - 1])
            colors.append(color)
        if segments:
            self.trails.setData(pos=np.concatenate(segments), color=np.concatenate(seg_colors))
        else:
            self.trails.setData(pos=np.zeros((0, 3)))
        if marbles:
            self.marbles.setData(
                pos=np.array(marbles),
                color=np.array(colors),
                size=theme.marble_size() * self._dpr(),
            )
        else:
            self.marbles.setData(pos=np.zeros((0, 3)))
        self.gl.submit()

    def _dpr(self) -> float:
        """GL sizes are in device pixels: ×2 on a HiDPI panel at scale 2."""
        return float(self.devicePixelRatioF())

    def show_minima(self, show: bool) -> None:
        if self.gl is not None:
            self.minima.setVisible(show)

    def apply_camera(self) -> None:
        if self.gl is None:
            return
        cam = self.model.view.get("camera") or {}
        self.gl.setCameraPosition(
            distance=cam.get("distance", 3.4),
            elevation=cam.get("elevation", 42.0),
            azimuth=cam.get("azimuth", -65.0),
        )
        self.gl.opts["center"] = QtGui.QVector3D(0.0, 0.0, HEIGHT * 0.35)

    def store_camera(self) -> None:
        """The camera as the user left it, into the scene (what a session saves; a view
        toggle leaves it alone)."""
        self.model.view["camera"] = self.camera()

    def camera(self) -> dict:
        if self.gl is None:
            return dict(self.model.view.get("camera") or {})
        o = self.gl.opts
        return {
            "distance": float(o["distance"]),
            "elevation": float(o["elevation"]),
            "azimuth": float(o["azimuth"]),
        }

    def sizeHint(self) -> QtCore.QSize:
        return QtCore.QSize(640, 480)
