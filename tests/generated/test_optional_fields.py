"""Optional fields read as None, never as Unset, while the wire format stays exactly as the service sent it.

Absent and null both read as None; `to_dict` writes an absent field back as absent and a null one as null.
The golden records in golden/optional_fields.json hold each optional field absent in one body and null (or
set) in another; the live test does the same with what the emulator actually sends.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest

from openai_files_api import models
from openai_files_api.models import (
    Batch,
    BatchFileExpirationAfter,
    BatchFileExpirationAfterAnchor,
    CreateBatchRequest,
    CreateBatchRequestCompletionWindow,
    CreateBatchRequestEndpoint,
    CreateFileRequest,
    CreateFileRequestPurpose,
    Upload,
)
from openai_files_api.types import File, Unset
from openai_files_emulator import EmulatorServer

GOLDEN = Path(__file__).parent / "golden" / "optional_fields.json"
RECORDS: list[dict[str, Any]] = json.loads(GOLDEN.read_text())["records"]


def _record(model: str, record_id: str) -> dict[str, Any]:
    return next(r["wire"] for r in RECORDS if r["model"] == model and r["wire"].get("id") == record_id)


def _parse(model: str, wire: dict[str, Any]) -> Any:
    return getattr(models, model).from_dict(copy.deepcopy(wire))


def _fields(obj: Any, wire: dict[str, Any], path: str) -> Iterator[tuple[str, Any, Any]]:
    """(path, value read from the model, value on the wire) for every declared field, nested ones too.

    The generator names a field after its key, with a trailing `_` when the key is a Python builtin.
    """
    for field in attrs.fields(type(obj)):
        if field.name.startswith("_") or field.name == "additional_properties":
            continue
        key = field.name.removesuffix("_")
        value, sent = getattr(obj, field.name), wire.get(key)
        yield f"{path}.{field.name}", value, sent
        if attrs.has(type(value)) and isinstance(sent, dict):
            yield from _fields(value, sent, f"{path}.{field.name}")
        if isinstance(value, list) and isinstance(sent, list):
            for n, (item, item_sent) in enumerate(zip(value, sent, strict=True)):
                if attrs.has(type(item)):
                    yield from _fields(item, item_sent, f"{path}.{field.name}[{n}]")


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: f"{r['model']}-{r['wire'].get('id', '')}")
def test_golden_record_reads_none_and_writes_back_the_same_wire(record: dict[str, Any]) -> None:
    parsed = _parse(record["model"], record["wire"])

    checked = list(_fields(parsed, record["wire"], record["model"]))
    assert checked
    for path, value, sent in checked:
        assert not isinstance(value, Unset), path
        assert (value is None) == (sent is None), path
    assert parsed.to_dict() == record["wire"]
    assert json.dumps(parsed.to_dict(), sort_keys=True) == json.dumps(record["wire"], sort_keys=True)


def test_absent_and_null_read_alike_and_stay_apart_on_the_wire() -> None:
    pending = _parse("Upload", _record("Upload", "upload_a"))  # "file": null
    cancelled = _parse("Upload", _record("Upload", "upload_b"))  # no "file" key

    assert pending.file is None
    assert cancelled.file is None
    assert pending.to_dict()["file"] is None
    assert "file" not in cancelled.to_dict()


def test_batch_without_output_reads_none() -> None:
    batch = _parse("Batch", _record("Batch", "batch_a"))

    assert batch.output_file_id is None
    assert batch.request_counts is None
    assert batch.metadata is None
    assert "output_file_id" not in batch.to_dict()
    assert batch.to_dict()["metadata"] is None


def test_fields_assigned_after_reading_follow_their_new_value() -> None:
    batch = _parse("Batch", _record("Batch", "batch_c"))
    batch.output_file_id = None  # cleared: absent from now on
    batch.metadata = None  # arrived as an object, so None now means absent too
    fresh = _parse("Batch", _record("Batch", "batch_a"))
    fresh.output_file_id = "file-out"
    fresh.metadata = None  # arrived as null: stays null

    assert "output_file_id" not in batch.to_dict()
    assert "metadata" not in batch.to_dict()
    assert fresh.to_dict()["output_file_id"] == "file-out"
    assert fresh.to_dict()["metadata"] is None


def test_constructed_models_leave_none_fields_off_the_wire() -> None:
    request = CreateBatchRequest(
        input_file_id="file-a",
        endpoint=CreateBatchRequestEndpoint.CHAT_COMPLETIONS,
        completion_window=CreateBatchRequestCompletionWindow.HOURS_24,
    )
    with_expiry = CreateBatchRequest(
        input_file_id="file-a",
        endpoint=CreateBatchRequestEndpoint.CHAT_COMPLETIONS,
        completion_window=CreateBatchRequestCompletionWindow.HOURS_24,
        output_expires_after=BatchFileExpirationAfter(
            anchor=BatchFileExpirationAfterAnchor.CREATED_AT, seconds=3600
        ),
    )
    upload = CreateFileRequest(
        file=File(payload=io.BytesIO(b"{}\n"), file_name="a.jsonl"),
        purpose=CreateFileRequestPurpose.BATCH,
    )

    assert request.metadata is None
    assert set(request.to_dict()) == {"input_file_id", "endpoint", "completion_window"}
    assert with_expiry.to_dict()["output_expires_after"] == {"anchor": "created_at", "seconds": 3600}
    assert [name for name, _ in upload.to_multipart()] == ["file", "purpose"]


def _round_trips(model: type[Any], body: dict[str, Any]) -> Any:
    parsed = model.from_dict(copy.deepcopy(body))
    assert parsed.to_dict() == body
    for path, value, sent in _fields(parsed, body, model.__name__):
        assert not isinstance(value, Unset), path
        assert (value is None) == (sent is None), path
    return parsed


def test_what_the_emulator_sends_reads_none_and_round_trips(fresh_emulator: EmulatorServer) -> None:
    data = b'{"custom_id": "a", "method": "POST", "url": "/v1/chat/completions", "body": {"model": "m"}}\n'
    headers = {"Authorization": f"Bearer {fresh_emulator.api_key}"}
    with httpx.Client(base_url=fresh_emulator.base_url, headers=headers, timeout=10.0) as http:

        def body(response: httpx.Response) -> dict[str, Any]:
            assert response.status_code == 200, response.text
            document: dict[str, Any] = response.json()
            return document

        stored = _round_trips(
            models.OpenAIFile,
            body(http.post("/files", data={"purpose": "batch"}, files={"file": ("a.jsonl", data)})),
        )
        upload = _round_trips(
            Upload,
            body(
                http.post(
                    "/uploads",
                    json={
                        "filename": "b.jsonl",
                        "purpose": "batch",
                        "bytes": len(data),
                        "mime_type": "application/jsonl",
                    },
                )
            ),
        )
        part = body(http.post(f"/uploads/{upload.id}/parts", files={"data": ("part", data)}))
        md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
        completed = _round_trips(
            Upload,
            body(http.post(f"/uploads/{upload.id}/complete", json={"part_ids": [part["id"]], "md5": md5})),
        )
        batch = _round_trips(
            Batch,
            body(
                http.post(
                    "/batches",
                    json={
                        "input_file_id": stored.id,
                        "endpoint": "/v1/chat/completions",
                        "completion_window": "24h",
                    },
                )
            ),
        )
        _round_trips(Batch, body(http.get(f"/batches/{batch.id}")))
        _round_trips(models.ListBatchesResponse, body(http.get("/batches")))
        _round_trips(models.ListFilesResponse, body(http.get("/files")))
        _round_trips(models.ListFilesResponse, body(http.get("/files", params={"purpose": "vision"})))

    assert upload.file is None
    assert completed.file is not None
    assert batch.output_file_id is None
