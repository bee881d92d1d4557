"""The 13 operations the overlay builds on, in their four forms, over real HTTP against the emulator."""

import hashlib
import io
import time
from collections.abc import Iterator
from http import HTTPStatus
from types import ModuleType
from typing import Any

import httpx
import pytest

from openai_files_api import AuthenticatedClient
from openai_files_api.api.batch import cancel_batch, create_batch, list_batches, retrieve_batch
from openai_files_api.api.files import create_file, delete_file, download_file, list_files, retrieve_file
from openai_files_api.api.uploads import add_upload_part, cancel_upload, complete_upload, create_upload
from openai_files_api.models import (
    AddUploadPartRequest,
    Batch,
    BatchStatus,
    CompleteUploadRequest,
    CreateBatchRequest,
    CreateBatchRequestCompletionWindow,
    CreateBatchRequestEndpoint,
    CreateFileRequest,
    CreateFileRequestPurpose,
    CreateUploadRequest,
    CreateUploadRequestPurpose,
    DeleteFileResponse,
    ErrorResponse,
    FileExpirationAfter,
    FileExpirationAfterAnchor,
    ListBatchesResponse,
    ListFilesResponse,
    OpenAIFile,
    OpenAIFilePurpose,
    Upload,
    UploadPart,
    UploadStatus,
)
from openai_files_api.types import UNSET, File, Response

FORMS = ("sync", "sync_detailed", "asyncio", "asyncio_detailed")
BATCH_LINE = '{"custom_id": "req-%d", "method": "POST", "url": "/v1/responses", "body": {"input": "hi"}}\n'
BATCH_LINES = "".join(BATCH_LINE % i for i in range(3)).encode()


class Caller:
    """Calls one generated operation in the form under test and returns the parsed model."""

    def __init__(self, form: str, client: AuthenticatedClient) -> None:
        self.form = form
        self.client = client

    async def __call__(self, operation: ModuleType, *args: Any, **kwargs: Any) -> Any:
        function = getattr(operation, self.form)
        result = function(*args, client=self.client, **kwargs)
        if self.form.startswith("asyncio"):
            result = await result
        if self.form.endswith("_detailed"):
            assert isinstance(result, Response)
            assert result.status_code == HTTPStatus.OK, result.content
            return result.parsed
        return result


@pytest.fixture(params=FORMS)
def call(request: pytest.FixtureRequest, emulator: Any) -> Iterator[Caller]:
    client = AuthenticatedClient(
        base_url=emulator.base_url, token="sk-test-generated", timeout=httpx.Timeout(30.0)
    )
    with client:
        yield Caller(request.param, client)


def _assert_recent(timestamp: int) -> None:
    assert abs(timestamp - time.time()) < 24 * 3600


async def _create_file(call: Caller, content: bytes, name: str, purpose: str) -> OpenAIFile:
    body = CreateFileRequest(
        file=File(payload=io.BytesIO(content), file_name=name, mime_type="application/jsonl"),
        purpose=CreateFileRequestPurpose(purpose),
        expires_after=FileExpirationAfter(anchor=FileExpirationAfterAnchor.CREATED_AT, seconds=7200),
    )
    created = await call(create_file, body=body)
    assert isinstance(created, OpenAIFile), created
    return created


@pytest.mark.anyio
async def test_files_lifecycle(call: Caller) -> None:
    content = b'{"n": 1}\n{"n": 2}\n'
    created = await _create_file(call, content, "notes.jsonl", "user_data")

    assert created.id.startswith("file-")
    assert created.object_ == "file"
    assert created.bytes_ == len(content)
    assert created.filename == "notes.jsonl"
    assert created.purpose is OpenAIFilePurpose.USER_DATA
    assert created.status == "processed"
    _assert_recent(created.created_at)
    assert created.expires_at == created.created_at + 7200

    retrieved = await call(retrieve_file, created.id)
    assert isinstance(retrieved, OpenAIFile)
    assert retrieved.to_dict() == created.to_dict()

    page = await call(list_files, purpose="user_data", limit=100, order=UNSET)
    assert isinstance(page, ListFilesResponse)
    assert page.object_ == "list"
    assert created.id in [item.id for item in page.data]
    assert all(item.purpose == "user_data" for item in page.data)
    assert page.first_id == page.data[0].id
    assert page.last_id == page.data[-1].id
    assert page.has_more is False

    downloaded = await call(download_file, created.id)
    assert isinstance(downloaded, File)
    assert downloaded.payload.read() == content

    deleted = await call(delete_file, created.id)
    assert isinstance(deleted, DeleteFileResponse)
    assert (deleted.id, deleted.object_, deleted.deleted) == (created.id, "file", True)


@pytest.mark.anyio
async def test_uploads_lifecycle(call: Caller) -> None:
    first, second = b"a" * 1000 + b"\n", b"b" * 500 + b"\n"
    upload = await call(
        create_upload,
        body=CreateUploadRequest(
            filename="big.jsonl",
            purpose=CreateUploadRequestPurpose.BATCH,
            bytes_=len(first) + len(second),
            mime_type="application/jsonl",
        ),
    )
    assert isinstance(upload, Upload)
    assert upload.id.startswith("upload_")
    assert upload.object_ == "upload"
    assert upload.status is UploadStatus.PENDING
    assert (upload.filename, upload.purpose, upload.bytes_) == ("big.jsonl", "batch", len(first + second))
    assert upload.expires_at == upload.created_at + 3600
    assert upload.file is None

    parts = []
    for chunk in (second, first):  # out of order on purpose: completion decides the order
        part = await call(
            add_upload_part, upload.id, body=AddUploadPartRequest(data=File(payload=io.BytesIO(chunk)))
        )
        assert isinstance(part, UploadPart)
        assert part.id.startswith("part_")
        assert (part.object_, part.upload_id) == ("upload.part", upload.id)
        _assert_recent(part.created_at)
        parts.append(part.id)

    completed = await call(
        complete_upload,
        upload.id,
        body=CompleteUploadRequest(
            part_ids=[parts[1], parts[0]], md5=hashlib.md5(first + second).hexdigest()
        ),
    )
    assert isinstance(completed, Upload)
    assert completed.status is UploadStatus.COMPLETED
    assert isinstance(completed.file, OpenAIFile)
    assert (completed.file.bytes_, completed.file.filename) == (len(first + second), "big.jsonl")
    assert completed.file.purpose is OpenAIFilePurpose.BATCH

    downloaded = await call(download_file, completed.file.id)
    assert downloaded.payload.read() == first + second

    other = await call(
        create_upload,
        body=CreateUploadRequest(
            filename="x.bin", purpose=CreateUploadRequestPurpose.ASSISTANTS, bytes_=1, mime_type="text/plain"
        ),
    )
    cancelled = await call(cancel_upload, other.id)
    assert isinstance(cancelled, Upload)
    assert (cancelled.id, cancelled.status, cancelled.file) == (other.id, UploadStatus.CANCELLED, None)


@pytest.mark.anyio
async def test_batches_lifecycle(call: Caller) -> None:
    source = await _create_file(call, BATCH_LINES, "requests.jsonl", "batch")
    batch = await call(
        create_batch,
        body=CreateBatchRequest(
            input_file_id=source.id,
            endpoint=CreateBatchRequestEndpoint.RESPONSES,
            completion_window=CreateBatchRequestCompletionWindow.HOURS_24,
        ),
    )
    assert isinstance(batch, Batch)
    assert batch.id.startswith("batch_")
    assert batch.object_ == "batch"
    assert (batch.endpoint, batch.input_file_id, batch.completion_window) == (
        "/v1/responses",
        source.id,
        "24h",
    )
    assert batch.status in {BatchStatus.VALIDATING, BatchStatus.IN_PROGRESS}
    _assert_recent(batch.created_at)

    retrieved = await call(retrieve_batch, batch.id)
    assert isinstance(retrieved, Batch)
    assert retrieved.id == batch.id
    assert retrieved.request_counts is None or retrieved.request_counts.total in (0, 3)

    page = await call(list_batches, limit=100)
    assert isinstance(page, ListBatchesResponse)
    assert page.object_ == "list"
    assert batch.id in [item.id for item in page.data]

    cancelled = await call(cancel_batch, batch.id)
    assert isinstance(cancelled, Batch)
    assert cancelled.status in {BatchStatus.CANCELLING, BatchStatus.CANCELLED, BatchStatus.COMPLETED}


@pytest.mark.anyio
@pytest.mark.parametrize("form", ["sync_detailed", "asyncio_detailed"])
async def test_error_envelope_parses(emulator: Any, form: str) -> None:
    with AuthenticatedClient(
        base_url=emulator.base_url, token="sk-test", timeout=httpx.Timeout(30.0)
    ) as client:
        response = getattr(retrieve_file, form)("file-doesnotexist", client=client)
        if form.startswith("asyncio"):
            response = await response

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert isinstance(response.parsed, ErrorResponse)
    assert response.parsed.error.type_ == "invalid_request_error"
    assert "file-doesnotexist" in response.parsed.error.message
