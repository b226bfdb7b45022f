"""The selected run's box: its optimizer, α on a logarithmic slider with the stability
hint, the optimizer's other hyperparameters (one row per declared hyperparameter, see
:mod:`gdsim.core.hyper`), and the batch size (data surfaces) or gradient noise, and the
seed.  The hyperparameter rows are rebuilt only when the optimizer changes."""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from gdsim.core import hyper as hp
from gdsim.core.optimizers import OPTIMIZERS, starting_lr, validate_hyper
from gdsim.core.stability import stability_bound
from gdsim.core.surfaces import get_surface
from gdsim.qt.panels.hyper_rows import make_control, set_value, value_of
from gdsim.qt.panels.parts import PanelPart, combo, form
from gdsim.qt.panels.widgets import LogSlider, WrappedLabel, fmt, ispin, spin


def hyper_tip(spec, h) -> str:
    """A hyperparameter's tooltip: torch's keyword, what it does, what is allowed."""
    return f"torch.optim.{spec.torch_class}({h.name}=…): {h.doc}; allowed: {h.range_text()}"


def stability_hint(surface, cfg) -> str:
    """The stability hint under α, in plain text (empty where no bound applies)."""
    b = stability_bound(surface, cfg)
    if b is None:
        return ""
    if b.bound is None:
        return "no positive curvature at the start: no stability bound on α"
    warn = " ⚠ α is above it" if cfg.lr > b.bound else ""
    return f"{b.who} is stable near the start for α < {b.rule} = {fmt(b.bound)}{warn}"


class RunEditor(PanelPart):
    def __init__(self, panel):
        super().__init__("Selected run", panel)
        self.hyper_widgets: dict[str, QtWidgets.QWidget] = {}
        self._hyper_key = None  # (run id, optimizer) the hyperparameter rows are built for
        self.run_form = form(self)
        self.optimizer_combo = combo()
        for name, spec in OPTIMIZERS.items():
            self.optimizer_combo.addItem(name, name)
            self.optimizer_combo.setItemData(
                self.optimizer_combo.count() - 1, spec.description, QtCore.Qt.ToolTipRole
            )
        self.optimizer_combo.currentIndexChanged.connect(self._on_optimizer_picked)
        self.lr = LogSlider(hp.LR.title, field_hi=hp.LR.hi if hp.LR.hi is not None else 1e12)
        self.lr.setToolTip("Learning rate α (torch: lr), on a logarithmic scale; type any value")
        self._lr_throttled = None
        self.lr.valueChanged.connect(lambda v: self.lr_to_scene(v))
        self.lr.refused.connect(panel.refuse)
        self.stability = WrappedLabel()
        self.stability.setTextFormat(QtCore.Qt.PlainText)  # "α < 2/λmax" is not a tag
        self.stability.setForegroundRole(QtGui.QPalette.PlaceholderText)
        self.run_form.addRow("optimizer", self.optimizer_combo)
        self.run_form.addRow("α (lr)", self.lr)
        self.run_form.addRow("", self.stability)
        self.hyper_box = QtWidgets.QWidget()
        self.hyper_form = form(self.hyper_box)
        self.hyper_form.setContentsMargins(0, 0, 0, 0)
        self.run_form.addRow(self.hyper_box)

        self.batch = ispin(1, 1, "Mini-batch size B: 1 is pure SGD, N is full-batch descent")
        self.batch_note = QtWidgets.QLabel()
        batch_row = QtWidgets.QHBoxLayout()
        batch_row.addWidget(self.batch)
        batch_row.addWidget(self.batch_note, 1)
        self.batch_label = QtWidgets.QLabel("batch size B")
        self.run_form.addRow(self.batch_label, batch_row)
        self.batch.valueChanged.connect(self._on_batch)
        self.noise = spin(0.0, 100.0, 0.1, 3, "Gradient noise σ: N(0, σ²) added to each component")
        self.noise_label = QtWidgets.QLabel("noise σ")
        self.run_form.addRow(self.noise_label, self.noise)
        self.noise.valueChanged.connect(lambda v: self.panel.update_run(noise=float(v)))
        self.seed = ispin(0, 2**31 - 1, "Random seed of the mini-batches / noise")
        self.run_form.addRow("seed", self.seed)
        self.seed.valueChanged.connect(lambda v: self.panel.update_run(seed=int(v)))

    # -- scene -> widgets ----------------------------------------------------------------
    @property
    def lr_to_scene(self):
        """α to the scene, throttled: a drag of the slider gives a value per pixel, and
        the scene (which re-runs the run and redraws the panels) takes at most one every
        30 ms, the last one always.  superqt is imported on first use (its package
        import creates every Qt class through qtpy: ~130 ms of start-up)."""
        if self._lr_throttled is None:
            from superqt.utils import qthrottled

            self._lr_throttled = qthrottled(
                lambda v: self.panel.set_hyper(lr=v), timeout=30, parent=self
            )
        return self._lr_throttled

    def refresh(self, surface, run) -> None:
        self.setEnabled(run is not None)
        if run is None:
            self.setTitle("Selected run (none: click the map to add one)")
            return
        cfg = run.config
        self.setTitle(f"Selected run: {self.scene.label(run.id)}")
        self.optimizer_combo.setCurrentIndex(self.optimizer_combo.findData(cfg.optimizer))
        self.lr.setValue(cfg.lr)
        if self._hyper_key != (run.id, cfg.optimizer):
            self._build_hyper(cfg)
            self._hyper_key = (run.id, cfg.optimizer)
        else:
            self._show_hyper(cfg)
        is_data = surface.is_data
        for w in (self.batch, self.batch_label, self.batch_note):
            w.setVisible(is_data)
        for w in (self.noise, self.noise_label):
            w.setVisible(not is_data)
        if is_data:
            n = surface.n_samples
            self.batch.setRange(1, n)
            self.batch.setValue(cfg.batch_size or n)
            self._batch_note(cfg.batch_size or n, n)
        self.noise.setValue(cfg.noise)
        self.seed.setValue(cfg.seed)
        text = stability_hint(surface, cfg)
        self.stability.setText(text)
        self.stability.setVisible(bool(text))

    def _show_hyper(self, cfg) -> None:
        """The hyperparameter rows show ``cfg``'s values (same optimizer: no rebuild)."""
        values = validate_hyper(cfg.optimizer, cfg.hyper)
        spec = OPTIMIZERS[cfg.optimizer]
        for key, w in self.hyper_widgets.items():
            set_value(spec.param(key), w, values[key])

    def _build_hyper(self, cfg) -> None:
        while self.hyper_form.rowCount():
            self.hyper_form.removeRow(0)
        self.hyper_widgets.clear()
        spec = OPTIMIZERS[cfg.optimizer]
        values = validate_hyper(cfg.optimizer, cfg.hyper)
        for h in spec.params:  # the optimizer's declared hyperparameters (core/hyper.py)
            if h.name == "lr":
                continue
            holder: list = []

            def changed(h=h, holder=holder):
                if not self.refreshing:
                    self.panel.set_hyper(**{h.name: value_of(h, holder[0])})

            label, w = make_control(h, hyper_tip(spec, h), changed, self.panel.refuse)
            holder.append(w)
            set_value(h, w, values[h.name])
            self.hyper_form.addRow(label, w)
            self.hyper_widgets[h.name] = w

    def _batch_note(self, b: int, n: int) -> None:
        text = "full batch (plain GD)" if b >= n else "pure SGD" if b == 1 else f"mini-batch of {n}"
        self.batch_note.setText(text)

    # -- widgets -> scene ----------------------------------------------------------------
    def _on_optimizer_picked(self, _index: int) -> None:
        run = self.scene.selected_run
        name = self.optimizer_combo.currentData()
        if run is None or self.refreshing or name == run.config.optimizer:
            return
        # α carries over, except to or from an optimizer that sizes its own step (Newton,
        # the line search, L-BFGS…: lr 1 is its full step)
        old, new = OPTIMIZERS[run.config.optimizer], OPTIMIZERS[name]
        lr = run.config.lr
        if old.scale_free or new.scale_free:
            lr = starting_lr(name, get_surface(run.config.surface))
        self.panel.update_run(optimizer=name, hyper={"lr": lr})

    def _on_batch(self, b: int) -> None:
        if self.refreshing:
            return
        n = self.batch.maximum()
        self._batch_note(b, n)
        self.panel.update_run(batch_size=None if b >= n else int(b))
