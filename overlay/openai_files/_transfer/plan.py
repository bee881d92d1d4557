"""Everything checked before the first byte is sent, and how the file is cut into parts."""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass

from .. import _rules as rules
from .._errors import InvalidInputError
from .._generated import CreateUploadRequestPurpose
from .config import TransferConfig

_EXTRA_TYPES = {".jsonl": "application/jsonl", ".jsonlines": "application/jsonl", ".md": "text/markdown"}


def infer_mime_type(filename: str) -> str | None:
    lower = filename.lower()
    for suffix, mime in _EXTRA_TYPES.items():
        if lower.endswith(suffix):
            return mime
    return mimetypes.guess_type(lower, strict=False)[0]


def choose_part_size(size: int, *, window: int, config: TransferConfig) -> int:
    """The part size for a `size`-byte file sent with `window` parts in flight.

    Parts come in whole rounds of `window` (so the last round keeps every connection busy), as few
    rounds as parts of at most `config.max_part_size` allow, cut evenly; but no smaller than
    `config.min_chosen_part_size` unless the file itself is smaller.
    """
    rounds = -(-size // (window * config.max_part_size))
    parts = max(1, min(window * rounds, size // config.min_chosen_part_size))
    return -(-size // parts)


def sends_in_parts(size: int, *, purpose: str, mime_type: str | None, config: TransferConfig) -> bool:
    """Whether `files.create` sends this file as Upload parts rather than one request.

    Parts pay when the file is large enough for several to travel at once, and only for what an Upload
    accepts: one of its purposes and a known mime type.
    """
    return size >= config.single_request_below and purpose in rules.UPLOAD_PURPOSES and mime_type is not None


@dataclass(frozen=True)
class UploadPlan:
    filename: str
    purpose: str
    mime_type: str
    size: int
    part_size: int
    concurrency: int
    """Parts in flight at most: the fixed number, every part of a file that fits in the window's ceiling,
    or the ceiling of an adaptive window."""
    adaptive: bool
    part_size_chosen: bool
    """True when the part size was cut for the file rather than given: a resume may keep the journal's."""
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
    """Validate every argument against the service's rules (`InvalidInputError` naming it), and choose
    what was left open: `part_size` or `concurrency` None takes the config's, and when that is None too,
    a part size cut for the file, and every part at once when they fit in the window's ceiling (up to
    1 GiB by default), else an adaptive window."""
    if size <= 0:
        raise InvalidInputError(
            f"{filename}: the file is empty; the service takes no empty uploads", param="file"
        )
    if size > config.max_file_size:
        raise InvalidInputError(
            f"{filename}: {size} bytes is more than an Upload may hold ({config.max_file_size} bytes)",
            param="file",
        )
    concurrency = config.concurrency if concurrency is None else concurrency
    if concurrency is not None:
        rules.at_least(concurrency, 1, param="concurrency")
    window = config.adaptive_ceiling if concurrency is None else concurrency
    part_size = config.part_size if part_size is None else part_size
    part_size_chosen = part_size is None
    if part_size is None:
        part_size = choose_part_size(size, window=window, config=config)
    rules.in_range(part_size, config.min_part_size, config.max_part_size, param="part_size", unit=" bytes")
    # A window learns only from finished parts. When every part fits in the ceiling, none finishes
    # before the last has started, so a smaller window would only add a round: they all go at once.
    parts = -(-size // part_size)
    adaptive = concurrency is None and parts > window
    rules.choice(purpose, CreateUploadRequestPurpose, param="purpose")
    rules.expiry_seconds(expires_after, param="expires_after_seconds")
    mime_type = mime_type or infer_mime_type(filename)
    if not mime_type:
        raise InvalidInputError(
            f"{filename}: cannot infer a mime type from the name; pass mime_type=", param="mime_type"
        )
    return UploadPlan(
        filename=filename,
        purpose=purpose,
        mime_type=mime_type,
        size=size,
        part_size=part_size,
        concurrency=window if concurrency is not None or adaptive else parts,
        adaptive=adaptive,
        part_size_chosen=part_size_chosen,
        md5=md5,
        expires_after=expires_after,
    )
