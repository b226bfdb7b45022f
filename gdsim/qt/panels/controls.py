"""The control panel: the surface, and the selected run's optimizer, α, β…, batch size
or noise, schedule, clipping, stop rules and maximum steps.

Every widget writes straight into the scene (``Scene.update_run``); a configuration
the core refuses is not applied and its reason is shown under the panel until a valid
value is applied or the scene changes.  When the scene changes (another run selected,
a preset loaded, an undo) the widgets are updated in place while ``_refreshing`` is
set, which makes every handler ignore them, so nothing loops; the hyperparameter rows
are rebuilt only when the optimizer changes.
"""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets
from superqt.utils import qthrottled

from gdsim.core import hyper as hp
from gdsim.core.formula import PREFIX, formula_text, is_formula
from gdsim.core.optimizers import OPTIMIZERS
from gdsim.core.schedules import SCHEDULES, Schedule
from gdsim.core.simulation import ConfigError
from gdsim.core.surfaces import get_surface, surface_names, surface_title
from gdsim.qt import theme
from gdsim.qt.panels.formula_box import FormulaBox
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


class ControlsPanel(QtWidgets.QWidget):
    message = QtCore.Signal(str)
    error_cleared = QtCore.Signal(str)  # the refusal that no longer applies

    def __init__(self, scene, parent=None):
        super().__init__(parent)
        self.scene = scene
        self._hyper_widgets: dict[str, object] = {}
        self._refreshing = False
        lay = QtWidgets.QVBoxLayout(self)

        # surface ---------------------------------------------------------------------------
        box = QtWidgets.QGroupBox("Surface")
        form = QtWidgets.QVBoxLayout(box)
        self.surface_combo = _combo()
        for name in surface_names():
            self.surface_combo.addItem(surface_title(name), name)
        self.surface_combo.addItem("Your own formula…", PREFIX)
        self.surface_combo.setToolTip("The loss surface the marbles roll on")
        self.surface_combo.currentIndexChanged.connect(self._on_surface_picked)
        self.formula_box = FormulaBox()
        self.formula_box.applied.connect(self._on_formula_applied)
        self.formula_box.refused.connect(self.message)
        self.formula_box.hide()
        self.formula = QtWidgets.QLabel()
        self.formula.setWordWrap(True)
        self.description = QtWidgets.QLabel()
        self.description.setWordWrap(True)
        self.description.setForegroundRole(QtGui.QPalette.PlaceholderText)  # follows the theme
        form.addWidget(self.surface_combo)
        form.addWidget(self.formula_box)
        form.addWidget(self.formula)
        form.addWidget(self.description)
        lay.addWidget(box)

        # optimizer -------------------------------------------------------------------------
        self.run_box = QtWidgets.QGroupBox("Selected run")
        self.run_form = _form(self.run_box)
        self.optimizer_combo = _combo()
        for name, spec in OPTIMIZERS.items():
            self.optimizer_combo.addItem(name, name)
            self.optimizer_combo.setItemData(
                self.optimizer_combo.count() - 1, spec.description, QtCore.Qt.ToolTipRole
            )
        self.optimizer_combo.currentIndexChanged.connect(self._on_optimizer_picked)
        self.lr = LogSlider(hp.LR.title, field_hi=hp.LR.hi if hp.LR.hi is not None else 1e12)
        self.lr.setToolTip("Learning rate α (torch: lr), on a logarithmic scale; type any value")
        # a drag of the slider gives a value per pixel: the scene (which re-runs the run
        # and redraws the panels) takes at most one every 30 ms, the last one always
        self.lr_to_scene = qthrottled(lambda v: self._set_hyper(lr=v), timeout=30, parent=self)
        self.lr.valueChanged.connect(self.lr_to_scene)
        self.lr.refused.connect(self._refuse)
        self.stability = QtWidgets.QLabel()
        self.stability.setTextFormat(QtCore.Qt.PlainText)  # "α < 2/λmax" is not a tag
        self.stability.setForegroundRole(QtGui.QPalette.PlaceholderText)
        self.stability.setWordWrap(True)
        self.run_form.addRow("optimizer", self.optimizer_combo)
        self.run_form.addRow("α (lr)", self.lr)
        self.run_form.addRow("", self.stability)
        self.hyper_box = QtWidgets.QWidget()
        self.hyper_form = _form(self.hyper_box)
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
        self.noise.valueChanged.connect(lambda v: self._update(noise=float(v)))
        self.seed = ispin(0, 2**31 - 1, "Random seed of the mini-batches / noise")
        self.run_form.addRow("seed", self.seed)
        self.seed.valueChanged.connect(lambda v: self._update(seed=int(v)))
        lay.addWidget(self.run_box)

        # schedule, clipping, stopping -----------------------------------------------------------
        box = QtWidgets.QGroupBox("Schedule, clipping, stopping")
        sform = _form(box)
        self.schedule = _combo()
        self.schedule.addItems(list(SCHEDULES))
        self.schedule.setToolTip("Learning-rate schedule (torch.optim.lr_scheduler)")
        self.gamma = spin(0.01, 1.0, 0.05, 3, "StepLR / ExponentialLR gamma")
        self.step_size = ispin(1, 100000, "StepLR step_size: multiply by gamma every … steps")
        self.t_max = ispin(1, 100000, "CosineAnnealingLR T_max")
        for w in (self.schedule, self.gamma, self.step_size, self.t_max):
            (w.currentIndexChanged if w is self.schedule else w.valueChanged).connect(
                self._on_schedule
            )
        sform.addRow("schedule", self.schedule)
        sform.addRow("gamma", self.gamma)
        sform.addRow("step size", self.step_size)
        sform.addRow("T max", self.t_max)
        self.clip_on, self.clip = self._optional_number(
            sform,
            "clip ‖g‖ at",
            "clip",
            self._on_clip,
            "torch.nn.utils.clip_grad_norm_(max_norm=…)",
        )
        self.tol_on, self.tol = self._optional_number(
            sform, "stop at ‖∇f‖ <", "tol", self._on_tol, "Stop when the gradient norm is below"
        )
        self.ltol_on, self.ltol = self._optional_number(
            sform, "stop at |Δf| <", "loss tol", self._on_tol, "Stop when the loss stops changing"
        )
        self.max_steps = ispin(1, 100000, "Maximum number of steps of the run")
        self.max_steps.valueChanged.connect(lambda v: self._update(max_steps=int(v)))
        sform.addRow("max steps", self.max_steps)
        lay.addWidget(box)

        self.error = QtWidgets.QLabel()
        self.error.setWordWrap(True)
        self.error.setTextFormat(QtCore.Qt.PlainText)
        lay.addWidget(self.error)
        lay.addStretch(1)

        self._hyper_key = None  # (run id, optimizer) the hyperparameter rows are built for
        scene.selection_changed.connect(lambda _rid: self._on_scene_changed())
        scene.surface_changed.connect(lambda _n: self._on_scene_changed())
        scene.text_changed.connect(self._on_scene_changed)  # a lesson, a session, an undo
        scene.run_changed.connect(self._on_run_changed)
        self.refresh()

    def _optional_number(self, form, label: str, name: str, handler, tip: str):
        """A checkbox switching a typed positive number on or off (clip, stop rules)."""
        check = QtWidgets.QCheckBox(label)
        check.setToolTip(tip)
        field = NumberField(name, 0.0, 1e12, lo_open=True)
        check.toggled.connect(handler)
        field.valueChanged.connect(lambda _v: handler())
        field.refused.connect(self._refuse)
        form.addRow(check, field)
        return check, field

    # -- scene -> widgets ----------------------------------------------------------------------
    def _on_run_changed(self, run, _config_changed):
        if run.id == self.scene.selected:
            self.refresh()

    def _on_scene_changed(self) -> None:
        """Another run, surface or scene: an old refusal no longer applies."""
        self.clear_error()
        self.refresh()

    def clear_error(self) -> None:
        text = self.error.text()
        self.error.clear()
        if text:
            self.error_cleared.emit(text)

    def refresh(self) -> None:
        self._refreshing = True
        try:
            self._refresh()
        finally:
            self._refreshing = False

    def _refresh(self) -> None:
        surface = get_surface(self.scene.surface)
        custom = is_formula(self.scene.surface)
        key = PREFIX if custom else self.scene.surface
        self.surface_combo.setCurrentIndex(self.surface_combo.findData(key))
        self.formula_box.setVisible(custom)
        if custom:
            self.formula_box.set_text(formula_text(self.scene.surface))
            self.formula_box.set_dimension(surface.dim)
        self.formula.setText(f"<b>{surface.formula}</b>")
        self.description.setText(surface.description)
        run = self.scene.selected_run
        self.run_box.setEnabled(run is not None)
        if run is None:
            self.run_box.setTitle("Selected run (none: click the map to add one)")
            return
        cfg = run.config
        self.run_box.setTitle(f"Selected run: {self.scene.label(run.id)}")
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
        sch = cfg.schedule
        self.schedule.setCurrentText(sch.kind)
        self.gamma.setValue(sch.gamma)
        self.step_size.setValue(sch.step_size)
        self.t_max.setValue(sch.t_max)
        self._show_schedule_fields(sch.kind)
        self.clip_on.setChecked(cfg.clip_norm is not None)
        self.clip.setValue(cfg.clip_norm or 1.0)
        self.clip.setEnabled(cfg.clip_norm is not None)
        self.tol_on.setChecked(cfg.grad_tol is not None)
        self.tol.setValue(cfg.grad_tol or 1e-6)
        self.tol.setEnabled(cfg.grad_tol is not None)
        self.ltol_on.setChecked(cfg.loss_tol is not None)
        self.ltol.setValue(cfg.loss_tol or 1e-9)
        self.ltol.setEnabled(cfg.loss_tol is not None)
        self.max_steps.setValue(cfg.max_steps)
        self._stability_hint(surface, cfg)

    def _stability_hint(self, surface, cfg) -> None:
        text = stability_hint(surface, cfg)
        self.stability.setText(text)
        self.stability.setVisible(bool(text))

    def _show_hyper(self, cfg) -> None:
        """The hyperparameter rows show ``cfg``'s values (same optimizer: no rebuild)."""
        from gdsim.core.optimizers import validate_hyper

        values = validate_hyper(cfg.optimizer, cfg.hyper)
        for key, w in self._hyper_widgets.items():
            v = values[key]
            if isinstance(w, QtWidgets.QCheckBox):
                w.setChecked(bool(v))
            elif isinstance(w, NumberField):
                w.setValue(v)
            elif key == "betas":
                for b, val in zip(w.findChildren(QtWidgets.QDoubleSpinBox), v, strict=True):
                    b.setValue(val)
            else:
                w.setValue(float(v))

    def _build_hyper(self, cfg) -> None:
        while self.hyper_form.rowCount():
            self.hyper_form.removeRow(0)
        self._hyper_widgets.clear()
        spec = OPTIMIZERS[cfg.optimizer]
        from gdsim.core.optimizers import validate_hyper

        values = validate_hyper(cfg.optimizer, cfg.hyper)
        for h in spec.params:  # the optimizer's declared hyperparameters (core/hyper.py)
            key = h.name
            if key == "lr":
                continue
            tip = hyper_tip(spec, h)
            if h.kind == "bool":
                w = QtWidgets.QCheckBox(h.title)
                w.setChecked(bool(values[key]))
                w.toggled.connect(lambda v, k=key: self._set_hyper(**{k: bool(v)}))
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
                        lambda _v, a=b1, c=b2, k=key: self._set_hyper(**{k: (a.value(), c.value())})
                    )
                self.hyper_form.addRow(h.title, w)
            elif h.field:  # any magnitude: a typed number, checked against the range
                hi = 1e12 if h.hi is None else h.hi
                w = NumberField(h.title, h.lo if h.lo is not None else -1e12, hi, h.lo_open)
                w.setValue(values[key])
                w.valueChanged.connect(lambda v, k=key: self._set_hyper(**{k: v}))
                w.refused.connect(self._refuse)
                self.hyper_form.addRow(h.title, w)
            else:
                w = spin(*_spin_range(h), h.step, h.decimals, tip)
                w.setValue(float(values[key]))
                w.valueChanged.connect(lambda v, k=key: self._set_hyper(**{k: float(v)}))
                self.hyper_form.addRow(h.title, w)
            w.setToolTip(tip)
            self._hyper_widgets[key] = w

    def _batch_note(self, b: int, n: int) -> None:
        text = "full batch (plain GD)" if b >= n else "pure SGD" if b == 1 else f"mini-batch of {n}"
        self.batch_note.setText(text)

    def _show_schedule_fields(self, kind: str) -> None:
        form = self.schedule.parentWidget().layout()
        for w, kinds in (
            (self.gamma, ("step", "exponential")),
            (self.step_size, ("step",)),
            (self.t_max, ("cosine",)),
        ):
            visible = kind in kinds
            w.setVisible(visible)
            form.labelForField(w).setVisible(visible)

    # -- widgets -> scene ----------------------------------------------------------------------
    def _refuse(self, reason: str) -> None:
        self.error.setStyleSheet(theme.error_style(bold=True))
        self.error.setText(reason)
        self.message.emit(reason)

    def _update(self, **changes) -> None:
        run = self.scene.selected_run
        if run is None or self._refreshing:
            return
        try:
            self.scene.update_run(run.id, **changes)
        except ConfigError as e:
            self._refuse(f"Not applied: {e}")
            self.refresh()
            return
        self.clear_error()

    def _set_hyper(self, **hyper) -> None:
        run = self.scene.selected_run
        if run is not None:
            self._update(hyper={**run.config.hyper, **hyper})

    def _on_surface_picked(self, _index: int) -> None:
        if self._refreshing:
            return
        name = self.surface_combo.currentData()
        if name == PREFIX:  # the surface changes when a formula is applied
            self.formula_box.show()
            self.formula_box.edit.setFocus(QtCore.Qt.OtherFocusReason)
            return
        self.formula_box.hide()
        if name and name != self.scene.surface:
            self.scene.set_surface(name)

    def _on_formula_applied(self, name: str) -> None:
        self.clear_error()
        if name != self.scene.surface:
            self.scene.set_surface(name)

    def _on_optimizer_picked(self, _index: int) -> None:
        run = self.scene.selected_run
        name = self.optimizer_combo.currentData()
        if run is None or self._refreshing or name == run.config.optimizer:
            return
        self._update(optimizer=name, hyper={"lr": run.config.lr})

    def _on_batch(self, b: int) -> None:
        if self._refreshing:
            return
        n = get_surface(self.scene.surface).n_samples
        self._batch_note(b, n)
        self._update(batch_size=None if b >= n else int(b))

    def _on_schedule(self, *_args) -> None:
        if self._refreshing:
            return
        kind = self.schedule.currentText()
        self._show_schedule_fields(kind)
        self._update(
            schedule=Schedule(
                kind,
                step_size=self.step_size.value(),
                gamma=self.gamma.value(),
                t_max=self.t_max.value(),
            )
        )

    def _on_clip(self, *_args) -> None:
        if self._refreshing:
            return
        self.clip.setEnabled(self.clip_on.isChecked())
        self._update(clip_norm=self.clip.value() if self.clip_on.isChecked() else None)

    def _on_tol(self, *_args) -> None:
        if self._refreshing:
            return
        self.tol.setEnabled(self.tol_on.isChecked())
        self.ltol.setEnabled(self.ltol_on.isChecked())
        self._update(
            grad_tol=self.tol.value() if self.tol_on.isChecked() else None,
            loss_tol=self.ltol.value() if self.ltol_on.isChecked() else None,
        )


def _form(parent) -> QtWidgets.QFormLayout:
    """A form whose fields go under their labels when the panel is narrow."""
    form = QtWidgets.QFormLayout(parent)
    form.setRowWrapPolicy(QtWidgets.QFormLayout.WrapLongRows)
    form.setFieldGrowthPolicy(QtWidgets.QFormLayout.AllNonFixedFieldsGrow)
    return form


def _combo() -> QtWidgets.QComboBox:
    """A combo box that does not make the panel wider than its dock."""
    combo = QtWidgets.QComboBox()
    combo.setSizeAdjustPolicy(QtWidgets.QComboBox.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(12)
    return combo


def stability_hint(surface, cfg) -> str:
    """The largest stable α near the run's start, for the optimizers where the
    quadratic bound applies, with the reason when it does not (plain text)."""
    from gdsim.core.optimizers import validate_hyper

    try:
        ev = np.linalg.eigvalsh(surface.hessian(cfg.resolved_start(surface)))
    except (np.linalg.LinAlgError, ValueError, ArithmeticError):
        return ""
    h = validate_hyper(cfg.optimizer, cfg.hyper)
    if "momentum" not in h or "betas" in h or "alpha" in h or "lr_decay" in h:
        return ""  # adaptive steps (Adam, RMSprop, Adagrad): no single bound on α
    top = float(ev.max()) + float(h.get("weight_decay", 0.0))
    if not (top > 0 and np.isfinite(top)):
        return "no positive curvature at the start: no stability bound on α"
    mom, damp = float(h["momentum"]), float(h.get("dampening", 0.0))
    if mom > 0 and damp >= 1.0:
        return ""  # dampening 1: the buffer never takes in a gradient
    if mom == 0:
        bound, rule, who = 2 / top, "2/λmax", "plain GD"
    elif h.get("nesterov"):
        bound = (2 + 2 * mom) / ((1 + 2 * mom) * top)
        rule, who = "(2+2β)/((1+2β)·λmax)", "Nesterov"
    else:
        bound = (2 + 2 * mom) / ((1 - damp) * top)
        rule = "(2+2β)/λmax" if damp == 0 else "(2+2β)/((1−τ)·λmax)"
        who = "momentum"
    warn = " ⚠ α is above it" if cfg.lr > bound else ""
    return f"{who} is stable near the start for α < {rule} = {fmt(bound)}{warn}"
