"""The window's document: which file (or lesson) it is, undo and redo of every scene
edit, the modified mark in the title, asking before unsaved work is lost, recent files.

Every edit of the scene (``Scene.editing``) arrives as ``Scene.edited`` with snapshots
of before and after; it becomes a command on a QUndoStack whose undo restores the
before snapshot.  Edits that come in a stream (dragging the α slider or a start ring)
merge into one command while they keep coming.
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from gdsim.io.session import SUFFIX, SessionError, read_session, save_session
from gdsim.model import Scene
from gdsim.presets import load_preset, scene_document

#: edits with the same merge key closer together than this make one undo step
MERGE_SECONDS = 1.5


class SnapshotCommand(QtGui.QUndoCommand):
    """One scene edit: undo restores ``before``, redo ``after``."""

    def __init__(self, documents, label, key, before, after):
        super().__init__(label)
        self.documents, self.key = documents, key
        self.before, self.after = before, after
        self.stamp = time.monotonic()
        self._first = True

    def id(self) -> int:
        return 1 if self.key is not None else -1

    def mergeWith(self, other) -> bool:
        if (
            other.key != self.key
            or other.stamp - self.stamp > MERGE_SECONDS
            or not self.after.same_content(other.before)
        ):
            return False
        self.after, self.stamp = other.after, other.stamp
        return True

    def redo(self) -> None:
        if self._first:  # the edit has happened already
            self._first = False
            return
        self.documents.restore(self.after)

    def undo(self) -> None:
        self.documents.restore(self.before)


class Documents(QtCore.QObject):
    """Open, save, undo; ``window`` is the MainWindow (title, status bar, dialogs)."""

    def __init__(self, window, scene: Scene):
        super().__init__(window)
        self.window, self.scene = window, scene
        self.session_path: str | None = None
        self.undo_stack = QtGui.QUndoStack(self)
        self._restoring = False
        scene.edited.connect(self._on_edited)
        scene.text_changed.connect(self.update_title)
        scene.reset.connect(self.update_title)
        # bound methods: Qt drops the connections when this object goes
        self.undo_stack.cleanChanged.connect(self._on_clean_changed)
        self.undo_stack.indexChanged.connect(self._on_index_changed)

    def _on_clean_changed(self, _clean: bool) -> None:
        self.update_title()

    def _on_index_changed(self, _index: int) -> None:
        self._sync_actions()

    # -- undo ----------------------------------------------------------------------------
    def _on_edited(self, label, key, before, after) -> None:
        if not self._restoring:
            self.undo_stack.push(SnapshotCommand(self, label, key, before, after))

    def restore(self, snapshot) -> None:
        self._restoring = True
        try:
            self.scene.restore(snapshot)
        finally:
            self._restoring = False

    def _sync_actions(self) -> None:
        acts = getattr(self.window, "actions_by_name", {})
        for name, can, text in (
            ("undo", self.undo_stack.canUndo(), self.undo_stack.undoText()),
            ("redo", self.undo_stack.canRedo(), self.undo_stack.redoText()),
        ):
            act = acts.get(name)
            if act is not None:
                act.setEnabled(can)
                word = name.capitalize()
                act.setText(f"&{word} {text}" if can and text else f"&{word}")

    @property
    def modified(self) -> bool:
        return not self.undo_stack.isClean()

    def mark_clean(self) -> None:
        self.undo_stack.setClean()
        self.update_title()

    # -- title ---------------------------------------------------------------------------
    def document_name(self) -> str:
        if self.session_path:
            return Path(self.session_path).name
        return self.scene.title or "untitled"

    def update_title(self) -> None:
        self.window.setWindowTitle(f"{self.document_name()}[*] — gdsim")
        self.window.setWindowModified(self.modified)
        self._sync_actions()

    # -- asking --------------------------------------------------------------------------
    def ask_to_save(self, doing: str) -> str:
        """'save', 'discard' or 'cancel' (a message box; tests replace this)."""
        box = QtWidgets.QMessageBox(self.window)
        box.setIcon(QtWidgets.QMessageBox.Warning)
        box.setWindowTitle("Unsaved changes")
        box.setText(f"Save the changes to {self.document_name()} before {doing}?")
        box.setInformativeText("Your changes are lost if you don't save them.")
        box.setStandardButtons(
            QtWidgets.QMessageBox.Save
            | QtWidgets.QMessageBox.Discard
            | QtWidgets.QMessageBox.Cancel
        )
        box.setDefaultButton(QtWidgets.QMessageBox.Save)
        answer = box.exec()
        return {
            QtWidgets.QMessageBox.Save: "save",
            QtWidgets.QMessageBox.Discard: "discard",
        }.get(answer, "cancel")

    def may_discard(self, doing: str) -> bool:
        """True when the current work may be replaced: nothing unsaved, or the user
        saved it or chose to discard it."""
        if not self.modified:
            return True
        answer = self.ask_to_save(doing)
        if answer == "save":
            return self.save()
        return answer == "discard"

    # -- lessons and sessions ------------------------------------------------------------
    def open_preset(self, name: str) -> bool:
        preset = load_preset(name)
        if not self.may_discard(f"opening the lesson “{preset.title}”"):
            return False
        self.scene.load(Scene.from_dict(scene_document(preset)), label=f"Open {preset.title}")
        self.session_path = None
        self.mark_clean()
        return True

    def open_session(self, path: str) -> bool:
        """Open a saved session; on failure say why and change nothing."""
        try:
            scene = read_session(path)
        except SessionError as e:
            QtWidgets.QMessageBox.warning(self.window, "Cannot open session", str(e))
            self.window.statusBar().showMessage(str(e), 10000)
            return False
        if not self.may_discard(f"opening {Path(path).name}"):
            return False
        self.scene.load(scene, label=f"Open {Path(path).name}")
        self.session_path = path
        self.remember(path)
        self.mark_clean()
        self.window.statusBar().showMessage(f"Opened {path}", 5000)
        return True

    def open_dialog(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(
            self.window, "Open session", "", "gdsim sessions (*.gdsim.json);;All files (*)"
        )
        if path:
            self.open_session(path)

    def save(self) -> bool:
        if not self.session_path:
            return self.save_as()
        return self.save_to(self.session_path)

    def save_as(self) -> bool:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self.window, "Save session", "lesson" + SUFFIX, "gdsim sessions (*.gdsim.json)"
        )
        if not path:
            return False
        if not path.endswith(".json"):
            path += SUFFIX
        return self.save_to(path)

    def save_to(self, path: str) -> bool:
        self.window.store_view_state()
        try:
            save_session(path, self.scene)
        except OSError as e:
            QtWidgets.QMessageBox.warning(self.window, "Cannot save", str(e))
            return False
        self.session_path = path
        self.remember(path)
        self.mark_clean()
        self.window.statusBar().showMessage(f"Saved {path}", 5000)
        return True

    # -- recent files --------------------------------------------------------------------
    def fill_recent(self, menu: QtWidgets.QMenu) -> None:
        self._recent_menu = menu
        menu.clear()
        recent = QtCore.QSettings().value("recent", [], type=list) or []
        for path in recent:
            menu.addAction(path, lambda p=path: self.open_session(p))
        menu.setEnabled(bool(recent))

    def remember(self, path: str) -> None:
        s = QtCore.QSettings()
        recent = [p for p in (s.value("recent", [], type=list) or []) if p != path]
        s.setValue("recent", [path, *recent][:8])
        menu = getattr(self, "_recent_menu", None)
        if menu is not None:
            self.fill_recent(menu)
