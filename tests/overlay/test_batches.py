"""Batches against the emulator: local input checks, create, wait, results, list, cancel; sync and async."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from openai_files import (
    AsyncClient,
    Batch,
    BatchInputError,
    Client,
    InvalidInputError,
    WaitTimeoutError,
    check_batch_input,
)
from openai_files._batches import check_line
from openai_files._transfer import TransferConfig
from openai_files._transfer.config import KiB
from openai_files_emulator import EmulatorServer

from .conftest import collect, resolve, write_requests

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
        (
            json.dumps({**GOOD, "custom_id": "b", "body": {"model": "other", "input": "x"}}),
            "line 2: model 'other' differs from 'm' on line 1: .* `openai-files jobs submit`",
        ),
    ],
)
def test_local_check_names_the_line(tmp_path: Path, second: str, message: str) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps(GOOD) + "\n" + second + "\n")
    with pytest.raises(BatchInputError, match=message) as caught:
        check_batch_input(path)
    assert caught.value.line == 2


@pytest.mark.parametrize(
    "raw",
    [
        json.dumps(GOOD).encode() + b"\n",
        json.dumps(GOOD),
        b"\xef\xbb\xbf" + json.dumps(GOOD).encode(),  # a UTF-8 byte order mark
        json.dumps(GOOD).encode("utf-16"),
        b"  " + json.dumps(GOOD).encode() + b"\r\n",
        json.dumps({**GOOD, "body": {"input": "\u00e9\ud800"}}, ensure_ascii=False).encode(
            "utf-8", "surrogatepass"
        ),
        json.dumps(GOOD).encode() + b" x\n",
        json.dumps(GOOD).encode() + b"\x0c",
        b"\xff" + json.dumps(GOOD).encode(),
        json.dumps(GOOD).encode() + b"\n\n",
    ],
)
def test_line_parsing_is_json_loads(raw: bytes | str) -> None:
    """Lines are parsed by a quicker route than `json.loads` when they allow it: it accepts and refuses
    exactly what `json.loads` does, with the same value (these lines hold no NaN, Infinity or surrogate
    escape, which standard JSON lacks and `check_line` refuses besides)."""
    try:
        expected = json.loads(raw)
    except ValueError:
        with pytest.raises(BatchInputError, match="line 7: not valid JSON"):
            check_line(raw, line=7, endpoint=None)
    else:
        assert check_line(raw, line=7, endpoint=None) == (expected, "/v1/embeddings")


def test_local_check_endpoint_rules(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps(GOOD) + "\n\n")
    assert check_batch_input(path) == ("/v1/embeddings", 1)
    with pytest.raises(BatchInputError, match="line 1: url '/v1/embeddings' differs"):
        check_batch_input(path, endpoint="/v1/responses")
    path.write_text(json.dumps({**GOOD, "url": "/v1/unknown"}))
    with pytest.raises(BatchInputError, match="not a batch endpoint"):
        check_batch_input(path)
    path.write_text("\n")
    with pytest.raises(InvalidInputError, match="holds no requests"):
        check_batch_input(path)


@pytest.mark.anyio
async def test_bad_file_creates_nothing(any_client: Client | AsyncClient, tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    other_model = {**GOOD, "custom_id": "b", "body": {"model": "other", "input": "x"}}
    path.write_text(json.dumps(GOOD) + "\n" + json.dumps(other_model) + "\n")
    with pytest.raises(BatchInputError, match="model 'other'"):
        await resolve(any_client.batches.create_from_file(path))
    path.write_text(json.dumps(GOOD) + "\n" + json.dumps(GOOD) + "\n")
    with pytest.raises(BatchInputError):
        await resolve(any_client.batches.create_from_file(path))
    assert await collect(any_client.files.list()) == [] and await collect(any_client.batches.list()) == []


@pytest.mark.anyio
async def test_create_wait_results(any_client: Client | AsyncClient, tmp_path: Path) -> None:
    source = write_requests(tmp_path / "in.jsonl", 6)
    with source.open("a") as out:  # one request the stand-in refuses, for the error file
        refused = {"custom_id": "no-model", "method": "POST", "url": "/v1/chat/completions", "body": {}}
        out.write(json.dumps(refused) + "\n")
    batch = await resolve(any_client.batches.create_from_file(source, metadata={"run": "test"}))
    assert batch.endpoint == "/v1/chat/completions" and batch.status == "validating"
    seen: list[Batch] = []
    done = await resolve(
        any_client.batches.wait(batch.id, poll_interval=0.01, timeout=30, on_progress=seen.append)
    )
    assert done.status == "completed" and seen[-1].status == "completed" and len(seen) >= 3
    assert {b.id for b in seen} == {batch.id}
    results = {r.custom_id: r for r in await collect(any_client.batches.results(done))}
    assert set(results) == {f"req-{n}" for n in range(6)} | {"no-model"}
    assert all(results[f"req-{n}"].ok for n in range(6))
    assert results["no-model"].status_code == 400 and not results["no-model"].ok
    assert "req-3" in json.dumps(results["req-3"].body)
    assert [r.custom_id for r in await collect(any_client.batches.results(batch.id))] == list(results)


@pytest.mark.anyio
async def test_list_retrieve_cancel_and_wait_timeout(
    any_client: Client | AsyncClient, tmp_path: Path
) -> None:
    batches = any_client.batches
    stored = await resolve(any_client.files.create(write_requests(tmp_path / "in.jsonl", 2), purpose="batch"))
    ids = [(await resolve(batches.create(stored.id, endpoint="/v1/chat/completions"))).id for _ in range(3)]
    pager = batches.list(limit=2)
    assert [b.id for b in await collect(pager)] == ids[::-1]
    assert [len(p.data) for p in await collect(pager.pages())] == [2, 1]
    assert [b.id for b in (await resolve(pager.first_page())).data] == ids[:0:-1]
    with pytest.raises(WaitTimeoutError, match=ids[0]):
        await resolve(batches.wait(ids[0], timeout=0))
    assert (await resolve(batches.cancel(ids[1]))).status == "cancelling"
    assert (await resolve(batches.retrieve(ids[1]))).status == "cancelled"
    assert (await resolve(batches.wait(ids[1], poll_interval=0.01, timeout=30))).status == "cancelled"
    assert await collect(batches.results(ids[1])) == []


@pytest.mark.anyio
async def test_create_from_file_sends_a_large_file_in_parts(
    any_client: Client | AsyncClient, fresh_emulator: EmulatorServer, tmp_path: Path
) -> None:
    source = write_requests(tmp_path / "in.jsonl", 400)  # about 60 kB: parts of 16 KiB with this config
    config = TransferConfig(single_request_below=32 * KiB, min_chosen_part_size=16 * KiB)
    batch = await resolve(any_client.batches.create_from_file(source, config=config))
    posts = [s.path for s in fresh_emulator.emulator.requests.recent() if s.method == "POST"]
    assert posts[0] == "/v1/uploads" and posts.count(f"/v1/uploads/{posts[1].split('/')[3]}/parts") >= 3
    assert posts[-2].endswith("/complete") and posts[-1] == "/v1/batches"
    stored = await resolve(any_client.files.retrieve(batch.input_file_id))
    assert (stored.purpose, stored.bytes_) == ("batch", source.stat().st_size)
    assert await resolve(any_client.files.content(stored.id)) == source.read_bytes()
