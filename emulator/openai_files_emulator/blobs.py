"""Bodies on disk: spool files being received and stored file contents.

Nothing here holds a body in memory; the largest buffer is one network chunk or one read block.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import shutil
import tempfile
import weakref
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

READ_BLOCK = 1024 * 1024


class SpoolFile:
    """A file a body is streamed into, counting the bytes it took."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.size = 0
        # Private to the emulator's user, as the files they become (os.open: open() has no mode).
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)  # O_BINARY: Windows
        self._file = os.fdopen(os.open(path, flags, 0o600), "wb")

    def write(self, data: bytes | memoryview) -> None:
        self._file.write(data)
        self.size += len(data)

    def finish(self) -> None:
        self._file.close()

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            self._file.close()
        self.path.unlink(missing_ok=True)


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
        # A temporary root goes at close(), or at interpreter exit if nobody closed the app.
        self._cleanup = weakref.finalize(self, shutil.rmtree, self.root, True) if self._owned else None

    def spool(self) -> SpoolFile:
        """A new spool file for a request body."""
        return SpoolFile(self.spool_path(create=False))

    def spool_path(self, *, create: bool = True) -> Path:
        """A fresh name in the spool folder; `create` makes it an empty file (results written in pieces)."""
        path = self._spool / secrets.token_hex(12)
        if create:
            path.touch(mode=0o600, exist_ok=False)
        return path

    def adopt(self, spooled: Sequence[Path], file_id: str) -> tuple[Path, ...]:
        """Move finished spool files under a stored file's name, in order, without copying them."""
        segments = tuple(self._files / f"{file_id}.{index:05d}" for index in range(len(spooled)))
        for source, target in zip(spooled, segments, strict=True):
            os.replace(source, target)
        return segments

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

    def md5(self, segments: Sequence[Path]) -> str:
        """The md5 of segments back to back; blocking, so callers run it in a worker thread."""
        digest = hashlib.md5(usedforsecurity=False)
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
        if self._cleanup is not None:
            self._cleanup()
