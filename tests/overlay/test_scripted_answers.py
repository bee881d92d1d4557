"""Scripted batch answers (issue 21, item 3): a test says what the service answers to each request, and
the client reads exactly that back; a job retries what the script failed with a retryable status."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from openai_files import Client, JobConfig
from openai_files_emulator import Answer, EmulatorServer

from .conftest import write_requests


def _chat(text: str) -> dict[str, Any]:
    return {
        "object": "chat.completion",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}}],
    }


def _results(client: Client, source: Path) -> dict[str, Any]:
    batch = client.batches.create_from_file(source)
    done = client.batches.wait(batch.id, poll_interval=0.01, timeout=30)
    assert done.status == "completed"
    return {r.custom_id: r for r in client.batches.results(done)}


def test_a_mapping_answers_each_request_by_custom_id(
    client: Client, fresh_emulator: EmulatorServer, tmp_path: Path
) -> None:
    source = write_requests(tmp_path / "in.jsonl", 4)
    refusal = {
        "error": {"message": "slow down", "type": "requests", "param": None, "code": "rate_limit_exceeded"}
    }
    fresh_emulator.batch_settings.script(
        {
            "req-0": _chat("positive"),
            "req-1": Answer(body=refusal, status=429),
            "req-2": Answer.failure("batch_expired", "not run in time"),
        }
    )
    results = _results(client, source)
    assert results["req-0"].ok and results["req-0"].body == _chat("positive")
    assert (results["req-1"].status_code, results["req-1"].body, results["req-1"].ok) == (429, refusal, False)
    assert results["req-2"].status_code is None and results["req-2"].error == {
        "code": "batch_expired",
        "message": "not run in time",
    }
    assert results["req-3"].ok and results["req-3"].body["object"] == "chat.completion"  # not scripted
    batch = next(iter(client.batches.list()))
    assert batch.request_counts is not None
    assert (batch.request_counts.completed, batch.request_counts.failed) == (2, 2)


def test_a_callable_answers_from_the_input_line_and_a_raising_one_shows_in_the_results(
    client: Client, fresh_emulator: EmulatorServer, tmp_path: Path
) -> None:
    source = write_requests(tmp_path / "in.jsonl", 3)

    def answer(request: dict[str, Any]) -> Answer | dict[str, Any] | None:
        content = request["body"]["messages"][0]["content"]
        if content.endswith("2"):
            raise RuntimeError("no answer for two")
        return _chat(content.upper())

    fresh_emulator.batch_settings.script(answer)
    results = _results(client, source)
    assert results["req-0"].body == _chat("HELLO 0") and results["req-1"].body == _chat("HELLO 1")
    assert results["req-2"].status_code == 500 and "RuntimeError: no answer for two" in json.dumps(
        results["req-2"].body
    )
    fresh_emulator.batch_settings.clear()
    assert "Stand-in" in json.dumps(_results(client, source)["req-0"].body)


def test_a_job_retries_what_the_script_failed_with_a_retryable_status(
    client: Client, fresh_emulator: EmulatorServer, tmp_path: Path
) -> None:
    source = write_requests(tmp_path / "in.jsonl", 3)
    seen: dict[str, int] = {}

    def flaky(request: dict[str, Any]) -> Answer:
        custom_id = request["custom_id"]
        seen[custom_id] = seen.get(custom_id, 0) + 1
        if custom_id == "req-1" and seen[custom_id] == 1:
            return Answer(
                body={"error": {"message": "busy", "type": "server_error", "param": None, "code": None}},
                status=500,
            )
        if custom_id == "req-2":
            return Answer(
                body={
                    "error": {"message": "bad", "type": "invalid_request_error", "param": None, "code": None}
                },
                status=400,
            )
        return Answer(body=_chat(f"ok {seen[custom_id]}"))

    fresh_emulator.batch_settings.script(flaky)
    config = JobConfig(state_dir=tmp_path / "jobs", poll_interval=0.01)
    status = client.batch_jobs.run(source, job_id="flaky", config=config, timeout=30)
    results = {r.custom_id: r for r in client.batch_jobs.results("flaky", state_dir=tmp_path / "jobs")}
    assert status.state == "finished"
    assert (results["req-0"].status, results["req-0"].attempts, results["req-0"].body) == (
        "succeeded",
        1,
        _chat("ok 1"),
    )
    assert (results["req-1"].status, results["req-1"].attempts, results["req-1"].body) == (
        "succeeded",
        2,
        _chat("ok 2"),
    )
    assert (results["req-2"].status, results["req-2"].status_code, results["req-2"].attempts) == (
        "failed",
        400,
        1,
    )


def test_answers_are_checked_when_made() -> None:
    with pytest.raises(ValueError, match="status"):
        Answer(body={}, status=42)
    with pytest.raises(ValueError, match="not both"):
        Answer(body={}, error={"code": "x", "message": "y"})
