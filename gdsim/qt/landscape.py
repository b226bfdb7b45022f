"""The plane the window draws a model's loss on (issue 15), computed off the GUI thread.

For a surface of more than two parameters the contour and 3D views draw the slice
f(θc + a·d₁ + b·d₂) of :mod:`gdsim.core.slice_surface`, and every run's path projected
onto it.  The plane is made on request only (a new surface, the plane box, its
Recompute button): a path that moves on does not move the picture under it.  The map
views read their trajectories through :attr:`Landscape.source`, which projects each
run's path onto the current plane once per trajectory.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager

from PySide6 import QtCore

from gdsim.core.slice_surface import make_plane, project_trajectory, slice_sample, slice_surface
from gdsim.core.surfaces import get_surface


class _SliceWorker(QtCore.QObject):
    """Makes the plane and samples the slice in its own thread; only the latest request
    is computed."""

    ready = QtCore.Signal(int, object, object)  # generation, Plane, SurfaceGrid
    failed = QtCore.Signal(int, str)

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._pending = None

    def request(self, generation: int, model, spec: str, positions) -> None:
        with self._lock:
            self._pending = (generation, model, spec, positions)

    @QtCore.Slot()
    def process(self) -> None:
        while True:
            with self._lock:
                job, self._pending = self._pending, None
            if job is None:
                return
            generation, model, spec, positions = job
            try:
                plane = make_plane(model, spec, positions)
                grid = slice_sample(model, plane)
            except ValueError as e:
                self.failed.emit(generation, str(e))
                continue
            self.ready.emit(generation, plane, grid)


class _Projected:
    """The controller's trajectories as the map views see them: each run's path on the
    plane (None while there is no plane), projected once per trajectory and plane."""

    def __init__(self, landscape: Landscape, controller) -> None:
        self._landscape, self._controller = landscape, controller
        self._cache: dict[int, tuple] = {}

    def get(self, run_id, default=None):
        traj = self._controller.trajectories.get(run_id)
        plane = self._landscape.plane
        if traj is None or not self._landscape.active:
            return traj if traj is not None and traj.dim <= 2 else default
        if plane is None:
            return default
        known = self._cache.get(run_id)
        if known is None or known[0] is not traj or known[1] is not plane or known[2] != len(traj):
            known = self._cache[run_id] = (traj, plane, len(traj), project_trajectory(traj, plane))
        return known[3]


class _Source:
    """What the map views take for a controller: the projected trajectories (and the
    runs' own, ``raw``, for what needs a model's whole θ: the gradient cloud)."""

    def __init__(self, trajectories: _Projected, raw: dict) -> None:
        self.trajectories, self.raw = trajectories, raw


class Landscape(QtCore.QObject):
    """The plane of the scene's model surface, its slice surface and grid."""

    changed = QtCore.Signal()  # a new slice is ready (or the surface draws itself)
    failed = QtCore.Signal(str)
    busy_changed = QtCore.Signal(bool)
    _kick = QtCore.Signal()
    # at idle priority (SCHED_IDLE on Linux): on a classroom laptop's two cores the
    # slice took the time the window's frames needed (redraw 25 ms a step while a slice
    # computed, 20 without; 22 at idle priority), and it is fast once idle.  A picture
    # made on the command line has no window to keep smooth: there it computes at the
    # normal priority, and a busy machine cannot hold it back (gdsim.qt.headless)
    priority = QtCore.QThread.Priority.IdlePriority

    @classmethod
    @contextmanager
    def computing_at(cls, priority: QtCore.QThread.Priority):
        """Landscapes made inside the block compute at ``priority``."""
        before, cls.priority = cls.priority, priority
        try:
            yield
        finally:
            cls.priority = before

    def __init__(self, scene, controller, parent=None) -> None:
        super().__init__(parent)
        self.scene, self.controller = scene, controller
        self.plane = self.surface = self.grid = None
        self.active = False  # the scene's surface has more than two parameters
        self.busy = False
        self.asked = None  # the spec of the plane last asked of the worker
        self._generation = 0
        self.source = _Source(_Projected(self, controller), controller.trajectories)
        self._thread = QtCore.QThread()
        self._thread.setObjectName("gdsim-landscape")
        self._worker = _SliceWorker()
        self._worker.moveToThread(self._thread)
        self._kick.connect(self._worker.process, QtCore.Qt.QueuedConnection)
        self._worker.ready.connect(self._on_ready, QtCore.Qt.QueuedConnection)
        self._worker.failed.connect(self._on_failed, QtCore.Qt.QueuedConnection)
        self._thread.start(self.priority)
        scene.view_changed.connect(self._on_view_changed)
        self.clear()

    def spec(self) -> str:
        return str(self.scene.view.get("plane") or "pca")

    def path(self):
        """The positions of the run the plane follows: the selected one, else the
        first with a trajectory."""
        runs = sorted(self.scene.runs, key=lambda r: r.id != self.scene.selected)
        for run in runs:
            traj = self.controller.trajectories.get(run.id)
            if traj is not None and len(traj) and traj.dim > 2:
                return traj.position
        return None

    def clear(self) -> None:
        """A new surface: no plane until one is computed for it."""
        self._generation += 1
        self.active = get_surface(self.scene.surface).dim > 2
        self.plane = self.surface = self.grid = self.asked = None
        self._set_busy(False)

    def request(self) -> None:
        """Make the plane again (the spec in the scene's view, around the path the
        plane follows), off the GUI thread; ``changed`` fires when it is ready.  A PCA
        plane asked for before any run has a path is made random until one has."""
        if not self.active:
            return
        path = self.path()
        spec = self.spec()
        if spec == "pca" and (path is None or len(path) < 3):
            spec = "random"
        self._generation += 1
        self.asked = spec
        model = get_surface(self.scene.surface).model
        self._worker.request(self._generation, model, spec, None if path is None else path.copy())
        self._set_busy(True)
        self._kick.emit()

    def _on_view_changed(self, key: str) -> None:
        if key == "plane":  # a new choice in the plane bar (a load redraws everything)
            self.request()

    def path_arrived(self) -> None:
        """A run's trajectory changed: the first path of a model lets the PCA plane
        asked for be made (until then the plane is random); later ones move nothing."""
        if self.active and self.asked != self.spec():
            self.request()

    def _set_busy(self, busy: bool) -> None:
        if busy != self.busy:
            self.busy = busy
            self.busy_changed.emit(busy)

    def _on_ready(self, generation: int, plane, grid) -> None:
        if generation != self._generation:
            return
        self.plane, self.grid = plane, grid
        self.surface = slice_surface(get_surface(self.scene.surface), plane)
        self._set_busy(False)
        self.changed.emit()

    def _on_failed(self, generation: int, message: str) -> None:
        if generation == self._generation:
            self._set_busy(False)
            self.failed.emit(message)

    def theta(self, a: float, b: float) -> tuple[float, ...]:
        """The parameter vector at plane point (a, b)."""
        return tuple(float(v) for v in self.plane.point(a, b))

    def shutdown(self) -> None:
        if self._thread.isRunning():
            self._thread.quit()
            self._thread.wait(5000)
