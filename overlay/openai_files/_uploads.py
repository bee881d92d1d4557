"""The `uploads` resource group: one call per Uploads endpoint, and `upload_file`, the multipart helper.

`upload_file` always takes the Uploads path, whatever the size: one code path, one return type (the
completed Upload with its File), resume, progress and the optional md5 for every file. A
small file pays two extra round trips (create and complete) for that; `files.create` chooses between
one request and this helper by size.
"""

from __future__ import annotations

import io
import os
from typing import IO, TYPE_CHECKING, BinaryIO, Generic, TypeVar, cast

import anyio

from . import _rules as rules
from ._docs import docs_from
from ._errors import APIConnectionError, APIStatusError, UnconfirmedUploadError
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
from ._lost_answers import Search, file_search
from ._retry import is_refusal, is_retryable_status
from ._rules import UploadPurpose
from ._service import ServiceIdentity
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
C = TypeVar("C", bound="Client | AsyncClient")


def _create_body(
    filename: str, purpose: str, size: int, mime_type: str, expires_after_seconds: int | None
) -> CreateUploadRequest:
    """The same rules `upload_file` checks in its plan, for a caller driving the Upload by hand."""
    expires = expiry(expires_after_seconds)
    return CreateUploadRequest(
        filename=filename,
        purpose=rules.choice(purpose, CreateUploadRequestPurpose, param="purpose"),
        bytes_=rules.in_range(size, 1, rules.MAX_UPLOAD_BYTES, param="bytes"),
        mime_type=mime_type,
        expires_after=expires,
    )


def _plan_body(plan: UploadPlan) -> CreateUploadRequest:
    return _create_body(plan.filename, plan.purpose, plan.size, plan.mime_type, plan.expires_after)


def _completion_headers(completion: Completion) -> dict[str, str]:
    """The Idempotency-Key a completion was first sent with, so a rerun's complete repeats it."""
    return {} if completion.key is None else {"Idempotency-Key": completion.key}


def _part_body(data: bytes | IO[bytes] | PartWindow) -> AddUploadPartRequest:
    """A part streams from its window in 1 MiB reads; httpx seeks it to 0 for every attempt."""
    payload = io.BytesIO(data) if isinstance(data, bytes) else cast(BinaryIO, data)
    return AddUploadPartRequest(
        data=File(payload=payload, file_name="part", mime_type="application/octet-stream")
    )


class _Api(Generic[C]):
    """The engine's view of the service (`SyncUploadApi`, `AsyncUploadApi`): the client's calls; a part
    is one attempt (the engine retries)."""

    def __init__(self, client: C, job: UploadJob) -> None:
        self._client = client
        self._job = job

    def _file_search(self, completion: Completion) -> Search[OpenAIFile]:
        """Finds the File a complete made whose answer did not come back (this run's, lost; or an
        interrupted run's): same purpose, name and size, created after it was sent."""
        plan = self._job.plan
        return file_search(plan.filename, plan.size, str(plan.purpose), completion.sent_at)

    def _recovered(self, matches: list[OpenAIFile], refusal: Exception) -> Upload:
        """The completed Upload with its File, or `UnconfirmedUploadError` (caused by `refusal`)."""
        job = self._job
        if len(matches) != 1:
            candidates = ", ".join(f.id for f in matches) or "none"
            raise UnconfirmedUploadError(
                f"an interrupted run sent the complete request of Upload {job.upload_id} "
                f"({job.plan.filename}), and the service refuses to repeat it ({refusal}); no single stored "
                f"file matches it (candidates: {candidates}): check `files ls --purpose {job.plan.purpose}` "
                "before uploading again, which the next run will do",
                upload_id=job.upload_id,
                candidates=tuple(f.id for f in matches),
            ) from refusal
        return self._completed(matches[0])

    def _found_again(self, matches: list[OpenAIFile]) -> Upload | None:
        """This run's complete, whose answer was lost: the Upload with its File, None when no File was
        made (the complete is sent again), `UnconfirmedUploadError` when several could be it."""
        job = self._job
        if len(matches) > 1:
            raise UnconfirmedUploadError(
                f"the answer to completing Upload {job.upload_id} ({job.plan.filename}) was lost,"
                f" and {len(matches)} stored files could be its File ({', '.join(f.id for f in matches)}):"
                " check them before uploading again",
                upload_id=job.upload_id,
                candidates=tuple(f.id for f in matches),
            )
        return self._completed(matches[0]) if matches else None

    def _completed(self, stored: OpenAIFile) -> Upload:
        job, plan = self._job, self._job.plan
        return Upload(
            id=job.upload_id,
            created_at=job.upload.created_at,
            filename=plan.filename,
            bytes_=plan.size,
            purpose=plan.purpose,
            status=UploadStatus.COMPLETED,
            expires_at=job.upload.expires_at,
            file=stored,
        )

    def _created(self, upload: Upload) -> Created:
        return Created(upload.id, upload.expires_at, upload.created_at, self._client.service)

    def resumable(self, error: BaseException) -> bool:
        """Errors a later run can get past: the network, the service's bad moments, the user's Ctrl-C
        (or, in async, a cancellation)."""
        if isinstance(error, KeyboardInterrupt | APIConnectionError):
            return True
        return isinstance(error, APIStatusError) and is_retryable_status(error.status_code)

    def refused(self, error: BaseException) -> bool:
        """A final 4xx: the Upload is cancelled, expired, completed or unknown."""
        return isinstance(error, APIStatusError) and is_refusal(error.status_code)


class _SyncApi(_Api["Client"]):
    def create(self, plan: UploadPlan) -> Created:
        return self._created(self._client.call(create_upload, body=_plan_body(plan)))

    def service(self, journaled: ServiceIdentity) -> ServiceIdentity:
        if journaled.asks_instance(self._client.base_url):
            return self._client.identify_service()
        return self._client.service

    def add_part(self, upload_id: str, window: PartWindow) -> str:
        parts = self._client.with_options(max_retries=0, headers={"Idempotency-Key": window.key})
        return parts.call(add_upload_part, upload_id, body=_part_body(window)).id

    def complete(self, upload_id: str, part_ids: list[str], completion: Completion) -> Upload:
        body = CompleteUploadRequest(part_ids=part_ids, md5=completion.md5)
        found = lambda: self._found_again(self._matches(completion))  # noqa: E731
        client = self._client.with_options(headers=_completion_headers(completion))
        completed: Upload = client.call_once(complete_upload, found, upload_id, body=body)
        return completed

    def _matches(self, completion: Completion) -> list[OpenAIFile]:
        search = self._file_search(completion)
        for stored in self._client.files.list(purpose=self._job.plan.purpose):
            if not search.add(stored):
                break
        return search.found

    def cancel(self, upload_id: str) -> None:
        self._client.call(cancel_upload, upload_id)

    def find_completed(
        self, upload_id: str, plan: UploadPlan, completion: Completion, refusal: Exception
    ) -> Upload:
        return self._recovered(self._matches(completion), refusal)


class _AsyncApi(_Api["AsyncClient"]):
    async def create(self, plan: UploadPlan) -> Created:
        return self._created(await self._client.call(create_upload, body=_plan_body(plan)))

    async def service(self, journaled: ServiceIdentity) -> ServiceIdentity:
        if journaled.asks_instance(self._client.base_url):
            return await self._client.identify_service()
        return self._client.service

    async def add_part(self, upload_id: str, window: PartWindow) -> str:
        parts = self._client.with_options(max_retries=0, headers={"Idempotency-Key": window.key})
        return (await parts.call(add_upload_part, upload_id, body=_part_body(window))).id

    async def complete(self, upload_id: str, part_ids: list[str], completion: Completion) -> Upload:
        body = CompleteUploadRequest(part_ids=part_ids, md5=completion.md5)

        async def found() -> Upload | None:
            return self._found_again(await self._matches(completion))

        client = self._client.with_options(headers=_completion_headers(completion))
        completed: Upload = await client.call_once(complete_upload, found, upload_id, body=body)
        return completed

    async def _matches(self, completion: Completion) -> list[OpenAIFile]:
        search = self._file_search(completion)
        async for stored in self._client.files.list(purpose=self._job.plan.purpose):
            if not search.add(stored):
                break
        return search.found

    async def cancel(self, upload_id: str) -> None:
        await self._client.call(cancel_upload, upload_id)

    async def find_completed(
        self, upload_id: str, plan: UploadPlan, completion: Completion, refusal: Exception
    ) -> Upload:
        return self._recovered(await self._matches(completion), refusal)

    def resumable(self, error: BaseException) -> bool:
        return isinstance(error, anyio.get_cancelled_exc_class()) or super().resumable(error)


class Uploads:
    """Create an Upload, add parts, complete or cancel it; or let `upload_file` do all of it."""

    def __init__(self, client: Client) -> None:
        """The group on `client`; reach it as `client.uploads`."""
        self._client = client

    def upload_file(
        self,
        file: FileSource,
        *,
        purpose: UploadPurpose,
        mime_type: str | None = None,
        filename: str | None = None,
        part_size: int | None = None,
        concurrency: int | None = None,
        md5: bool = False,
        expires_after_seconds: int | None = None,
        progress: ProgressCallback | None = None,
        resume: bool | str | os.PathLike[str] = False,
        config: TransferConfig | None = None,
    ) -> Upload:
        """Send a file of up to 8 GiB in parallel parts; return the completed Upload with its `file`.

        Parts stream from the file and are retried on their own; by default they are cut for the file
        (`plan.choose_part_size`): up to 1 GiB, 16 parts or fewer, all sent at once; beyond, the number in
        flight adapts to the link (8, growing by half while throughput grows, up to 16). Before complete
        the file is checked unchanged (size and mtime); `md5=True` also has the service check the whole
        file's md5. A failure cancels the Upload, unless `resume` is on and a rerun could finish it.

        Args:
            file: a path, or a seekable binary file object (sent from its position to its end).
            purpose: what the file is for.
            mime_type: the file's type; default inferred from the name.
            filename: the name to store; default the path's (or object's) name.
            part_size: bytes per part, up to 64 MiB; fixes what the default chooses for the file.
            concurrency: parts in flight; fixes what the default chooses (see above).
            md5: also compute the file's md5 (a pass over it alongside the parts) and have the service
                check it at complete (one more pass there); off by default, as in the official SDK.
            expires_after_seconds: delete the File this long after creation (3600 to 2592000).
            progress: called with a `Progress` from the sending threads.
            resume: keep a journal of sent parts so that a rerun after a crash sends only the missing
                ones; `True` keeps it under the user's cache folder, a path names the journal file.
            config: limits and tuning (`TransferConfig`), e.g. a bandwidth cap.

        Returns:
            The completed Upload; `upload.file` is the stored File.

        Raises:
            InvalidInputError: bad input (`.param` names it), before anything is sent.
            FileChangedError: the file changed while it was being sent.
            APIError: as `Client.call`, once a request's retries are spent.
        """
        job = prepare_job(
            file,
            purpose=purpose,
            mime_type=mime_type,
            filename=filename,
            part_size=part_size,
            concurrency=concurrency,
            md5=md5,
            expires_after_seconds=expires_after_seconds,
            progress=progress,
            resume=resume,
            config=config,
            endpoint=self._client.base_url,
            retries=self._client.max_retries,
        )
        return run_sync(_SyncApi(self._client, job), job)

    def create(
        self,
        *,
        filename: str,
        purpose: UploadPurpose,
        bytes: int,
        mime_type: str,
        expires_after_seconds: int | None = None,
    ) -> Upload:
        """Open an Upload to which parts are then added (`upload_file` does all of it for a file).

        Args:
            filename: the name the File will have.
            purpose: what the file is for.
            bytes: the File's exact size, up to 8 GiB.
            mime_type: its type, e.g. `"application/jsonl"`.
            expires_after_seconds: delete the File this long after creation (3600 to 2592000).

        Returns:
            The pending Upload.

        Raises:
            InvalidInputError: a bad argument (`.param` names it), before sending.
            APIError: as `Client.call`.
        """
        body = _create_body(filename, purpose, bytes, mime_type, expires_after_seconds)
        return self._client.call(create_upload, body=body)

    def add_part(self, upload_id: str, data: bytes | IO[bytes]) -> UploadPart:
        """Add one part (up to 64 MiB): bytes, or a binary file object read to its end.

        Returns the part (its `id` goes to `complete`); raises as `Client.call`.
        """
        return self._client.call(add_upload_part, upload_id, body=_part_body(data))

    def complete(self, upload_id: str, part_ids: list[str], *, md5: str | None = None) -> Upload:
        """Assemble the parts in the order of `part_ids` into the File; `md5` (hex) is checked by the service.

        Returns the completed Upload with its `file`; raises as `Client.call`.
        """
        return self._client.call(
            complete_upload, upload_id, body=CompleteUploadRequest(part_ids=part_ids, md5=md5)
        )

    def cancel(self, upload_id: str) -> Upload:
        """Cancel a pending Upload; no part may be added afterwards. Raises as `Client.call`."""
        return self._client.call(cancel_upload, upload_id)


@docs_from(Uploads)
class AsyncUploads:
    """The asyncio twin of `Uploads`."""

    def __init__(self, client: AsyncClient) -> None:
        """The group on `client`; reach it as `client.uploads`."""
        self._client = client

    async def upload_file(
        self,
        file: FileSource,
        *,
        purpose: UploadPurpose,
        mime_type: str | None = None,
        filename: str | None = None,
        part_size: int | None = None,
        concurrency: int | None = None,
        md5: bool = False,
        expires_after_seconds: int | None = None,
        progress: ProgressCallback | None = None,
        resume: bool | str | os.PathLike[str] = False,
        config: TransferConfig | None = None,
    ) -> Upload:
        """See `Uploads.upload_file`; a bandwidth cap is taken per part here, not per read."""
        job = prepare_job(
            file,
            purpose=purpose,
            mime_type=mime_type,
            filename=filename,
            part_size=part_size,
            concurrency=concurrency,
            md5=md5,
            expires_after_seconds=expires_after_seconds,
            progress=progress,
            resume=resume,
            config=config,
            endpoint=self._client.base_url,
            retries=self._client.max_retries,
        )
        return await run_async(_AsyncApi(self._client, job), job)

    async def create(
        self,
        *,
        filename: str,
        purpose: UploadPurpose,
        bytes: int,
        mime_type: str,
        expires_after_seconds: int | None = None,
    ) -> Upload:
        """See `Uploads.create`."""
        body = _create_body(filename, purpose, bytes, mime_type, expires_after_seconds)
        return await self._client.call(create_upload, body=body)

    async def add_part(self, upload_id: str, data: bytes | IO[bytes]) -> UploadPart:
        """See `Uploads.add_part`."""
        return await self._client.call(add_upload_part, upload_id, body=_part_body(data))

    async def complete(self, upload_id: str, part_ids: list[str], *, md5: str | None = None) -> Upload:
        """See `Uploads.complete`."""
        return await self._client.call(
            complete_upload, upload_id, body=CompleteUploadRequest(part_ids=part_ids, md5=md5)
        )

    async def cancel(self, upload_id: str) -> Upload:
        """See `Uploads.cancel`."""
        return await self._client.call(cancel_upload, upload_id)
