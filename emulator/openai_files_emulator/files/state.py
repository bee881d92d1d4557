"""Files backend: stored files, their metadata and expiry; no HTTP here."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..blobs import BlobStore
from ..clock import Clock
from ..config import Limits
from ..errors import InvalidRequest, NotFound, invalid_value
from ..ids import IdFactory
from ..pagination import page
from ..rules import FILE_PURPOSES, MAX_EXPIRY_SECONDS, MIN_EXPIRY_SECONDS


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


def expiry_seconds(anchor: object, seconds: object, param: str) -> int:
    """Validate an `expires_after` policy; the only anchor is the creation time."""
    if anchor != "created_at":
        raise invalid_value(f"{param}.anchor", "the only supported anchor is 'created_at'.")
    if isinstance(seconds, str):
        seconds = _whole_number(seconds)
    if not isinstance(seconds, int) or isinstance(seconds, bool):
        raise invalid_value(f"{param}.seconds", "expected an integer number of seconds.")
    if not MIN_EXPIRY_SECONDS <= seconds <= MAX_EXPIRY_SECONDS:
        raise invalid_value(
            f"{param}.seconds",
            f"must be between {MIN_EXPIRY_SECONDS} and {MAX_EXPIRY_SECONDS}, got {seconds}.",
        )
    return seconds


def _whole_number(text: str) -> int | str:
    """An ASCII integer as an int; anything else unchanged. Digits past what any rule can accept are
    clamped, so int() never meets a 5,000-digit string (CPython refuses to convert one)."""
    digits = text.strip()
    sign = -1 if digits.startswith("-") else 1
    digits = digits.removeprefix("-")
    if not (digits.isascii() and digits.isdigit()):
        return text
    return sign * (int(digits) if len(digits) <= 18 else 10**18)


def expiry_policy(policy: object, param: str) -> int | None:
    """Validate an optional JSON `{anchor, seconds}` policy, as sent to the uploads and batches endpoints."""
    if policy is None:
        return None
    if not isinstance(policy, dict):
        raise invalid_value(param, "expected an object with 'anchor' and 'seconds'.")
    return expiry_seconds(policy.get("anchor"), policy.get("seconds"), param)


class FilesBackend:
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
        self.clear()

    def clear(self) -> None:
        self._files: dict[str, FileRecord] = {}
        self._sequence: dict[str, int] = {}
        self._counter = itertools.count()

    def create(
        self, spool_path: Path, *, size: int, filename: str, purpose: str, expires_after: int | None = None
    ) -> FileRecord:
        """Store a spooled body as a new file (moved, not copied); internal purposes are allowed."""
        if size > self._limits.max_file_bytes:
            raise InvalidRequest(
                f"File is {size} bytes; the limit is {self._limits.max_file_bytes} bytes.",
                param="file",
                code="file_too_large",
            )
        file_id = self.new_id()
        segments = self._blobs.adopt([spool_path], file_id)
        return self.register(
            file_id, segments, size=size, filename=filename, purpose=purpose, expires_after=expires_after
        )

    def new_id(self) -> str:
        return self._ids.file()

    def register(
        self,
        file_id: str,
        segments: tuple[Path, ...],
        *,
        size: int,
        filename: str,
        purpose: str,
        expires_after: int | None,
    ) -> FileRecord:
        """Record a file whose content is already stored (a completed upload's parts, in order).

        A `batch` file stored with no `expires_after` expires after `Limits.batch_file_ttl_seconds`.
        """
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
        self._expire()
        record = self._files.get(file_id)
        if record is None:
            raise NotFound.object("file", file_id, param="file_id")
        return record

    def delete(self, file_id: str) -> FileRecord:
        record = self.get(file_id)
        del self._files[file_id]
        self._blobs.delete(record.segments)
        return record

    def list(self, *, purpose: str | None, limit: int, order: str, after: str | None) -> dict[str, Any]:
        self._expire()
        items = [f for f in self._files.values() if purpose is None or f.purpose == purpose]
        return page(items, after=after, limit=limit, descending=order == "desc", sequence=self._sequence)

    def _expire(self) -> None:
        now = self._clock.timestamp()
        for record in [f for f in self._files.values() if f.expires_at is not None and f.expires_at <= now]:
            del self._files[record.id]
            self._blobs.delete(record.segments)
