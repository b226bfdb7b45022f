"""The schedule, clipping and stopping box: the learning-rate schedule (every kind of
:mod:`gdsim.core.schedules`, its parameter rows built from their declarations, only the
selected kind's shown, each kind's rows built the first time they are shown or read),
gradient clipping, the ‖∇f‖ and |Δf| stop rules and the maximum
number of steps."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from gdsim.core.limits import MAX_RUN_STEPS
from gdsim.core.schedules import SPECS, Schedule, ScheduleError, torch_keyword
from gdsim.qt.panels.hyper_rows import make_control, set_value, value_of
from gdsim.qt.panels.parts import PanelPart, combo, form
from gdsim.qt.panels.widgets import NumberField, ispin


def schedule_tip(spec, h) -> str:
    """A schedule parameter's tooltip: torch's keyword, what it does, what is allowed."""
    call = f"torch.optim.lr_scheduler.{spec.torch_class}({torch_keyword(h.name)}=…)"
    return f"{call}: {h.doc}; allowed: {h.range_text()}"


class _PerKind(dict):
    """kind -> what the box has for it, made by ``build(kind)`` when first asked for."""

    def __init__(self, build):
        super().__init__()
        self._build = build

    def __missing__(self, kind: str):
        self._build(kind)
        return self[kind]


class StopRulesBox(PanelPart):
    """``schedule`` is the kind's combo; ``param_widgets[kind][name]`` the parameter
    rows (in ``param_boxes[kind]``), built when first asked for: most runs never show
    most kinds."""

    def __init__(self, panel):
        super().__init__("Schedule, clipping, stopping", panel)
        sform = self.sform = form(self)
        self.schedule = combo()
        for kind, spec in SPECS.items():
            self.schedule.addItem(kind, kind)
            where = f"torch.optim.lr_scheduler.{spec.torch_class}: " if spec.torch_class else ""
            tip = where + spec.description
            self.schedule.setItemData(self.schedule.count() - 1, tip, QtCore.Qt.ToolTipRole)
        self.schedule.setToolTip("Learning-rate schedule (torch.optim.lr_scheduler)")
        self.schedule.currentIndexChanged.connect(self._on_schedule)
        sform.addRow("schedule", self.schedule)
        self.param_boxes: dict[str, QtWidgets.QWidget] = _PerKind(self._build_kind)
        self.param_widgets: dict[str, dict[str, QtWidgets.QWidget]] = _PerKind(self._build_kind)
        self.clip_on, self.clip = self._optional_number(
            "clip ‖g‖ at", "clip", self._on_clip, "torch.nn.utils.clip_grad_norm_(max_norm=…)"
        )
        self.tol_on, self.tol = self._optional_number(
            "stop at ‖∇f‖ <", "tol", self._on_tol, "Stop when the gradient norm is below"
        )
        self.ltol_on, self.ltol = self._optional_number(
            "stop at |Δf| <", "loss tol", self._on_tol, "Stop when the loss stops changing"
        )
        self.max_steps = ispin(1, MAX_RUN_STEPS, "Maximum number of steps of the run")
        self.max_steps.valueChanged.connect(lambda v: self.panel.update_run(max_steps=int(v)))
        sform.addRow("max steps", self.max_steps)

    def _build_kind(self, kind: str) -> None:
        """The rows of ``kind``, hidden, under the schedule's combo, at their defaults."""
        spec = SPECS[kind]
        box = QtWidgets.QWidget()
        rows = form(box)
        rows.setContentsMargins(0, 0, 0, 0)
        widgets = {h.name: self._param_row(rows, spec, h) for h in spec.params}
        box.setVisible(False)
        self.sform.insertRow(1, box)
        # Tab goes from the combo through the rows to the clip box, as if built at once
        chain = [self.schedule]
        for w in widgets.values():
            spins = w.findChildren(QtWidgets.QAbstractSpinBox)  # a pair: its two boxes
            chain += [w] if isinstance(w, QtWidgets.QAbstractSpinBox) or not spins else spins
        for a, b in zip(chain, [*chain[1:], self.clip_on], strict=True):
            QtWidgets.QWidget.setTabOrder(a, b)
        dict.__setitem__(self.param_boxes, kind, box)
        dict.__setitem__(self.param_widgets, kind, widgets)
        self._show_values(Schedule(kind))  # the defaults until a run has this kind

    def _param_row(self, rows, spec, h) -> QtWidgets.QWidget:
        """One parameter's widget, from its declaration, added to ``rows``."""
        label, w = make_control(h, schedule_tip(spec, h), self._on_schedule, self.panel.refuse)
        rows.addRow(label, w)
        return w

    def _optional_number(self, label: str, name: str, handler, tip: str):
        """A checkbox switching a typed positive number on or off (clip, stop rules)."""
        check = QtWidgets.QCheckBox(label)
        check.setToolTip(tip)
        field = NumberField(name, 0.0, 1e12, lo_open=True)
        check.toggled.connect(handler)
        field.valueChanged.connect(lambda _v: handler())
        field.refused.connect(self.panel.refuse)
        self.sform.addRow(check, field)
        return check, field

    def refresh(self, _surface, run) -> None:
        if run is None:
            return
        cfg = run.config
        sch = cfg.schedule
        self.schedule.setCurrentIndex(self.schedule.findData(sch.kind))
        self._show_values(sch)
        self._show_kind(sch.kind)
        for check, field, value, default in (
            (self.clip_on, self.clip, cfg.clip_norm, 1.0),
            (self.tol_on, self.tol, cfg.grad_tol, 1e-6),
            (self.ltol_on, self.ltol, cfg.loss_tol, 1e-9),
        ):
            check.setChecked(value is not None)
            field.setValue(value or default)
            field.setEnabled(value is not None)
        self.max_steps.setValue(cfg.max_steps)

    def _show_values(self, sch: Schedule) -> None:
        """The rows of ``sch``'s kind show its values (signals blocked: nothing is sent)."""
        spec = SPECS[sch.kind]
        for name, v in sch.params:
            w = self.param_widgets[sch.kind][name]
            blockers = [QtCore.QSignalBlocker(x) for x in (w, *w.findChildren(QtWidgets.QWidget))]
            set_value(spec.param(name), w, v)
            del blockers

    def _show_kind(self, kind: str) -> None:
        shown = self.param_boxes[kind]
        for box in self.param_boxes.values():
            box.setVisible(box is shown)

    def _values(self, kind: str) -> dict:
        """The parameters the rows of ``kind`` show, as the declarations hold them."""
        return {h.name: value_of(h, self.param_widgets[kind][h.name]) for h in SPECS[kind].params}

    def _on_schedule(self, *_args) -> None:
        if self.refreshing:
            return
        kind = self.schedule.currentData()
        self._show_kind(kind)
        run = self.scene.selected_run
        values = self._values(kind)
        if kind == "onecycle" and run is not None and run.config.schedule.kind != kind:
            # one cycle over the run's steps, as torch's total_steps is usually set
            values["total_steps"] = max(values["total_steps"], run.config.max_steps)
        try:
            schedule = Schedule(kind, **values)
        except ScheduleError as e:  # e.g. "3,x" as milestones: the run keeps its schedule
            self.panel.refuse(f"Not applied: {e}")
            self.panel.refresh()
            return
        if run is not None and schedule == run.config.schedule:
            return  # a field left without a change
        self.panel.update_run(schedule=schedule)

    def _on_clip(self, *_args) -> None:
        if self.refreshing:
            return
        self.clip.setEnabled(self.clip_on.isChecked())
        self.panel.update_run(clip_norm=self.clip.value() if self.clip_on.isChecked() else None)

    def _on_tol(self, *_args) -> None:
        if self.refreshing:
            return
        self.tol.setEnabled(self.tol_on.isChecked())
        self.ltol.setEnabled(self.ltol_on.isChecked())
        self.panel.update_run(
            grad_tol=self.tol.value() if self.tol_on.isChecked() else None,
            loss_tol=self.ltol.value() if self.ltol_on.isChecked() else None,
        )
