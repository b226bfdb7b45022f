"""The plane box above a model's map: which plane the slice is drawn on (PCA of the
selected run's path, two random filter-normalised directions, or two named
parameters), a Recompute button, and a line saying what the plane is.

The choice is the scene's view flag ``plane`` ("pca", "random", "params:I,J"), so
sessions keep it; the plane is made again only when asked (a new choice or Recompute).
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from gdsim.core.slice_surface import PLANE_KINDS
from gdsim.core.surfaces import get_surface


class PlaneBar(QtWidgets.QWidget):
    def __init__(self, scene, landscape, parent=None):
        super().__init__(parent)
        self.scene, self.landscape = scene, landscape
        self._refreshing = False
        lay = QtWidgets.QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        label = QtWidgets.QLabel("Slice plane:")
        self.kind = QtWidgets.QComboBox()
        for key, text in PLANE_KINDS.items():
            self.kind.addItem(text, key)
        self.kind.setToolTip(
            "A model has more dials than a picture has axes: the map and 3D views show\n"
            "the loss on a plane through parameter space, f(θc + a·d₁ + b·d₂).\n"
            "PCA: the two directions the selected run moved most in (Li et al. 2018 §7).\n"
            "Random: two random directions scaled per neuron (filter-normalised, §4).\n"
            "Two of the parameters: the others held where the run ended."
        )
        label.setBuddy(self.kind)
        self.first, self.second = QtWidgets.QComboBox(), QtWidgets.QComboBox()
        for box, which in ((self.first, "a"), (self.second, "b")):
            box.setToolTip(f"The parameter along the map's {which} axis")
            box.setSizeAdjustPolicy(QtWidgets.QComboBox.AdjustToContents)
            box.currentIndexChanged.connect(self._on_choice)
        self.recompute = QtWidgets.QPushButton("Recompute plane")
        self.recompute.setToolTip(
            "Make the plane again around the selected run's path as it is now\n"
            "(the plane stays put while runs change, so the picture does not move)"
        )
        self.recompute.clicked.connect(self.landscape.request)
        self.info = QtWidgets.QLabel()
        self.info.setWordWrap(False)  # one line, cut at the bar's end (the tooltip has it all)
        self.info.setSizePolicy(QtWidgets.QSizePolicy.Ignored, QtWidgets.QSizePolicy.Preferred)
        for w in (label, self.kind, self.first, self.second, self.recompute):
            lay.addWidget(w)
        lay.addWidget(self.info, 1)
        self.kind.currentIndexChanged.connect(self._on_choice)
        scene.surface_changed.connect(lambda _name: self.refresh())
        scene.reset.connect(self.refresh)
        scene.view_changed.connect(self._on_view_changed)
        landscape.changed.connect(self.show_info)
        landscape.busy_changed.connect(lambda _busy: self.show_info())
        self.refresh()

    def refresh(self) -> None:
        """Show the scene's plane choice (and the model's parameter names)."""
        surface = get_surface(self.scene.surface)
        if surface.dim <= 2:
            return
        self._refreshing = True
        try:
            spec = self.landscape.spec()
            kind = spec.split(":")[0]
            self.kind.setCurrentIndex(max(0, self.kind.findData(kind)))
            names = list(surface.params)
            for box in (self.first, self.second):
                if [box.itemText(i) for i in range(box.count())] != names:
                    box.clear()
                    box.addItems(names)
            i, j = (0, 1)
            if kind == "params":
                i, j = (int(v) for v in spec.split(":")[1].split(","))
            self.first.setCurrentIndex(i)
            self.second.setCurrentIndex(j)
            for box in (self.first, self.second):
                box.setVisible(kind == "params")
        finally:
            self._refreshing = False
        self.show_info()

    def spec(self) -> str:
        kind = self.kind.currentData()
        if kind != "params":
            return kind
        i, j = self.first.currentIndex(), self.second.currentIndex()
        if i == j:  # two different parameters: move the other one on
            j = (i + 1) % self.second.count()
        return f"params:{i},{j}"

    def _on_choice(self, _index: int) -> None:
        if self._refreshing:
            return
        spec = self.spec()
        if spec != self.landscape.spec():
            self.scene.set_view("plane", spec)

    def _on_view_changed(self, key: str) -> None:
        if key in ("plane", "*"):
            self.refresh()

    def show_info(self) -> None:
        ls = self.landscape
        if ls.busy:
            text = "computing the slice…"
        elif ls.plane is None:
            text = ""
        else:
            text = ls.plane.label
            if ls.plane.spec != ls.spec():
                text += " (no path yet for a PCA plane)"
        self.info.setText(text)
        self.recompute.setEnabled(not ls.busy)
        self.setToolTip(text)

    def sizeHint(self) -> QtCore.QSize:
        hint = super().sizeHint()
        return QtCore.QSize(min(hint.width(), 400), hint.height())
