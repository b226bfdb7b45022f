"""Analyses → Basin map… / Learning-rate sweep…: the selected run's optimizer from every
start of a grid, or at many α, computed off the GUI thread with a progress bar and a
Cancel button, drawn, and exported as PNG or CSV."""

from __future__ import annotations

from pathlib import Path

import shiboken6
from PySide6 import QtCore, QtWidgets
from superqt.utils import create_worker

from gdsim.core.analyses import AnalysisCancelled, BasinMap, basin_map, lr_sweep
from gdsim.core.simulation import ConfigError
from gdsim.core.surfaces import get_surface
from gdsim.qt import theme
from gdsim.qt.analysis_plots import BasinPlot, SweepPlot
from gdsim.qt.panels.widgets import NumberField, ispin

BASIN, SWEEP = 0, 1


class AnalysisJob(QtCore.QObject):
    """``compute(progress=..., cancelled=...)`` on superqt's thread worker (a thread of
    Qt's pool): ``progressed`` while it computes, then ``succeeded`` or ``failed`` (one
    line), then ``finished``; ``cancel`` makes ``cancelled()`` true."""

    progressed = QtCore.Signal(int, int)  # emitted from the worker: queued to the GUI
    succeeded = QtCore.Signal(object)
    failed = QtCore.Signal(str)
    finished = QtCore.Signal()

    def __init__(self, compute, parent=None):
        super().__init__(parent)
        self.worker = create_worker(
            compute,
            progress=lambda done, total: self.progressed.emit(done, total),
            cancelled=lambda: self.worker.abort_requested,
            _start_thread=False,
            _ignore_errors=True,
        )
        self.worker.returned.connect(self.succeeded)
        self.worker.errored.connect(self._on_error)
        self.worker.finished.connect(self.finished)

    def start(self) -> None:
        self.worker.start()

    def cancel(self) -> None:
        self.worker.quit()

    def is_running(self) -> bool:
        return self.worker.is_running

    def wait(self, msecs: int) -> None:
        """Wait (at most ``msecs``) for the pool's threads, this one among them."""
        QtCore.QThreadPool.globalInstance().waitForDone(msecs)

    def _on_error(self, error: Exception) -> None:
        if isinstance(error, AnalysisCancelled):
            self.failed.emit("Cancelled.")
        elif isinstance(error, ConfigError | ValueError):
            self.failed.emit(str(error))
        else:  # a bug, not bad input: say so rather than swallow it
            self.failed.emit(f"The analysis failed: {error!r}")
            raise error


class AnalysisDialog(QtWidgets.QDialog):
    def __init__(self, window, mode: int = BASIN):
        super().__init__(window)
        self.window_ = window
        self.scene = window.scene
        self.job: AnalysisJob | None = None
        self.results: dict[int, object] = {BASIN: None, SWEEP: None}
        self.swept: tuple[int, str] | None = None  # (run id, surface) the sweep was made for
        self.setWindowTitle("Analyses")
        self.resize(1100, 800)

        self.kind = QtWidgets.QComboBox()
        self.kind.addItem("Basin map: where does each start end?", BASIN)
        self.kind.addItem("Learning-rate sweep: how does the run end at each α?", SWEEP)
        self.kind.setToolTip("Both use the selected run's optimizer, hyperparameters and stops")
        self.about = QtWidgets.QLabel()
        self.about.setWordWrap(True)

        self.grid = ispin(10, 400, "Starts per side of the grid (n × n runs)")
        self.grid.setValue(200)
        self.steps = ispin(1, 100_000, "Steps for every run of the map")
        self.lr_min = NumberField("smallest α", 0.0, 1e6, lo_open=True)
        self.lr_max = NumberField("largest α", 0.0, 1e6, lo_open=True)
        self.count = ispin(2, 1000, "How many α, log-spaced between the two")
        self.count.setValue(60)
        for w, tip in ((self.lr_min, "smallest α of the sweep"), (self.lr_max, "largest α")):
            w.setToolTip(tip)
            w.refused.connect(self._error)

        self.basin_form = QtWidgets.QWidget()
        f = QtWidgets.QFormLayout(self.basin_form)
        f.addRow("starts per side", self.grid)
        f.addRow("steps", self.steps)
        self.sweep_form = QtWidgets.QWidget()
        f = QtWidgets.QFormLayout(self.sweep_form)
        f.addRow("smallest α", self.lr_min)
        f.addRow("largest α", self.lr_max)
        f.addRow("how many α", self.count)
        self.forms = QtWidgets.QStackedWidget()
        self.forms.addWidget(self.basin_form)
        self.forms.addWidget(self.sweep_form)

        self.run_btn = QtWidgets.QPushButton("Compute")
        self.run_btn.setDefault(True)
        self.cancel_btn = QtWidgets.QPushButton("Cancel")
        self.cancel_btn.setEnabled(False)
        self.progress = QtWidgets.QProgressBar()
        self.progress.setTextVisible(True)
        self.status = QtWidgets.QLabel()
        self.status.setWordWrap(True)

        self.plots = QtWidgets.QStackedWidget()
        self._make_plots()

        self.png_btn = QtWidgets.QPushButton("Export PNG…")
        self.csv_btn = QtWidgets.QPushButton("Export CSV…")
        self.use_btn = QtWidgets.QPushButton("Use the best α")
        self.use_btn.setToolTip("Set the selected run's α to the one with the lowest final loss")
        close = QtWidgets.QPushButton("Close")
        for b in (self.png_btn, self.csv_btn, self.use_btn):
            b.setEnabled(False)

        top = QtWidgets.QHBoxLayout()
        left = QtWidgets.QVBoxLayout()
        left.addWidget(self.kind)
        left.addWidget(self.about)
        top.addLayout(left, 2)
        top.addWidget(self.forms, 1)
        run_row = QtWidgets.QHBoxLayout()
        run_row.addWidget(self.run_btn)
        run_row.addWidget(self.cancel_btn)
        run_row.addWidget(self.progress, 1)
        bottom = QtWidgets.QHBoxLayout()
        bottom.addWidget(self.png_btn)
        bottom.addWidget(self.csv_btn)
        bottom.addWidget(self.use_btn)
        bottom.addStretch(1)
        bottom.addWidget(close)
        lay = QtWidgets.QVBoxLayout(self)
        lay.addLayout(top)
        lay.addLayout(run_row)
        lay.addWidget(self.status)
        lay.addWidget(self.plots, 1)
        lay.addLayout(bottom)

        self.kind.currentIndexChanged.connect(self._on_kind)
        self.run_btn.clicked.connect(self.start)
        self.cancel_btn.clicked.connect(self.cancel)
        self.png_btn.clicked.connect(self._export_png)
        self.csv_btn.clicked.connect(self._export_csv)
        self.use_btn.clicked.connect(self._use_best)
        close.clicked.connect(self.reject)
        self.kind.setCurrentIndex(mode)
        self._load_defaults()
        self._on_kind()
        # follow the scene: another run selected, another surface, the run's settings
        self.scene.selection_changed.connect(lambda _rid: self._on_scene(defaults=True))
        self.scene.surface_changed.connect(lambda _name: self._on_scene(defaults=True))
        self.scene.run_changed.connect(lambda _run, _cfg: self._on_scene(defaults=False))
        self.scene.reset.connect(lambda: self._on_scene(defaults=True))

    @property
    def result(self):
        """The result of the analysis on show (basin map or sweep), or None."""
        return self.results[self.kind.currentData()]

    @property
    def busy(self) -> bool:
        return self.job is not None

    # -- set-up -------------------------------------------------------------------------------
    def _on_scene(self, defaults: bool) -> None:
        if not shiboken6.isValid(self) or self.busy:
            return
        if defaults:
            self._load_defaults()
        self._on_kind()

    def _load_defaults(self) -> None:
        """Steps and the α range from the selected run."""
        run = self.scene.selected_run
        if run is not None:
            self.steps.setValue(run.config.max_steps)
            self.lr_min.setValue(run.config.lr / 100.0)
            self.lr_max.setValue(run.config.lr * 100.0)

    def _on_kind(self, *_args) -> None:
        mode = self.kind.currentData()
        self.forms.setCurrentIndex(mode)
        self.plots.setCurrentIndex(mode)
        self._update_buttons()
        if self.busy:
            return
        problem = self._describe()
        if problem:
            self._error(problem)
        else:
            self.status.setStyleSheet("")
            self.status.clear()

    def _describe(self) -> str | None:
        """Say what Compute will do, and enable it; or return why it cannot."""
        run = self.scene.selected_run
        self.run_btn.setEnabled(False)
        if run is None:
            self.about.setText("Select a run first: its optimizer and settings are used.")
            return None
        cfg = run.config
        surface = get_surface(self.scene.surface)
        what = f"{self.scene.label(run.id)} ({cfg.optimizer}, α = {cfg.lr:g})"
        if self.kind.currentData() == BASIN:
            self.about.setText(
                f"Runs {what} from every point of a grid over {surface.title}, all at once, "
                "and colours each start by the minimum its run reaches (grey: still moving "
                "after the last step; dark: diverged)."
            )
            if surface.dim != 2 or surface.is_data:
                return "A basin map needs an analytic surface of two parameters."
            if cfg.noise:
                return "A basin map runs without gradient noise: set the run's noise σ to 0."
        else:
            self.about.setText(
                f"Repeats {what} from its start at many learning rates, and plots the final "
                "loss against α: too small, about right, diverging."
            )
        self.run_btn.setEnabled(True)
        return None

    # -- computing ----------------------------------------------------------------------------
    def start(self) -> None:
        run = self.scene.selected_run
        if run is None or self.job is not None:
            return
        cfg = run.config
        mode = self.kind.currentData()
        if mode == SWEEP:
            self.swept = (run.id, self.scene.surface)
        if mode == BASIN:
            n, steps = self.grid.value(), self.steps.value()

            def compute(**kw):
                return basin_map(cfg, n=n, steps=steps, **kw)
        else:
            lo, hi, count = self.lr_min.value(), self.lr_max.value(), self.count.value()

            def compute(**kw):
                return lr_sweep(cfg, lo, hi, count, **kw)

        self.job = AnalysisJob(compute, self)
        self.job.progressed.connect(self._on_progress)
        self.job.succeeded.connect(lambda result: self._on_result(mode, result))
        self.job.failed.connect(self._on_failed)
        self.job.finished.connect(self._on_finished)
        self.progress.setRange(0, 0)
        self.status.setStyleSheet("")
        self.status.setText("Computing…")
        self._busy(True)
        self.job.start()

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()

    def _busy(self, busy: bool) -> None:
        if busy:
            self.run_btn.setEnabled(False)
        else:
            self._describe()  # the scene may have changed meanwhile
        self.cancel_btn.setEnabled(busy)
        self.kind.setEnabled(not busy)
        self.forms.setEnabled(not busy)

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)

    def _on_result(self, mode: int, result) -> None:
        self.results[mode] = result
        self.status.setStyleSheet("")
        self.kind.setCurrentIndex(mode)
        if isinstance(result, BasinMap):
            self.basin_plot.show_map(result, get_surface(result.surface).params)
            known = sum(b.known for b in result.basins)
            self.status.setText(
                f"{len(result.basins)} basins ({known} at known minima), "
                f"{result.still_moving} runs still moving, {result.diverged} diverged."
            )
        else:
            self.sweep_plot.show_sweep(result, result.config.lr)
            best = result.best()
            diverged = result.state.count("diverged")
            self.status.setText(
                f"Lowest final loss at α = {best:.3g}; {diverged} of {len(result.lrs)} diverged."
                if best is not None
                else "Every run diverged: try smaller α."
            )
        self._update_buttons()

    def _update_buttons(self) -> None:
        """Exports follow the analysis on show; 'Use the best α' needs a sweep with one."""
        result = self.result
        self.png_btn.setEnabled(result is not None)
        self.csv_btn.setEnabled(result is not None)
        best = result.best() if result is not None and not isinstance(result, BasinMap) else None
        self.use_btn.setEnabled(best is not None)

    def _on_failed(self, reason: str) -> None:
        self._error(reason)

    def _on_finished(self) -> None:
        self.job = None
        self._busy(False)
        self.progress.setRange(0, 1)
        self.progress.setValue(1 if self.result is not None else 0)

    def _error(self, reason: str) -> None:
        self.status.setStyleSheet(theme.error_style(bold=True))
        self.status.setText(reason)

    # -- results ------------------------------------------------------------------------------
    def current_plot(self):
        return self.plots.currentWidget()

    def _export_png(self) -> None:
        from gdsim.qt.export import ExportError, export_png

        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self, "Export picture", "analysis.png", "PNG images (*.png)"
        )
        if path:
            try:
                export_png(self.current_plot(), path, scale=2.0)
            except (ExportError, OSError) as e:
                self._error(f"Not exported: {e}")
            else:
                self.status.setText(f"Wrote {Path(path).name}")

    def _export_csv(self) -> None:
        from gdsim.io.atomic import write_atomic

        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self, "Export numbers", "analysis.csv", "CSV files (*.csv)"
        )
        if path and self.result is not None:
            try:
                write_atomic(path, self.result.csv())
            except OSError as e:
                self._error(f"Not exported: {e}")
            else:
                self.status.setText(f"Wrote {Path(path).name}")

    def _use_best(self) -> None:
        """The best α goes to the run the sweep was made for, if it is still there on the
        same surface."""
        sweep = self.results[SWEEP]
        best = None if sweep is None else sweep.best()
        if best is None or self.swept is None:
            return
        run_id, surface = self.swept
        if surface != self.scene.surface or run_id not in {r.id for r in self.scene.runs}:
            self._error("That sweep was made for another run or surface: compute it again.")
            return
        run = self.scene.run(run_id)
        try:
            self.scene.update_run(run_id, hyper={**run.config.hyper, "lr": best})
        except ConfigError as e:
            self._error(f"Not applied: {e}")
        else:
            self.status.setStyleSheet("")
            self.status.setText(f"{self.scene.label(run_id)} now uses α = {best:.3g}.")

    def _make_plots(self) -> None:
        """The basin and sweep plots (again), in the theme's current colours."""
        for index, kind in ((BASIN, BasinPlot), (SWEEP, SweepPlot)):
            old = self.plots.widget(index)
            if old is not None:
                self.plots.removeWidget(old)
                old.deleteLater()
            self.plots.insertWidget(index, kind())
        self.basin_plot, self.sweep_plot = self.plots.widget(BASIN), self.plots.widget(SWEEP)

    def restyle(self) -> None:
        """New plots in the theme's colours (light or dark), showing the same results."""
        self._make_plots()
        self.plots.setCurrentIndex(self.kind.currentData())
        basin, sweep = self.results[BASIN], self.results[SWEEP]
        if basin is not None:
            self.basin_plot.show_map(basin, get_surface(basin.surface).params)
        if sweep is not None:
            self.sweep_plot.show_sweep(sweep, sweep.config.lr)

    def stop(self) -> None:
        """Cancel a computation that is under way and wait for its thread."""
        if self.job is not None:
            self.job.cancel()
            self.job.wait(10_000)

    def closeEvent(self, event) -> None:
        self.stop()
        super().closeEvent(event)

    def done(self, code: int) -> None:  # Esc and Close
        self.stop()
        super().done(code)
