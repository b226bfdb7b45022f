"""The 3D view: the surface as a coloured mesh, marbles riding on it with their trails.

The domain is drawn in a normalised box (:mod:`gdsim.qt.views.trail3d`), so every
surface fills the view the same way.  The mesh is uploaded once per surface; a step
moves the marbles and extends the trails.  The GL scene lives in the OpenGL window of
:mod:`gdsim.qt.views.gl_window`, built right after the view first paints, so that the
window appears sooner; until then the surface given to ``set_surface`` waits.
"""

from __future__ import annotations

import functools

import numpy as np
import shiboken6
from PySide6 import QtCore, QtGui, QtWidgets

from gdsim.core.grid import SurfaceGrid
from gdsim.model.document import DEFAULT_VIEW
from gdsim.qt import theme
from gdsim.qt.first_paint import after_first_paint
from gdsim.qt.views.base import RunView, finite_prefix, index_at, trail_at
from gdsim.qt.views.contour import LIGHT_MAP
from gdsim.qt.views.decimate import visible_segments
from gdsim.qt.views.gl_window import gl_modules, on_top
from gdsim.qt.views.prepared import Prepared
from gdsim.qt.views.trail3d import HEIGHT, laid_on_surface, on_map, to_box

MESH = 60
#: trail pieces within cells this wide in the 3D box (2 wide, ~600 pixels) draw as one
TRAIL_CELL = 0.002
#: longer trajectories are laid out in a background thread (a million steps: ~1 s)
INLINE_STEPS = 20_000
CROWDED_RUNS = 16  # on screen, the 3D trails of more runs are drawn without antialiasing


class Surface3DView(QtWidgets.QWidget, RunView):
    def __init__(self, scene, controller, parent=None):
        super().__init__(parent)
        self.model, self.controller = scene, controller
        self.gl = None
        after_first_paint(self, self.ensure_gl)  # the window shows first (~0.3 s to build)
        # run id -> its trajectory laid out in the box, long ones in a background thread
        self._prepared = Prepared(self)
        self._prepared.ready.connect(lambda: self.redraw(self.model.cursor))
        self.trail = None  # every shown run's trail: one SlicedLines (with the GL window)
        # (key, steps of the pieces in order, run id of each piece, the trails merged)
        self._merged = None
        self.container = None
        self._layout = QtWidgets.QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.setMinimumSize(320, 240)
        self.grid: SurfaceGrid | None = None
        self.surface = None
        self.setToolTip("Drag to rotate, wheel to zoom")

    def ensure_gl(self) -> None:
        """Build the GL window and its items (once), then draw what is pending."""
        if self.gl is not None:
            return
        gl, window_class = gl_modules()
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
        self._gl = gl
        self.marbles = gl.GLScatterPlotItem(
            pos=np.zeros((0, 3)), size=theme.marble_size() * self._dpr()
        )
        # no depth test, drawn last: a marble in a well is never hidden by the surface
        self.marbles.setGLOptions(on_top())
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
        self._prepared.close()
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
        smooth = self.trail is not None and self.trail.antialias
        if self.trail is not None:
            self.trail.antialias = True  # a picture is drawn once: smooth, however many runs
        try:
            return self.gl.renderToArray((width, height))
        finally:
            if self.trail is not None:
                self.trail.antialias = smooth

    # -- coordinates -----------------------------------------------------------------------
    def to_box(self, pos: np.ndarray, loss: np.ndarray) -> np.ndarray:
        return to_box(self.surface, self.grid, pos, loss)

    # -- building --------------------------------------------------------------------------
    def set_surface(self, surface, grid: SurfaceGrid) -> None:
        self.surface, self.grid = surface, grid
        self._prepared.clear()
        if self.gl is None:
            return  # drawn by ensure_gl
        gl = gl_modules()[0]
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
                pos=self.to_box(pos, vals_m),
                color=(1, 1, 1, 1),
                size=self._minimum_size(),
            )
        else:
            self.minima.setData(pos=np.zeros((0, 3)))
        self.minima.setVisible(self.model.view.get("show_minima", True))
        self.gl.invalidate_background()

    def restyle(self) -> None:
        """Trails and marbles at the theme's current sizes (projector mode), the
        background and floor in its colours (light or dark)."""
        if self.gl is not None:
            if self.trail is not None:
                self.trail.setData(width=self._trail_width())
            self.gl.setBackgroundColor(QtGui.QColor(*theme.colors()["gl_background"]))
            self.floor.setColor(theme.colors()["floor"])
            self.minima.setData(size=self._minimum_size())
            self.gl.invalidate_background()
            self.redraw(self.model.cursor)

    def sync_runs(self) -> None:
        """Nothing per run to build (the trails and marbles are drawn from the runs);
        forget the boxed trajectories of removed runs."""
        ids = {r.id for r in self.model.runs}
        self._prepared.keep(ids)

    def drawn_trail(self, run_id: int) -> np.ndarray:
        """The vertices (pairs) of a run's trail drawn now, as the GPU draws them."""
        if self.trail is None or self._merged is None:
            return np.zeros((0, 3))
        n = self.trail.pos.shown // 2
        mine = np.flatnonzero(self._merged[2][:n] == run_id)
        return np.asarray(self.trail.pos).reshape(-1, 2, 3)[mine].reshape(-1, 3)

    def _trail_width(self) -> float:
        return 3.0 * theme.LINE_SCALE * self._dpr()

    def _merge(self, laid_out) -> np.ndarray:
        """Every shown run's laid trail in one buffer, its pieces ordered by the step
        that draws them (a piece of segment i shows once the cursor is past i), so that
        any cursor draws a prefix of it: uploaded once per change of the runs, one draw
        call for all of them. Returns the pieces' steps, ascending."""
        key = tuple((run.id, run.color) for run, _b in laid_out)
        boxes = tuple(b for _run, b in laid_out)  # compared by identity
        if self._merged is not None and self._merged[0] == key:
            if all(a is b for a, b in zip(self._merged[3], boxes, strict=True)):
                return self._merged[1]
        steps, pairs, colors, owners = [], [], [], []
        for run, (_box, p, (segs, laid)) in laid_out:
            n = len(p) // 2
            steps.append(np.repeat(segs, np.diff(np.concatenate([[0], laid]))))
            pairs.append(p.reshape(-1, 2, 3))
            colors.append(np.broadcast_to(theme.rgba(run.color), (n, 2, 4)))
            owners.append(np.full(n, run.id))
        if self.trail is None:
            self.trail = sliced_lines(self._gl)(
                pos=np.zeros((0, 3)), mode="lines", width=self._trail_width(), antialias=True
            )
            self.trail.setGLOptions("translucent")
            self.addItem(self.trail)
            self.gl.growing = self.trail  # drawn into the window's frame step by step
        step = np.concatenate(steps) if steps else np.zeros(0, dtype=np.int64)
        order = np.argsort(step, kind="stable")
        if steps:
            verts = np.concatenate(pairs)[order].reshape(-1, 3)
            color = np.concatenate(colors)[order].reshape(-1, 4)
            owner = np.concatenate(owners)[order]
        else:
            verts, color, owner = np.zeros((0, 3)), np.zeros((0, 4)), np.zeros(0, dtype=int)
        self.trail.set_trail(verts, color)  # (a new trajectory of a run: new vertices)
        # smooth lines cost Mesa's software GL time per vertex (wide antialiased lines
        # become quads on the CPU): 4 ms a frame for 64 runs, where the trails crowd
        # anyway, 0.2 ms for 4 (exports draw them smooth: render_array)
        self.trail.antialias = len(laid_out) <= CROWDED_RUNS
        self._merged = (key, step[order], owner, boxes)
        return self._merged[1]

    # -- per step --------------------------------------------------------------------------
    def _boxed(self, run_id: int, traj) -> tuple | None:
        """A run's whole trajectory in the 3D box (up to its first non-finite point), its
        trail as pairs of points, and (the segments drawn, after how many pairs each
        ends), made once per trajectory, then sliced at each step; for a long one made
        in a background thread: None until it is ready."""
        surface, grid = self.surface, self.grid
        return self._prepared.get(
            run_id,
            (traj, grid),
            lambda: lay_trail(surface, grid, traj),
            background=len(traj) > INLINE_STEPS,
        )

    def laying(self) -> bool:
        """True while a long trajectory's trail is being laid out in the background."""
        return self._prepared.pending()

    def wait_laid(self, timeout: float = 30.0) -> None:
        """Run the event loop until every trail is laid (an export draws them all)."""
        import time

        deadline = time.monotonic() + timeout
        while self.laying() and time.monotonic() < deadline:
            QtWidgets.QApplication.processEvents()
            time.sleep(0.005)

    def _marble(self, traj, cursor: int) -> np.ndarray | None:
        """Where a run's marble is in the box at the cursor, before its trail is laid."""
        rows = trail_at(traj, index_at(traj, cursor))
        if not len(rows):
            return None
        j = len(rows) - 1
        return self.to_box(rows[j:], traj.loss[j : j + 1])[0]

    def redraw(self, cursor: int) -> None:
        if self.grid is None or not self._current() or self.gl is None:
            return
        marbles, colors = [], []
        laid_out = []  # (run, its laid-out trail) of the runs whose trail is ready
        for run, traj in self.shown_runs():
            boxed = self._boxed(run.id, traj)
            if boxed is None:
                marble = self._marble(traj, cursor)
            else:
                j = min(index_at(traj, cursor) + 1, len(boxed[0]))
                marble = boxed[0][j - 1] if j else None
            if boxed is not None:
                laid_out.append((run, boxed))
            if marble is None or not on_map(marble[None])[0]:
                continue  # (off the map: its trail ends at the edge, as on the contour)
            marbles.append(marble)
            colors.append(theme.rgba(run.color))
        # every trail up to the cursor: a prefix of what the GPU holds, nothing uploaded
        steps = self._merge(laid_out)
        self.trail.show_first(2 * int(np.searchsorted(steps, cursor)))
        if marbles:
            self.marbles.setData(
                pos=np.array(marbles),
                color=np.array(colors),
                size=theme.marble_size() * self._dpr(),
            )
        else:
            self.marbles.setData(pos=np.zeros((0, 3)))
        self.gl.submit()

    def _minimum_size(self) -> float:
        """The minima's dots (larger in projector mode on a tall screen)."""
        return theme.screen_px(12) * self._dpr()

    def _dpr(self) -> float:
        """GL sizes are in device pixels: ×2 on a HiDPI panel at scale 2."""
        return float(self.devicePixelRatioF())

    def show_minima(self, show: bool) -> None:
        if self.gl is not None:
            self.minima.setVisible(show)

    def apply_camera(self) -> None:
        if self.gl is None:
            return
        cam = {**DEFAULT_VIEW["camera"], **(self.model.view.get("camera") or {})}
        self.gl.setCameraPosition(
            distance=cam["distance"], elevation=cam["elevation"], azimuth=cam["azimuth"]
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


class _Shown(np.ndarray):
    """A trail's vertices, all uploaded, whose ``len()`` is how many of them are drawn:
    pyqtgraph's GLLinePlotItem uploads ``pos`` whole (its byte size) when it changes and
    draws ``len(pos)`` vertices, so a step draws a longer prefix without uploading."""

    shown = 0

    def __len__(self) -> int:
        return self.shown


@functools.cache
def sliced_lines(gl):
    """The class of a run's 3D trail: GLLinePlotItem whose ``set_trail`` uploads the
    whole trail (once per trajectory) and ``show_first(n)`` draws its first n vertices.
    (It relies on GLLinePlotItem drawing ``len(self.pos)`` vertices from a buffer
    uploaded only when ``setData`` changes ``pos``: pyqtgraph 0.14, pinned.)"""
    from OpenGL import GL  # (imported with pyqtgraph.opengl, after the first paint)

    class SlicedLines(gl.GLLinePlotItem):
        gl_options = None  # the GL options set last (the GL window draws a new stretch
        # of the trail with the same)

        def setGLOptions(self, opts) -> None:
            self.gl_options = opts
            super().setGLOptions(opts)

        def paint(self) -> None:
            """Drawn without writing depth, as the window's frame draws it: a smooth
            line's faint edge hid the next segment's start behind it from the depth
            test (exports showed the surface through the trails, in dots)."""
            GL.glDepthMask(GL.GL_FALSE)
            try:
                super().paint()
            finally:
                GL.glDepthMask(GL.GL_TRUE)

        def set_trail(self, pairs: np.ndarray, color) -> None:
            self.setData(pos=pairs, color=color)
            self.pos = self.pos.view(_Shown)
            self.pos.shown = 0

        def show_first(self, n: int) -> None:
            n = int(min(n, self.pos.shape[0]))
            if n != self.pos.shown:
                self.pos.shown = n
                self.update()

    return SlicedLines


def lay_trail(surface, grid, traj) -> tuple[np.ndarray, np.ndarray, tuple]:
    """``traj`` in the 3D box up to its first non-finite point, its trail as pairs of
    points and (the segments drawn, after how many pairs each ends): only the segments
    that show at the view's resolution, in the order the run drew them, each laid on the
    surface in pieces of at most TRAIL_PIECE, so that a long step follows the hills
    instead of cutting through the air (a step then draws those begun before it). numpy
    only: run in a background thread for long trajectories."""
    pts = finite_prefix(to_box(surface, grid, traj.position, traj.loss))
    segs = visible_segments(pts, TRAIL_CELL)
    pairs, laid = laid_on_surface(surface, grid, traj.position[: len(pts)], pts, segs)
    return pts, pairs, (segs, laid)
