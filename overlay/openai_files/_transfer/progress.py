"""Progress of one transfer, upload or download: bytes counted as they cross the wire, rewound on a retry.

Uploads and downloads report the same `Progress` through the same `ProgressTracker`, so one callback
(a `ProgressBar`, a log line, a metric) serves both.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Progress:
    """Where a transfer stands.

    `bytes_done` counts bytes sent (upload) or received (download) so far; it goes back when a part is
    retried. `total_bytes` is None when a download's server did not announce its size. The transfer is
    over when `parts_done == total_parts` (a download is one part).
    """

    bytes_done: int
    total_bytes: int | None
    parts_done: int
    total_parts: int

    @property
    def finished(self) -> bool:
        """True once every part is done."""
        return self.parts_done == self.total_parts


ProgressCallback = Callable[[Progress], None]
"""Called with a `Progress` after every step; from the thread that moved the bytes."""


class ProgressTracker:
    """Sums deltas from every part; callbacks run in the thread that moved the bytes."""

    def __init__(self, total_bytes: int | None, total_parts: int, callback: ProgressCallback | None) -> None:
        self._lock = threading.Lock()
        self._callback = callback
        self.total_bytes = total_bytes
        self.total_parts = total_parts
        self.bytes_done = 0
        self.parts_done = 0

    def add(self, delta: int, parts: int = 0) -> None:
        """`delta` is negative when a retried part starts over."""
        with self._lock:
            self.bytes_done += delta
            self.parts_done += parts
            event = Progress(self.bytes_done, self.total_bytes, self.parts_done, self.total_parts)
        if self._callback is not None:
            self._callback(event)


class TextStream(Protocol):
    """Where a bar is drawn: any text stream."""

    def write(self, text: str, /) -> int: ...
    def flush(self) -> None: ...


def is_terminal(stream: object) -> bool:
    """Whether `stream` is a terminal; a stream without `isatty`, closed or broken, is not."""
    try:
        return bool(getattr(stream, "isatty", lambda: False)())
    except (OSError, ValueError):
        return False


class _Nowhere:
    def write(self, text: str, /) -> int:
        return len(text)

    def flush(self) -> None:
        pass


_NOWHERE = _Nowhere()


class ProgressBar:
    """A one-line bar: percent, MB moved, rate and parts.

    Pass it as `progress=` to `uploads.upload_file` or `files.download`. On a terminal it is redrawn in
    place at most 10 times a second, each redraw covering the whole previous line; anywhere else (a log
    file, a pipe) only the final line is written, so logs hold no `\r` sequences. Without a known size (a
    download whose server did not say) it shows the MB and the rate only. A stream that is closed or
    missing (`2>&-` leaves `sys.stderr` None) loses the bar, never the transfer.
    """

    def __init__(self, label: str = "upload", stream: TextStream | None = None, width: int = 30) -> None:
        """`label` starts the line; `stream` defaults to stderr; `width` is the bar's length in characters."""
        self._label = label
        self._stream: TextStream = stream if stream is not None else (sys.stderr or _NOWHERE)
        self._width = width
        self._in_place = is_terminal(self._stream)
        self._lock = threading.Lock()
        self._started = time.monotonic()
        self._drawn = 0.0
        self._shown = 0

    def __call__(self, p: Progress) -> None:
        if self._throttled(p.finished):  # before any formatting: most steps stop here
            return
        rate = p.bytes_done / max(time.monotonic() - self._started, 1e-9) / 1e6
        text = f"{p.bytes_done / 1e6:,.1f}"
        text += f"/{p.total_bytes / 1e6:,.1f} MB" if p.total_bytes is not None else " MB"
        text += f" {rate:,.1f} MB/s"
        if p.total_parts > 1:
            text += f" parts {p.parts_done}/{p.total_parts}"
        done = None if p.total_bytes is None else p.bytes_done / p.total_bytes if p.total_bytes else 1.0
        self.show(text, fraction=done, finished=p.finished)

    def show(self, text: str, *, fraction: float | None = None, finished: bool = False) -> None:
        """Draw `label [bar] percent text`, for work counted in anything (a batch job counts requests);
        the bar and percent only with a `fraction` done. Throttled and placed as described above."""
        with self._lock:
            if self._throttled(finished):
                return
            self._drawn = time.monotonic()
            line = f"{self._label} {self._bar(fraction)}{text}"
            if self._in_place:
                line, self._shown = "\r" + line.ljust(self._shown), len(line)
            try:
                self._stream.write(line + ("\n" if finished else ""))
                self._stream.flush()
            except (OSError, ValueError):  # a closed stream
                self._stream = _NOWHERE

    def _throttled(self, finished: bool) -> bool:
        """True for a step not drawn: all but the last off a terminal, else within 0.1 s of a redraw."""
        return not finished and (not self._in_place or time.monotonic() - self._drawn < 0.1)

    def _bar(self, fraction: float | None) -> str:
        if fraction is None:
            return ""
        filled = int(self._width * fraction)
        return f"[{'#' * filled}{'.' * (self._width - filled)}] {fraction:6.1%} "
