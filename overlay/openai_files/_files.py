"""The `files` resource group: store, list, read, download and delete files."""

from __future__ import annotations

import contextlib
import functools
import io
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, BinaryIO, cast

from . import _rules as rules
from ._docs import docs_from
from ._download import (
    CHUNK_SIZE,
    CONCURRENCY,
    PART_SIZE,
    Destination,
    download,
    download_async,
)
from ._errors import APIError, InvalidInputError, OpenAIFilesError
from ._generated import (
    UNSET,
    CreateFileRequest,
    CreateFileRequestPurpose,
    DeleteFileResponse,
    File,
    FileExpirationAfter,
    FileExpirationAfterAnchor,
    ListFilesOrder,
    OpenAIFile,
    Unset,
    Upload,
    create_file,
    delete_file,
    list_files,
    retrieve_file,
)
from ._lost_answers import Search, file_search
from ._pagination import AsyncPager, Page, SyncPager
from ._rules import FileOrder, FilePurpose, UploadPurpose
from ._transfer.config import TransferConfig
from ._transfer.plan import infer_mime_type, sends_in_parts
from ._transfer.progress import ProgressCallback
from ._transfer.source import open_regular_file

if TYPE_CHECKING:
    from ._client import AsyncClient, Client

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
) -> tuple[Path, UploadPurpose] | None:
    """The path and purpose when this file goes as parallel Upload parts; None for one request.

    Checks what both ways check first, so bad input fails the same way, before any byte is sent. Only a
    path goes in parts: a file object may not be seekable, and parts read it out of order.
    """
    rules.choice(purpose, CreateFileRequestPurpose, param="purpose")
    expiry(expires_after_seconds)
    if not isinstance(source, str | os.PathLike) or not rules.is_upload_purpose(purpose):
        return None
    path = Path(source)
    with open_regular_file(path) as opened:
        size = os.fstat(opened.fileno()).st_size
    mime_type = infer_mime_type(filename or path.name)
    return (
        (path, purpose) if sends_in_parts(size, purpose=purpose, mime_type=mime_type, config=config) else None
    )


def _stored(upload: Upload) -> OpenAIFile:
    if not isinstance(upload.file, OpenAIFile):
        raise OpenAIFilesError(f"Upload {upload.id} is {upload.status} but names no file")
    return upload.file


def _search(body: CreateFileRequest) -> Search[OpenAIFile] | None:
    """The look for the file `body` makes, should its answer be lost; None for a stream of unknown size
    (which is sent once: it cannot be sent again)."""
    payload: object = body.file.payload
    if isinstance(payload, bytes | bytearray):  # not a `Source`, but httpx sends it as it is
        size = len(payload)
    elif callable(getattr(payload, "seekable", None)) and cast(IO[bytes], payload).seekable():
        stream = cast(IO[bytes], payload)
        here = stream.tell()
        size = stream.seek(0, io.SEEK_END) - here
        stream.seek(here)
    else:
        return None
    return file_search(body.file.file_name or "", size, str(body.purpose), time.time())


@contextlib.contextmanager
def _create_body(
    source: Source, purpose: str, filename: str | None, expires_after_seconds: int | None
) -> Iterator[CreateFileRequest]:
    """The request body streaming `source`, checked first; a path is opened here and closed afterwards."""
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
            name = rules.file_name(filename or path.name)
        else:
            payload = source
            name = rules.file_name(filename or Path(str(getattr(source, "name", ""))).name)
            if not name:
                raise InvalidInputError(
                    "filename= is required for a file object without a name", param="filename"
                )
        yield CreateFileRequest(
            file=File(payload=cast(BinaryIO, payload), file_name=name),
            purpose=checked_purpose,
            expires_after=expires,
        )


class _ListQuery:
    """`files.list` arguments, checked when `list` is called rather than when the first page is fetched."""

    def __init__(self, purpose: str | None, order: str | None, limit: int | None, after: str | None) -> None:
        self.purpose = UNSET if purpose is None else purpose
        self.after = after
        self.order = UNSET if order is None else rules.choice(order, ListFilesOrder, param="order")
        checked_limit = rules.page_size(limit, rules.MAX_FILES_PAGE)
        self.limit = UNSET if checked_limit is None else checked_limit

    def page(self, client: Client, after: str | None) -> Page[OpenAIFile]:
        response = client.call(
            list_files,
            purpose=self.purpose,
            order=self.order,
            limit=self.limit,
            after=_cursor(after or self.after),
        )
        return Page(response.data, response.has_more, response.first_id, response.last_id)

    async def apage(self, client: AsyncClient, after: str | None) -> Page[OpenAIFile]:
        response = await client.call(
            list_files,
            purpose=self.purpose,
            order=self.order,
            limit=self.limit,
            after=_cursor(after or self.after),
        )
        return Page(response.data, response.has_more, response.first_id, response.last_id)


def _cursor(after: str | None) -> str | Unset:
    return UNSET if after is None else after


def _download_options(
    progress: ProgressCallback | None, chunk_size: int | None, part_size: int, concurrency: int
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
        """The group on `client`; reach it as `client.files`."""
        self._client = client

    def create(
        self,
        file: Source,
        *,
        purpose: FilePurpose,
        filename: str | None = None,
        expires_after_seconds: int | None = None,
        config: TransferConfig | None = None,
        resume: bool | str | os.PathLike[str] = False,
    ) -> OpenAIFile:
        """Store a file streamed from a path or a binary file object; return the stored file.

        A path of `config.single_request_below` bytes (16 MiB) or more whose purpose an Upload takes and
        whose type the name tells goes as parallel Upload parts (up to 8 GiB), which a long or thin link
        carries several times faster; anything else as one request of up to 512 MB.

        Args:
            file: a path, or a binary file object (seekable to be retried; read from its position).
            purpose: what the file is for; `InvalidInputError` unless the service takes it.
            filename: the name to store; default the path's name (required for a nameless object).
            expires_after_seconds: delete the file this long after creation (3600 to 2592000).
            config: tunes the parts (`TransferConfig`).
            resume: for a file sent as Upload parts, as `uploads.upload_file`'s (a journal of the Upload
                and its parts; a path names the journal file); a file sent in one request has none.

        Returns:
            The stored file.

        Raises:
            InvalidInputError: bad input (`.param` names it), before any byte is sent.
            UnconfirmedCreateError: the answer was lost and several stored files of this name, size and
                purpose could be the one it made (or looking failed); nothing was sent again.
            APIError: the service refused or could not be reached (see `Client.call`); a failed Upload
                is cancelled.
        """
        config = config or TransferConfig()
        if (parts := _in_parts(file, purpose, filename, expires_after_seconds, config)) is not None:
            path, upload_purpose = parts
            upload = self._client.uploads.upload_file(
                path,
                purpose=upload_purpose,
                filename=filename or path.name,
                expires_after_seconds=expires_after_seconds,
                config=config,
                resume=resume,
            )
            return _stored(upload)
        with _create_body(file, purpose, filename, expires_after_seconds) as body:
            search = _search(body)
            find = None if search is None else functools.partial(self._find, str(body.purpose), search)
            created: OpenAIFile = self._client.call_once(create_file, find, body=body)
            return created

    def _find(self, purpose: str, search: Search[OpenAIFile]) -> OpenAIFile | None:
        """The file a create whose answer was lost made, from the recent ones (see `_lost_answers`)."""
        try:
            for stored in self.list(purpose=purpose):
                if not search.add(stored):
                    break
        except APIError as error:
            raise search.failed(error) from error
        return search.result()

    def retrieve(self, file_id: str) -> OpenAIFile:
        """A stored file's metadata. Raises `NotFoundError` for an unknown id (see `Client.call`)."""
        return self._client.call(retrieve_file, file_id)

    def delete(self, file_id: str) -> DeleteFileResponse:
        """Delete a stored file; returns the service's confirmation. Raises as `Client.call` does."""
        return self._client.call(delete_file, file_id)

    def list(
        self,
        *,
        purpose: str | None = None,
        order: FileOrder | None = None,
        limit: int | None = None,
        after: str | None = None,
    ) -> SyncPager[OpenAIFile]:
        """Every file, fetched a page at a time as you iterate.

        Args:
            purpose: only files of this purpose (any the service reports, `batch_output` included).
            order: `"desc"` (newest first, the default) or `"asc"`.
            limit: the page size, 1 to 10000.
            after: start after this file id (a cursor from an earlier listing).

        Returns:
            A pager: iterate it for files, `.pages()` for pages, `.first_page()` for one request.

        Raises:
            InvalidInputError: a bad `order` or `limit`, at this call; iterating raises as `Client.call`.
        """
        query = _ListQuery(purpose, order, limit, after)
        return SyncPager(lambda after: query.page(self._client, after))

    def content(self, file_id: str) -> bytes:
        """A small file's bytes in memory, checked and resumed as `download` does; use `download` for
        anything large. Raises `IncompleteDownloadError` or as `Client.call`."""
        buffer = io.BytesIO()
        download(self._client, file_id, buffer)
        return buffer.getvalue()

    def download(
        self,
        file_id: str,
        destination: Destination,
        *,
        progress: ProgressCallback | None = None,
        chunk_size: int | None = CHUNK_SIZE,
        part_size: int = PART_SIZE,
        concurrency: int = CONCURRENCY,
    ) -> int:
        """Download a file to a path (atomically) or a binary writable; return the bytes written.

        `progress` is called with a `Progress` as bytes arrive, as in uploads (a `ProgressBar` draws
        either; each range fetched in parallel is a part); `chunk_size` is the bytes per write (None: as
        they arrive, so a cut loses none of them). A cut
        stream resumes with `Range` (or starts over when the server ignores it). A path target of at least
        two `part_size` parts, on a server that advertises byte ranges, is fetched `concurrency` parts at
        a time. Raises `IncompleteDownloadError` when attempts stop bringing bytes, `InvalidInputError`
        for a bad target or setting (before any request), or an `APIError`.
        """
        options = _download_options(progress, chunk_size, part_size, concurrency)
        return download(self._client, file_id, destination, **options)


@docs_from(Files)
class AsyncFiles:
    """The asyncio twin of `Files`."""

    def __init__(self, client: AsyncClient) -> None:
        """The group on `client`; reach it as `client.files`."""
        self._client = client

    async def create(
        self,
        file: Source,
        *,
        purpose: FilePurpose,
        filename: str | None = None,
        expires_after_seconds: int | None = None,
        config: TransferConfig | None = None,
        resume: bool | str | os.PathLike[str] = False,
    ) -> OpenAIFile:
        """See `Files.create`. One request reads the file on the event loop, a 64 KB chunk at a time."""
        config = config or TransferConfig()
        if (parts := _in_parts(file, purpose, filename, expires_after_seconds, config)) is not None:
            path, upload_purpose = parts
            upload = await self._client.uploads.upload_file(
                path,
                purpose=upload_purpose,
                filename=filename or path.name,
                expires_after_seconds=expires_after_seconds,
                config=config,
                resume=resume,
            )
            return _stored(upload)
        with _create_body(file, purpose, filename, expires_after_seconds) as body:
            search = _search(body)
            find = None if search is None else functools.partial(self._find, str(body.purpose), search)
            created: OpenAIFile = await self._client.call_once(create_file, find, body=body)
            return created

    async def _find(self, purpose: str, search: Search[OpenAIFile]) -> OpenAIFile | None:
        """See `Files._find`."""
        try:
            async for stored in self.list(purpose=purpose):
                if not search.add(stored):
                    break
        except APIError as error:
            raise search.failed(error) from error
        return search.result()

    async def retrieve(self, file_id: str) -> OpenAIFile:
        """See `Files.retrieve`."""
        return await self._client.call(retrieve_file, file_id)

    async def delete(self, file_id: str) -> DeleteFileResponse:
        """See `Files.delete`."""
        return await self._client.call(delete_file, file_id)

    def list(
        self,
        *,
        purpose: str | None = None,
        order: FileOrder | None = None,
        limit: int | None = None,
        after: str | None = None,
    ) -> AsyncPager[OpenAIFile]:
        """See `Files.list`; iterate with `async for`."""
        query = _ListQuery(purpose, order, limit, after)
        return AsyncPager(lambda after: query.apage(self._client, after))

    async def content(self, file_id: str) -> bytes:
        """See `Files.content`."""
        buffer = io.BytesIO()
        await download_async(self._client, file_id, buffer)
        return buffer.getvalue()

    async def download(
        self,
        file_id: str,
        destination: Destination,
        *,
        progress: ProgressCallback | None = None,
        chunk_size: int | None = CHUNK_SIZE,
        part_size: int = PART_SIZE,
        concurrency: int = CONCURRENCY,
    ) -> int:
        """See `Files.download`; parts are tasks on the event loop."""
        options = _download_options(progress, chunk_size, part_size, concurrency)
        return await download_async(self._client, file_id, destination, **options)
