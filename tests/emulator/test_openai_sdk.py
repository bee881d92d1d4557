"""The official `openai` SDK against the emulator: where they disagree, the emulator is wrong."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import openai
import pytest
from openai import OpenAI

from openai_files_emulator import EmulatorServer

MAX_POLLS = 10


@pytest.fixture
def client(fresh_emulator: EmulatorServer) -> OpenAI:
    return OpenAI(
        api_key=fresh_emulator.api_key, base_url=fresh_emulator.base_url, max_retries=0, timeout=10.0
    )


def test_files_round_trip(client: OpenAI, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_bytes(b'{"a": 1}\n')
    with source.open("rb") as handle:
        created = client.files.create(file=handle, purpose="batch")
    other = client.files.create(
        file=("notes.txt", b"hello", "text/plain"),
        purpose="user_data",
        expires_after={"anchor": "created_at", "seconds": 3600},
    )
    assert created.filename == "in.jsonl" and created.bytes == 9 and created.purpose == "batch"
    assert other.expires_at == other.created_at + 3600
    assert client.files.retrieve(created.id).id == created.id
    assert client.files.content(created.id).content == b'{"a": 1}\n'
    assert [f.id for f in client.files.list(purpose="batch")] == [created.id]
    pages = client.files.list(limit=1, order="asc")
    assert [f.id for f in pages] == [created.id, other.id]  # auto-pagination through `after`
    assert client.files.delete(created.id).deleted is True
    with pytest.raises(openai.NotFoundError):
        client.files.retrieve(created.id)


def test_upload_file_chunked(client: OpenAI, tmp_path: Path) -> None:
    data = bytes(range(256)) * 40  # 10 KiB in 4 KiB parts: three parts, the last one short
    source = tmp_path / "data.bin"
    source.write_bytes(data)
    upload = client.uploads.upload_file_chunked(
        file=source,
        mime_type="application/octet-stream",
        purpose="assistants",
        part_size=4096,
        md5=hashlib.md5(data).hexdigest(),
    )
    assert upload.status == "completed" and upload.file is not None
    assert upload.file.bytes == len(data)
    assert client.files.content(upload.file.id).content == data


def test_upload_errors_surface_as_sdk_errors(client: OpenAI) -> None:
    upload = client.uploads.create(bytes=3, filename="x.txt", mime_type="text/plain", purpose="assistants")
    part = client.uploads.parts.create(upload.id, data=b"abcd")
    with pytest.raises(openai.BadRequestError) as caught:
        client.uploads.complete(upload.id, part_ids=[part.id])
    assert caught.value.param == "part_ids"
    assert caught.value.request_id is not None
    assert client.uploads.cancel(upload.id).status == "cancelled"


def test_batches(client: OpenAI) -> None:
    lines = [
        {
            "custom_id": f"r{i}",
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": {"model": "m", "messages": []},
        }
        for i in range(3)
    ]
    source = client.files.create(
        file=("in.jsonl", "".join(json.dumps(line) + "\n" for line in lines).encode()), purpose="batch"
    )
    batch = client.batches.create(
        input_file_id=source.id, endpoint="/v1/chat/completions", completion_window="24h", metadata={"k": "v"}
    )
    assert batch.status == "validating" and batch.metadata == {"k": "v"}
    seen = [batch.status]
    for _ in range(MAX_POLLS):
        batch = client.batches.retrieve(batch.id)
        seen.append(batch.status)
        if batch.status == "completed":
            break
    assert seen == ["validating", "in_progress", "finalizing", "completed"]
    assert batch.request_counts is not None and batch.request_counts.completed == 3
    assert batch.output_file_id is not None
    output = [json.loads(line) for line in client.files.content(batch.output_file_id).text.splitlines()]
    assert [line["custom_id"] for line in output] == ["r0", "r1", "r2"]
    assert all(line["response"]["status_code"] == 200 for line in output)

    second = client.batches.create(
        input_file_id=source.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    assert client.batches.cancel(second.id).status == "cancelling"
    assert client.batches.retrieve(second.id).status == "cancelled"
    listed = list(client.batches.list(limit=1))
    assert [b.id for b in listed] == [second.id, batch.id]
