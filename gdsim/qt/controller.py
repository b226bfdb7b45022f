"""The controller: keeps trajectories in step with the scene and drives playback.

It owns the worker thread.  Every change to a run's configuration bumps that run's
generation and queues a recomputation; results of an older generation are dropped.
Playback is a timer in the GUI thread that moves the scene's cursor at the scene's
speed (steps per second); the views follow the cursor.
"""

from __future__ import annotations

import itertools

from PySide6 import QtCore

from gdsim.core.trajectory import Trajectory
from gdsim.model import Run, Scene
from gdsim.qt.worker import SimulationWorker


class SimulationController(QtCore.QObject):
    trajectory_changed = QtCore.Signal(int)  # run id (its trajectory was replaced)
    run_failed = QtCore.Signal(int, str)
    _kick = QtCore.Signal()

    def __init__(self, scene: Scene, parent=None) -> None:
        super().__init__(parent)
        self.scene = scene
        self.trajectories: dict[int, Trajectory] = {}
        self._generation: dict[int, int] = {}
        # one counter for all runs: a result computed before a lesson or session was
        # loaded can never match a new run that happens to reuse the same id
        self._generations = itertools.count(1)
        self._done: dict[int, int] = {}
        self._thread = QtCore.QThread()
        self._thread.setObjectName("gdsim-simulation")
        self._worker = SimulationWorker()
        self._worker.moveToThread(self._thread)
        self._kick.connect(self._worker.process, QtCore.Qt.QueuedConnection)
        self._worker.finished_run.connect(self._on_result, QtCore.Qt.QueuedConnection)
        self._worker.failed_run.connect(self._on_failure, QtCore.Qt.QueuedConnection)
        self._thread.start()
        self._timer = QtCore.QTimer(self)
        self._timer.setTimerType(QtCore.Qt.PreciseTimer)
        self._timer.timeout.connect(self._tick)
        scene.run_added.connect(self._on_run_added)
        scene.run_removed.connect(self._on_run_removed)
        scene.run_changed.connect(self._on_run_changed)
        scene.surface_changed.connect(self._on_surface_changed)
        scene.playing_changed.connect(self._on_playing_changed)
        scene.speed_changed.connect(self._on_speed_changed)
        scene.reset.connect(self._on_reset)
        self._on_reset()

    # -- trajectories ---------------------------------------------------------------------
    def recompute(self, run: Run) -> None:
        gen = next(self._generations)
        self._generation[run.id] = gen
        self._worker.request(run.id, gen, run.config)
        self._kick.emit()

    def is_current(self, run_id: int) -> bool:
        """True when the run's trajectory was computed for its current configuration
        (False while a change of it is being computed: the old one is still shown)."""
        gen = self._generation.get(run_id)
        return gen is not None and self._done.get(run_id) == gen

    def pending(self) -> bool:
        """True while some run has no trajectory for its current configuration."""
        return any(self._generation.get(r.id) != self._done.get(r.id) for r in self.scene.runs)

    def _on_result(self, run_id: int, generation: int, traj: Trajectory) -> None:
        if self._generation.get(run_id) != generation:
            return  # computed for an outdated configuration
        self._done[run_id] = generation
        self.trajectories[run_id] = traj
        if self.scene.cursor > self.last_step():  # the runs got shorter
            self.scene.set_cursor(self.last_step())
        self.trajectory_changed.emit(run_id)
        if self.scene.playing and not self._timer.isActive():
            self._timer.start()

    def _on_failure(self, run_id: int, generation: int, message: str) -> None:
        if self._generation.get(run_id) == generation:
            self.run_failed.emit(run_id, message)

    def _on_run_added(self, run: Run) -> None:
        self.recompute(run)

    def _on_run_removed(self, run_id: int) -> None:
        self._generation.pop(run_id, None)
        self.trajectories.pop(run_id, None)
        self._done.pop(run_id, None)

    def _on_run_changed(self, run: Run, config_changed: bool) -> None:
        if config_changed:
            self.recompute(run)

    def _on_surface_changed(self, _name: str) -> None:
        self.trajectories.clear()
        for run in self.scene.runs:
            self.recompute(run)

    def _on_reset(self) -> None:
        """Everything may have changed (a lesson or session loaded): every run again."""
        self.trajectories.clear()
        self._generation.clear()
        self._done.clear()
        for run in self.scene.runs:
            self.recompute(run)
        self._on_speed_changed(self.scene.speed)
        self._on_playing_changed(self.scene.playing)

    # -- playback -------------------------------------------------------------------------
    def last_step(self) -> int:
        """The largest step any visible run has recorded."""
        lengths = [len(t) - 1 for rid, t in self.trajectories.items()]
        return max(lengths, default=0)

    def step_forward(self) -> None:
        self.scene.set_cursor(min(self.scene.cursor + 1, self.last_step()))

    def step_back(self) -> None:
        self.scene.set_cursor(self.scene.cursor - 1)

    def reset(self) -> None:
        self.scene.set_playing(False)
        self.scene.set_cursor(0)

    def toggle_play(self) -> None:
        if not self.scene.playing and self.scene.cursor >= self.last_step():
            self.scene.set_cursor(0)  # play again from the start
        self.scene.set_playing(not self.scene.playing)

    def _tick(self) -> None:
        if self.pending() and self.scene.cursor >= self.last_step():
            return  # wait for the trajectories of the current configuration
        if self.scene.cursor >= self.last_step():
            self.scene.set_playing(False)
            return
        self.scene.set_cursor(self.scene.cursor + 1)

    def _on_playing_changed(self, playing: bool) -> None:
        if playing:
            self._timer.start()
        else:
            self._timer.stop()

    def _on_speed_changed(self, speed: float) -> None:
        self._timer.setInterval(max(1, round(1000.0 / speed)))

    # -- shutdown -------------------------------------------------------------------------
    def shutdown(self) -> None:
        """Stop playback and the worker thread (safe to call twice)."""
        self._timer.stop()
        self._worker.stop()
        if self._thread.isRunning():
            self._thread.quit()
            self._thread.wait(5000)

    def is_running(self) -> bool:
        return self._thread.isRunning()
