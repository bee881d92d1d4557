"""The reading policy (see `overlay/openai_files/_operation.py`) on fixtures of our own, served by a stub.

The shapes are those the service is documented or seen to send: an object field that is null, a required
deprecated field left out, "" for an absent file id, fields and enum values newer than our spec. Every
overlay method that returns each answer reads it, and the call succeeds; only a body that cannot be a
response raises, quoting its first bytes with the key scrubbed out.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from openai_files import APIError, AsyncClient, Client
from openai_files_emulator import EmulatorServer

from .conftest import collect, open_client, resolve, write_requests
from .documented import CALLS, Call, assert_read_as_sent, route
from .stub_server import raw_response, serving

ROOT = Path(__file__).resolve().parents[2]
KEY = "sk-test-reading-policy-key"

FILE = {
    "id": "file-rp1",
    "object": "file",
    "bytes": 3,
    "created_at": 1_800_000_000,
    "expires_at": None,
    "filename": "policy.jsonl",
    "purpose": "a_purpose_from_later",
    "shelf": {"aisle": 4},
}
"""`status` left out (deprecated, yet required by the schema), `expires_at` null, a new purpose and field."""
BATCH = {
    "id": "batch_rp1",
    "object": "batch",
    "endpoint": "/v1/embeddings",
    "errors": None,
    "input_file_id": "file-rp0",
    "completion_window": "24h",
    "status": "completed",
    "output_file_id": "",
    "error_file_id": "",
    "created_at": 1_800_000_000,
    "in_progress_at": None,
    "completed_at": 1_800_000_060,
    "request_counts": None,
    "usage": None,
    "metadata": None,
    "priority": "low",
}
"""Null objects (`errors`, `request_counts`, `usage`), "" for both result files, a field from later."""
UPLOAD = {
    "id": "upload_rp1",
    "object": "upload",
    "bytes": 3,
    "created_at": 1_800_000_000,
    "filename": "policy.jsonl",
    "purpose": "batch",
    "status": "completed",
    "expires_at": 1_800_003_600,
    "file": FILE,
}
PART = {"id": "part_rp1", "object": "upload.part", "created_at": 1_800_000_000, "upload_id": "upload_rp1"}
BODIES = {
    "createBatch": BATCH,
    "retrieveBatch": BATCH,
    "cancelBatch": {**BATCH, "status": "cancelling"},
    "listBatches": {"object": "list", "data": [BATCH], "first_id": "", "last_id": "", "has_more": False},
    "createFile": FILE,
    "retrieveFile": FILE,
    "listFiles": {"object": "list", "data": [FILE], "first_id": None, "last_id": None, "has_more": False},
    "deleteFile": {"id": "file-rp1", "object": "file", "deleted": True},
    "createUpload": {**UPLOAD, "status": "pending", "file": None},
    "addUploadPart": PART,
    "completeUpload": UPLOAD,
    "cancelUpload": {**UPLOAD, "status": "cancelled", "file": None},
}


def _routes() -> dict[str, tuple[str, str]]:
    """operationId -> (method, path template), from our openapi.yaml."""
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
    return {
        operation["operationId"]: (method, path)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and "operationId" in operation
    }


ROUTES = _routes()
SERVED = {ROUTES[name]: body for name, body in BODIES.items()}
CASES = [pytest.param(name, call, id=method) for name, calls in CALLS.items() for method, call in calls]


def test_every_operation_that_answers_json_has_a_fixture() -> None:
    assert set(BODIES) == set(CALLS) == set(ROUTES) - {"downloadFile"}


@pytest.mark.anyio
@pytest.mark.parametrize(("operation", "call"), CASES)
async def test_each_shape_reads(kind: str, tmp_path: Path, operation: str, call: Call) -> None:
    with serving(route(SERVED)) as stub:
        client: Client | AsyncClient
        async with open_client(kind, api_key=KEY, base_url=stub.base_url) as client:
            read = await call(client, tmp_path)
    assert_read_as_sent(read, BODIES[operation])
    for item in read if isinstance(read, list) else [read]:
        _check_policy(item)


def _check_policy(item: Any) -> None:
    """What the caller reads for each shape: None for null, left out and "" ids; later values kept."""
    model = type(item).__name__
    if model == "Batch":
        assert (item.errors, item.request_counts, item.usage) == (None, None, None)
        assert (item.output_file_id, item.error_file_id) == (None, None)
        assert item["priority"] == "low"
    files = [item] if model == "OpenAIFile" else [item.file] if model == "Upload" and item.file else []
    for stored in files:
        assert stored.status is None and stored.expires_at is None
        assert stored.purpose == "a_purpose_from_later" and stored["shelf"] == {"aisle": 4}


@pytest.mark.anyio
async def test_empty_result_file_ids_mean_no_results(kind: str) -> None:
    """A finished batch whose result file ids are "" has no results, rather than a refused id."""
    with serving(route(SERVED)) as stub:
        client: Client | AsyncClient
        async with open_client(kind, api_key=KEY, base_url=stub.base_url) as client:
            assert await collect(client.batches.results("batch_rp1")) == []
    assert [seen.path for seen in stub.seen] == ["/v1/batches/batch_rp1"]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("body", "media", "shown"),
    [
        (f"<html><p>Welcome, {KEY}</p></html>".encode(), "text/html", "<html><p>Welcome, [redacted]</p>"),
        (b'{"object": "file", "bytes": 3}', "application/json", '{"object": "file", "bytes": 3}'),
        (b'["file-rp1"]', "application/json", '["file-rp1"]'),
    ],
    ids=["html-quoting-the-key", "no-id", "not-an-object"],
)
async def test_a_body_that_is_no_response_raises_with_its_first_bytes(
    kind: str, body: bytes, media: str, shown: str
) -> None:
    """(JSON cut short is another case: a lost answer, retried; see test_retry.)"""
    with serving(lambda _: raw_response(200, body, content_type=media)) as stub:
        client: Client | AsyncClient
        async with open_client(kind, api_key=KEY, base_url=stub.base_url, max_retries=0) as client:
            with pytest.raises(APIError) as raised:
                await resolve(client.files.retrieve("file-rp1"))
    message = str(raised.value)
    assert "response does not match the spec" in message and shown in message
    assert KEY not in message and KEY not in repr(raised.value)


@pytest.mark.anyio
@pytest.mark.parametrize("empty", [True, False], ids=["empty-ids", "null-ids"])
async def test_the_client_reads_the_emulator_answering_as_the_service(
    any_client: Client | AsyncClient, fresh_emulator: EmulatorServer, tmp_path: Path, empty: bool
) -> None:
    """The emulator sends `errors: null`, null times, and null or "" (a setting) for the error file a
    batch without failures lacks: every batch method reads them, and `results` reads the one file."""
    fresh_emulator.batch_settings.set(empty_file_ids=empty)
    created = await resolve(any_client.batches.create_from_file(write_requests(tmp_path / "in.jsonl", 2)))
    assert created.errors is None and created.error_file_id is None and created.in_progress_at is None
    done = await resolve(any_client.batches.wait(created.id, poll_interval=0.01, timeout=10))
    listed = [b for b in await collect(any_client.batches.list()) if b.id == created.id]
    for batch in (done, await resolve(any_client.batches.retrieve(created.id)), *listed):
        assert batch.status == "completed" and batch.errors is None and batch.error_file_id is None
        assert batch.output_file_id is not None and batch.cancelled_at is None
    assert sorted(r.custom_id for r in await collect(any_client.batches.results(done))) == ["req-0", "req-1"]
    other = await resolve(any_client.batches.create(created.input_file_id, endpoint="/v1/chat/completions"))
    cancelling = await resolve(any_client.batches.cancel(other.id))
    assert cancelling.errors is None and (cancelling.output_file_id, cancelling.error_file_id) == (None, None)


@pytest.mark.anyio
@pytest.mark.parametrize("status", ["processed", None], ids=["status-sent", "status-left-out"])
async def test_the_client_reads_files_with_or_without_their_status(
    any_client: Client | AsyncClient, fresh_emulator: EmulatorServer, tmp_path: Path, status: str | None
) -> None:
    """The emulator sends the deprecated `status` as the service does, or leaves it out as upstream's
    examples do (a setting): every method returning a file reads it, the Upload's File too."""
    fresh_emulator.emulator.files.status = status
    path = write_requests(tmp_path / "in.jsonl", 2)
    stored = await resolve(any_client.files.create(path, purpose="batch"))
    upload = await resolve(any_client.uploads.upload_file(path, purpose="batch"))
    assert upload.file is not None
    read = [stored, upload.file, await resolve(any_client.files.retrieve(stored.id))]
    read += await collect(any_client.files.list())
    assert len(read) == 5 and all(f.status == status and f.bytes_ == path.stat().st_size for f in read)
