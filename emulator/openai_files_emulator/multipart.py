"""multipart/form-data bodies read as they stream in: python-multipart parses, file fields go to spool files.

python-multipart (the parser Starlette uses) rather than a parser of our own: on 64 MiB parts it
parses at 2 to 9 GB/s depending on the chunk size (bench/emulator_ingest.py measures the whole
path), far above what the HTTP server delivers, so a parser of our own would buy nothing
measurable. Text fields are kept in memory within `max_text_bytes`; anything the form may not
hold (an unknown or repeated field, an oversized field or part header) is refused as it is met.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect

from .blobs import BlobStore, SpoolFile
from .errors import InvalidRequest, unknown_argument

MAX_HEADER_BYTES = 16 * 1024
"""The most a part's headers may hold together."""
FRAMING_ALLOWANCE = 64 * 1024
"""Room for the form framing and small fields around the content when judging a declared length."""

# The parser logs each refusal it raises; the refusal reaches the client, so the log line is noise.
logging.getLogger("python_multipart.multipart").setLevel(logging.CRITICAL)


class MultipartError(InvalidRequest):
    def __init__(self, detail: str) -> None:
        super().__init__(f"Could not parse the multipart form: {detail}", code="invalid_multipart")


def boundary_of(content_type: str | None) -> bytes:
    if not content_type or not content_type.lower().startswith("multipart/form-data"):
        raise InvalidRequest(
            "This endpoint takes multipart/form-data; send the fields as a form.", code="invalid_content_type"
        )
    _, params = parse_options_header(content_type)
    boundary = params.get(b"boundary", b"")
    if not 1 <= len(boundary) <= 200:
        raise MultipartError("the Content-Type header has no usable boundary.")
    return boundary


def too_large(limit: int, param: str) -> InvalidRequest:
    return InvalidRequest(
        f"The content is larger than the limit of {limit} bytes.", param=param, code="file_too_large"
    )


def check_declared_length(content_length: str | None, limit: int, param: str) -> None:
    """Refuse from the request head when the declared body cannot fit, before a byte is read."""
    if (
        content_length
        and content_length.isascii()
        and content_length.isdigit()
        and (len(content_length) > 18 or int(content_length) > limit + FRAMING_ALLOWANCE)
    ):
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

    def discard(self) -> None:
        for spooled in self.files.values():
            spooled.spool.discard()


class FormReader:
    """Parses one form. Text fields are kept (small, bounded); file fields go to spool files.

    `file_fields` names the fields that carry content and `max_file_bytes` bounds each of them;
    `text_fields` names the others. Any other field is refused, like the service's strict schemas.
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
    ) -> None:
        self._blobs = blobs
        self._file_fields = file_fields
        self._text_fields = text_fields
        self._max_file_bytes = max_file_bytes
        self._max_text_bytes = max_text_bytes
        self.form = Form()
        self._headers: dict[str, bytes] = {}
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._header_bytes = 0
        self._field = ""
        self._text: bytearray | None = None
        self._spool: SpoolFile | None = None
        self._ended = False
        self._parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._part_begin,
                "on_header_field": self._header_field,
                "on_header_value": self._header_value_part,
                "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished,
                "on_part_data": self._part_data,
                "on_part_end": self._part_end,
                "on_end": self._end,
            },
        )

    async def read(self, chunks: AsyncIterator[bytes]) -> Form:
        """Parse the whole body. Raises an `InvalidRequest` (nothing left on disk) when it is refused."""
        try:
            async for chunk in chunks:
                self._parser.write(chunk)
            self._parser.finalize()
            if not self._ended:
                raise MultipartError("the body ended before the closing boundary.")
        except MultipartParseError as exc:
            self._discard()
            raise MultipartError(str(exc).rstrip(".") + ".") from exc
        except ClientDisconnect as exc:
            # Nobody is left to read the answer; a refusal keeps it out of the error log.
            self._discard()
            raise MultipartError("the client went away before the body ended.") from exc
        except BaseException:
            self._discard()
            raise
        return self.form

    def _discard(self) -> None:
        self.form.discard()  # every spool file, the one being written included

    def _part_begin(self) -> None:
        self._headers, self._header_bytes = {}, 0

    def _count_header(self, size: int) -> None:
        self._header_bytes += size
        if self._header_bytes > MAX_HEADER_BYTES:
            raise MultipartError("part headers are too long.")

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._count_header(end - start)
        self._header_name += data[start:end]

    def _header_value_part(self, data: bytes, start: int, end: int) -> None:
        self._count_header(end - start)
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        name = self._header_name.decode("latin-1").strip().lower()
        self._headers[name] = bytes(self._header_value).strip()  # decoded where used: names may be UTF-8
        self._header_name, self._header_value = bytearray(), bytearray()

    def _headers_finished(self) -> None:
        kind, params = parse_options_header(self._headers.get("content-disposition", b""))
        if kind.lower() != b"form-data":
            raise MultipartError("a part has no 'Content-Disposition: form-data' header.")
        if b"name" not in params:
            raise MultipartError("a part has no field name.")
        name = params[b"name"].decode("utf-8", "replace")
        if name in self.form.fields or name in self.form.files:
            raise InvalidRequest(f"The field '{name}' was sent more than once.", param=name)
        self._field = name
        if name in self._file_fields:
            self._spool = self._blobs.spool()
            filename = params.get(b"filename", b"").decode("utf-8", "replace") or "upload"
            content_type = self._headers.get("content-type", b"application/octet-stream").decode("latin-1")
            self.form.files[name] = SpooledField(filename, content_type, self._spool)
        elif name in self._text_fields:
            self._text = bytearray()
        else:
            raise unknown_argument(name)

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._spool is not None:
            if self._spool.size + end - start > self._max_file_bytes:
                raise too_large(self._max_file_bytes, self._field)
            self._spool.write(memoryview(data)[start:end])
        elif self._text is not None:
            if len(self._text) + end - start > self._max_text_bytes:
                raise InvalidRequest(f"The field '{self._field}' is too long.", param=self._field)
            self._text += data[start:end]

    def _part_end(self) -> None:
        if self._spool is not None:
            self._spool.finish()
            self._spool = None
        elif self._text is not None:
            self.form.fields[self._field] = self._text.decode("utf-8", "replace")
            self._text = None

    def _end(self) -> None:
        self._ended = True
