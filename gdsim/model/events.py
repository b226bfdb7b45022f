"""A minimal observer: ``Signal.connect(callback)``, ``Signal.emit(*args)`` (no Qt)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager


class Signal:
    """Callbacks called in connection order; ``blocked()`` silences emission for a while."""

    def __init__(self) -> None:
        self._slots: list[Callable] = []
        self._blocked = 0

    def connect(self, slot: Callable) -> Callable:
        self._slots.append(slot)
        return slot

    def disconnect(self, slot: Callable) -> None:
        self._slots.remove(slot)

    def emit(self, *args) -> None:
        if self._blocked:
            return
        for slot in list(self._slots):
            slot(*args)

    @contextmanager
    def blocked(self):
        self._blocked += 1
        try:
            yield
        finally:
            self._blocked -= 1
