"""Streaming downloads: a chunk at a time, a size check, and an atomic rename onto a path.

Memory stays at one chunk whatever the file size. A download to a path goes to a hidden temporary file
beside it and is renamed over the target only once every announced byte arrived, so a failure leaves
the target as it was. A caller's own writable gets the bytes directly (it cannot be made atomic).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING

import httpx

from ._errors import IncompleteDownloadError, InvalidInputError
from ._generated import download_file

if TYPE_CHECKING:
    from ._client import AsyncClient, Client

__all__ = [
    "CHUNK_SIZE",
    "Destination",
    "DownloadProgress",
    "aiter_lines",
    "download",
    "download_async",
    "iter_lines",
]

CHUNK_SIZE = 1 << 20
Destination = str | os.PathLike[str] | IO[bytes]
DownloadProgress = Callable[[int, int | None], None]
"""Called with (bytes received so far, total bytes or None when the server did not say)."""


class _Target:
    """The writable for a destination; on a clean exit a path target is renamed into place."""

    def __init__(self, destination: Destination) -> None:
        self._destination = destination
        self._temporary: Path | None = None

    def __enter__(self) -> IO[bytes]:
        if not isinstance(self._destination, str | os.PathLike):
            return self._destination
        target = Path(self._destination)
        if target.is_dir():
            raise InvalidInputError(f"download target {target} is a directory", param="destination")
        if not target.parent.is_dir():
            raise InvalidInputError(
                f"download target {target}: folder {target.parent} does not exist", param="destination"
            )
        handle = tempfile.NamedTemporaryFile(
            dir=target.parent, prefix=f".{target.name}.", suffix=".part", delete=False
        )
        self._temporary = Path(handle.name)
        self._final = target
        self._handle = handle
        return handle

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._temporary is None:
            return
        try:
            if exc_type is None:
                self._handle.flush()
                os.fsync(self._handle.fileno())
            self._handle.close()
            if exc_type is None:
                os.replace(self._temporary, self._final)
        finally:
            self._temporary.unlink(missing_ok=True)


class _Meter:
    """Counts bytes for progress, then checks the wire count against Content-Length."""

    def __init__(self, response: httpx.Response, progress: DownloadProgress | None) -> None:
        length = response.headers.get("content-length")
        self.expected = int(length) if length is not None and length.isdigit() else None
        self.received = 0
        self._response = response
        self._progress = progress

    def add(self, chunk: bytes) -> None:
        self.received += len(chunk)
        if self._progress is not None:
            self._progress(self.received, self.expected)

    def shortfall(self, cause: httpx.TransportError | None = None) -> IncompleteDownloadError | None:
        """The error for a body whose wire size differs from Content-Length, else None.

        httpx reports a peer that closed early as a protocol error (`cause`): that is a short body too.
        Without a cause, the check is for transports that do not enforce Content-Length themselves.
        """
        if cause is not None and not isinstance(cause, httpx.RemoteProtocolError):
            return None
        wire = self._response.num_bytes_downloaded
        if self.expected is None or wire == self.expected:
            return None
        return IncompleteDownloadError(expected=self.expected, received=wire)


def download(
    client: Client,
    file_id: str,
    destination: Destination,
    *,
    progress: DownloadProgress | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> int:
    """Stream a file's content to `destination`; return the number of bytes written."""
    with _Target(destination) as sink:
        response = client._request(download_file._get_kwargs(file_id), stream=True)
        meter = _Meter(response, progress)
        try:
            for chunk in response.iter_bytes(chunk_size):
                sink.write(chunk)
                meter.add(chunk)
        except httpx.TransportError as exc:
            raise meter.shortfall(exc) or client._transport_error(exc, response.request) from exc
        finally:
            response.close()
        if (short := meter.shortfall()) is not None:
            raise short
    return meter.received


async def download_async(
    client: AsyncClient,
    file_id: str,
    destination: Destination,
    *,
    progress: DownloadProgress | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> int:
    """See `download`. Disk writes happen on the event loop: one chunk each, into the page cache."""
    with _Target(destination) as sink:
        response = await client._request(download_file._get_kwargs(file_id), stream=True)
        meter = _Meter(response, progress)
        try:
            async for chunk in response.aiter_bytes(chunk_size):
                sink.write(chunk)
                meter.add(chunk)
        except httpx.TransportError as exc:
            raise meter.shortfall(exc) or client._transport_error(exc, response.request) from exc
        finally:
            await response.aclose()
        if (short := meter.shortfall()) is not None:
            raise short
    return meter.received


def iter_lines(client: Client, file_id: str) -> Iterator[str]:
    """A stored text file's lines, streamed."""
    response = client._request(download_file._get_kwargs(file_id), stream=True)
    with contextlib.closing(response):
        try:
            yield from response.iter_lines()
        except httpx.TransportError as exc:
            raise client._transport_error(exc, response.request) from exc


async def aiter_lines(client: AsyncClient, file_id: str) -> AsyncIterator[str]:
    """See `iter_lines`."""
    response = await client._request(download_file._get_kwargs(file_id), stream=True)
    try:
        async for line in response.aiter_lines():
            yield line
    except httpx.TransportError as exc:
        raise client._transport_error(exc, response.request) from exc
    finally:
        await response.aclose()
