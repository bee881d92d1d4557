"""The `uploads` resource group: one call per Uploads endpoint, and `upload_file`, the multipart helper.

`upload_file` always takes the Uploads path, whatever the size: one code path, one return type (the
completed Upload with its File), the md5 checked by the service, resume and progress for every file. A
small file pays two extra round trips (create and complete) for that; `files.create` chooses between
one request and this helper by size.
"""

from __future__ import annotations

import asyncio
import io
import os
from typing import IO, TYPE_CHECKING, Any, BinaryIO, Required, TypedDict, Unpack, cast

from . import _rules as rules
from ._errors import APIConnectionError, APIStatusError
from ._files import expiry
from ._generated import (
    AddUploadPartRequest,
    CompleteUploadRequest,
    CreateUploadRequest,
    CreateUploadRequestPurpose,
    File,
    OpenAIFile,
    Upload,
    UploadPart,
    UploadStatus,
    add_upload_part,
    cancel_upload,
    complete_upload,
    create_upload,
)
from ._retry import is_retryable_status
from ._transfer import (
    Completion,
    Created,
    PartWindow,
    ProgressCallback,
    TransferConfig,
    UploadJob,
    UploadPlan,
    prepare_job,
    run_async,
    run_sync,
)

if TYPE_CHECKING:
    from ._client import AsyncClient, Client

__all__ = ["AsyncUploads", "Uploads"]

FileSource = str | os.PathLike[str] | BinaryIO


def _create_kwargs(
    filename: str, purpose: str, size: int, mime_type: str, expires_after_seconds: int | None
) -> dict[str, Any]:
    """The same rules `upload_file` checks in its plan, for a caller driving the Upload by hand."""
    expires = expiry(expires_after_seconds)
    body = CreateUploadRequest(
        filename=filename,
        purpose=rules.choice(purpose, CreateUploadRequestPurpose, param="purpose"),
        bytes_=rules.in_range(size, 1, rules.MAX_UPLOAD_BYTES, param="bytes"),
        mime_type=mime_type,
        expires_after=expires,
    )
    return create_upload._get_kwargs(body=body)


def _part_kwargs(upload_id: str, data: bytes | IO[bytes] | PartWindow) -> dict[str, Any]:
    """A part streams from its window in 64 KiB reads; httpx seeks it to 0 for every attempt."""
    payload = io.BytesIO(data) if isinstance(data, bytes) else cast(BinaryIO, data)
    file = File(payload=payload, file_name="part", mime_type="application/octet-stream")
    return add_upload_part._get_kwargs(upload_id, body=AddUploadPartRequest(data=file))


def _complete_kwargs(
    upload_id: str, part_ids: list[str], md5: str | None, idempotency_key: str | None = None
) -> dict[str, Any]:
    body = CompleteUploadRequest(part_ids=part_ids, md5=md5)
    kwargs = complete_upload._get_kwargs(upload_id, body=body)
    if idempotency_key is not None:
        kwargs["headers"] = {**kwargs.get("headers", {}), "Idempotency-Key": idempotency_key}
    return kwargs


def _completion_kwargs(upload_id: str, part_ids: list[str], completion: Completion) -> dict[str, Any]:
    return _complete_kwargs(upload_id, part_ids, completion.md5, completion.key)


CLOCK_SKEW_SECONDS = 600
"""How far the service's clock may be behind ours when a File is looked for by its creation time."""
MAX_FILES_SEARCHED = 10_000


class _FileSearch:
    """Finds the File an interrupted complete made: same purpose, name and size, created after it was
    sent. Files come newest first; the search stops at the first one older than that, or after
    `MAX_FILES_SEARCHED`. Exactly one match is an answer; none or several are not."""

    def __init__(self, job: UploadJob, completion: Completion) -> None:
        self._job = job
        self._since = completion.sent_at - CLOCK_SKEW_SECONDS
        self.matches: list[OpenAIFile] = []
        self._seen = 0

    def add(self, stored: OpenAIFile) -> bool:
        """Take one listed File; False once the search is over."""
        self._seen += 1
        if stored.created_at < self._since or self._seen > MAX_FILES_SEARCHED:
            return False
        plan = self._job.plan
        if stored.filename == plan.filename and stored.bytes_ == plan.size:
            self.matches.append(stored)
        return True

    def result(self) -> Upload | None:
        if len(self.matches) != 1:
            return None
        plan = self._job.plan
        return Upload(
            id=self._job.upload_id,
            created_at=self._job.created_at,
            filename=plan.filename,
            bytes_=plan.size,
            purpose=plan.purpose,
            status=UploadStatus.COMPLETED,
            expires_at=self._job.expires_at,
            file=self.matches[0],
        )


def _plan_kwargs(plan: UploadPlan) -> dict[str, Any]:
    return _create_kwargs(plan.filename, plan.purpose, plan.size, plan.mime_type, plan.expires_after)


def _resumable(error: BaseException) -> bool:
    """Errors a later run can get past: the network, the service's bad moments, the user's Ctrl-C."""
    if isinstance(error, KeyboardInterrupt | asyncio.CancelledError | APIConnectionError):
        return True
    return isinstance(error, APIStatusError) and is_retryable_status(error.status_code)


def _refused(error: BaseException) -> bool:
    """A final 4xx other than the key's: the Upload is cancelled, expired, completed or unknown."""
    if not isinstance(error, APIStatusError) or is_retryable_status(error.status_code):
        return False
    return 400 <= error.status_code < 500 and error.status_code not in (401, 403)


def _created(upload: Upload) -> Created:
    return Created(upload_id=upload.id, expires_at=upload.expires_at, created_at=upload.created_at)


class _SyncApi:
    """The engine's view of the service: the client's calls, with parts retried more and stoppable."""

    def __init__(self, client: Client, job: UploadJob) -> None:
        self._client = client
        self._parts = client.with_options(max_retries=max(client.max_retries, job.config.part_retries))
        self._job = job

    def _pause(self, seconds: float) -> None:
        """A part's wait before its next attempt, cut short (and raising) once the upload failed."""
        coordinator = self._job.coordinator  # a job that starts over gets a new one
        if coordinator.stopped.wait(seconds):
            coordinator.check()

    def create(self, plan: UploadPlan) -> Created:
        return _created(self._client._call(_plan_kwargs(plan), Upload.from_dict))

    def add_part(self, upload_id: str, window: PartWindow) -> str:
        kwargs = _part_kwargs(upload_id, window)
        return self._parts._call(kwargs, UploadPart.from_dict, pause=self._pause).id

    def complete(self, upload_id: str, part_ids: list[str], completion: Completion) -> Upload:
        return self._client._call(_completion_kwargs(upload_id, part_ids, completion), Upload.from_dict)

    def cancel(self, upload_id: str) -> None:
        self._client._call(cancel_upload._get_kwargs(upload_id), Upload.from_dict)

    def find_completed(self, upload_id: str, plan: UploadPlan, completion: Completion) -> Upload | None:
        search = _FileSearch(self._job, completion)
        for stored in self._client.files.list(purpose=plan.purpose):
            if not search.add(stored):
                break
        return search.result()

    def resumable(self, error: BaseException) -> bool:
        return _resumable(error)

    def refused(self, error: BaseException) -> bool:
        return _refused(error)


class _AsyncApi:
    """See `_SyncApi`; a failed upload cancels its part tasks, which ends their retry sleeps."""

    def __init__(self, client: AsyncClient, job: UploadJob) -> None:
        self._client = client
        self._parts = client.with_options(max_retries=max(client.max_retries, job.config.part_retries))
        self._job = job

    async def create(self, plan: UploadPlan) -> Created:
        return _created(await self._client._call(_plan_kwargs(plan), Upload.from_dict))

    async def add_part(self, upload_id: str, window: PartWindow) -> str:
        return (await self._parts._call(_part_kwargs(upload_id, window), UploadPart.from_dict)).id

    async def complete(self, upload_id: str, part_ids: list[str], completion: Completion) -> Upload:
        kwargs = _completion_kwargs(upload_id, part_ids, completion)
        return await self._client._call(kwargs, Upload.from_dict)

    async def cancel(self, upload_id: str) -> None:
        await self._client._call(cancel_upload._get_kwargs(upload_id), Upload.from_dict)

    async def find_completed(self, upload_id: str, plan: UploadPlan, completion: Completion) -> Upload | None:
        search = _FileSearch(self._job, completion)
        async for stored in self._client.files.list(purpose=plan.purpose):
            if not search.add(stored):
                break
        return search.result()

    def resumable(self, error: BaseException) -> bool:
        return _resumable(error)

    def refused(self, error: BaseException) -> bool:
        return _refused(error)


class UploadOptions(TypedDict, total=False):
    """The keyword arguments of `upload_file`; `Uploads.upload_file` documents them."""

    purpose: Required[str]
    mime_type: str | None
    filename: str | None
    part_size: int | None
    concurrency: int | None
    md5: bool
    expires_after_seconds: int | None
    progress: ProgressCallback | None
    resume: bool | str | os.PathLike[str]
    config: TransferConfig | None


class Uploads:
    """Create an Upload, add parts, complete or cancel it; or let `upload_file` do all of it."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def upload_file(
        self,
        file: FileSource,
        **options: Unpack[UploadOptions],
    ) -> Upload:
        """Send a file of up to 8 GiB in parallel parts; return the completed Upload with its `file`.

        Options: `purpose` (required), `mime_type` (inferred from the name when None), `filename`,
        `part_size`, `concurrency`, `md5`, `expires_after_seconds`, `progress`, `resume`, `config`. Parts
        stream from the file and are retried on their own; by default they are cut for the file
        (`plan.choose_part_size`) and their number in flight adapts to the link (8, growing by half while
        throughput grows, up to 16); `part_size` and `concurrency` fix them. The whole file's md5 is
        computed alongside and checked by the service. `progress` is called with a `Progress` from the
        sending threads. With `resume`, a journal of sent parts lets a rerun after a crash send only the
        missing ones (`True` keeps it under the user's cache directory; a path names the journal file). A
        failure cancels the Upload, unless `resume` is on and a rerun could finish it. Bad input raises
        `InvalidInputError` (`.param` names the argument) before anything is sent.
        """
        job = prepare_job(file, endpoint=self._client.base_url, **options)
        return run_sync(_SyncApi(self._client, job), job)

    def create(
        self,
        *,
        filename: str,
        purpose: str,
        bytes: int,
        mime_type: str,
        expires_after_seconds: int | None = None,
    ) -> Upload:
        kwargs = _create_kwargs(filename, purpose, bytes, mime_type, expires_after_seconds)
        return self._client._call(kwargs, Upload.from_dict)

    def add_part(self, upload_id: str, data: bytes | IO[bytes]) -> UploadPart:
        return self._client._call(_part_kwargs(upload_id, data), UploadPart.from_dict)

    def complete(self, upload_id: str, part_ids: list[str], *, md5: str | None = None) -> Upload:
        return self._client._call(_complete_kwargs(upload_id, part_ids, md5), Upload.from_dict)

    def cancel(self, upload_id: str) -> Upload:
        return self._client._call(cancel_upload._get_kwargs(upload_id), Upload.from_dict)


class AsyncUploads:
    """The asyncio twin of `Uploads`."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def upload_file(
        self,
        file: FileSource,
        **options: Unpack[UploadOptions],
    ) -> Upload:
        """See `Uploads.upload_file`; a bandwidth cap is taken per part here, not per read."""
        job = prepare_job(file, endpoint=self._client.base_url, **options)
        return await run_async(_AsyncApi(self._client, job), job)

    async def create(
        self,
        *,
        filename: str,
        purpose: str,
        bytes: int,
        mime_type: str,
        expires_after_seconds: int | None = None,
    ) -> Upload:
        kwargs = _create_kwargs(filename, purpose, bytes, mime_type, expires_after_seconds)
        return await self._client._call(kwargs, Upload.from_dict)

    async def add_part(self, upload_id: str, data: bytes | IO[bytes]) -> UploadPart:
        return await self._client._call(_part_kwargs(upload_id, data), UploadPart.from_dict)

    async def complete(self, upload_id: str, part_ids: list[str], *, md5: str | None = None) -> Upload:
        return await self._client._call(_complete_kwargs(upload_id, part_ids, md5), Upload.from_dict)

    async def cancel(self, upload_id: str) -> Upload:
        return await self._client._call(cancel_upload._get_kwargs(upload_id), Upload.from_dict)
