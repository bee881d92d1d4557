"""A streaming multipart/form-data reader that spools file fields straight to disk.

Bodies arrive in network-sized chunks; the boundary is searched with `bytes.find` over each whole
chunk, and only a delimiter-length tail is carried between chunks, so a 64 MB part costs one
pass over memory and one write per chunk, whatever boundary the client picked.
"""

from __future__ import annotations

import asyncio
import mmap
import os
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from enum import Enum, auto
from pathlib import Path

from starlette.requests import ClientDisconnect

from .blobs import BlobStore, SpoolFile
from .errors import InvalidRequest, unknown_argument
from .splice import Splice

MAX_HEADER_BYTES = 16 * 1024
# Room for the form framing and small fields around the content when judging a declared length.
FRAMING_ALLOWANCE = 64 * 1024
# Bytes left on the wire after a splice, beyond the closing delimiter: room for line breaks and a
# short epilogue, which then pass the ordinary parser.
SPLICE_SLACK = 64 * 1024
SCAN_WINDOW = 8 * 1024 * 1024

_PARAM = re.compile(r';\s*([\w*-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)')


class MultipartError(InvalidRequest):
    def __init__(self, detail: str) -> None:
        super().__init__(f"Could not parse the multipart form: {detail}", code="invalid_multipart")


def boundary_of(content_type: str | None) -> bytes:
    if not content_type or not content_type.lower().startswith("multipart/form-data"):
        raise InvalidRequest(
            "This endpoint takes multipart/form-data; send the fields as a form.", code="invalid_content_type"
        )
    params = _params(content_type[len("multipart/form-data") :])
    boundary = params.get("boundary", "")
    if not 1 <= len(boundary) <= 200:
        raise MultipartError("the Content-Type header has no usable boundary.")
    return boundary.encode("latin-1")


def _params(text: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, raw in _PARAM.findall(text):
        value = raw.strip()
        if value.startswith('"') and value.endswith('"') and len(value) >= 2:
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        found[name.lower()] = value
    return found


def too_large(limit: int, param: str) -> InvalidRequest:
    return InvalidRequest(
        f"The content is larger than the limit of {limit} bytes.", param=param, code="file_too_large"
    )


def check_declared_length(content_length: str | None, limit: int, param: str) -> None:
    """Refuse from the request head when the declared body cannot fit, before a byte is read."""
    if content_length and content_length.isdigit() and int(content_length) > limit + FRAMING_ALLOWANCE:
        raise too_large(limit, param)


@dataclass
class SpooledField:
    filename: str
    content_type: str
    spool: SpoolFile


@dataclass
class Form:
    fields: dict[str, str] = field(default_factory=dict)
    files: dict[str, SpooledField] = field(default_factory=dict)

    async def discard(self) -> None:
        for spooled in self.files.values():
            await spooled.spool.discard()


class _State(Enum):
    PREAMBLE = auto()
    AFTER_DELIMITER = auto()
    HEADERS = auto()
    BODY = auto()
    DONE = auto()


class FormReader:
    """Parses one form. Text fields are kept (small, bounded); file fields go to spool files.

    `file_fields` names the fields that carry content and `max_file_bytes` bounds each of them;
    `text_fields` names the others. Any other field is refused, like the service's strict schemas.
    `on_file` hears of each file field's spool as its first byte is due.
    """

    def __init__(
        self,
        boundary: bytes,
        blobs: BlobStore,
        *,
        file_fields: frozenset[str],
        text_fields: frozenset[str],
        max_file_bytes: int,
        max_text_bytes: int,
        on_file: Callable[[SpoolFile], None] | None = None,
    ) -> None:
        self._delimiter = b"\r\n--" + boundary
        self._blobs = blobs
        self._file_fields = file_fields
        self._text_fields = text_fields
        self._max_file_bytes = max_file_bytes
        self._max_text_bytes = max_text_bytes
        self._on_file = on_file
        self._state = _State.PREAMBLE
        self._pending = b"\r\n"  # lets the first boundary match without a preceding line break
        self._tail = b""
        self.form = Form()
        self._text: bytearray | None = None
        self._field = ""
        self._spool: SpoolFile | None = None
        self._finished: list[SpoolFile] = []

    async def read(self, chunks: AsyncIterator[bytes], splice: Splice | None = None) -> Form:
        """Parse the form; with `splice`, the middle of a last file field skips Python altogether."""
        try:
            async for chunk in chunks:
                self.feed(chunk)
                if self._spool is not None:
                    if splice is not None and self._last_field():
                        await self._splice(splice, self._spool)
                    await self._spool.drain()
                while self._finished:
                    await self._finished.pop().finish()
            if self._state is not _State.DONE:
                raise MultipartError("the body ended before the closing boundary.")
        except ClientDisconnect as exc:
            # Nobody is left to read the answer; an ApiError keeps it out of the error log.
            await self.form.discard()
            raise MultipartError("the client went away before the body ended.") from exc
        except BaseException:
            await self.form.discard()
            raise
        return self.form

    def feed(self, chunk: bytes) -> None:
        data = self._pending + chunk if self._pending else chunk
        self._pending = b""
        pos = 0
        while pos < len(data) or self._state is _State.BODY:
            if self._state is _State.BODY:
                after = self._body(data, pos)
                if after is None:
                    return
                self._end_part()
                pos, self._state = after, _State.AFTER_DELIMITER
            elif self._state is _State.PREAMBLE:
                found = data.find(self._delimiter, pos)
                if found == -1:
                    self._pending = data[max(pos, len(data) - len(self._delimiter)) :]
                    return
                pos, self._state = found + len(self._delimiter), _State.AFTER_DELIMITER
            elif self._state is _State.AFTER_DELIMITER:
                if len(data) - pos < 2:
                    self._pending = data[pos:]
                    return
                marker = data[pos : pos + 2]
                if marker == b"--":
                    self._state = _State.DONE
                    return
                if marker != b"\r\n":
                    raise MultipartError("a boundary is not followed by a line break.")
                pos, self._state = pos + 2, _State.HEADERS
            elif self._state is _State.HEADERS:
                if data.startswith(b"\r\n", pos):
                    head, pos = b"", pos + 2
                else:
                    end = data.find(b"\r\n\r\n", pos)
                    if end == -1:
                        if len(data) - pos > MAX_HEADER_BYTES:
                            raise MultipartError("part headers are too long.")
                        self._pending = data[pos:]
                        return
                    head, pos = data[pos:end], end + 4
                self._begin_part(head)
                self._state = _State.BODY
            else:  # DONE: the epilogue is ignored
                return

    def _body(self, chunk: bytes, pos: int) -> int | None:
        """Pass body bytes on until the delimiter; return the position after it, or None at chunk end."""
        delimiter, span = self._delimiter, len(self._delimiter) - 1
        if self._tail:
            tail = self._tail
            joint = tail + chunk[pos : pos + span]
            found = joint.find(delimiter)
            if found != -1 and found < len(tail):
                self._tail = b""
                self._data(tail[:found])
                return pos + found + len(delimiter) - len(tail)
            if found == -1 and len(chunk) - pos < span:
                # Too little new data to rule out a delimiter starting in the tail: carry it all.
                keep = max(0, len(joint) - span)
                self._data(joint[:keep])
                self._tail = joint[keep:]
                return None
            self._tail = b""
            self._data(tail)
        found = chunk.find(delimiter, pos)
        view = memoryview(chunk)
        if found != -1:
            self._data(view[pos:found])
            return found + len(delimiter)
        keep = max(pos, len(chunk) - span)
        self._data(view[pos:keep])
        self._tail = chunk[keep:]
        return None

    def _last_field(self) -> bool:
        """Inside the body of a field no other may follow: every field allowed has been seen."""
        seen = self.form.files.keys() | self.form.fields.keys()
        return self._state is _State.BODY and (self._file_fields | self._text_fields) <= seen

    async def _splice(self, splice: Splice, spool: SpoolFile) -> None:
        """Have the server move all but the form's closing bytes straight into the spool file.

        Valid content never holds the delimiter, and no field may follow this one, so the
        spliced range is all content unless the form is broken: a search of the file says which.
        """
        tail = self._tail
        start = spool.size + len(tail)
        reserve = len(self._delimiter) + 2 + SPLICE_SLACK
        moved = await splice(spool.fileno(), start, self._max_file_bytes - start, reserve)
        if not moved:
            return
        path, delimiter, end = spool.path, self._delimiter, start + moved
        span = len(delimiter) - 1
        if await asyncio.to_thread(_holds, path, delimiter, tail, start, end):
            raise MultipartError("the form goes on after the last field it may have.")
        # A delimiter may still start in the last `span` bytes: they become the parser's tail (the
        # file's copy is rewritten in place if they turn out to be content); what precedes is content.
        last = await asyncio.to_thread(_read_at, path, max(start, end - span), end)
        self._tail = (tail + last)[-span:]
        self._data(tail[: max(0, len(tail) + moved - span)])
        spool.spliced(max(0, moved - span))

    def _begin_part(self, head: bytes) -> None:
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            header, sep, value = line.partition(":")
            if not sep:
                raise MultipartError(f"malformed part header line '{line[:80]}'.")
            headers[header.strip().lower()] = value.strip()
        disposition = headers.get("content-disposition", "")
        if not disposition.lower().startswith("form-data"):
            raise MultipartError("a part has no 'Content-Disposition: form-data' header.")
        params = _params(disposition[len("form-data") :])
        name = params.get("name")
        if name is None:
            raise MultipartError("a part has no field name.")
        if name in self.form.fields or name in self.form.files:
            raise InvalidRequest(f"The field '{name}' was sent more than once.", param=name)
        self._field = name
        if name in self._file_fields:
            self._spool = self._blobs.spool()
            filename = params.get("filename") or "upload"
            content_type = headers.get("content-type", "application/octet-stream")
            self.form.files[name] = SpooledField(filename, content_type, self._spool)
            if self._on_file is not None:
                self._on_file(self._spool)
        elif name in self._text_fields:
            self._text = bytearray()
        else:
            raise unknown_argument(name)

    def _data(self, data: bytes | memoryview) -> None:
        if not data:
            return
        if self._spool is not None:
            if self._spool.size + len(data) > self._max_file_bytes:
                raise too_large(self._max_file_bytes, self._field)
            self._spool.write(data)
        elif self._text is not None:
            if len(self._text) + len(data) > self._max_text_bytes:
                raise InvalidRequest(f"The field '{self._field}' is too long.", param=self._field)
            self._text += data

    def _end_part(self) -> None:
        if self._spool is not None:
            self._finished.append(self._spool)
            self._spool = None
        elif self._text is not None:
            self.form.fields[self._field] = self._text.decode("utf-8", "replace")
            self._text = None


def _read_at(path: Path, start: int, end: int) -> bytes:
    fd = os.open(path, os.O_RDONLY)
    try:
        return os.pread(fd, end - start, start)
    finally:
        os.close(fd)


def _holds(path: Path, delimiter: bytes, before: bytes, start: int, end: int) -> bool:
    """Whether `before` + the file's bytes in [start, end) hold `delimiter`, read in place."""
    fd = os.open(path, os.O_RDONLY)
    try:
        head = os.pread(fd, min(len(delimiter) - 1, end - start), start)
        if (before + head).find(delimiter) != -1:
            return True
        # In windows that overlap by a delimiter, so the mapped pages (resident memory) stay few.
        for at in range(start, end, SCAN_WINDOW):
            base = at - at % mmap.ALLOCATIONGRANULARITY
            stop = min(end, at + SCAN_WINDOW + len(delimiter) - 1)
            with mmap.mmap(fd, stop - base, prot=mmap.PROT_READ, offset=base) as view:
                if view.find(delimiter, at - base) != -1:
                    return True
        return False
    finally:
        os.close(fd)
