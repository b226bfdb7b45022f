"""The iteration timeline (a slider over every recorded step with step buttons and a
counter) and the step table of the selected run, both following the scene's cursor."""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtWidgets

from gdsim.core.explain import STATE_SYMBOLS
from gdsim.core.surfaces import get_surface
from gdsim.qt.panels.widgets import SteadyLabel, on_screen
from gdsim.qt.views.base import index_at


class Timeline(QtWidgets.QWidget):
    def __init__(self, scene, controller, parent=None):
        super().__init__(parent)
        self.scene, self.controller = scene, controller
        self.slider = QtWidgets.QSlider(QtCore.Qt.Horizontal)
        self.slider.setToolTip("Scrub through the iterations: every view follows (Home / End)")
        self.slider.setTracking(True)
        self.slider.setPageStep(10)
        self.label = SteadyLabel(min_width=130)
        self.label.setAlignment(QtCore.Qt.AlignRight | QtCore.Qt.AlignVCenter)
        lay = QtWidgets.QHBoxLayout(self)
        lay.setContentsMargins(6, 0, 6, 0)
        lay.addWidget(QtWidgets.QLabel("step"))
        lay.addWidget(self.slider, 1)
        lay.addWidget(self.label)
        self.slider.valueChanged.connect(self._on_slider)
        scene.cursor_changed.connect(lambda _c: self.show_cursor())
        scene.reset.connect(self.sync)
        controller.trajectory_changed.connect(lambda _rid: self.sync())
        self.sync()

    def _on_slider(self, value: int) -> None:
        if value != self.scene.cursor:
            self.scene.set_cursor(value)

    def sync(self) -> None:
        """The slider's range from the trajectories (they changed), then the cursor."""
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(self.controller.last_step(), 0))
        self.slider.blockSignals(False)
        self.show_cursor()

    def show_cursor(self) -> None:
        self.slider.blockSignals(True)
        self.slider.setValue(self.scene.cursor)
        self.slider.blockSignals(False)
        self.label.show_count(self.scene.cursor, self.slider.maximum())


# read once: a Qt enum read from PySide6 costs more than the rest of a cell (the table
# asks for every visible cell at each repaint)
_DISPLAY, _ALIGNMENT = QtCore.Qt.DisplayRole, QtCore.Qt.TextAlignmentRole
_RIGHT = int(QtCore.Qt.AlignRight | QtCore.Qt.AlignVCenter)


class StepModel(QtCore.QAbstractTableModel):
    """A trajectory as rows (read from its arrays on demand, so any length is cheap)."""

    def __init__(self):
        super().__init__()
        self.traj = None
        self.headers: list[str] = []
        self.tips: list[str] = []
        self.columns: list[np.ndarray] = []

    def set_trajectory(self, traj, surface, full: bool = False) -> None:
        """The compact columns (step, θ, loss, ‖∇f‖, lr, and a classifier's accuracy),
        or with ``full`` also the gradient's components, Δθ and every optimizer buffer
        per component."""
        params = surface.params
        self.beginResetModel()
        self.traj = traj
        cols = [("step", "", None), *((p, f"θ: {p}", None) for p in params)]
        cols += [("loss", "f(θ)", None), ("‖∇f‖", "the gradient's norm", None)]
        cols.append(("lr", "the learning rate of the step that leaves this row", None))
        if traj is not None:
            cols = [
                (h, tip, col) for (h, tip, _), col in zip(cols, self._compact(traj), strict=True)
            ]
        model = getattr(surface, "model", None)
        if traj is not None and model is not None and model.is_classifier:
            tip = "the fraction of training rows the network classifies right at this step"
            cols.append(
                ("accuracy", tip, _PerRow(len(traj), lambda k: model.accuracy(traj.position[k])))
            )
        if traj is not None and traj.evaluations is not None:  # L-BFGS, the line search
            evals = np.array([len(e) for e in traj.evaluations], dtype=float)
            cols.append(("f evals", "evaluations of f inside the step that leaves this row", evals))
        if traj is not None and full:
            cols += self._full(traj, params)
        self.headers = [h for h, _, _ in cols]
        self.tips = [tip for _, tip, _ in cols]
        self.columns = [] if traj is None else [c for _, _, c in cols]
        self.endResetModel()

    @staticmethod
    def _compact(traj) -> list[np.ndarray]:
        return [traj.steps, *traj.position.T, traj.loss, traj.grad_norm, traj.lr]

    @staticmethod
    def _full(traj, params) -> list[tuple[str, str, np.ndarray]]:
        out = [
            (f"g_{p}", f"the gradient given, ∂f/∂{p}", traj.grad[:, i])
            for i, p in enumerate(params)
        ]
        delta = np.full_like(traj.position, np.nan)
        delta[:-1] = np.diff(traj.position, axis=0)
        out += [(f"Δ{p}", f"θ_{{k+1}} − θ_k along {p}", delta[:, i]) for i, p in enumerate(params)]
        for name, rows in traj.state.items():
            sym = STATE_SYMBOLS.get(name, name)
            out += [
                (
                    f"{name if sym == p else sym}_{p}",  # exp_avg_m, not m_m (house prices)
                    f"{name} (torch's name), carried into step k, along {p}",
                    rows[:, i],
                )
                for i, p in enumerate(params)
            ]
        return out

    def text(self, column: int, row: int) -> str:
        v = self.columns[column][row]
        if column == 0 or self.headers[column] == "f evals":
            return str(int(v))
        if np.isnan(v) and self.headers[column].startswith("Δ"):
            return ""
        return f"{v + 0.0:.6g}"  # + 0.0: a buffer that starts at −0.0 reads 0

    def rowCount(self, parent=QtCore.QModelIndex()):  # noqa: B008
        return 0 if parent.isValid() or self.traj is None else len(self.traj)

    def columnCount(self, parent=QtCore.QModelIndex()):  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def data(self, index, role=_DISPLAY):
        if not index.isValid() or not self.columns:
            return None
        if role == _DISPLAY:
            return self.text(index.column(), index.row())
        if role == _ALIGNMENT:
            return _RIGHT
        return None

    def headerData(self, section, orientation, role=QtCore.Qt.DisplayRole):
        if orientation != QtCore.Qt.Horizontal or section >= len(self.headers):
            return None
        if role == QtCore.Qt.DisplayRole:
            return self.headers[section]
        if role == QtCore.Qt.ToolTipRole:
            return self.tips[section] or None
        return None


class StepTable(QtWidgets.QTableView):
    """step, position, loss, ‖∇f‖ and learning rate of the selected run, one row per step
    (with ``set_full(True)`` also the gradient, Δθ and the optimizer's buffers); the
    cursor's row is selected, and selecting a row moves the cursor."""

    full = False

    def __init__(self, scene, controller, parent=None):
        super().__init__(parent)
        self.scene, self.controller = scene, controller
        self.steps = StepModel()
        self.setModel(self.steps)
        self.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectRows)
        self.setSelectionMode(QtWidgets.QAbstractItemView.SingleSelection)
        self.verticalHeader().setVisible(False)
        self.setAlternatingRowColors(True)
        self.setToolTip("The selected run, step by step; click a row to move the cursor there")
        self._syncing = False
        self._resize_pending = False
        self.selectionModel().selectionChanged.connect(self._on_select)
        scene.selection_changed.connect(lambda _r: self.rebuild())
        scene.surface_changed.connect(lambda _n: self.rebuild())
        scene.cursor_changed.connect(lambda _c: self.follow())
        scene.reset.connect(self.rebuild)
        controller.trajectory_changed.connect(self._on_traj)
        self.rebuild()

    def _on_traj(self, run_id: int) -> None:
        if run_id == self.scene.selected:
            self.rebuild()

    def rebuild(self) -> None:
        self._syncing = True
        traj = self.controller.trajectories.get(self.scene.selected)
        self.steps.set_trajectory(traj, get_surface(self.scene.surface), self.full)
        self._resize_pending = True
        self._syncing = False
        self.follow()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.follow()

    def set_full(self, full: bool) -> None:
        if full != self.full:
            self.full = full
            self.rebuild()

    def _fit_columns(self) -> None:
        """Column widths from the headers and the longest numbers of the trajectory
        (every row up to 4000, evenly spaced ones beyond), measured in Python: Qt's own
        sizing asks the model for every role of every cell, ~0.1 s per 100 rows."""
        if not self._resize_pending or not self.isVisible():
            return
        self._resize_pending = False
        m = self.steps
        if not m.columns:
            return
        n = len(m.columns[0])
        most = 4000 if len(m.headers) <= 40 else 100  # a model's hundreds of columns
        rows = range(n) if n <= most else np.linspace(0, n - 1, most).astype(int)
        cell = self.fontMetrics()
        head = self.horizontalHeader().fontMetrics()
        pad = 16 + cell.horizontalAdvance("0")
        for col, name in enumerate(m.headers):
            longest = sorted((m.text(col, int(r)) for r in rows), key=len)[-3:]
            width = max(cell.horizontalAdvance(t) for t in longest) + pad
            self.setColumnWidth(col, max(width, head.horizontalAdvance(name) + 24))

    def follow(self) -> None:
        traj = self.steps.traj
        if traj is None or not len(traj) or not on_screen(self):
            return  # a hidden table (or one behind another tab) catches up when shown
        self._fit_columns()
        row = index_at(traj, self.scene.cursor)
        self._syncing = True
        self.selectRow(row)
        self.scrollTo(self.steps.index(row, 0), QtWidgets.QAbstractItemView.EnsureVisible)
        self._syncing = False

    def selected_step(self) -> int | None:
        rows = self.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    def _on_select(self, *_args) -> None:
        if self._syncing:
            return
        step = self.selected_step()
        if step is not None:
            self.scene.set_playing(False)
            self.scene.set_cursor(step)


class _PerRow:
    """A column computed row by row as the table shows it (a classifier's accuracy:
    one pass of the network over the data per row)."""

    def __init__(self, n: int, value) -> None:
        self._values = np.full(n, np.nan)
        self._value = value

    def __len__(self) -> int:
        return len(self._values)

    def __getitem__(self, row: int) -> float:
        if np.isnan(self._values[row]):
            self._values[row] = self._value(row)
        return self._values[row]


class StepsPanel(QtWidgets.QWidget):
    """The step table with its switch between the compact and the full set of columns."""

    def __init__(self, table: StepTable, parent=None):
        super().__init__(parent)
        self.table = table
        self.full = QtWidgets.QCheckBox("All columns")
        self.full.setToolTip(
            "Also the gradient's components, each step's Δθ and every state buffer of the "
            "optimizer (momentum b, moments m and v, accumulator s…) per component"
        )
        self.full.setSizePolicy(QtWidgets.QSizePolicy.Ignored, QtWidgets.QSizePolicy.Fixed)
        self.full.toggled.connect(table.set_full)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 2, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(self.full)
        lay.addWidget(table, 1)
