"""The emulator's notion of now, so tests can expire uploads and batches without waiting."""

from __future__ import annotations

import threading
import time


class Clock:
    """Wall time plus an offset that tests move forward; or a frozen time when `start` is given.

    Advancing never touches real timers: every rule that depends on time (upload expiry, file
    expiry, batch expiry) compares against `now()` when the object is next looked at.
    """

    def __init__(self, start: float | None = None) -> None:
        self._start = start
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        base = time.time() if self._start is None else self._start
        return base + self._offset

    def timestamp(self) -> int:
        return int(self.now())

    @property
    def offset(self) -> float:
        return self._offset

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._offset += seconds
        return self.now()

    def reset(self) -> None:
        with self._lock:
            self._offset = 0.0
