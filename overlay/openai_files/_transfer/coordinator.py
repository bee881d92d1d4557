"""One coordinator per upload: the first error wins and every part sees it at its next read."""

from __future__ import annotations

import threading

from .._errors import TransferAborted

SIGNAL_CHECK = 0.2
"""Seconds the main thread blocks at most between looks at pending signals.

A Ctrl-C that lands just before a blocking wait starts is only handled when the wait returns, which
for a part on a slow link can be minutes; waiting in slices bounds that delay.
"""


class Coordinator:
    """Shared failure state of one upload, read by part bodies, the md5 thread and the limiter."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._error: BaseException | None = None
        self.stopped = threading.Event()

    @property
    def error(self) -> BaseException | None:
        return self._error

    def fail(self, error: BaseException) -> bool:
        """Record `error` unless one is already recorded; True when this call won."""
        with self._lock:
            if self._error is not None:
                return False
            self._error = error
        self.stopped.set()
        return True

    def check(self) -> None:
        """Raise in the caller's thread once the upload has failed, so its request stops."""
        if self._error is not None:
            raise TransferAborted(f"stopped because the upload failed: {self._error!r}")
