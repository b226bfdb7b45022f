"""Work a view does once per trajectory, done in a background thread when it is long.

A million-step run arriving made the window freeze for a second or two while the views
laid its trail out (numpy over every step, in the GUI thread). :class:`Prepared` runs such
work in one background thread instead: ``get`` answers at once with what is known, or
None while the thread computes it, and ``ready`` is emitted in the GUI thread when a result
has arrived, so that the view draws again. numpy releases the GIL over large arrays, so
the window keeps painting meanwhile. A result is kept for its key and tag (the objects it
was made from, compared by identity): a new trajectory for the same run makes it stale.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

from PySide6 import QtCore

__all__ = ["Prepared"]


def _same(a: tuple, b: tuple) -> bool:
    return len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))


class Prepared(QtCore.QObject):
    ready = QtCore.Signal()
    _finished = QtCore.Signal(object)  # emitted by the worker, delivered in the GUI thread

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gdsim-prepare")
        self._done: dict = {}  # key -> (tag, result)
        self._running: dict = {}  # key -> (tag, future) of the work computed for it
        # queued even when the work is done before its callback is attached (the
        # callback then runs in this thread): a result never arrives inside ``get``
        self._finished.connect(self._arrived, QtCore.Qt.QueuedConnection)

    def get(self, key, tag: tuple, work, background: bool = True):
        """``work()``'s result for ``key`` made from ``tag``: at once when known (or
        when not ``background``: small work is done here and now), else None while the
        background thread computes it (``ready`` follows)."""
        known = self._done.get(key)
        if known is not None and _same(known[0], tag):
            return known[1]
        running = self._running.get(key)
        if not background:
            if running is not None:
                self._running.pop(key)[1].cancel()
            result = work()
            self._done[key] = (tag, result)
            return result
        if running is None or not _same(running[0], tag):
            if running is not None:
                running[1].cancel()  # superseded: not computed if it has not begun
            future = self._pool.submit(work)
            self._running[key] = (tag, future)
            future.add_done_callback(lambda f, key=key, tag=tag: self._report(key, tag, f))
        return None

    def pending(self) -> bool:
        return bool(self._running)

    def _report(self, key, tag, future: Future) -> None:
        try:
            self._finished.emit((key, tag, future))
        except RuntimeError:  # the view was deleted meanwhile: nobody is waiting
            pass

    def _arrived(self, item) -> None:
        key, _tag, future = item
        running = self._running.get(key)
        if running is None or running[1] is not future or future.cancelled():
            return  # superseded by newer work for the same key
        del self._running[key]
        error = future.exception()
        # a failed work gives None (not asked again at every redraw), its error raised once
        self._done[key] = (running[0], None if error is not None else future.result())
        if error is not None:
            raise error
        self.ready.emit()

    def keep(self, keys) -> None:
        """Forget the results and the waits of every key not in ``keys``."""
        keys = set(keys)
        self._done = {k: v for k, v in self._done.items() if k in keys}
        for k in [k for k in self._running if k not in keys]:
            self._running.pop(k)[1].cancel()

    def clear(self) -> None:
        self.keep(())

    def close(self) -> None:
        self.clear()
        self._pool.shutdown(wait=False, cancel_futures=True)
