"""The `files` resource group: store, list, read, download and delete files."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, BinaryIO, cast

from . import _rules as rules
from ._download import (
    CHUNK_SIZE,
    CONCURRENCY,
    PART_SIZE,
    Destination,
    DownloadProgress,
    download,
    download_async,
)
from ._errors import InvalidInputError, OpenAIFilesError
from ._generated import (
    UNSET,
    CreateFileRequest,
    CreateFileRequestPurpose,
    DeleteFileResponse,
    File,
    FileExpirationAfter,
    FileExpirationAfterAnchor,
    ListFilesOrder,
    ListFilesResponse,
    OpenAIFile,
    Upload,
    create_file,
    delete_file,
    download_file,
    list_files,
    retrieve_file,
)
from ._pagination import AsyncPager, Page, SyncPager
from ._transfer.config import TransferConfig
from ._transfer.plan import infer_mime_type, sends_in_parts
from ._transfer.source import open_regular_file

if TYPE_CHECKING:
    from ._client import AsyncClient, Client
    from ._uploads import UploadOptions

__all__ = ["AsyncFiles", "Files", "Source", "expiry"]

Source = str | os.PathLike[str] | IO[bytes]


def expiry(seconds: int | None, *, param: str = "expires_after_seconds") -> FileExpirationAfter | None:
    """`expires_after` for a request, checked against the service's range (`param` names the argument)."""
    checked = rules.expiry_seconds(seconds, param=param)
    if checked is None:
        return None
    return FileExpirationAfter(anchor=FileExpirationAfterAnchor.CREATED_AT, seconds=checked)


def _in_parts(
    source: Source,
    purpose: str,
    filename: str | None,
    expires_after_seconds: int | None,
    config: TransferConfig,
) -> tuple[Path, UploadOptions] | None:
    """The path and `upload_file` options when this file goes as parallel Upload parts; None for one
    request.

    Checks what both ways check first, so bad input fails the same way, before any byte is sent. Only a
    path goes in parts: a file object may not be seekable, and parts read it out of order.
    """
    rules.choice(purpose, CreateFileRequestPurpose, param="purpose")
    expiry(expires_after_seconds)
    if not isinstance(source, str | os.PathLike):
        return None
    path = Path(source)
    name = filename or path.name
    with open_regular_file(path) as opened:
        size = os.fstat(opened.fileno()).st_size
    if not sends_in_parts(size, purpose=purpose, mime_type=infer_mime_type(name), config=config):
        return None
    options: UploadOptions = {
        "purpose": purpose,
        "filename": name,
        "expires_after_seconds": expires_after_seconds,
        "config": config,
    }
    return path, options


def _stored(upload: Upload) -> OpenAIFile:
    if not isinstance(upload.file, OpenAIFile):
        raise OpenAIFilesError(f"Upload {upload.id} is {upload.status} but names no file")
    return upload.file


@contextlib.contextmanager
def _create_kwargs(
    source: Source, purpose: str, filename: str | None, expires_after_seconds: int | None
) -> Iterator[dict[str, Any]]:
    """Request arguments streaming `source`; a path is opened here and closed afterwards."""
    checked_purpose = rules.choice(purpose, CreateFileRequestPurpose, param="purpose")
    expires = expiry(expires_after_seconds)
    with contextlib.ExitStack() as stack:
        if isinstance(source, str | os.PathLike):
            path = Path(source)
            payload: IO[bytes] = stack.enter_context(open_regular_file(path))
            size = os.fstat(payload.fileno()).st_size
            if size > rules.MAX_FILE_BYTES:
                raise InvalidInputError(
                    f"{path}: {size} bytes is over the {rules.MAX_FILE_BYTES} byte limit of one request; "
                    "use client.uploads.upload_file",
                    param="file",
                )
            name = filename or path.name
        else:
            payload = source
            name = filename or Path(str(getattr(source, "name", ""))).name
            if not name:
                raise InvalidInputError(
                    "filename= is required for a file object without a name", param="filename"
                )
        body = CreateFileRequest(
            file=File(payload=cast(BinaryIO, payload), file_name=name),
            purpose=checked_purpose,
            expires_after=expires,
        )
        yield create_file._get_kwargs(body=body)


def _list_kwargs(
    purpose: str | None, order: ListFilesOrder | None, limit: int | None, after: str | None
) -> dict[str, Any]:
    return list_files._get_kwargs(
        purpose=UNSET if purpose is None else purpose,
        order=UNSET if order is None else order,
        limit=UNSET if limit is None else limit,
        after=UNSET if after is None else after,
    )


def _list_checked(order: str | None, limit: int | None) -> tuple[ListFilesOrder | None, int | None]:
    """`order` and `limit` checked when `list` is called, not when the first page is fetched."""
    checked = None if order is None else rules.choice(order, ListFilesOrder, param="order")
    return checked, rules.page_size(limit, rules.MAX_FILES_PAGE)


def _page(response: ListFilesResponse) -> Page[OpenAIFile]:
    return Page(response.data, response.has_more, response.first_id, response.last_id)


def _download_options(
    progress: DownloadProgress | None, chunk_size: int | None, part_size: int, concurrency: int
) -> dict[str, Any]:
    return {
        "progress": progress,
        "chunk_size": None if chunk_size is None else rules.at_least(chunk_size, 1, param="chunk_size"),
        "part_size": rules.at_least(part_size, 1, param="part_size"),
        "concurrency": rules.at_least(concurrency, 1, param="concurrency"),
    }


class Files:
    """Files: `create`, `retrieve`, `list`, `content`, `download`, `delete`."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def create(
        self,
        file: Source,
        *,
        purpose: str,
        filename: str | None = None,
        expires_after_seconds: int | None = None,
        config: TransferConfig | None = None,
    ) -> OpenAIFile:
        """Store a file streamed from a path or a binary file object; return the stored file.

        `purpose` is what the file is for, `filename` the name it is stored under (the path's name by
        default; required for a file object without one), `expires_after_seconds` when the service may
        delete it. A path of `config.single_request_below` bytes (16 MiB) or more whose purpose an
        Upload takes and whose type the name tells goes as parallel Upload parts (up to 8 GiB), which a
        long or thin link carries several times faster; anything else as one request of up to 512 MB
        (a file object must be seekable to be retried). `config` tunes the parts. Bad input raises an
        `InvalidInputError` before any byte is sent; a failed Upload is cancelled.
        """
        config = config or TransferConfig()
        if (parts := _in_parts(file, purpose, filename, expires_after_seconds, config)) is not None:
            return _stored(self._client.uploads.upload_file(parts[0], **parts[1]))
        with _create_kwargs(file, purpose, filename, expires_after_seconds) as kwargs:
            return self._client._call(kwargs, OpenAIFile.from_dict)

    def retrieve(self, file_id: str) -> OpenAIFile:
        return self._client._call(retrieve_file._get_kwargs(file_id), OpenAIFile.from_dict)

    def delete(self, file_id: str) -> DeleteFileResponse:
        return self._client._call(delete_file._get_kwargs(file_id), DeleteFileResponse.from_dict)

    def list(
        self, *, purpose: str | None = None, order: str | None = None, limit: int | None = None
    ) -> SyncPager[OpenAIFile]:
        """Every file, newest first unless `order="asc"`; `limit` is the page size."""
        checked, limit = _list_checked(order, limit)

        def fetch(after: str | None) -> Page[OpenAIFile]:
            kwargs = _list_kwargs(purpose, checked, limit, after)
            return _page(self._client._call(kwargs, ListFilesResponse.from_dict))

        return SyncPager(fetch)

    def content(self, file_id: str) -> bytes:
        """A small file's bytes in memory; use `download` for anything large."""
        return self._client._request(download_file._get_kwargs(file_id)).content

    def download(
        self,
        file_id: str,
        destination: Destination,
        *,
        progress: DownloadProgress | None = None,
        chunk_size: int | None = CHUNK_SIZE,
        part_size: int = PART_SIZE,
        concurrency: int = CONCURRENCY,
    ) -> int:
        """Download a file to a path (atomically) or a binary writable; return the bytes written.

        `progress(received, total)` is called as bytes arrive; `chunk_size` is the bytes per write (None:
        as they arrive, so a cut loses none of them). A cut
        stream resumes with `Range` (or starts over when the server ignores it). A path target of at least
        two `part_size` parts, on a server that advertises byte ranges, is fetched `concurrency` parts at
        a time. Raises `IncompleteDownloadError` when attempts stop bringing bytes, `InvalidInputError`
        for a bad target or setting (before any request), or an `APIError`.
        """
        options = _download_options(progress, chunk_size, part_size, concurrency)
        return download(self._client, file_id, destination, **options)


class AsyncFiles:
    """The asyncio twin of `Files`."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def create(
        self,
        file: Source,
        *,
        purpose: str,
        filename: str | None = None,
        expires_after_seconds: int | None = None,
        config: TransferConfig | None = None,
    ) -> OpenAIFile:
        """See `Files.create`. One request reads the file on the event loop, a 64 KB chunk at a time."""
        config = config or TransferConfig()
        if (parts := _in_parts(file, purpose, filename, expires_after_seconds, config)) is not None:
            return _stored(await self._client.uploads.upload_file(parts[0], **parts[1]))
        with _create_kwargs(file, purpose, filename, expires_after_seconds) as kwargs:
            return await self._client._call(kwargs, OpenAIFile.from_dict)

    async def retrieve(self, file_id: str) -> OpenAIFile:
        return await self._client._call(retrieve_file._get_kwargs(file_id), OpenAIFile.from_dict)

    async def delete(self, file_id: str) -> DeleteFileResponse:
        return await self._client._call(delete_file._get_kwargs(file_id), DeleteFileResponse.from_dict)

    def list(
        self, *, purpose: str | None = None, order: str | None = None, limit: int | None = None
    ) -> AsyncPager[OpenAIFile]:
        """See `Files.list`; iterate with `async for`."""
        checked, limit = _list_checked(order, limit)

        async def fetch(after: str | None) -> Page[OpenAIFile]:
            kwargs = _list_kwargs(purpose, checked, limit, after)
            return _page(await self._client._call(kwargs, ListFilesResponse.from_dict))

        return AsyncPager(fetch)

    async def content(self, file_id: str) -> bytes:
        return (await self._client._request(download_file._get_kwargs(file_id))).content

    async def download(
        self,
        file_id: str,
        destination: Destination,
        *,
        progress: DownloadProgress | None = None,
        chunk_size: int | None = CHUNK_SIZE,
        part_size: int = PART_SIZE,
        concurrency: int = CONCURRENCY,
    ) -> int:
        """See `Files.download`; parts are tasks on the event loop."""
        options = _download_options(progress, chunk_size, part_size, concurrency)
        return await download_async(self._client, file_id, destination, **options)
