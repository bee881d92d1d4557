"""Bodies on disk: spool files being received, stored file contents, and assembly by file-to-file copy.

Nothing here holds a body in memory; the largest buffer is one network chunk or one hashing block.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

HASH_BLOCK = 1024 * 1024


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


class BlobStore:
    """One directory per emulator instance; a temporary one is removed by `close()`."""

    def __init__(self, root: Path | None) -> None:
        self._owned = root is None
        self.root = Path(tempfile.mkdtemp(prefix="openai-files-emulator-")) if root is None else root
        self._spool = self.root / "spool"
        self._files = self.root / "files"
        self._spool.mkdir(parents=True, exist_ok=True)
        self._files.mkdir(parents=True, exist_ok=True)

    def spool(self) -> SpoolFile:
        return SpoolFile(self._spool / secrets.token_hex(12))

    def path(self, file_id: str) -> Path:
        return self._files / file_id

    def adopt(self, spool_path: Path, file_id: str) -> Path:
        """Turn a finished spool file into a stored file without copying it."""
        target = self.path(file_id)
        os.replace(spool_path, target)
        return target

    def assemble(self, sources: Iterable[Path], file_id: str, want_md5: bool) -> tuple[Path, str | None]:
        """Concatenate part files into a stored file in the kernel, hashing only when asked to.

        Runs in a worker thread: a 2 GiB assembly must not stall the event loop.
        """
        target = self.path(file_id)
        digest = hashlib.md5(usedforsecurity=False) if want_md5 else None
        with open(target, "wb") as out:
            for source in sources:
                with open(source, "rb") as src:
                    if digest is None:
                        _copy_range(src.fileno(), out.fileno(), os.fstat(src.fileno()).st_size)
                    else:
                        while block := src.read(HASH_BLOCK):
                            digest.update(block)
                            out.write(block)
        return target, digest.hexdigest() if digest else None

    def delete(self, path: Path) -> None:
        path.unlink(missing_ok=True)

    def clear(self) -> None:
        for folder in (self._spool, self._files):
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True, exist_ok=True)

    def close(self) -> None:
        if self._owned:
            shutil.rmtree(self.root, ignore_errors=True)


def _copy_range(src: int, dst: int, size: int) -> None:
    remaining = size
    while remaining > 0:
        try:
            copied = os.copy_file_range(src, dst, remaining)
        except OSError:
            copied = os.sendfile(dst, src, None, remaining)
        if copied == 0:
            raise OSError("source file shrank while being assembled")
        remaining -= copied
