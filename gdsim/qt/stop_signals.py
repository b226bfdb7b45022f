"""SIGTERM (a logout, ``kill``, a classroom-management tool) and SIGINT (Ctrl+C in the
terminal that started gdsim) close the window as File → Quit does, but without a question
nobody may be there to answer: unsaved changes are first written to a recovery session
(its path on stderr), the simulation thread stops, and gdsim exits with status 0.

Python runs a signal handler only between bytecodes, and Qt's event loop waits in C++:
the signal is also written to a socket (``signal.set_wakeup_fd``) that a
QSocketNotifier watches, which wakes the loop at once.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import time

from PySide6 import QtCore

from gdsim.io.session import SUFFIX, save_session

SIGNALS = (signal.SIGTERM, signal.SIGINT)


def recovery_folder() -> str:
    """Where sessions saved on a signal go (the platform's application data folder)."""
    base = QtCore.QStandardPaths.writableLocation(QtCore.QStandardPaths.AppDataLocation)
    return os.path.join(base or os.path.expanduser("~"), "recovered")


class StopSignals(QtCore.QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.received: int | None = None
        self._read, self._write = socket.socketpair()
        for s in (self._read, self._write):
            s.setblocking(False)
        self._old_fd = signal.set_wakeup_fd(self._write.fileno())
        self._old = {sig: signal.signal(sig, self._handler) for sig in SIGNALS}
        self.notifier = QtCore.QSocketNotifier(
            self._read.fileno(), QtCore.QSocketNotifier.Read, self
        )
        self.notifier.activated.connect(self._wake)

    def _handler(self, signum, _frame) -> None:
        self.received = signum  # the work is done in _wake, from Qt's event loop

    def _wake(self, *_args) -> None:
        try:
            data = self._read.recv(64)
        except BlockingIOError:
            data = b""
        signums = [b for b in data if b in SIGNALS] or ([self.received] if self.received else [])
        if signums:
            self.stop(signums[-1])

    def stop(self, signum: int) -> None:
        name = signal.Signals(signum).name
        documents = self.window.documents
        if documents.modified:
            path = os.path.join(
                recovery_folder(),
                f"{_safe(documents.document_name())}-{time.strftime('%Y%m%d-%H%M%S')}{SUFFIX}",
            )
            try:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                self.window.store_view_state()
                save_session(path, self.window.scene)
                print(f"gdsim: stopped by {name}; unsaved changes are in {path}", file=sys.stderr)
            except OSError as e:
                print(f"gdsim: stopped by {name}; unsaved changes lost: {e}", file=sys.stderr)
        self.window.ask_on_close = False
        self.window.close()

    def remove(self) -> None:
        """Give the signals back (the window is gone)."""
        for sig, old in self._old.items():
            signal.signal(sig, old)
        signal.set_wakeup_fd(self._old_fd)
        self.notifier.setEnabled(False)
        self._read.close()
        self._write.close()


def _safe(name: str) -> str:
    """A document name as part of a file name."""
    name = name.removesuffix(SUFFIX)
    keep = "".join(c if c.isalnum() or c in "-_" else "-" for c in name).strip("-")
    return (keep or "untitled")[:60]
