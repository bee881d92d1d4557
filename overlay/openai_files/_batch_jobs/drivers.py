"""The service calls a job makes, for `Client` and `AsyncClient`, and the two drivers that make them.

`JobCore` yields a `Call` naming a method of these adapters; a driver performs it and sends back the
result, or throws its exception into the core, which decides what it means.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import anyio

from .._batches import create_body
from .._generated import Batch, CreateBatchRequest, OpenAIFile, create_batch
from .._transfer.config import TransferConfig
from ..webhooks import EventInbox
from .core import TAG_JOB, TAG_KEY, BatchView, Steps
from .events import ended_batches
from .usage import Usage

if TYPE_CHECKING:
    from .._client import AsyncClient, Client

T = TypeVar("T")
LIST_PAGE = 100


def batch_view(batch: Batch) -> BatchView:
    """The fields the core reads, from the wire form (absent and null fields alike become None)."""
    wire = batch.to_dict()
    errors = (wire.get("errors") or {}).get("data") or []
    return BatchView(
        id=batch.id,
        status=str(wire["status"]),
        output_file_id=wire.get("output_file_id"),
        error_file_id=wire.get("error_file_id"),
        errors=tuple(e for e in errors if isinstance(e, dict)),
        metadata={str(k): str(v) for k, v in (wire.get("metadata") or {}).items()},
        created_at=batch.created_at,
        usage=Usage.from_wire(wire.get("usage")),
    )


def _one_create(file_id: str, endpoint: str, metadata: dict[str, str]) -> CreateBatchRequest:
    """The body of one `POST /batches`: the core makes each attempt itself (`batches.create` would try
    again on file lag by itself), looking for the batch before trying again."""
    return create_body(file_id, endpoint, "24h", metadata, None)


def _named(stored: OpenAIFile, filename: str, since: float) -> bool | None:
    """True for a file named `filename`; None once a newest-first listing went past `since`."""
    return None if stored.created_at < since else stored.filename == filename


def _tagged(batch: Batch, job_id: str, key: str, since: float) -> bool | None:
    """True for a batch of this job (id and key); None once a newest-first listing went past `since`."""
    if batch.created_at < since:
        return None
    metadata = batch_view(batch).metadata
    return metadata.get(TAG_JOB) == job_id and metadata.get(TAG_KEY, "") == key


class SyncJobApi:
    """The calls `JobCore` makes, on a `Client`."""

    def __init__(self, client: Client, inbox: EventInbox | None = None) -> None:
        self._client = client
        self._inbox = inbox

    def store(self, path: Path, filename: str, journal: Path, parts_from: int) -> tuple[str, int]:
        config = TransferConfig(single_request_below=parts_from)
        stored = self._client.files.create(
            path, purpose="batch", filename=filename, config=config, resume=journal
        )
        return stored.id, stored.created_at

    def cancel_upload(self, upload_id: str) -> None:
        self._client.uploads.cancel(upload_id)

    def delete_file(self, file_id: str) -> None:
        self._client.files.delete(file_id)

    def find_files(self, filename: str, since: float) -> list[str]:
        found: list[str] = []
        for stored in self._client.files.list(purpose="batch", order="desc", limit=LIST_PAGE):
            if (match := _named(stored, filename, since)) is None:
                break
            found += [stored.id] if match else []
        return found

    def create_batch(self, file_id: str, endpoint: str, metadata: dict[str, str]) -> BatchView:
        once = self._client.with_options(max_retries=0)  # the core looks for the batch before a retry
        return batch_view(once.call(create_batch, body=_one_create(file_id, endpoint, metadata)))

    def retrieve(self, batch_id: str) -> BatchView:
        return batch_view(self._client.batches.retrieve(batch_id))

    def cancel(self, batch_id: str) -> BatchView:
        return batch_view(self._client.batches.cancel(batch_id))

    def find_batches(self, job_id: str, key: str, since: float) -> list[BatchView]:
        found: list[BatchView] = []
        for batch in self._client.batches.list(limit=LIST_PAGE):
            if (match := _tagged(batch, job_id, key, since)) is None:
                break
            found += [batch_view(batch)] if match else []
        return found

    def download(self, file_id: str, path: Path) -> None:
        self._client.files.download(file_id, path)

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def idle(self, seconds: float) -> frozenset[str]:
        """Wait `seconds`, or less if events say batches ended; returns their ids."""
        if self._inbox is None:
            time.sleep(seconds)
            return frozenset()
        return ended_batches(self._inbox.take(seconds))


class AsyncJobApi:
    """The calls `JobCore` makes, on an `AsyncClient`."""

    def __init__(self, client: AsyncClient, inbox: EventInbox | None = None) -> None:
        self._client = client
        self._inbox = inbox

    async def store(self, path: Path, filename: str, journal: Path, parts_from: int) -> tuple[str, int]:
        config = TransferConfig(single_request_below=parts_from)
        stored = await self._client.files.create(
            path, purpose="batch", filename=filename, config=config, resume=journal
        )
        return stored.id, stored.created_at

    async def cancel_upload(self, upload_id: str) -> None:
        await self._client.uploads.cancel(upload_id)

    async def delete_file(self, file_id: str) -> None:
        await self._client.files.delete(file_id)

    async def find_files(self, filename: str, since: float) -> list[str]:
        found: list[str] = []
        async for stored in self._client.files.list(purpose="batch", order="desc", limit=LIST_PAGE):
            if (match := _named(stored, filename, since)) is None:
                break
            found += [stored.id] if match else []
        return found

    async def create_batch(self, file_id: str, endpoint: str, metadata: dict[str, str]) -> BatchView:
        once = self._client.with_options(max_retries=0)  # the core looks for the batch before a retry
        return batch_view(await once.call(create_batch, body=_one_create(file_id, endpoint, metadata)))

    async def retrieve(self, batch_id: str) -> BatchView:
        return batch_view(await self._client.batches.retrieve(batch_id))

    async def cancel(self, batch_id: str) -> BatchView:
        return batch_view(await self._client.batches.cancel(batch_id))

    async def find_batches(self, job_id: str, key: str, since: float) -> list[BatchView]:
        found: list[BatchView] = []
        async for batch in self._client.batches.list(limit=LIST_PAGE):
            if (match := _tagged(batch, job_id, key, since)) is None:
                break
            found += [batch_view(batch)] if match else []
        return found

    async def download(self, file_id: str, path: Path) -> None:
        await self._client.files.download(file_id, path)

    async def sleep(self, seconds: float) -> None:
        await anyio.sleep(seconds)

    async def idle(self, seconds: float) -> frozenset[str]:
        """See `SyncJobApi.idle`."""
        if self._inbox is None:
            await anyio.sleep(seconds)
            return frozenset()
        return ended_batches(await self._inbox.take_async(seconds))


def drive_sync(api: SyncJobApi, steps: Steps) -> Any:
    """Perform each call `steps` yields; return what it returns. A call's exception goes into `steps`."""
    result: Any = None
    error: Exception | None = None
    while True:
        try:
            call = steps.throw(error) if error is not None else steps.send(result)
        except StopIteration as stop:
            return stop.value
        result, error = None, None
        try:
            result = getattr(api, call.op)(*call.args)
        except Exception as exc:
            error = exc


async def drive_async(api: AsyncJobApi, steps: Steps) -> Any:
    """See `drive_sync`."""
    result: Any = None
    error: Exception | None = None
    while True:
        try:
            call = steps.throw(error) if error is not None else steps.send(result)
        except StopIteration as stop:
            return stop.value
        result, error = None, None
        try:
            result = await getattr(api, call.op)(*call.args)
        except Exception as exc:
            error = exc
