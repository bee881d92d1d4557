"""Progress of one upload: bytes counted as they go on the wire, rewound when a part is retried."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Progress:
    bytes_sent: int
    total_bytes: int
    parts_done: int
    total_parts: int


ProgressCallback = Callable[[Progress], None]


class ProgressTracker:
    """Sums deltas from every part; callbacks run in the thread that sent the bytes."""

    def __init__(self, total_bytes: int, total_parts: int, callback: ProgressCallback | None) -> None:
        self._lock = threading.Lock()
        self._callback = callback
        self.total_bytes = total_bytes
        self.total_parts = total_parts
        self.bytes_sent = 0
        self.parts_done = 0

    def add(self, delta: int, parts: int = 0) -> None:
        """`delta` is negative when a retried part starts over."""
        with self._lock:
            self.bytes_sent += delta
            self.parts_done += parts
            event = Progress(self.bytes_sent, self.total_bytes, self.parts_done, self.total_parts)
        if self._callback is not None:
            self._callback(event)


class TextStream(Protocol):
    """Where a bar is drawn: any text stream."""

    def write(self, text: str, /) -> int: ...
    def flush(self) -> None: ...


class _Nowhere:
    def write(self, text: str, /) -> int:
        return len(text)

    def flush(self) -> None:
        pass


_NOWHERE = _Nowhere()


class ProgressBar:
    """A one-line bar for terminals: percent, MB sent, rate and parts; redrawn at most 10 times a second.

    Each redraw covers the whole previous line, which may have been longer. A stream that is closed or
    missing (`2>&-` leaves `sys.stderr` None) loses the bar, never the transfer.
    """

    def __init__(self, label: str = "upload", stream: TextStream | None = None, width: int = 30) -> None:
        self._label = label
        self._stream: TextStream = stream if stream is not None else (sys.stderr or _NOWHERE)
        self._width = width
        self._lock = threading.Lock()
        self._started = time.monotonic()
        self._drawn = 0.0
        self._shown = 0

    def __call__(self, p: Progress) -> None:
        now = time.monotonic()
        finished = p.parts_done == p.total_parts
        with self._lock:
            if not finished and now - self._drawn < 0.1:
                return
            self._drawn = now
            fraction = p.bytes_sent / p.total_bytes if p.total_bytes else 1.0
            filled = int(self._width * fraction)
            rate = p.bytes_sent / max(now - self._started, 1e-9) / 1e6
            line = (
                f"{self._label} [{'#' * filled}{'.' * (self._width - filled)}] {fraction:6.1%} "
                f"{p.bytes_sent / 1e6:,.1f}/{p.total_bytes / 1e6:,.1f} MB {rate:,.1f} MB/s "
                f"parts {p.parts_done}/{p.total_parts}"
            )
            padded, self._shown = line.ljust(self._shown), len(line)
            try:
                self._stream.write("\r" + padded + ("\n" if finished else ""))
                self._stream.flush()
            except (OSError, ValueError):  # a closed stream
                self._stream = _NOWHERE
