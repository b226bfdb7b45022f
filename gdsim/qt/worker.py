"""The simulation worker: computes trajectories in its own QThread.

Requests are coalesced per run (dragging α sends many; only the latest matters) and
tagged with a generation number so the controller can drop stale results.
"""

from __future__ import annotations

import threading

from PySide6 import QtCore

from gdsim.core.simulation import ConfigError, RunConfig, SimulationCancelled, simulate


class SimulationWorker(QtCore.QObject):
    finished_run = QtCore.Signal(int, int, object)  # run id, generation, Trajectory
    failed_run = QtCore.Signal(int, int, str)  # run id, generation, message

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._pending: dict[int, tuple[int, RunConfig]] = {}
        self._stop = False

    def request(self, run_id: int, generation: int, config: RunConfig) -> None:
        """Called from any thread: queue (replacing any older request for this run)."""
        with self._lock:
            self._pending[run_id] = (generation, config)

    def stop(self) -> None:
        with self._lock:
            self._stop = True
            self._pending.clear()

    def _superseded(self, run_id: int) -> bool:
        with self._lock:
            return self._stop or run_id in self._pending

    @QtCore.Slot()
    def process(self) -> None:
        while True:
            with self._lock:
                if self._stop or not self._pending:
                    return
                run_id = next(iter(self._pending))
                generation, config = self._pending.pop(run_id)
            try:
                traj = simulate(config, interrupted=lambda rid=run_id: self._superseded(rid))
            except SimulationCancelled:
                continue  # the window is closing, or a newer request for this run is queued
            except ConfigError as e:
                self.failed_run.emit(run_id, generation, str(e))
                continue
            self.finished_run.emit(run_id, generation, traj)
