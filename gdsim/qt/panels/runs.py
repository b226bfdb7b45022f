"""The runs list: colour, name, optimizer and hyperparameters, live status; add,
duplicate with another optimizer, hide, remove, select."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from gdsim.core.optimizers import OPTIMIZERS, validate_hyper
from gdsim.core.trajectory import CONVERGED, DIVERGED
from gdsim.qt.panels.widgets import color_icon, fmt
from gdsim.qt.views.base import index_at


def hyper_summary(cfg) -> str:
    h = validate_hyper(cfg.optimizer, cfg.hyper)
    parts = [f"α={fmt(h['lr'])}"]
    defaults = OPTIMIZERS[cfg.optimizer].defaults
    for key, value in h.items():
        if key == "lr" or key not in defaults or value == defaults[key]:
            continue
        if key == "betas":
            parts.append(f"β=({fmt(value[0])}, {fmt(value[1])})")
        elif isinstance(value, bool):
            parts.append(key)
        else:
            parts.append(f"{key}={fmt(value)}")
    if cfg.batch_size:
        parts.append(f"B={cfg.batch_size}")
    if cfg.noise:
        parts.append(f"σ={fmt(cfg.noise)}")
    return f"{cfg.optimizer} " + ", ".join(parts)


def live_status(traj, cursor: int) -> str:
    """What the run is doing at the cursor: running, or how it ended once it has."""
    if traj is None:
        return "computing…"
    k = index_at(traj, cursor)
    st = traj.status
    if k < len(traj) - 1:
        return f"running (step {k})"
    if st.state in (CONVERGED, DIVERGED):
        return st.short
    return str(st)


class RunsPanel(QtWidgets.QWidget):
    def __init__(self, scene, controller, parent=None):
        super().__init__(parent)
        self.scene, self.controller = scene, controller
        self.tree = QtWidgets.QTreeWidget()
        self.tree.setHeaderLabels(["run", "optimizer", "status"])
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setToolTip("Tick to show or hide a run; select one to edit it in the panel")
        self.tree.itemSelectionChanged.connect(self._on_select)
        self.tree.itemChanged.connect(self._on_item_changed)
        self.add_btn = QtWidgets.QPushButton("Add")
        self.add_btn.setToolTip("Add a run at the surface's default start (or click the map)")
        self.dup_btn = QtWidgets.QToolButton()
        self.dup_btn.setText("Duplicate as…")
        self.dup_btn.setToolTip("Same start, another optimizer")
        self.dup_btn.setPopupMode(QtWidgets.QToolButton.InstantPopup)
        menu = QtWidgets.QMenu(self.dup_btn)
        for name in OPTIMIZERS:
            menu.addAction(name, lambda n=name: self._duplicate(n))
        self.dup_btn.setMenu(menu)
        self.remove_btn = QtWidgets.QPushButton("Remove")
        self.remove_btn.setToolTip("Remove the selected run (Delete)")
        self.add_btn.clicked.connect(lambda: self.scene.add_run())
        self.remove_btn.clicked.connect(self._remove)
        buttons = QtWidgets.QHBoxLayout()
        for b in (self.add_btn, self.dup_btn, self.remove_btn):
            buttons.addWidget(b)
        lay = QtWidgets.QVBoxLayout(self)
        lay.addWidget(self.tree)
        lay.addLayout(buttons)
        self._items: dict[int, QtWidgets.QTreeWidgetItem] = {}
        scene.run_added.connect(lambda _r: self.rebuild())
        scene.run_removed.connect(lambda _r: self.rebuild())
        scene.run_changed.connect(lambda _r, _c: self.rebuild())
        scene.surface_changed.connect(lambda _name: self.rebuild())  # runs restart with its α
        scene.selection_changed.connect(self._show_selection)
        scene.cursor_changed.connect(lambda _c: self.update_status())
        controller.trajectory_changed.connect(lambda _rid: self.update_status())
        self.rebuild()

    def rebuild(self) -> None:
        with QtCore.QSignalBlocker(self.tree):
            self.tree.clear()
            self._items = {}
            labels = self.scene.labels()
            for run in self.scene.runs:
                item = QtWidgets.QTreeWidgetItem([labels[run.id], hyper_summary(run.config), ""])
                item.setIcon(0, color_icon(run.color))
                item.setFlags(item.flags() | QtCore.Qt.ItemIsUserCheckable)
                item.setCheckState(0, QtCore.Qt.Checked if run.visible else QtCore.Qt.Unchecked)
                item.setData(0, QtCore.Qt.UserRole, run.id)
                self.tree.addTopLevelItem(item)
                self._items[run.id] = item
            for col in range(3):
                self.tree.resizeColumnToContents(col)
        self._show_selection(self.scene.selected)
        self.update_status()
        self.remove_btn.setEnabled(bool(self.scene.runs))
        self.dup_btn.setEnabled(self.scene.selected is not None)

    def update_status(self) -> None:
        with QtCore.QSignalBlocker(self.tree):
            for rid, item in self._items.items():
                item.setText(
                    2, live_status(self.controller.trajectories.get(rid), self.scene.cursor)
                )

    def status_text(self, run_id: int) -> str:
        return self._items[run_id].text(2)

    def _show_selection(self, run_id) -> None:
        with QtCore.QSignalBlocker(self.tree):
            self.tree.clearSelection()
            item = self._items.get(run_id)
            if item is not None:
                item.setSelected(True)
                self.tree.setCurrentItem(item)
        self.dup_btn.setEnabled(run_id is not None)

    def _on_select(self) -> None:
        items = self.tree.selectedItems()
        if items:
            self.scene.select(items[0].data(0, QtCore.Qt.UserRole))

    def _on_item_changed(self, item, column: int) -> None:
        if column == 0:
            rid = item.data(0, QtCore.Qt.UserRole)
            self.scene.update_run(rid, visible=item.checkState(0) == QtCore.Qt.Checked)

    def _duplicate(self, optimizer: str) -> None:
        if self.scene.selected is not None:
            self.scene.duplicate_run(self.scene.selected, optimizer)

    def _remove(self) -> None:
        if self.scene.selected is not None:
            self.scene.remove_run(self.scene.selected)
