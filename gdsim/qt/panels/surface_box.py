"""The surface box: the list of surfaces, the box for one's own formula, the surface's
formula and description."""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from gdsim.core.formula import PREFIX, formula_text, is_formula
from gdsim.core.surfaces import surface_names, surface_title
from gdsim.qt.panels.formula_box import FormulaBox
from gdsim.qt.panels.parts import PanelPart, combo
from gdsim.qt.panels.widgets import WrappedLabel


class SurfaceBox(PanelPart):
    def __init__(self, panel):
        super().__init__("Surface", panel)
        lay = QtWidgets.QVBoxLayout(self)
        self.surface_combo = combo()
        for name in surface_names():
            self.surface_combo.addItem(surface_title(name), name)
        self.surface_combo.addItem("Your own formula…", PREFIX)
        self.surface_combo.setToolTip(
            "The loss surface the marbles roll on; below the line, small real models\n"
            "whose loss over all their weights is drawn through a plane"
        )
        # the models build their data sets when first listed: after the window is up
        QtCore.QTimer.singleShot(800, self._add_models)
        self.surface_combo.currentIndexChanged.connect(self._on_surface_picked)
        self.formula_box = FormulaBox()
        self.formula_box.applied.connect(self._on_formula_applied)
        self.formula_box.refused.connect(panel.message)
        self.formula_box.hide()
        self.formula = WrappedLabel()
        self.description = WrappedLabel()
        self.description.setForegroundRole(QtGui.QPalette.PlaceholderText)  # follows the theme
        for w in (self.surface_combo, self.formula_box, self.formula, self.description):
            lay.addWidget(w)

    def _add_models(self) -> None:
        if self.surface_combo.findData("model-separator") >= 0:
            return
        from gdsim.core.model_surface import model_surface_names
        from gdsim.core.surfaces import get_surface

        self.surface_combo.insertSeparator(self.surface_combo.count())
        self.surface_combo.setItemData(self.surface_combo.count() - 1, "model-separator")
        for name in model_surface_names():
            s = get_surface(name)
            self.surface_combo.addItem(f"{s.title} ({s.dim} weights)", name)

    def refresh(self, surface, _run) -> None:
        if surface.dim > 2:
            self._add_models()
        custom = is_formula(self.scene.surface)
        key = PREFIX if custom else self.scene.surface
        self.surface_combo.setCurrentIndex(self.surface_combo.findData(key))
        self.formula_box.setVisible(custom)
        if custom:
            self.formula_box.set_text(formula_text(self.scene.surface))
            self.formula_box.set_dimension(surface.dim)
        self.formula.setText(f"<b>{surface.formula}</b>")
        self.description.setText(surface.description)

    def _on_surface_picked(self, _index: int) -> None:
        if self.refreshing:
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
        self.panel.clear_error()
        if name != self.scene.surface:
            self.scene.set_surface(name)
