"""Random-access reads over a path or a seekable binary file object, safe from many threads."""

from __future__ import annotations

import io
import os
import stat
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .._errors import FileChangedError, InvalidInputError


@dataclass(frozen=True)
class FileStat:
    """The file's size and mtime when sending began: a file that changes while it is sent fails before
    complete. (Resume compares the journal's `FileFingerprint`, which also samples the content.)"""

    size: int
    mtime_ns: int


class Source:
    """Reads `size` bytes starting at `start` of the underlying file, by absolute offset.

    Files with a descriptor are read with `os.pread`, which moves no shared offset, so parts read in
    parallel without a lock. Other seekable objects (BytesIO) are read under a lock.
    """

    def __init__(self, file: BinaryIO, *, size: int, start: int, owned: bool, name: str) -> None:
        self._file = file
        self._owned = owned
        self._lock = threading.Lock()
        self._fd = _regular_fd(file)
        self.start = start
        self.size = size
        self.name = name
        self.path: Path | None = None

    @classmethod
    def open_path(cls, path: str | os.PathLike[str]) -> Source:
        p = Path(path)
        file = open_regular_file(p)
        source = cls(file, size=os.fstat(file.fileno()).st_size, start=0, owned=True, name=p.name)
        source.path = p.resolve()
        return source

    @classmethod
    def from_file(cls, file: BinaryIO) -> Source:
        """Sends from the object's current position to its end; the caller keeps it open."""
        if isinstance(file, io.TextIOBase):
            raise InvalidInputError("the file object is opened in text mode; open it with 'rb'", param="file")
        try:
            start = file.tell()
            end = file.seek(0, os.SEEK_END)
            file.seek(start)
        except (AttributeError, OSError, ValueError) as exc:
            raise InvalidInputError(f"the file object must be seekable: {exc}", param="file") from None
        name = os.path.basename(str(getattr(file, "name", "") or "")) or "upload.bin"
        return cls(file, size=end - start, start=start, owned=False, name=name)

    def stat(self) -> FileStat | None:
        """Size and mtime now; None for an object with no descriptor (nothing to compare)."""
        if self._fd is None:
            return None
        st = os.fstat(self._fd)
        return FileStat(size=st.st_size, mtime_ns=st.st_mtime_ns)

    def pread(self, offset: int, n: int) -> bytes:
        """Read up to `n` bytes at `offset` (relative to `start`); short only at the end of the file."""
        if self._fd is not None:
            return os.pread(self._fd, n, self.start + offset)
        with self._lock:
            self._file.seek(self.start + offset)
            return self._file.read(n)

    def read_exact(self, offset: int, n: int) -> bytes:
        data = self.pread(offset, n)
        if len(data) != n:
            raise FileChangedError(
                f"{self.name}: expected {n} bytes at offset {offset}, read {len(data)}; "
                "the file shrank while it was being sent"
            )
        return data

    def check_unchanged(self, before: FileStat | None) -> None:
        """Fail when the file's size or mtime moved since `before` was taken."""
        if before is not None and self.stat() != before:
            raise FileChangedError(f"{self.name}: the file changed while it was being sent")

    def close(self) -> None:
        if self._owned:
            self._file.close()


def _regular_fd(file: BinaryIO) -> int | None:
    try:
        fd = file.fileno()
        return fd if stat.S_ISREG(os.fstat(fd).st_mode) else None
    except (AttributeError, OSError, ValueError):
        return None


def open_regular_file(path: Path) -> BinaryIO:
    """Opens `path` for sending, refusing anything but a readable regular file (`InvalidInputError`)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise InvalidInputError(f"{path}: no such file", param="file") from None
    except OSError as exc:
        raise InvalidInputError(f"{path}: {exc.strerror}", param="file") from None
    if not stat.S_ISREG(st.st_mode):
        raise InvalidInputError(f"{path}: not a regular file", param="file")
    try:
        return path.open("rb", buffering=0)
    except OSError as exc:
        raise InvalidInputError(f"{path}: {exc.strerror}", param="file") from None
