"""Batches against the emulator: local input checks, create, wait, results, list, cancel; sync and async."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from openai_files import AsyncClient, Batch, BatchInputError, Client, InvalidInputError, WaitTimeoutError
from openai_files._batches import validate_batch_input

from .conftest import write_requests

GOOD = {"custom_id": "a", "method": "POST", "url": "/v1/embeddings", "body": {"model": "m", "input": "x"}}


@pytest.mark.parametrize(
    ("second", "message"),
    [
        ("{not json", "line 2: not valid JSON"),
        ("[1, 2]", "line 2: not a JSON object"),
        (json.dumps({**GOOD, "custom_id": ""}), "line 2: custom_id must be"),
        (json.dumps(GOOD), "line 2: custom_id 'a' is used twice"),
        (json.dumps({**GOOD, "custom_id": "b", "method": "GET"}), "line 2: method must be POST"),
        (
            json.dumps({**GOOD, "custom_id": "b", "url": "/v1/completions"}),
            "line 2: url '/v1/completions' differs",
        ),
        (json.dumps({**GOOD, "custom_id": "b", "body": "text"}), "line 2: body must be a JSON object"),
    ],
)
def test_local_check_names_the_line(tmp_path: Path, second: str, message: str) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps(GOOD) + "\n" + second + "\n")
    with pytest.raises(BatchInputError, match=message) as caught:
        validate_batch_input(path)
    assert caught.value.line == 2


def test_local_check_endpoint_rules(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps(GOOD) + "\n\n")
    assert validate_batch_input(path) == ("/v1/embeddings", 1)
    with pytest.raises(BatchInputError, match="line 1: url '/v1/embeddings' differs"):
        validate_batch_input(path, "/v1/responses")
    path.write_text(json.dumps({**GOOD, "url": "/v1/unknown"}))
    with pytest.raises(BatchInputError, match="not a batch endpoint"):
        validate_batch_input(path)
    path.write_text("\n")
    with pytest.raises(InvalidInputError, match="holds no requests"):
        validate_batch_input(path)


def test_bad_file_creates_nothing(client: Client, tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps(GOOD) + "\n" + json.dumps(GOOD) + "\n")
    with pytest.raises(BatchInputError):
        client.batches.create_from_file(path)
    assert list(client.files.list()) == [] and list(client.batches.list()) == []


def test_create_wait_results(client: Client, tmp_path: Path) -> None:
    source = write_requests(tmp_path / "in.jsonl", 6)
    with source.open("a") as out:  # one request the stand-in refuses, for the error file
        out.write(
            json.dumps(
                {
                    "custom_id": "no-model",
                    "method": "POST",
                    "url": "/v1/chat/completions",
                    "body": {"messages": []},
                }
            )
            + "\n"
        )
    batch = client.batches.create_from_file(source, metadata={"run": "test"})
    assert batch.endpoint == "/v1/chat/completions" and batch.status == "validating"
    seen: list[str] = []
    done = client.batches.wait(
        batch.id, poll_interval=0.01, timeout=30, on_progress=lambda b: seen.append(b.status)
    )
    assert done.status == "completed" and seen[-1] == "completed" and len(seen) >= 3
    results = {r.custom_id: r for r in client.batches.results(done)}
    assert set(results) == {f"req-{n}" for n in range(6)} | {"no-model"}
    assert all(results[f"req-{n}"].ok for n in range(6))
    assert results["no-model"].status_code == 400 and not results["no-model"].ok
    assert "req-3" in json.dumps(results["req-3"].body)


def test_list_cancel_and_wait_timeout(client: Client, tmp_path: Path) -> None:
    stored = client.files.create(write_requests(tmp_path / "in.jsonl", 2), purpose="batch")
    ids = [client.batches.create(stored.id, endpoint="/v1/chat/completions").id for _ in range(3)]
    assert [b.id for b in client.batches.list(limit=2)] == ids[::-1]
    with pytest.raises(WaitTimeoutError, match=ids[0]):
        client.batches.wait(ids[0], timeout=0)
    cancelling = client.batches.cancel(ids[1])
    assert cancelling.status == "cancelling"
    assert client.batches.wait(ids[1], poll_interval=0.01, timeout=30).status == "cancelled"
    assert list(client.batches.results(ids[1])) == []


@pytest.mark.anyio
async def test_async_batch_flow(aclient: AsyncClient, tmp_path: Path) -> None:
    source = write_requests(tmp_path / "in.jsonl", 4, endpoint="/v1/embeddings")
    batch = await aclient.batches.create_from_file(source)
    assert [b.id async for b in aclient.batches.list()] == [batch.id]
    updates: list[Batch] = []
    done = await aclient.batches.wait(batch.id, poll_interval=0.01, timeout=30, on_progress=updates.append)
    assert done.status == "completed" and updates[-1].id == batch.id
    ids = sorted([r.custom_id async for r in aclient.batches.results(batch.id)])
    assert ids == [f"req-{n}" for n in range(4)]
    other = await aclient.batches.create(done.input_file_id, endpoint="/v1/embeddings")
    assert (await aclient.batches.cancel(other.id)).status == "cancelling"
    assert (await aclient.batches.retrieve(other.id)).status == "cancelled"
