"""The service as observed (issue 21, item 4): each quirk of the emulator's README table, switched on, and
our client against it. Expected outcomes come from the input and the documented rules (the README's
token estimator: a line's bytes divided by 4), never from the emulator's functions."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from openai_files import Batch, BatchInputError, Client, JobConfig, NotFoundError
from openai_files_emulator import EmulatorServer

from .conftest import write_requests

DAY = 24 * 3600
STAND_IN_TOKENS = 8  # the README: every stand-in answer has 8 output tokens


def _wait(client: Client, batch_id: str, seen: list[Batch] | None = None) -> Batch:
    return client.batches.wait(
        batch_id, poll_interval=0.01, timeout=30, on_progress=None if seen is None else seen.append
    )


def _requests(path: Path, url: str, bodies: list[dict[str, Any]]) -> Path:
    lines = [{"custom_id": f"r{n}", "method": "POST", "url": url, "body": b} for n, b in enumerate(bodies)]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def test_a_long_finalizing_is_waited_out(
    client: Client, fresh_emulator: EmulatorServer, tmp_path: Path
) -> None:
    fresh_emulator.batch_settings.set(finalizing_steps=6)
    batch = client.batches.create_from_file(write_requests(tmp_path / "in.jsonl", 3))
    seen: list[Batch] = []
    done = _wait(client, batch.id, seen)
    assert done.status == "completed"
    assert [b.status for b in seen].count("finalizing") == 6  # six retrieves see it finalizing
    assert len(list(client.batches.results(done))) == 3


def test_request_counts_that_lag_the_status_do_not_fool_the_client(
    client: Client, fresh_emulator: EmulatorServer, tmp_path: Path
) -> None:
    fresh_emulator.batch_settings.set(counts_lag=True)
    source = write_requests(tmp_path / "in.jsonl", 4)
    batch = client.batches.create_from_file(source)
    seen: list[Batch] = []
    done = _wait(client, batch.id, seen)
    finalizing = [b.request_counts for b in seen if b.status == "finalizing"]
    # Every request was answered on the retrieve that turned it finalizing; the counts show none yet.
    assert finalizing and finalizing[0] is not None and finalizing[0].completed == 0
    assert done.status == "completed"
    assert sorted(r.custom_id for r in client.batches.results(done)) == [f"req-{n}" for n in range(4)]
    status = client.batch_jobs.run(
        source, job_id="lag", config=JobConfig(state_dir=tmp_path, poll_interval=0.01)
    )
    assert (status.state, status.requests["succeeded"]) == ("finished", 4)


@pytest.mark.parametrize("end", ["expired", "cancelled"])
def test_an_expired_or_cancelled_batch_publishes_its_partial_output(
    client: Client, fresh_emulator: EmulatorServer, tmp_path: Path, end: str
) -> None:
    fresh_emulator.batch_settings.set(in_progress_steps=2)
    batch = client.batches.create_from_file(write_requests(tmp_path / "in.jsonl", 4))
    client.batches.retrieve(batch.id)  # validating -> in_progress
    client.batches.retrieve(batch.id)  # half the requests answered
    if end == "expired":
        fresh_emulator.clock.advance(DAY + 1)
    else:
        client.batches.cancel(batch.id)
    done = _wait(client, batch.id)
    assert done.status == end
    results = {r.custom_id: r for r in client.batches.results(done)}
    assert sorted(results) == [f"req-{n}" for n in range(4)]
    assert [r.ok for _, r in sorted(results.items())] == [True, True, False, False]
    assert {r.error["code"] for r in results.values() if not r.ok} == {f"batch_{end}"}


def test_usage_reports_cached_and_reasoning_tokens(
    client: Client, fresh_emulator: EmulatorServer, tmp_path: Path
) -> None:
    fresh_emulator.batch_settings.set(cached_fraction=0.5, reasoning_tokens=3)
    source = write_requests(tmp_path / "in.jsonl", 3)
    prompts = [max(1, len(line) // 4) for line in source.read_bytes().splitlines(keepends=True)]
    done = _wait(client, client.batches.create_from_file(source).id)
    usage = done.usage
    assert usage is not None
    assert usage.input_tokens == sum(prompts)
    assert usage.input_tokens_details.cached_tokens == sum(p // 2 for p in prompts)
    assert usage.output_tokens_details.reasoning_tokens == 3 * 3
    assert usage.output_tokens == 3 * (STAND_IN_TOKENS + 3)
    for result in client.batches.results(done):
        details = result.body["usage"]
        assert details["completion_tokens_details"]["reasoning_tokens"] == 3
        assert details["prompt_tokens_details"]["cached_tokens"] == details["prompt_tokens"] // 2


@pytest.mark.parametrize(
    ("url", "body", "check"),
    [
        (
            "/v1/responses",
            {"model": "m", "input": "hi"},
            lambda b: b["output"][0]["content"][0]["type"] == "output_text",
        ),
        (
            "/v1/chat/completions",
            {"model": "m", "messages": []},
            lambda b: b["choices"][0]["message"]["role"] == "assistant",
        ),
        (
            "/v1/completions",
            {"model": "m", "prompt": "hi"},
            lambda b: isinstance(b["choices"][0]["text"], str),
        ),
        (
            "/v1/embeddings",
            {"model": "m", "input": ["a", "b", "c"]},
            lambda b: [d["index"] for d in b["data"]] == [0, 1, 2],
        ),
        ("/v1/embeddings", {"model": "m", "input": [1, 2, 3]}, lambda b: len(b["data"]) == 1),
        (
            "/v1/moderations",
            {"input": ["a", "b"]},
            lambda b: len(b["results"]) == 2 and not b["results"][0]["flagged"],
        ),
        ("/v1/images/generations", {"model": "m", "prompt": "p", "n": 2}, lambda b: len(b["data"]) == 2),
        ("/v1/images/edits", {"model": "m", "prompt": "p"}, lambda b: len(b["data"]) == 1),
    ],
)
def test_result_bodies_are_shaped_per_endpoint(
    client: Client, tmp_path: Path, url: str, body: dict[str, Any], check: Any
) -> None:
    source = _requests(tmp_path / "in.jsonl", url, [body])
    done = _wait(client, client.batches.create_from_file(source).id)
    (result,) = client.batches.results(done)
    assert result.ok and check(result.body), result.body
    for image in result.body.get("data", []) if url.startswith("/v1/images") else []:
        assert base64.b64decode(image["b64_json"]).startswith(b"\x89PNG")


def test_batch_files_expire_after_30_days_by_default(
    client: Client, fresh_emulator: EmulatorServer, tmp_path: Path
) -> None:
    source = write_requests(tmp_path / "in.jsonl", 1)
    batch_file = client.files.create(source, purpose="batch")
    other = client.files.create(source, purpose="user_data")
    chosen = client.files.create(source, purpose="batch", expires_after_seconds=3600)
    assert batch_file.expires_at == batch_file.created_at + 30 * DAY
    assert other.expires_at is None and chosen.expires_at == chosen.created_at + 3600
    fresh_emulator.clock.advance(30 * DAY)
    with pytest.raises(NotFoundError):
        client.files.retrieve(batch_file.id)
    assert client.files.retrieve(other.id).id == other.id


def test_embeddings_batches_hold_at_most_50000_inputs(
    client: Client, fresh_emulator: EmulatorServer, tmp_path: Path
) -> None:
    many = _requests(tmp_path / "many.jsonl", "/v1/embeddings", [{"model": "m", "input": ["a"] * 25_000}] * 2)
    with many.open("a") as out:
        out.write(
            json.dumps(
                {
                    "custom_id": "r2",
                    "method": "POST",
                    "url": "/v1/embeddings",
                    "body": {"model": "m", "input": "x"},
                }
            )
            + "\n"
        )
    with pytest.raises(BatchInputError, match="50000 inputs") as refused:
        client.batches.create_from_file(many)
    assert refused.value.line == 3 and fresh_emulator.emulator.requests.recent() == []
    # The service's own check, met by a file stored as it is (a smaller limit keeps the test small).
    fresh_emulator.batch_settings.set(max_embedding_inputs=5)
    six = _requests(tmp_path / "six.jsonl", "/v1/embeddings", [{"model": "m", "input": ["a", "b", "c"]}] * 2)
    batch = client.batches.create(client.files.create(six, purpose="batch").id, endpoint="/v1/embeddings")
    done = _wait(client, batch.id)
    assert done.status == "failed" and done.errors is not None
    assert [(e.code, e.line) for e in done.errors.data] == [("too_many_inputs", None)]


def test_error_codes_as_the_service_reports_them(
    client: Client, fresh_emulator: EmulatorServer, tmp_path: Path
) -> None:
    fresh_emulator.batch_settings.set(token_limits={"gpt-4o-mini": 1})
    done = _wait(client, client.batches.create_from_file(write_requests(tmp_path / "in.jsonl", 2)).id)
    assert done.status == "failed" and done.errors is not None
    (error,) = done.errors.data
    assert (error.code, error.line, error.param) == ("token_limit_exceeded", None, None)
    assert "Enqueued token limit reached for gpt-4o-mini" in str(error.message)
    broken = tmp_path / "broken.jsonl"
    broken.write_text(
        json.dumps({"custom_id": "a", "method": "POST", "url": "/v1/embeddings", "body": {"model": "m"}})
        + "\n{oops\n"
    )
    batch = client.batches.create(client.files.create(broken, purpose="batch").id, endpoint="/v1/embeddings")
    failed = _wait(client, batch.id)
    assert failed.errors is not None
    assert [(e.code, e.line) for e in failed.errors.data] == [("invalid_json_line", 2)]
