"""The emulator's notion of now, so tests can expire uploads and batches without waiting."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

MAX_OFFSET = 100 * 365 * 24 * 3600.0
"""How far tests may move the clock in all: a century keeps every timestamp an ordinary number."""


class Clock:
    """Wall time plus an offset that tests move forward; or a frozen time when `start` is given.

    Advancing never touches real timers: every rule that depends on time (upload expiry, file
    expiry, batch expiry) compares against `now()` when the object is next looked at.
    """

    def __init__(self, start: float | None = None) -> None:
        self._start = start
        self._offset = 0.0
        self._lock = threading.Lock()
        self._listeners: list[Callable[[], None]] = []

    def on_advance(self, listener: Callable[[], None]) -> None:
        """Call `listener` after every advance (an emulator's batch runner: stages may have fallen due)."""
        self._listeners.append(listener)

    def now(self) -> float:
        base = time.time() if self._start is None else self._start
        return base + self._offset

    def timestamp(self) -> int:
        return int(self.now())

    @property
    def offset(self) -> float:
        return self._offset

    def advance(self, seconds: float) -> float:
        """Move the clock `seconds` forward; returns the new now.

        Raises `ValueError` for a negative or non-finite jump, or one beyond `MAX_OFFSET` in all.
        """
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError(f"the clock only moves forward, by a finite number of seconds, not {seconds}")
        with self._lock:
            if self._offset + seconds > MAX_OFFSET:
                raise ValueError(f"the clock moves at most {MAX_OFFSET:.0f} seconds in all")
            self._offset += seconds
        for listener in self._listeners:
            listener()
        return self.now()

    def reset(self) -> None:
        with self._lock:
            self._offset = 0.0
