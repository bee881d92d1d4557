"""Bodies on disk: spool files being received and stored file contents.

Nothing here holds a body in memory; the largest buffer is one network chunk or one read block.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import os
import secrets
import shutil
import tempfile
import threading
import weakref
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

READ_BLOCK = 1024 * 1024
WRITE_BATCH = 1024 * 1024
MAX_IN_FLIGHT = 8 * 1024 * 1024
SPOOL_WRITERS = 4
IOV_MAX = 1024
# The speculative md5 uses spare CPU only: on a busy machine it falls behind, never the wire.
HASHER_NICENESS = 19

Buffers = list[bytes | memoryview]
Tap = Callable[[Buffers], bool]


class SpoolFile:
    """A file a body is streamed into, counting the bytes it took.

    With a `writer` pool, writes go out in batches of about 1 MiB on worker threads (`pwritev` at
    known offsets, so order does not matter) while the event loop keeps reading the socket: on two
    cores that overlaps the two big copies of ingest instead of running them back to back. `drain`
    bounds what is in flight, so memory stays a few MiB per request whatever the body size.
    Without a pool (a worker thread writing batch results) writes are direct.
    A `follow`er (the upload's running md5) is handed each batch too, until it declines one.
    """

    def __init__(self, path: Path, writer: Executor | None = None) -> None:
        self.path = path
        self.size = 0
        self._fd: int | None = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self._writer = writer
        self._batch: Buffers = []
        self._batched = 0
        self._in_flight: deque[tuple[Future[None], int]] = deque()
        self._in_flight_bytes = 0
        self._tap: Tap | None = None
        self._spliced = False

    def write(self, data: bytes | memoryview) -> None:
        assert self._fd is not None, "spool file already closed"
        offset, self.size = self.size, self.size + len(data)
        if self._writer is None:
            _pwrite_all(self._fd, [data], offset)
            return
        self._batch.append(data)
        self._batched += len(data)
        if self._batched >= WRITE_BATCH:
            self._submit()

    def fileno(self) -> int:
        assert self._fd is not None, "spool file already closed"
        return self._fd

    def spliced(self, count: int) -> None:
        """`count` bytes went into the file at `size` by other means (the server's splice).

        A follower gets the rest from the file: it was not handed these. The file may hold bytes
        beyond them (read ahead of the form's end), cut at `finish`.
        """
        if self._batch:
            self._submit()  # a batch's offset counts back from `size`
        self.size += count
        self._tap = None
        self._spliced = True

    def follow(self, tap: Tap) -> tuple[int, list[Future[None]]] | None:
        """Hand later batches to `tap` too, until it returns False.

        Returns the offset of the first byte `tap` will see and the writes that must finish before
        the bytes ahead of it can be read back from the file; None once the body is complete.
        """
        if self._fd is None or self._writer is None:
            return None
        self._tap = tap
        return self.size - self._batched, [future for future, _ in self._in_flight]

    def unfollow(self) -> None:
        self._tap = None

    def _submit(self) -> None:
        assert self._fd is not None and self._writer is not None
        offset = self.size - self._batched
        future = self._writer.submit(_pwrite_all, self._fd, self._batch, offset)
        if self._tap is not None and not self._tap(self._batch):
            self._tap = None
        self._in_flight.append((future, self._batched))
        self._in_flight_bytes += self._batched
        self._batch, self._batched = [], 0

    async def drain(self, limit: int = MAX_IN_FLIGHT) -> None:
        """Wait for queued writes until at most `limit` bytes are still in flight."""
        while self._in_flight and self._in_flight_bytes > limit:
            future, size = self._in_flight.popleft()
            self._in_flight_bytes -= size
            await asyncio.wrap_future(future)

    async def finish(self) -> None:
        if self._batch:
            self._submit()
        await self.drain(0)
        if self._spliced and self._fd is not None:
            os.ftruncate(self._fd, self.size)
        self.close()

    def close(self) -> None:
        self._tap = None
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    async def discard(self) -> None:
        self._batch, self._batched = [], 0
        with contextlib.suppress(OSError):
            await self.drain(0)  # a queued write must not outlive its descriptor
        self.close()
        self.path.unlink(missing_ok=True)


def _pwrite_all(fd: int, buffers: Buffers, offset: int) -> None:
    views = [memoryview(b) for b in buffers]
    while views:
        written = os.pwritev(fd, views[:IOV_MAX], offset)  # more buffers at once: EINVAL
        offset += written
        while views and written >= len(views[0]):
            written -= len(views[0])
            views.pop(0)
        if views and written:
            views[0] = views[0][written:]


def _yield_cpu() -> None:
    """Lower the calling thread's priority (Linux schedules threads one by one)."""
    with contextlib.suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASHER_NICENESS)


class SegmentReader(io.RawIOBase):
    """Reads a file's segments back to back, so a multi-part file reads like one."""

    def __init__(self, segments: Sequence[Path]) -> None:
        super().__init__()
        self._pending = list(segments)
        self._current: BinaryIO | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        while True:
            if self._current is None:
                if not self._pending:
                    return 0
                self._current = open(self._pending.pop(0), "rb")  # noqa: SIM115 - closed below
            count = self._current.readinto(buffer)  # type: ignore[attr-defined]
            if count:
                return int(count)
            self._current.close()
            self._current = None

    def close(self) -> None:
        if self._current is not None:
            self._current.close()
        super().close()


class BlobStore:
    """One directory per emulator instance; a temporary one is removed by `close()`.

    A stored file is a tuple of segment paths: one for a file sent whole, one per part for a
    completed upload. Completion therefore moves part files instead of copying them (a 2 GiB copy
    costs seconds and doubles the disk writes), and readers see the segments back to back.
    """

    def __init__(self, root: Path | None) -> None:
        self._owned = root is None
        self.root = Path(tempfile.mkdtemp(prefix="openai-files-emulator-")) if root is None else root
        self._spool = self.root / "spool"
        self._files = self.root / "files"
        self._spool.mkdir(parents=True, exist_ok=True)
        self._files.mkdir(parents=True, exist_ok=True)
        self._writers = ThreadPoolExecutor(max_workers=SPOOL_WRITERS, thread_name_prefix="spool-writer")
        # One thread runs every speculative md5 job: first in, first out keeps each upload's order.
        self.hasher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="md5", initializer=_yield_cpu)
        # A temporary root goes at close(), or at interpreter exit if nobody closed the app.
        self._cleanup = weakref.finalize(self, shutil.rmtree, self.root, True) if self._owned else None

    def spool(self, *, direct: bool = False) -> SpoolFile:
        """A spool file for a request body; `direct` for one written from a worker thread."""
        return SpoolFile(self._spool / secrets.token_hex(12), None if direct else self._writers)

    def spool_path(self) -> Path:
        """A new empty file in the spool folder, for results written a piece at a time."""
        path = self._spool / secrets.token_hex(12)
        path.touch(mode=0o600, exist_ok=False)
        return path

    def adopt(self, spooled: Sequence[Path], file_id: str) -> tuple[Path, ...]:
        """Move finished spool files under a stored file's name, in order, without copying them."""
        segments = tuple(self._files / f"{file_id}.{index:05d}" for index in range(len(spooled)))
        for source, target in zip(spooled, segments, strict=True):
            os.replace(source, target)
        return segments

    def open(self, segments: Sequence[Path]) -> io.BufferedReader:
        return io.BufferedReader(SegmentReader(segments), buffer_size=READ_BLOCK)

    def iter_bytes(
        self, segments: Sequence[Path], start: int = 0, stop: int | None = None
    ) -> Iterator[bytes]:
        """The stored bytes from `start` up to `stop` (the end if None), block by block."""
        left = None if stop is None else stop - start
        for path in segments:
            with path.open("rb") as source:
                size = os.fstat(source.fileno()).st_size
                if start >= size:
                    start -= size
                    continue
                source.seek(start)
                start = 0
                while left is None or left > 0:
                    block = source.read(READ_BLOCK if left is None else min(READ_BLOCK, left))
                    if not block:
                        break
                    if left is not None:
                        left -= len(block)
                    yield block
            if left == 0:
                return

    def md5(self, segments: Sequence[Path], start: hashlib._Hash | None = None) -> str:
        """Hash segments in order, continuing `start` if given; runs in a worker thread."""
        digest = start or hashlib.md5(usedforsecurity=False)
        for block in self.iter_bytes(segments):
            digest.update(block)
        return digest.hexdigest()

    def delete(self, segments: Iterable[Path]) -> None:
        for path in segments:
            path.unlink(missing_ok=True)

    def clear(self) -> None:
        for folder in (self._spool, self._files):
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True, exist_ok=True)

    def close(self) -> None:
        self._writers.shutdown(wait=True)
        self.hasher.shutdown(wait=True, cancel_futures=True)
        if self._cleanup is not None:
            self._cleanup()
