"""Files backend: stored files, their metadata and expiry, and every rule of the Files API; no HTTP here."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from ..blobs import BlobStore
from ..clock import Clock
from ..errors import InvalidRequest, NotFound, invalid_value
from ..ids import IdFactory
from ..pagination import page
from ..rules import FILE_PURPOSES, MAX_EXPIRY_SECONDS, MIN_EXPIRY_SECONDS

if TYPE_CHECKING:
    from ..config import Limits

MAX_LIST_LIMIT = 10_000
ORDERS = ("asc", "desc")


@dataclass
class FileRecord:
    id: str
    bytes: int
    created_at: int
    filename: str
    purpose: str
    segments: tuple[Path, ...]
    created: float
    """The creation time to the fraction of a second, for rules finer than `created_at`."""
    expires_at: int | None = None
    status: str | None = "processed"
    """The deprecated `status`, None to leave it out (`FilesBackend.status`)."""

    def to_json(self) -> dict[str, Any]:
        shown: dict[str, Any] = {
            "id": self.id,
            "object": "file",
            "bytes": self.bytes,
            "created_at": self.created_at,
            "filename": self.filename,
            "purpose": self.purpose,
        }
        if self.status is not None:
            shown["status"] = self.status
        if self.expires_at is not None:
            shown["expires_at"] = self.expires_at
        return shown


def check_purpose(purpose: str, allowed: tuple[str, ...] = FILE_PURPOSES) -> None:
    """Refuse a purpose not in `allowed`: the Files list, or the Uploads one (`UPLOAD_PURPOSES`)."""
    if purpose not in allowed:
        raise invalid_value("purpose", f"'{purpose}' is not one of {', '.join(allowed)}.")


class Expiry(NamedTuple):
    """An `expires_after` policy as sent; the operation that takes it checks it (`expiry_seconds`)."""

    anchor: str
    seconds: int


def expiry_seconds(policy: Expiry | None, param: str) -> int | None:
    """The seconds of a valid policy sent as `param`: the only anchor is the creation time."""
    if policy is None:
        return None
    if policy.anchor != "created_at":
        raise invalid_value(f"{param}.anchor", "the only supported anchor is 'created_at'.")
    if not MIN_EXPIRY_SECONDS <= policy.seconds <= MAX_EXPIRY_SECONDS:
        raise invalid_value(
            f"{param}.seconds",
            f"must be between {MIN_EXPIRY_SECONDS} and {MAX_EXPIRY_SECONDS}, got {policy.seconds}.",
        )
    return policy.seconds


class FilesBackend:
    """Every rule of the Files API over the stored files; synchronous and thread-safe (one lock)."""

    def __init__(
        self,
        blobs: BlobStore,
        clock: Clock,
        ids: IdFactory,
        limits: Limits,
        *,
        status: str | None = "processed",
    ) -> None:
        self.status = status
        """The `status` files stored from now on show: `processed`, as the service sends it; None leaves
        it out, as upstream's example answers do (it is deprecated)."""
        self._blobs = blobs
        self._clock = clock
        self._ids = ids
        self._limits = limits
        self._lock = threading.RLock()
        self.clear()

    def clear(self) -> None:
        with self._lock:
            self._files: dict[str, FileRecord] = {}
            self._sequence: dict[str, int] = {}
            self._counter = itertools.count()

    def create(
        self, spool_path: Path, *, size: int, filename: str, purpose: str, expires_after: Expiry | None = None
    ) -> FileRecord:
        """`POST /files`: store a spooled body (moved, not copied) as a new file.

        Raises `InvalidRequest` for a purpose the API does not take, a bad expiry or a body over the limit.
        """
        check_purpose(purpose)
        seconds = expiry_seconds(expires_after, "expires_after")
        if size > self._limits.max_file_bytes:
            raise InvalidRequest(
                f"File is {size} bytes; the limit is {self._limits.max_file_bytes} bytes.",
                param="file",
                code="file_too_large",
            )
        return self.store([spool_path], size=size, filename=filename, purpose=purpose, expires_after=seconds)

    def store(
        self, spooled: Sequence[Path], *, size: int, filename: str, purpose: str, expires_after: int | None
    ) -> FileRecord:
        """Make finished spool files, back to back, a new file: a completed upload's parts in order, or
        a batch's results (internal purposes allowed). A `batch` file stored with no `expires_after`
        expires after `Limits.batch_file_ttl_seconds`."""
        with self._lock:
            file_id = self._ids.file()
            segments = self._blobs.adopt(spooled, file_id)
            created = self._clock.now()
            now = int(created)
            if expires_after is None and purpose == "batch":
                expires_after = self._limits.batch_file_ttl_seconds
            record = FileRecord(
                id=file_id,
                bytes=size,
                created_at=now,
                filename=filename,
                purpose=purpose,
                segments=segments,
                created=created,
                expires_at=now + expires_after if expires_after is not None else None,
                status=self.status,
            )
            self._files[file_id] = record
            self._sequence[file_id] = next(self._counter)
            return record

    def get(self, file_id: str) -> FileRecord:
        """`GET /files/{file_id}` (and its content). Raises `NotFound`, for an expired file too."""
        with self._lock:
            self._expire()
            record = self._files.get(file_id)
            if record is None:
                raise NotFound.object("file", file_id, param="file_id")
            return record

    def delete(self, file_id: str) -> FileRecord:
        """`DELETE /files/{file_id}`: the file and its content. Raises `NotFound`."""
        with self._lock:
            record = self.get(file_id)
            del self._files[file_id]
            self._blobs.delete(record.segments)
            return record

    def list(
        self,
        *,
        purpose: str | None = None,
        limit: int = MAX_LIST_LIMIT,
        order: str = "desc",
        after: str | None = None,
    ) -> dict[str, Any]:
        """`GET /files`: one page. Raises `InvalidRequest` for a bad limit, order or cursor."""
        if order not in ORDERS:
            raise invalid_value("order", f"expected one of {', '.join(ORDERS)}, got '{order}'.")
        with self._lock:
            self._expire()
            items = [f for f in self._files.values() if purpose is None or f.purpose == purpose]
            return page(
                items,
                after=after,
                limit=limit,
                max_limit=MAX_LIST_LIMIT,
                descending=order == "desc",
                sequence=self._sequence,
            )

    def _expire(self) -> None:
        now = self._clock.timestamp()
        for record in [f for f in self._files.values() if f.expires_at is not None and f.expires_at <= now]:
            del self._files[record.id]
            self._blobs.delete(record.segments)
