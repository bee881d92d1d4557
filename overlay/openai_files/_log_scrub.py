"""Keeps API keys out of httpx's and httpcore's log records.

At DEBUG httpcore logs every response's headers verbatim, and httpx logs the status line at INFO, so a
server or proxy that echoes the key back would put it in a log line. The client registers its key here;
a filter on those loggers rewrites any record that contains one. Logger filters do not apply to child
loggers, hence the full list of httpcore's.
"""

from __future__ import annotations

import logging
import threading

from ._config import REDACTED

__all__ = ["scrub_logs_of"]

TRANSPORT_LOGGERS = (
    "httpx",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
)


class _KeyScrubber(logging.Filter):
    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._keys: frozenset[str] = frozenset()

    def add(self, key: str) -> bool:
        """Register `key`; True the first time any key is registered."""
        with self._lock:
            first = not self._keys
            self._keys = self._keys | {key}
            return first

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = message
        for key in self._keys:
            scrubbed = scrubbed.replace(key, REDACTED)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        return True


_SCRUBBER = _KeyScrubber()


def scrub_logs_of(key: str) -> None:
    """Keep `key` out of the transport's log records for the rest of the process."""
    if key and _SCRUBBER.add(key):
        for name in TRANSPORT_LOGGERS:
            logging.getLogger(name).addFilter(_SCRUBBER)
