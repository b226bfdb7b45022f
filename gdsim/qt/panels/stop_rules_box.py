"""The schedule, clipping and stopping box: the learning-rate schedule, gradient
clipping, the ‖∇f‖ and |Δf| stop rules and the maximum number of steps."""

from __future__ import annotations

from PySide6 import QtWidgets

from gdsim.core.limits import MAX_RUN_STEPS
from gdsim.core.schedules import SCHEDULES, Schedule
from gdsim.qt.panels.parts import PanelPart, combo, form
from gdsim.qt.panels.widgets import NumberField, ispin, spin


class StopRulesBox(PanelPart):
    def __init__(self, panel):
        super().__init__("Schedule, clipping, stopping", panel)
        sform = self.sform = form(self)
        self.schedule = combo()
        self.schedule.addItems(list(SCHEDULES))
        self.schedule.setToolTip("Learning-rate schedule (torch.optim.lr_scheduler)")
        self.gamma = spin(0.01, 1.0, 0.05, 3, "StepLR / ExponentialLR gamma")
        self.step_size = ispin(1, MAX_RUN_STEPS, "StepLR step_size: × gamma every … steps")
        self.t_max = ispin(1, MAX_RUN_STEPS, "CosineAnnealingLR T_max")
        for w in (self.schedule, self.gamma, self.step_size, self.t_max):
            (w.currentIndexChanged if w is self.schedule else w.valueChanged).connect(
                self._on_schedule
            )
        sform.addRow("schedule", self.schedule)
        sform.addRow("gamma", self.gamma)
        sform.addRow("step size", self.step_size)
        sform.addRow("T max", self.t_max)
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
        self.schedule.setCurrentText(sch.kind)
        self.gamma.setValue(sch.gamma)
        self.step_size.setValue(sch.step_size)
        self.t_max.setValue(sch.t_max)
        self._show_schedule_fields(sch.kind)
        for check, field, value, default in (
            (self.clip_on, self.clip, cfg.clip_norm, 1.0),
            (self.tol_on, self.tol, cfg.grad_tol, 1e-6),
            (self.ltol_on, self.ltol, cfg.loss_tol, 1e-9),
        ):
            check.setChecked(value is not None)
            field.setValue(value or default)
            field.setEnabled(value is not None)
        self.max_steps.setValue(cfg.max_steps)

    def _show_schedule_fields(self, kind: str) -> None:
        for w, kinds in (
            (self.gamma, ("step", "exponential")),
            (self.step_size, ("step",)),
            (self.t_max, ("cosine",)),
        ):
            visible = kind in kinds
            w.setVisible(visible)
            self.sform.labelForField(w).setVisible(visible)

    def _on_schedule(self, *_args) -> None:
        if self.refreshing:
            return
        kind = self.schedule.currentText()
        self._show_schedule_fields(kind)
        self.panel.update_run(
            schedule=Schedule(
                kind,
                step_size=self.step_size.value(),
                gamma=self.gamma.value(),
                t_max=self.t_max.value(),
            )
        )

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
