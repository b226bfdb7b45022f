"""The Export dialog (Ctrl+E): what to export, at which scale / fps, where; a
cancellable progress dialog for animations."""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtCore, QtWidgets

from gdsim.qt import export as ex

KINDS = {
    "PNG picture": "png",
    "SVG drawing (2D views)": "svg",
    "Animated GIF": "gif",
    "MP4 video": "mp4",
    "Trajectories as CSV": "csv",
    "Trajectories as JSON": "json",
}


class ExportDialog(QtWidgets.QDialog):
    def __init__(self, window, parent=None):
        super().__init__(parent or window)
        self.window = window
        self.setWindowTitle("Export")
        form = QtWidgets.QFormLayout(self)
        self.kind = QtWidgets.QComboBox()
        self.kind.addItems(list(KINDS))
        self.view = QtWidgets.QComboBox()
        self.view.setToolTip("What to export: the whole window or one view")
        self.scale = QtWidgets.QSpinBox()
        self.scale.setRange(1, 4)
        self.scale.setSuffix(" ×")
        self.scale.setToolTip("Resolution: 1× to 4× the size on screen")
        self.fps = QtWidgets.QDoubleSpinBox()
        self.fps.setRange(0.5, 60.0)
        self.fps.setValue(10.0)
        self.fps.setSuffix(" fps")
        self.last = QtWidgets.QSpinBox()
        self.last.setRange(0, max(window.controller.last_step(), 0))
        self.last.setValue(window.scene.cursor)
        self.last.setToolTip("Pictures show this step; animations run from 0 to it")
        form.addRow("export", self.kind)
        form.addRow("view", self.view)
        form.addRow("scale", self.scale)
        form.addRow("frames per second", self.fps)
        form.addRow("step", self.last)
        buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.Save | QtWidgets.QDialogButtonBox.Cancel
        )
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        form.setSizeConstraint(QtWidgets.QLayout.SetFixedSize)  # no empty rows when fields hide
        remembered = QtCore.QSettings().value("export/kind", "", type=str)
        if remembered in KINDS:
            self.kind.setCurrentText(remembered)
        self.kind.currentIndexChanged.connect(self._update_fields)
        self._update_fields()

    def fmt(self) -> str:
        return KINDS[self.kind.currentText()]

    def _view_title(self, name: str) -> str:
        if name == "contour":  # the map: contour lines, or the curve of a 1D surface
            return "map (curve)" if self.window.view_area.map_view().surface.dim == 1 else "map"
        return {"window": "whole window", "3d": "3D surface", "loss": "loss", "data": "data"}[name]

    def available_views(self, fmt: str) -> list[str]:
        """The views that this format can be made of, on the surface shown."""
        w = self.window
        views = list(ex.SVG_VIEWS if fmt == "svg" else ex.VIEWS)
        if not w.surface3d.isVisibleTo(w) and "3d" in views:
            views.remove("3d")
        data = w.built_view("data")
        if (data is None or not data.isVisibleTo(w)) and "data" in views:
            views.remove("data")
        return views

    def _update_fields(self) -> None:
        fmt = self.fmt()
        current = self.view.currentData()
        views = self.available_views(fmt)
        with QtCore.QSignalBlocker(self.view):
            self.view.clear()
            for name in views:  # shown by what the class sees; the command line's name
                self.view.addItem(self._view_title(name), name)
            names = [self.view.itemData(i) for i in range(self.view.count())]
            self.view.setCurrentIndex(names.index(current) if current in names else 0)
        form = self.layout()
        for w, on in (
            (self.view, fmt not in ("csv", "json")),
            (self.scale, fmt == "png"),
            (self.fps, fmt in ("gif", "mp4")),
            (self.last, fmt not in ("csv", "json")),
        ):
            w.setVisible(on)
            form.labelForField(w).setVisible(on)

    def _save(self) -> None:
        fmt = self.fmt()
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self, "Export to", f"gdsim-{self.view.currentData()}.{fmt}", f"*.{fmt}"
        )
        if not path:
            return
        if Path(path).suffix.lower() != f".{fmt}":
            path += f".{fmt}"
        QtCore.QSettings().setValue("export/kind", self.kind.currentText())
        self.export_to(path)

    def export_to(self, path: str) -> bool:
        fmt = Path(path).suffix.lower().lstrip(".")
        progress = None
        if fmt in ("gif", "mp4"):
            dlg = QtWidgets.QProgressDialog(
                "Rendering frames…", "Cancel", 0, self.last.value() + 1, self
            )
            dlg.setWindowModality(QtCore.Qt.WindowModal)
            dlg.setMinimumDuration(300)

            def progress(done, total):
                dlg.setValue(done)
                return not dlg.wasCanceled()

        try:
            done = ex.export(
                self.window,
                self.view.currentData(),
                path,
                scale=self.scale.value(),
                fps=self.fps.value(),
                step=self.last.value(),
                progress=progress,
            )
        except (ex.ExportError, OSError) as e:
            QtWidgets.QMessageBox.warning(self, "Cannot export", str(e))
            return False
        if not done:
            self.window.statusBar().showMessage("Export cancelled: nothing written", 6000)
            return False
        self.window.statusBar().showMessage(f"Exported {path}", 6000)
        self.accept()
        return True
