"""Bodies holding the generator's old fixed boundary (`+++`) still arrive byte-exact."""

import hashlib
import io
import os
from typing import Any

import httpx
import pytest

from openai_files_api import AuthenticatedClient
from openai_files_api.api.files import create_file, download_file
from openai_files_api.api.uploads import add_upload_part, complete_upload, create_upload
from openai_files_api.models import (
    AddUploadPartRequest,
    CompleteUploadRequest,
    CreateFileRequest,
    CreateFileRequestPurpose,
    CreateUploadRequest,
    CreateUploadRequestPurpose,
    OpenAIFile,
    Upload,
    UploadPart,
)
from openai_files_api.types import File

# Every way a multipart parser could mistake content for the `+++` delimiter, around random bytes.
TRAP = b"--+++\r\n" + os.urandom(4096) + b"\r\n--+++\r\nContent-Disposition: form-data\r\n\r\n--+++--\r\n"


@pytest.fixture
def client(emulator: Any) -> Any:
    with AuthenticatedClient(base_url=emulator.base_url, token="sk-test", timeout=httpx.Timeout(30.0)) as api:
        yield api


def _download(client: AuthenticatedClient, file_id: str) -> bytes:
    downloaded = download_file.sync(file_id, client=client)
    assert isinstance(downloaded, File)
    return downloaded.payload.read()


def test_create_file_round_trips_boundary_lookalikes(client: AuthenticatedClient) -> None:
    body = CreateFileRequest(
        file=File(payload=io.BytesIO(TRAP), file_name="trap.bin"), purpose=CreateFileRequestPurpose.USER_DATA
    )
    created = create_file.sync(client=client, body=body)

    assert isinstance(created, OpenAIFile), created
    assert created.bytes_ == len(TRAP)
    assert _download(client, created.id) == TRAP


def test_upload_part_round_trips_boundary_lookalikes(client: AuthenticatedClient) -> None:
    upload = create_upload.sync(
        client=client,
        body=CreateUploadRequest(
            filename="trap.bin",
            purpose=CreateUploadRequestPurpose.ASSISTANTS,
            bytes_=2 * len(TRAP),
            mime_type="text/plain",
        ),
    )
    assert isinstance(upload, Upload), upload
    part_ids = []
    for _ in range(2):
        part = add_upload_part.sync(
            upload.id, client=client, body=AddUploadPartRequest(data=File(payload=io.BytesIO(TRAP)))
        )
        assert isinstance(part, UploadPart), part
        part_ids.append(part.id)
    completed = complete_upload.sync(
        upload.id,
        client=client,
        body=CompleteUploadRequest(part_ids=part_ids, md5=hashlib.md5(TRAP * 2).hexdigest()),
    )

    assert isinstance(completed, Upload), completed
    assert isinstance(completed.file, OpenAIFile)
    assert _download(client, completed.file.id) == TRAP * 2


def test_requests_carry_a_fresh_boundary() -> None:
    body = AddUploadPartRequest(data=File(io.BytesIO(TRAP)))
    kwargs = add_upload_part.request_kwargs("upload_x", body=body)
    kwargs["url"] = "http://127.0.0.1/v1" + kwargs["url"]
    request = httpx.Request(**kwargs)
    boundary = request.headers["content-type"].partition("boundary=")[2].encode()

    assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert boundary not in (b"", b"+++")
    assert b"--" + boundary not in TRAP
