"""The runs list: colour and marker, name, optimizer and hyperparameters, live status;
add, duplicate with another optimizer, rename, hide, remove, select.

Rows are updated in place; the list is rebuilt only when runs come or go."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from gdsim.core.optimizers import OPTIMIZERS, validate_hyper
from gdsim.core.simulation import ConfigError
from gdsim.qt import theme
from gdsim.qt.panels.widgets import fmt, run_icon
from gdsim.qt.views.base import index_at
from gdsim.qt.views.legend import status_at

#: settings a run's row names beside α (short ones: the list is narrow at 1024 px); the
#: others are counted ("+2 more"), the row's tooltip names them all
SHOWN_SETTINGS = 2
SHORT_SETTING = 10


def hyper_summary(cfg, limit: int | None = SHOWN_SETTINGS) -> str:
    """The optimizer and the settings that differ from its defaults: α first, then at
    most ``limit`` others (None: all)."""
    h = validate_hyper(cfg.optimizer, cfg.hyper)
    defaults = OPTIMIZERS[cfg.optimizer].defaults
    parts = []
    for key, value in h.items():
        if key == "lr" or key not in defaults:
            continue
        # what it would be, were it not given (L-BFGS' max_eval follows max_iter)
        unset = validate_hyper(cfg.optimizer, {k: v for k, v in cfg.hyper.items() if k != key})
        if value == unset[key]:
            continue
        if key == "betas":
            parts.append(f"β=({fmt(value[0])}, {fmt(value[1])})")
        elif isinstance(value, bool):
            parts.append(key)
        elif isinstance(value, tuple):
            parts.append(f"{key}=({', '.join(map(fmt, value))})")
        elif isinstance(value, str):  # a choice names itself: strong_wolfe
            parts.append(value)
        elif isinstance(value, int):
            parts.append(f"{key}={value}")
        else:
            parts.append(f"{key}={fmt(value)}")
    if cfg.batch_size:
        parts.append(f"B={cfg.batch_size}")
    if cfg.noise:
        parts.append(f"σ={fmt(cfg.noise)}")
    if cfg.clip_norm is not None:
        parts.append(f"clip {fmt(cfg.clip_norm)}")
    if limit is not None:
        short = [p for p in parts if len(p) <= SHORT_SETTING][:limit]
        if len(short) < len(parts):
            parts = [*short, f"+{len(parts) - len(short)} more"]
    return f"{cfg.optimizer} " + ", ".join([f"α={fmt(h['lr'])}", *parts])


def row_text(label: str, cfg) -> str:
    """A run's name, and under it the settings that the name does not already say."""
    summary = hyper_summary(cfg)
    if label.split()[0].lower() == cfg.optimizer:  # "gd 2": the settings without "gd"
        summary = summary.removeprefix(cfg.optimizer).strip()
    if not summary or summary in label:
        return label
    return f"{label}\n{_wrapped(summary)}"


#: a settings line longer than this is broken after a comma (the list is narrow at 1024 px)
LINE_CHARS = 26
MARGIN = 3  # px around a cell's text (Fusion's item margin, and a pixel)
STATUS_SHARE = 0.42  # of the list's width, at most


def _wrapped(text: str) -> str:
    lines: list[str] = []
    for part in text.split(", "):
        if lines and len(lines[-1]) + 2 + len(part) <= LINE_CHARS:
            lines[-1] += ", " + part
        else:
            lines.append(part)
    return ",\n".join(lines)


def live_status(traj, cursor: int) -> str:
    """What the run is doing at the cursor: running, or how it ended, short as in the
    legend ("max steps (200)"; the row's tooltip says it in full).  The step is the
    timeline's: with it here, every row changed and was painted again at every step,
    2.6 ms a step with 64 runs."""
    if traj is not None and index_at(traj, cursor) < len(traj) - 1:
        return "running"
    text = status_at(traj, cursor, with_step=False)
    head, _, last = text.rpartition(" ")  # wrapped: "step 12" stays whole
    return f"{head}\N{NO-BREAK SPACE}{last}" if head else last


class RunsPanel(QtWidgets.QWidget):
    message = QtCore.Signal(str)  # a refusal, for the status bar

    def __init__(self, scene, controller, parent=None):
        super().__init__(parent)
        self.scene, self.controller = scene, controller
        self.tree = QtWidgets.QTreeWidget()
        self.tree.setHeaderLabels(["run", "status"])
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setWordWrap(True)  # a narrow panel wraps a row instead of cutting it
        self.tree.setUniformRowHeights(False)
        self.tree.setTextElideMode(QtCore.Qt.ElideNone)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QtWidgets.QHeaderView.Stretch)
        header.setSectionResizeMode(1, QtWidgets.QHeaderView.Interactive)
        header.sectionResized.connect(lambda i, _old, _new: i == 1 and self._fit_rows())
        self.tree.setToolTip(
            "Tick to show or hide a run; select one to edit it in the panel; "
            "double-click (F2) to rename"
        )
        self.tree.itemSelectionChanged.connect(self._on_select)
        self.tree.itemChanged.connect(self._on_item_changed)
        self.tree.itemDoubleClicked.connect(lambda item, _c: self.rename())
        self.add_btn = QtWidgets.QPushButton("Add")
        self.add_btn.setToolTip("Add a run at the surface's default start (or click the map)")
        # a push button with a menu keeps room for its arrow (a tool button's arrow
        # overlapped the text in a narrow panel)
        self.dup_btn = QtWidgets.QPushButton("Duplicate")
        self.dup_btn.setToolTip("The same start with another optimizer")
        menu = QtWidgets.QMenu(self.dup_btn)
        for name in OPTIMIZERS:
            menu.addAction(name, lambda n=name: self._duplicate(n))
        self.dup_btn.setMenu(menu)
        self.remove_btn = QtWidgets.QPushButton("Remove")
        self.remove_btn.setToolTip("Remove the selected run (Delete; Ctrl+Z brings it back)")
        self.add_btn.clicked.connect(lambda: self._refusable(self.scene.add_run))
        self.remove_btn.clicked.connect(self.remove)
        buttons = QtWidgets.QHBoxLayout()
        for b in (self.add_btn, self.dup_btn, self.remove_btn):
            buttons.addWidget(b)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.tree)
        lay.addLayout(buttons)
        self._items: dict[int, QtWidgets.QTreeWidgetItem] = {}
        self._fit_icons()
        scene.run_added.connect(lambda _r: self.rebuild())
        scene.run_removed.connect(lambda _r: self.rebuild())
        scene.run_changed.connect(lambda _r, _c: self.refresh_rows())
        scene.surface_changed.connect(lambda _name: self.refresh_rows())  # runs take its α
        scene.selection_changed.connect(self._show_selection)
        scene.reset.connect(self.rebuild)
        scene.cursor_changed.connect(lambda _c: self.update_status())
        controller.trajectory_changed.connect(lambda _rid: self.update_status())
        self.rebuild()

    def rebuild(self) -> None:
        """One row per run (runs came or went)."""
        with QtCore.QSignalBlocker(self.tree):
            self.tree.clear()
            self._items = {}
            for run in self.scene.runs:
                item = QtWidgets.QTreeWidgetItem(["", ""])
                item.setFlags(item.flags() | QtCore.Qt.ItemIsUserCheckable)
                item.setData(0, QtCore.Qt.UserRole, run.id)
                self.tree.addTopLevelItem(item)
                self._items[run.id] = item
        self.refresh_rows()
        self._show_selection(self.scene.selected)
        self.remove_btn.setEnabled(bool(self.scene.runs))

    def refresh_rows(self) -> None:
        """Every row's name, settings, colour, marker and tick, in place."""
        if [r.id for r in self.scene.runs] != list(self._items):
            self.rebuild()
            return
        labels, markers = self.scene.labels(), self.scene.markers()
        with QtCore.QSignalBlocker(self.tree):
            for run in self.scene.runs:
                item = self._items[run.id]
                item.setText(0, row_text(labels[run.id], run.config))
                item.setToolTip(0, hyper_summary(run.config, limit=None))
                item.setIcon(0, run_icon(run.color, markers[run.id], self.tree.iconSize().width()))
                item.setCheckState(0, QtCore.Qt.Checked if run.visible else QtCore.Qt.Unchecked)
        self.update_status()

    def update_status(self) -> None:
        changed = False
        with QtCore.QSignalBlocker(self.tree):
            for rid, item in self._items.items():
                traj = self.controller.trajectories.get(rid)
                text = live_status(traj, self.scene.cursor)
                if item.text(1) != text:
                    item.setText(1, text)
                    full = text if text == "running" else status_at(traj, self.scene.cursor)
                    item.setToolTip(1, full)
                    changed = True
        if changed:
            self._fit_status_column()

    def _fit_status_column(self) -> None:
        """The status column as wide as its longest text (up to STATUS_SHARE of the
        list: the names need the room more, and a status wraps), and the rows as tall
        as their wrapped texts (the view does not measure a row again when its text
        changes, and measures a status that wraps as one line: "diverged at step 12"
        was cut after "step").  Measured when the list is on show (showEvent): the
        runs of a lesson finishing one by one at start-up are measured once."""
        if not self.tree.isVisible():
            return
        metrics = self.tree.fontMetrics()
        widest = max(
            [metrics.horizontalAdvance(it.text(1)) for it in self._items.values()]
            + [metrics.horizontalAdvance("status")]
        )
        width = min(widest + 16, max(int(STATUS_SHARE * self.tree.viewport().width()), 80))
        if abs(self.tree.columnWidth(1) - width) > 4:
            self.tree.setColumnWidth(1, width)
        self._fit_rows()

    def _fit_rows(self) -> None:
        """Each row as tall as its status wrapped at the status column's width."""
        metrics = self.tree.fontMetrics()
        room = QtCore.QRect(0, 0, self.tree.columnWidth(1) - 2 * MARGIN, 1 << 20)
        for item in self._items.values():
            text = metrics.boundingRect(room, QtCore.Qt.TextWordWrap, item.text(1))
            item.setSizeHint(1, QtCore.QSize(text.width(), text.height() + 2 * MARGIN))
        self.tree.doItemsLayout()

    def _fit_icons(self) -> None:
        """The runs' colour and marker as large as their text (projector mode)."""
        side = round(16 * theme.FONT_SCALE)
        if self.tree.iconSize().width() != side:
            self.tree.setIconSize(QtCore.QSize(side, side))
            if self._items:
                self.refresh_rows()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QtCore.QEvent.FontChange:
            self._fit_icons()
            self._fit_status_column()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_status_column()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._fit_status_column()

    def status_text(self, run_id: int) -> str:
        """The status a run's row reads (its spaces plain)."""
        return self._items[run_id].text(1).replace("\N{NO-BREAK SPACE}", " ")

    def label_text(self, run_id: int) -> str:
        return self._items[run_id].text(0).split("\n")[0]

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
            self._refusable(self.scene.duplicate_run, self.scene.selected, optimizer)

    def _refusable(self, edit, *args) -> None:
        """An edit the scene may refuse (a scene holds so many runs): say why."""
        try:
            edit(*args)
        except ConfigError as e:
            self.message.emit(f"Not added: {e}")

    def remove(self) -> None:
        if self.scene.selected is not None:
            self.scene.remove_run(self.scene.selected)

    def rename(self, name: str | None = None) -> None:
        """Give the selected run a name of the user's own (empty: the automatic label)."""
        rid = self.scene.selected
        if rid is None:
            return
        if name is None:
            name, ok = QtWidgets.QInputDialog.getText(
                self,
                "Rename run",
                "Name (empty: named after its settings):",
                text=self.scene.run(rid).name or self.scene.label(rid),
            )
            if not ok:
                return
        run = self.scene.run(rid)
        if name.strip() == self.scene.label(rid) and not run.own_name:
            return  # left as it was: it stays named after its settings
        self.scene.update_run(rid, name=name)
