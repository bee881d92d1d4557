"""The abort signal of one transfer: an error latch that every part, the md5 pass and the limiter read."""

from __future__ import annotations

import threading

from .._errors import TransferAborted

SIGNAL_CHECK = 0.2
"""Seconds the main thread blocks at most between looks at pending signals.

A Ctrl-C that lands just before a blocking wait starts is only handled when the wait returns, which
for a part on a slow link can be minutes; waiting in slices bounds that delay.
"""


class AbortSignal:
    """Latches the first error of a transfer; every reader stops at its next look (`check`, `wait`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.error: BaseException | None = None
        """The latched error; read only (`abort` sets it)."""
        self._set = threading.Event()

    def abort(self, error: BaseException) -> bool:
        """Latch `error` unless one is already latched; True when this call won."""
        with self._lock:
            if self.error is not None:
                return False
            self.error = error
        self._set.set()
        return True

    def check(self) -> None:
        """Raise `TransferAborted` in the caller's thread once the transfer was aborted, so its work stops."""
        if self.error is not None:
            raise TransferAborted(f"stopped because the transfer failed: {self.error!r}")

    def wait(self, seconds: float) -> None:
        """Sleep `seconds`, cut short by an abort, which then raises as `check` does."""
        self._set.wait(seconds)
        self.check()
