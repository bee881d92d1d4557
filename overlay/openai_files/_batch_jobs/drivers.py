"""The two drivers that carry out a job's effects: one `match` on a `Client`, one on an `AsyncClient`.

`JobCore` yields an effect (`effects.py`); a driver performs it and sends back the result, or throws its
exception into the core, which decides what it means. The async driver runs `LocalWork` in a worker
thread, so the event loop never waits on the disk. `before`, when given, sees each effect before it is
performed: raising there stops the job at that effect boundary (the tests' crash point).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, assert_never

import anyio

from .._batches import create_body
from .._generated import Batch, CreateBatchRequest, OpenAIFile, create_batch
from .._transfer.config import TransferConfig
from ..webhooks import EventInbox
from . import effects
from .core import TAG_JOB, TAG_KEY
from .effects import AnyEffect, BatchView, Steps
from .events import ended_batches
from .usage import Usage

if TYPE_CHECKING:
    from .._client import AsyncClient, Client

LIST_PAGE = 100
Hook = Callable[[AnyEffect], None]


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


def _one_create(effect: effects.CreateBatch) -> CreateBatchRequest:
    """The body of one `POST /batches`: the core makes each attempt itself (`batches.create` would try
    again on file lag by itself), looking for the batch before trying again."""
    return create_body(effect.file_id, effect.endpoint, "24h", effect.metadata, None)


def _named(stored: OpenAIFile, effect: effects.FindFiles) -> bool | None:
    """True for a file of the name sought; None once a newest-first listing went past `since`."""
    return None if stored.created_at < effect.since else stored.filename == effect.filename


def _tagged(batch: Batch, effect: effects.FindBatches) -> bool | None:
    """True for a batch of this job (id and key); None once a newest-first listing went past `since`."""
    if batch.created_at < effect.since:
        return None
    metadata = batch_view(batch).metadata
    return metadata.get(TAG_JOB) == effect.job_id and metadata.get(TAG_KEY, "") == effect.key


def _perform(client: Client, inbox: EventInbox | None, effect: AnyEffect) -> Any:
    match effect:
        case effects.Store(path, filename, journal, parts_from):
            config = TransferConfig(single_request_below=parts_from)
            stored = client.files.create(
                path, purpose="batch", filename=filename, config=config, resume=journal
            )
            return stored.id, stored.created_at
        case effects.CancelUpload(upload_id):
            client.uploads.cancel(upload_id)
        case effects.DeleteFile(file_id):
            client.files.delete(file_id)
        case effects.FindFiles():
            files: list[str] = []
            for stored in client.files.list(purpose="batch", order="desc", limit=LIST_PAGE):
                if (match := _named(stored, effect)) is None:
                    break
                files += [stored.id] if match else []
            return files
        case effects.CreateBatch():  # once: the core looks for the batch before a retry
            return batch_view(client.with_options(max_retries=0).call(create_batch, body=_one_create(effect)))
        case effects.RetrieveBatch(batch_id):
            return batch_view(client.batches.retrieve(batch_id))
        case effects.CancelBatch(batch_id):
            return batch_view(client.batches.cancel(batch_id))
        case effects.FindBatches():
            batches: list[BatchView] = []
            for batch in client.batches.list(limit=LIST_PAGE):
                if (match := _tagged(batch, effect)) is None:
                    break
                batches += [batch_view(batch)] if match else []
            return batches
        case effects.Download(file_id, path):
            client.files.download(file_id, path)
        case effects.Sleep(seconds):
            time.sleep(seconds)
        case effects.Idle(seconds):
            if inbox is None:
                time.sleep(seconds)
                return frozenset()
            return ended_batches(inbox.take(seconds))
        case effects.LocalWork(_, run):
            return run()
        case _:
            assert_never(effect)
    return None


async def _perform_async(client: AsyncClient, inbox: EventInbox | None, effect: AnyEffect) -> Any:
    match effect:
        case effects.Store(path, filename, journal, parts_from):
            config = TransferConfig(single_request_below=parts_from)
            stored = await client.files.create(
                path, purpose="batch", filename=filename, config=config, resume=journal
            )
            return stored.id, stored.created_at
        case effects.CancelUpload(upload_id):
            await client.uploads.cancel(upload_id)
        case effects.DeleteFile(file_id):
            await client.files.delete(file_id)
        case effects.FindFiles():
            files: list[str] = []
            async for stored in client.files.list(purpose="batch", order="desc", limit=LIST_PAGE):
                if (match := _named(stored, effect)) is None:
                    break
                files += [stored.id] if match else []
            return files
        case effects.CreateBatch():  # once: the core looks for the batch before a retry
            once = client.with_options(max_retries=0)
            return batch_view(await once.call(create_batch, body=_one_create(effect)))
        case effects.RetrieveBatch(batch_id):
            return batch_view(await client.batches.retrieve(batch_id))
        case effects.CancelBatch(batch_id):
            return batch_view(await client.batches.cancel(batch_id))
        case effects.FindBatches():
            batches: list[BatchView] = []
            async for batch in client.batches.list(limit=LIST_PAGE):
                if (match := _tagged(batch, effect)) is None:
                    break
                batches += [batch_view(batch)] if match else []
            return batches
        case effects.Download(file_id, path):
            await client.files.download(file_id, path)
        case effects.Sleep(seconds):
            await anyio.sleep(seconds)
        case effects.Idle(seconds):
            if inbox is None:
                await anyio.sleep(seconds)
                return frozenset()
            return ended_batches(await inbox.take_async(seconds))
        case effects.LocalWork(_, run):
            return await anyio.to_thread.run_sync(run)
        case _:
            assert_never(effect)
    return None


def drive_sync(
    client: Client, steps: Steps, inbox: EventInbox | None = None, *, before: Hook | None = None
) -> Any:
    """Perform each effect `steps` yields; return what it returns. An effect's exception goes into
    `steps`. `inbox`: webhook events that cut an `Idle` short."""
    result, error = None, None
    while True:
        try:
            effect = steps.throw(error) if error is not None else steps.send(result)
        except StopIteration as stop:
            return stop.value
        if before is not None:
            before(effect)
        try:
            result, error = _perform(client, inbox, effect), None
        except Exception as exc:
            result, error = None, exc


async def drive_async(
    client: AsyncClient, steps: Steps, inbox: EventInbox | None = None, *, before: Hook | None = None
) -> Any:
    """See `drive_sync`."""
    result, error = None, None
    while True:
        try:
            effect = steps.throw(error) if error is not None else steps.send(result)
        except StopIteration as stop:
            return stop.value
        if before is not None:
            before(effect)
        try:
            result, error = await _perform_async(client, inbox, effect), None
        except Exception as exc:
            result, error = None, exc
