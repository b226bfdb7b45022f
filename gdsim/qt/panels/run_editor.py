"""The selected run's box: its optimizer, α on a logarithmic slider with the stability
hint, the optimizer's other hyperparameters (one row per declared hyperparameter, see
:mod:`gdsim.core.hyper`), and the batch size (data surfaces) or gradient noise, and the
seed.  The hyperparameter rows are rebuilt only when the optimizer changes."""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from gdsim.core import hyper as hp
from gdsim.core.optimizers import OPTIMIZERS, validate_hyper
from gdsim.core.stability import stability_bound
from gdsim.qt.panels.parts import PanelPart, combo, form
from gdsim.qt.panels.widgets import LogSlider, NumberField, fmt, ispin, spin


def hyper_tip(spec, h) -> str:
    """A hyperparameter's tooltip: torch's keyword, what it does, what is allowed."""
    return f"torch.optim.{spec.torch_class}({h.name}=…): {h.doc}; allowed: {h.range_text()}"


def _spin_range(h) -> tuple[float, float]:
    """A spin box's range for a declared range (an open end a step inside)."""
    tick = 10.0**-h.decimals
    lo = -1e6 if h.lo is None else h.lo + (tick if h.lo_open else 0.0)
    hi = 1e6 if h.hi is None else h.hi - (tick if h.hi_open else 0.0)
    return lo, hi


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
        self.stability = QtWidgets.QLabel()
        self.stability.setTextFormat(QtCore.Qt.PlainText)  # "α < 2/λmax" is not a tag
        self.stability.setForegroundRole(QtGui.QPalette.PlaceholderText)
        self.stability.setWordWrap(True)
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
        for key, w in self.hyper_widgets.items():
            v = values[key]
            if isinstance(w, QtWidgets.QCheckBox):
                w.setChecked(bool(v))
            elif isinstance(w, NumberField):
                w.setValue(v)
            elif isinstance(v, tuple):
                for b, val in zip(w.findChildren(QtWidgets.QDoubleSpinBox), v, strict=True):
                    b.setValue(val)
            else:
                w.setValue(float(v))

    def _build_hyper(self, cfg) -> None:
        while self.hyper_form.rowCount():
            self.hyper_form.removeRow(0)
        self.hyper_widgets.clear()
        spec = OPTIMIZERS[cfg.optimizer]
        values = validate_hyper(cfg.optimizer, cfg.hyper)
        set_hyper = self.panel.set_hyper
        for h in spec.params:  # the optimizer's declared hyperparameters (core/hyper.py)
            key = h.name
            if key == "lr":
                continue
            tip = hyper_tip(spec, h)
            if h.kind == "bool":
                w = QtWidgets.QCheckBox(h.title)
                w.setChecked(bool(values[key]))
                w.toggled.connect(lambda v, k=key: set_hyper(**{k: bool(v)}))
                self.hyper_form.addRow("", w)
            elif h.kind == "pair":
                w = QtWidgets.QWidget()
                row = QtWidgets.QHBoxLayout(w)
                row.setContentsMargins(0, 0, 0, 0)
                rng = (*_spin_range(h), h.step, h.decimals)
                b1, b2 = spin(*rng, tip), spin(*rng, tip)
                b1.setValue(values[key][0])
                b2.setValue(values[key][1])
                for b in (b1, b2):
                    row.addWidget(b)
                    b.valueChanged.connect(
                        lambda _v, a=b1, c=b2, k=key: set_hyper(**{k: (a.value(), c.value())})
                    )
                self.hyper_form.addRow(h.title, w)
            elif h.field:  # any magnitude: a typed number, checked against the range
                hi = 1e12 if h.hi is None else h.hi
                w = NumberField(h.title, h.lo if h.lo is not None else -1e12, hi, h.lo_open)
                w.setValue(values[key])
                w.valueChanged.connect(lambda v, k=key: set_hyper(**{k: v}))
                w.refused.connect(self.panel.refuse)
                self.hyper_form.addRow(h.title, w)
            else:
                w = spin(*_spin_range(h), h.step, h.decimals, tip)
                w.setValue(float(values[key]))
                w.valueChanged.connect(lambda v, k=key: set_hyper(**{k: float(v)}))
                self.hyper_form.addRow(h.title, w)
            w.setToolTip(tip)
            self.hyper_widgets[key] = w

    def _batch_note(self, b: int, n: int) -> None:
        text = "full batch (plain GD)" if b >= n else "pure SGD" if b == 1 else f"mini-batch of {n}"
        self.batch_note.setText(text)

    # -- widgets -> scene ----------------------------------------------------------------
    def _on_optimizer_picked(self, _index: int) -> None:
        run = self.scene.selected_run
        name = self.optimizer_combo.currentData()
        if run is None or self.refreshing or name == run.config.optimizer:
            return
        self.panel.update_run(optimizer=name, hyper={"lr": run.config.lr})

    def _on_batch(self, b: int) -> None:
        if self.refreshing:
            return
        n = self.batch.maximum()
        self._batch_note(b, n)
        self.panel.update_run(batch_size=None if b >= n else int(b))
