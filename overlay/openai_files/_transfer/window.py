"""A part of the file as a small readable object that httpx can stream without holding the part.

httpx's multipart encoder seeks a file object to 0 before sending it (so every retry starts the part
over) and takes its length from `fileno()` when there is one (which would be the whole file's size). A
window therefore has no `fileno`, seeks relative to the part's start, clamps `read` to the part and
knows its own length. The encoder asks for 64 KiB at a time; every read then costs a trip through h11
and a send, so a window may hand out `read_size` bytes instead, which halves the client's CPU per byte.
"""

from __future__ import annotations

import os
import uuid

from .abort import AbortSignal
from .bandwidth import TokenBucket
from .progress import ProgressTracker
from .source import Source


class PartWindow:
    """Bytes `[offset, offset + length)` of `source`, read on demand."""

    def __init__(
        self,
        source: Source,
        index: int,
        offset: int,
        length: int,
        *,
        abort: AbortSignal,
        tracker: ProgressTracker,
        limiter: TokenBucket | None = None,
        progress_step: int = 1024 * 1024,
        read_size: int = 0,
    ) -> None:
        self.index = index
        self.key = f"openai-files-{uuid.uuid4()}"
        """The Idempotency-Key every attempt at sending this part repeats."""
        self.offset = offset
        self.length = length
        self._source = source
        self._abort = abort
        self._tracker = tracker
        self._limiter = limiter
        self._step = progress_step
        self._read_size = read_size
        self._pos = 0
        self._reported = 0

    def __len__(self) -> int:
        return self.length

    def __repr__(self) -> str:
        return f"<PartWindow {self.index} bytes {self.offset}+{self.length}>"

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._pos, os.SEEK_END: self.length}[whence]
        self._pos = min(max(base + offset, 0), self.length)
        if self._pos < self._reported:
            self._tracker.add(self._pos - self._reported)
            self._reported = self._pos
        return self._pos

    def read(self, n: int = -1) -> bytes:
        self._abort.check()
        left = self.length - self._pos
        n = left if n is None or n < 0 else min(max(n, self._read_size), left)
        if n == 0:
            return b""
        if self._limiter is not None:
            self._limiter.consume(n, self._abort)
        data = self._source.read_exact(self.offset + self._pos, n)
        self._pos += n
        if self._pos - self._reported >= self._step or self._pos == self.length:
            self._tracker.add(self._pos - self._reported)
            self._reported = self._pos
        return data

    def close(self) -> None:
        """Nothing to release: the source owns the descriptor."""
