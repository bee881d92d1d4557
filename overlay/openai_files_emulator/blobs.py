"""Bodies on disk: spool files being received and stored file contents.

Nothing here holds a body in memory; the largest buffer is one network chunk or one read block.
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

READ_BLOCK = 1024 * 1024


class SpoolFile:
    """An open file that a request body is streamed into, counting the bytes it took."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.size = 0
        self._fd: int | None = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)

    def write(self, data: bytes | memoryview) -> None:
        assert self._fd is not None, "spool file already closed"
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        self.size += len(data)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def discard(self) -> None:
        self.close()
        self.path.unlink(missing_ok=True)


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

    def spool(self) -> SpoolFile:
        return SpoolFile(self._spool / secrets.token_hex(12))

    def adopt(self, spooled: Sequence[Path], file_id: str) -> tuple[Path, ...]:
        """Move finished spool files under a stored file's name, in order, without copying them."""
        segments = tuple(self._files / f"{file_id}.{index:05d}" for index in range(len(spooled)))
        for source, target in zip(spooled, segments, strict=True):
            os.replace(source, target)
        return segments

    def open(self, segments: Sequence[Path]) -> io.BufferedReader:
        return io.BufferedReader(SegmentReader(segments), buffer_size=READ_BLOCK)

    def iter_bytes(self, segments: Sequence[Path]) -> Iterator[bytes]:
        with self.open(segments) as reader:
            while block := reader.read(READ_BLOCK):
                yield block

    def md5(self, segments: Sequence[Path]) -> str:
        """Hash segments in order; runs in a worker thread so the event loop keeps serving."""
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
        if self._owned:
            shutil.rmtree(self.root, ignore_errors=True)
