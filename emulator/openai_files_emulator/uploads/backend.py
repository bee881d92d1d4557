"""Uploads backend: pending uploads, their parts on disk, and every rule of the Uploads API; no HTTP here."""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..blobs import BlobStore
from ..clock import Clock
from ..errors import InvalidRequest, NotFound, invalid_value
from ..files.backend import Expiry, FileRecord, FilesBackend, check_purpose, expiry_seconds
from ..ids import IdFactory
from ..rules import UPLOAD_PURPOSES

if TYPE_CHECKING:
    from ..config import Limits

_MD5 = re.compile(r"[0-9a-fA-F]{32}")


@dataclass
class PartRecord:
    id: str
    upload_id: str
    created_at: int
    size: int
    path: Path

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "upload.part",
            "created_at": self.created_at,
            "upload_id": self.upload_id,
        }


@dataclass
class UploadRecord:
    id: str
    filename: str
    purpose: str
    bytes: int
    mime_type: str
    created_at: int
    expires_at: int
    file_expires_after: int | None
    status: str = "pending"
    completing: bool = False
    parts: dict[str, PartRecord] = field(default_factory=dict)
    file: FileRecord | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "upload",
            "bytes": self.bytes,
            "created_at": self.created_at,
            "filename": self.filename,
            "purpose": self.purpose,
            "status": self.status,
            "expires_at": self.expires_at,
            "file": self.file.to_json() if self.file else None,
        }


class UploadsBackend:
    """Every rule of the Uploads API; synchronous and thread-safe (one lock, never held while hashing)."""

    def __init__(
        self, files: FilesBackend, blobs: BlobStore, clock: Clock, ids: IdFactory, limits: Limits
    ) -> None:
        self._files = files
        self._blobs = blobs
        self._clock = clock
        self._ids = ids
        self._limits = limits
        self._lock = threading.RLock()
        self.clear()

    def clear(self) -> None:
        with self._lock:
            self._uploads: dict[str, UploadRecord] = {}

    def ids(self) -> list[str]:
        """Every Upload's id, in any status, oldest first (a test's count: a retry must not make two)."""
        with self._lock:
            return list(self._uploads)

    def create(
        self, *, filename: str, purpose: str, size: int, mime_type: str, expires_after: Expiry | None = None
    ) -> UploadRecord:
        """`POST /uploads`. Raises `InvalidRequest` for a bad expiry, purpose, name, type or size."""
        file_expires_after = expiry_seconds(expires_after, "expires_after")
        check_purpose(purpose, UPLOAD_PURPOSES)
        if not filename:
            raise invalid_value("filename", "must not be empty.")
        if not mime_type:
            raise invalid_value("mime_type", "must not be empty.")
        if size < 1:
            raise invalid_value("bytes", "an upload must declare at least 1 byte.")
        if size > self._limits.max_upload_bytes:
            raise invalid_value(
                "bytes", f"{size} is over the limit of {self._limits.max_upload_bytes} bytes."
            )
        now = self._clock.timestamp()
        upload = UploadRecord(
            id=self._ids.upload(),
            filename=filename,
            purpose=purpose,
            bytes=size,
            mime_type=mime_type,
            created_at=now,
            expires_at=now + self._limits.upload_ttl_seconds,
            file_expires_after=file_expires_after,
        )
        with self._lock:
            self._uploads[upload.id] = upload
        return upload

    def get(self, upload_id: str) -> UploadRecord:
        """The upload, `expired` once its hour is up. Raises `NotFound`."""
        with self._lock:
            upload = self._uploads.get(upload_id)
            if upload is None:
                raise NotFound.object("upload", upload_id, param="upload_id")
            due = self._clock.now() >= upload.expires_at
            if due and upload.status == "pending" and not upload.completing:
                upload.status = "expired"
                self._drop_parts(upload)
            return upload

    def check_accepts_parts(self, upload_id: str) -> UploadRecord:
        """The rule every operation on an upload starts with: it is pending, and not being completed.

        The part route asks it before reading a body too, so a part for a closed upload costs nothing.
        Raises `NotFound` or `InvalidRequest`.
        """
        upload = self.get(upload_id)
        if upload.status != "pending" or upload.completing:
            state = "being completed" if upload.completing else upload.status
            raise InvalidRequest(
                f"Upload {upload_id} is {state} and takes no more parts.",
                param="upload_id",
                code="upload_not_pending",
            )
        return upload

    def add_part(self, upload_id: str, path: Path, size: int) -> PartRecord:
        """`POST /uploads/{id}/parts`: register a spooled part; the upload may have closed while the
        body arrived. Raises `NotFound` or `InvalidRequest` (the upload is closed, the part too big)."""
        with self._lock:
            upload = self.check_accepts_parts(upload_id)
            if size > self._limits.max_part_bytes:
                raise invalid_value(
                    "data", f"a part may hold at most {self._limits.max_part_bytes} bytes, got {size}."
                )
            part = PartRecord(self._ids.part(), upload_id, self._clock.timestamp(), size, path)
            upload.parts[part.id] = part
            return part

    def complete(self, upload_id: str, part_ids: Sequence[str], md5: str | None) -> UploadRecord:
        """`POST /uploads/{id}/complete`: the parts named, in that order, become the file.

        With an md5 the parts are hashed outside the lock, the upload refusing parts, cancel and another
        complete meanwhile. Raises `NotFound` or `InvalidRequest` (parts, byte total or md5 wrong).
        """
        with self._lock:
            upload = self.check_accepts_parts(upload_id)
            parts = self._ordered_parts(upload, part_ids)
            total = sum(p.size for p in parts)
            if total != upload.bytes:
                raise InvalidRequest(
                    f"The parts hold {total} bytes but the upload declared {upload.bytes}.",
                    param="part_ids",
                    code="bytes_mismatch",
                )
            if md5 is not None and not _MD5.fullmatch(md5):
                raise invalid_value("md5", "expected 32 hexadecimal digits.")
            upload.completing = md5 is not None
        try:
            if md5 is not None and (digest := self._blobs.md5([p.path for p in parts])) != md5.lower():
                raise InvalidRequest(
                    f"The md5 of the parts is {digest}, not {md5}.", param="md5", code="md5_mismatch"
                )
        except BaseException:
            upload.completing = False
            raise
        with self._lock:  # still `completing` until here: nothing can cancel it between the hash and this
            upload.completing = False
            for part in parts:
                del upload.parts[part.id]
            upload.file = self._files.store(
                [p.path for p in parts],
                size=total,
                filename=upload.filename,
                purpose=upload.purpose,
                expires_after=upload.file_expires_after,
            )
            upload.status = "completed"
            self._drop_parts(upload)
            return upload

    def cancel(self, upload_id: str) -> UploadRecord:
        """`POST /uploads/{id}/cancel`: its parts are deleted. Raises `NotFound` or `InvalidRequest`."""
        with self._lock:
            upload = self.check_accepts_parts(upload_id)
            upload.status = "cancelled"
            self._drop_parts(upload)
            return upload

    def _ordered_parts(self, upload: UploadRecord, part_ids: Sequence[str]) -> list[PartRecord]:
        if not part_ids:
            raise invalid_value("part_ids", "list at least one part.")
        if len(set(part_ids)) != len(part_ids):
            twice = next(p for p in part_ids if part_ids.count(p) > 1)
            raise invalid_value("part_ids", f"part {twice} is listed more than once.")
        unknown = [p for p in part_ids if p not in upload.parts]
        if unknown:
            raise invalid_value("part_ids", f"part {unknown[0]} does not belong to upload {upload.id}.")
        return [upload.parts[p] for p in part_ids]

    def _drop_parts(self, upload: UploadRecord) -> None:
        for part in upload.parts.values():
            self._blobs.delete([part.path])
        upload.parts.clear()
