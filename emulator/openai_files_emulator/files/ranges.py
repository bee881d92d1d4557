"""`Range` requests on file content, as object stores answer them (RFC 9110, section 14).

One range per request: `bytes=a-b`, `bytes=a-` and the suffix `bytes=-n`. A header this server does
not use (another unit, several ranges, a malformed or backwards range) is ignored and the whole
file is sent with 200, which RFC 9110 allows; a well-formed range that starts past the end, or an
empty suffix, is unsatisfiable: 416 with `Content-Range: bytes */size`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import HttpError

_SINGLE = re.compile(r"bytes=(\d*)-(\d*)")
# More digits than this name an offset past any stored file; reading them as "huge" keeps int() cheap.
MAX_DIGITS = 18


class RangeNotSatisfiable(HttpError):
    def __init__(self, size: int) -> None:
        super().__init__(
            416,
            f"The requested range is not satisfiable: the file holds {size} bytes.",
            param="range",
            code="range_not_satisfiable",
            headers={"content-range": f"bytes */{size}"},
        )


@dataclass(frozen=True)
class ByteRange:
    start: int
    stop: int
    """One past the last byte sent."""
    size: int
    """The whole file's length."""

    @property
    def length(self) -> int:
        return self.stop - self.start

    def content_range(self) -> str:
        return f"bytes {self.start}-{self.stop - 1}/{self.size}"


def requested_range(header: str | None, size: int) -> ByteRange | None:
    """The single range `header` asks for within a file of `size` bytes; None means send it all.

    Raises `RangeNotSatisfiable` for a well-formed range no byte of the file falls in.
    """
    if header is None:
        return None
    match = _SINGLE.fullmatch(header.strip().replace(" ", ""))
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # suffix: the last n bytes
        suffix = _offset(last)
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable(size)
        return ByteRange(max(0, size - suffix), size, size)
    start = _offset(first)
    if last and _offset(last) < start:
        return None  # a backwards range is invalid: ignored
    if start >= size:
        raise RangeNotSatisfiable(size)
    return ByteRange(start, min(_offset(last) + 1 if last else size, size), size)


def _offset(digits: str) -> int:
    return int(digits) if len(digits) <= MAX_DIGITS else 10**MAX_DIGITS
