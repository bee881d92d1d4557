"""Everything checked before the first byte is sent, and how the file is cut into parts."""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass

from .._errors import (
    EmptyFileError,
    FileTooLargeError,
    InvalidConcurrencyError,
    InvalidExpiryError,
    InvalidPartSizeError,
    UnknownMimeTypeError,
    UnknownPurposeError,
)
from .config import TransferConfig

UPLOAD_PURPOSES = ("assistants", "batch", "fine-tune", "vision")
"""The purposes an Upload accepts (a narrower list than single-request files take)."""

MIN_EXPIRY_SECONDS = 3600
MAX_EXPIRY_SECONDS = 30 * 24 * 3600

_EXTRA_TYPES = {".jsonl": "application/jsonl", ".jsonlines": "application/jsonl", ".md": "text/markdown"}


def infer_mime_type(filename: str) -> str | None:
    lower = filename.lower()
    for suffix, mime in _EXTRA_TYPES.items():
        if lower.endswith(suffix):
            return mime
    return mimetypes.guess_type(lower, strict=False)[0]


@dataclass(frozen=True)
class UploadPlan:
    filename: str
    purpose: str
    mime_type: str
    size: int
    part_size: int
    concurrency: int
    md5: bool
    expires_after: int | None

    @property
    def part_count(self) -> int:
        return -(-self.size // self.part_size)

    def part_bounds(self, index: int) -> tuple[int, int]:
        """(offset, length) of part `index`."""
        offset = index * self.part_size
        return offset, min(self.part_size, self.size - offset)


def make_plan(
    *,
    filename: str,
    size: int,
    purpose: str,
    mime_type: str | None,
    part_size: int | None,
    concurrency: int | None,
    md5: bool,
    expires_after: int | None,
    config: TransferConfig,
) -> UploadPlan:
    """Validate every argument; each kind of bad input has its own error type."""
    if size <= 0:
        raise EmptyFileError(f"{filename}: the file is empty; the service takes no empty uploads")
    if size > config.max_file_size:
        raise FileTooLargeError(
            f"{filename}: {size} bytes is more than an Upload may hold ({config.max_file_size} bytes)"
        )
    part_size = config.part_size if part_size is None else part_size
    if not config.min_part_size <= part_size <= config.max_part_size:
        raise InvalidPartSizeError(
            f"part_size must be between {config.min_part_size} and {config.max_part_size} bytes, "
            f"got {part_size}"
        )
    concurrency = config.concurrency if concurrency is None else concurrency
    if concurrency < 1:
        raise InvalidConcurrencyError(f"concurrency must be at least 1, got {concurrency}")
    if purpose not in UPLOAD_PURPOSES:
        raise UnknownPurposeError(f"purpose must be one of {', '.join(UPLOAD_PURPOSES)}; got {purpose!r}")
    if expires_after is not None and not MIN_EXPIRY_SECONDS <= expires_after <= MAX_EXPIRY_SECONDS:
        raise InvalidExpiryError(
            f"expires_after must be between {MIN_EXPIRY_SECONDS} and {MAX_EXPIRY_SECONDS} seconds, "
            f"got {expires_after}"
        )
    mime_type = mime_type or infer_mime_type(filename)
    if not mime_type:
        raise UnknownMimeTypeError(f"{filename}: cannot infer a mime type from the name; pass mime_type=")
    return UploadPlan(
        filename=filename,
        purpose=purpose,
        mime_type=mime_type,
        size=size,
        part_size=part_size,
        concurrency=concurrency,
        md5=md5,
        expires_after=expires_after,
    )
