"""The control panel: the surface box, the selected run's box and the schedule,
clipping and stopping box, over a line that says why a value was refused.

Every widget writes straight into the scene through ``update_run``; a configuration the
core refuses is not applied and its reason is shown until a valid value is applied or
the scene changes.  When the scene changes (another run selected, a preset loaded, an
undo) the boxes are updated in place while ``refreshing`` is set, which makes every
handler ignore them, so nothing loops.
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from gdsim.core.simulation import ConfigError
from gdsim.core.surfaces import get_surface
from gdsim.qt import theme
from gdsim.qt.panels.run_editor import RunEditor, stability_hint
from gdsim.qt.panels.stop_rules_box import StopRulesBox
from gdsim.qt.panels.surface_box import SurfaceBox
from gdsim.qt.panels.widgets import WrappedLabel

__all__ = ["ControlsPanel", "stability_hint"]

#: the widgets of the boxes that the panel names (the window's keys and tests use them)
_PARTS = {
    "surface_box": ("surface_combo", "formula_box", "formula", "description"),
    "run_editor": (
        "optimizer_combo",
        "lr",
        "stability",
        "batch",
        "noise",
        "seed",
        "hyper_widgets",
    ),
    "stop_rules": (
        "schedule",
        "clip_on",
        "clip",
        "tol_on",
        "tol",
        "ltol_on",
        "ltol",
        "max_steps",
    ),
}


class ControlsPanel(QtWidgets.QWidget):
    message = QtCore.Signal(str)
    error_cleared = QtCore.Signal(str)  # the refusal that no longer applies

    def __init__(self, scene, parent=None):
        super().__init__(parent)
        self.scene = scene
        self.refreshing = False
        lay = QtWidgets.QVBoxLayout(self)
        self.surface_box = SurfaceBox(self)
        self.run_editor = self.run_box = RunEditor(self)
        self.stop_rules = StopRulesBox(self)
        self.error = WrappedLabel()
        self.error.setTextFormat(QtCore.Qt.PlainText)
        for w in (self.surface_box, self.run_editor, self.stop_rules, self.error):
            lay.addWidget(w)
        lay.addStretch(1)
        for part, names in _PARTS.items():
            for name in names:
                setattr(self, name, getattr(getattr(self, part), name))
        self._hyper_widgets = self.hyper_widgets
        scene.selection_changed.connect(lambda _rid: self._on_scene_changed())
        scene.surface_changed.connect(lambda _n: self._on_scene_changed())
        scene.text_changed.connect(self._on_scene_changed)  # a lesson, a session, an undo
        scene.run_changed.connect(self._on_run_changed)
        scene.reset.connect(self._on_scene_changed)
        self.refresh()

    # -- scene -> widgets ----------------------------------------------------------------
    def _on_run_changed(self, run, _config_changed):
        if run.id == self.scene.selected:
            self.refresh()

    def _on_scene_changed(self) -> None:
        """Another run, surface or scene: an old refusal no longer applies."""
        self.clear_error()
        self.refresh()

    def refresh(self) -> None:
        self.refreshing = True
        try:
            surface = get_surface(self.scene.surface)
            run = self.scene.selected_run
            for part in (self.surface_box, self.run_editor, self.stop_rules):
                part.refresh(surface, run)
        finally:
            self.refreshing = False

    # -- widgets -> scene ----------------------------------------------------------------
    def refuse(self, reason: str) -> None:
        self.error.setStyleSheet(theme.error_style(bold=True))
        self.error.setText(reason)
        self.message.emit(reason)

    def clear_error(self) -> None:
        text = self.error.text()
        self.error.clear()
        if text:
            self.error_cleared.emit(text)

    def update_run(self, **changes) -> None:
        """Change the selected run (nothing while refreshing); a refused change is
        not applied, says why and puts the widgets back."""
        run = self.scene.selected_run
        if run is None or self.refreshing:
            return
        try:
            self.scene.update_run(run.id, **changes)
        except ConfigError as e:
            self.refuse(f"Not applied: {e}")
            self.refresh()
            return
        self.clear_error()

    def set_hyper(self, **hyper) -> None:
        run = self.scene.selected_run
        if run is not None:
            self.update_run(hyper={**run.config.hyper, **hyper})
