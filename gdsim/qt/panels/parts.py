"""What the boxes of the control panel share: the panel they edit the scene through,
and the small layout helpers that keep a narrow panel readable."""

from __future__ import annotations

from PySide6 import QtWidgets


class PanelPart(QtWidgets.QGroupBox):
    """A box of the control panel: it changes the selected run through the panel
    (``panel.update_run``, ``panel.refuse``) and is refreshed by it (``refresh``);
    its handlers do nothing while the panel is refreshing."""

    def __init__(self, title: str, panel):
        super().__init__(title)
        self.panel = panel

    @property
    def scene(self):
        return self.panel.scene

    @property
    def refreshing(self) -> bool:
        return self.panel.refreshing

    def refresh(self, surface, run) -> None:  # pragma: no cover - every part has one
        raise NotImplementedError


def form(parent) -> QtWidgets.QFormLayout:
    """A form whose fields go under their labels when the panel is narrow."""
    f = QtWidgets.QFormLayout(parent)
    f.setRowWrapPolicy(QtWidgets.QFormLayout.WrapLongRows)
    f.setFieldGrowthPolicy(QtWidgets.QFormLayout.AllNonFixedFieldsGrow)
    return f


def combo() -> QtWidgets.QComboBox:
    """A combo box that does not make the panel wider than its dock."""
    c = QtWidgets.QComboBox()
    c.setSizeAdjustPolicy(QtWidgets.QComboBox.AdjustToMinimumContentsLengthWithIcon)
    c.setMinimumContentsLength(12)
    return c
