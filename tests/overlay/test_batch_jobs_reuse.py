"""Paying once: dedup within a job and a cache across jobs, against the emulator.

What was sent is read from the service's side: the emulator's request log and the batches' input files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from openai_files import AsyncClient, Client, JobResult
from openai_files_emulator import EmulatorServer

from .conftest import collect, resolve
from .test_batch_jobs import small_config
from .test_cli_jobs import run

URL = "/v1/chat/completions"


def line(n: int, text: str) -> dict[str, Any]:
    model = "gpt-4o-mini" if n % 2 else "gpt-4o"
    body = {"model": model, "messages": [{"role": "user", "content": text}]}
    return {"custom_id": f"r{n}", "method": "POST", "url": URL, "body": body}


def write(path: Path, requests: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in requests))
    return path


def sent_lines(client: Client, job_id: str) -> list[dict[str, Any]]:
    """Every request line the job's batches were given, read back from their input files (while the
    batches run: a job deletes its input files once their results are in)."""
    lines = []
    for batch in client.batches.list():
        if (batch.to_dict().get("metadata") or {}).get("openai_files_job") == job_id:
            lines += [json.loads(raw) for raw in client.files.content(batch.input_file_id).splitlines()]
    return lines


def test_a_cached_rerun_of_an_edited_input_sends_only_the_changed_lines(
    client: Client, env: EmulatorServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fresh_emulator = env  # the CLI below reaches it through the environment
    cache = tmp_path / "answers.sqlite"
    config = small_config(tmp_path)
    first = [line(n, f"question {n}") for n in range(200)]
    write(tmp_path / "v1.jsonl", first)
    client.batch_jobs.submit(tmp_path / "v1.jsonl", job_id="v1", config=config, cache=cache)
    assert len(sent_lines(client, "v1")) == 200
    client.batch_jobs.wait("v1", state_dir=config.state_dir, timeout=60)
    before = {r.custom_id: r for r in client.batch_jobs.results("v1", state_dir=config.state_dir)}
    assert not any(r.from_cache for r in before.values())

    changed = {n for n in range(200) if n % 10 == 3}  # 10 % of the lines
    second = [line(n, f"question {n}, edited") if n in changed else first[n] for n in range(200)]
    write(tmp_path / "v2.jsonl", second)
    fresh_emulator.emulator.requests.clear()
    client.batch_jobs.submit(tmp_path / "v2.jsonl", job_id="v2", config=config, cache=cache)
    sent = sent_lines(client, "v2")
    status = client.batch_jobs.wait("v2", state_dir=config.state_dir, timeout=60)
    assert status.requests["succeeded"] == 200
    assert sorted(r["custom_id"] for r in sent) == sorted(f"r{n}" for n in changed)
    assert all(r == second[int(r["custom_id"][1:])] for r in sent)
    log = [f"{seen.method} {seen.path}" for seen in fresh_emulator.emulator.requests.recent()]
    batches_made = log.count("POST /v1/batches")
    assert batches_made == len({second[n]["body"]["model"] for n in changed})  # a shard per model
    assert log.count("POST /v1/files") == batches_made  # nothing else was uploaded

    results: list[JobResult] = list(client.batch_jobs.results("v2", state_dir=config.state_dir))
    assert [r.custom_id for r in results] == [f"r{n}" for n in range(200)]
    for n, result in enumerate(results):
        assert result.ok and result.from_cache == (n not in changed)
        if n not in changed:
            assert result.body == before[f"r{n}"].body  # the earlier answer, as it came

    # the CLI: a third run of the same input sends nothing at all
    fresh_emulator.emulator.requests.clear()
    state = ["--state-dir", str(config.state_dir)]
    code, _, err = run(
        capsys, "--no-progress", "jobs", "run", str(tmp_path / "v2.jsonl"), "--job-id", "v3",
        "--cache", str(cache), "--poll", "0.01", *state,
    )  # fmt: skip
    assert code == 0, err
    code, out, err = run(capsys, "jobs", "results", "v3", *state)
    records = [json.loads(text) for text in out.splitlines()]
    assert len(records) == 200 and all(r["from_cache"] is True for r in records)
    assert not [s for s in fresh_emulator.emulator.requests.recent() if s.path.startswith("/v1/")]


@pytest.mark.anyio
async def test_dedup_sends_each_distinct_request_once_and_fans_out_its_result(
    any_client: Client | AsyncClient, client: Client, tmp_path: Path
) -> None:
    requests = []
    for n in range(120):
        request = line(n % 40, f"question {n % 40}")  # 40 distinct bodies, each three times
        request["custom_id"] = f"r{n}"
        requests.append(request)
    write(tmp_path / "in.jsonl", requests)
    config = small_config(tmp_path)
    await resolve(any_client.batch_jobs.submit(tmp_path / "in.jsonl", job_id="dd", config=config, dedup=True))
    sent = sent_lines(client, "dd")
    status = await resolve(any_client.batch_jobs.wait("dd", state_dir=config.state_dir, timeout=60))
    assert status.requests == {"total": 120, "succeeded": 120, "failed": 0, "cancelled": 0, "pending": 0}
    assert sorted(r["custom_id"] for r in sent) == sorted(f"r{n}" for n in range(40))

    results = await collect(any_client.batch_jobs.results("dd", state_dir=config.state_dir))
    assert [r.custom_id for r in results] == [f"r{n}" for n in range(120)]
    for n, result in enumerate(results):
        assert result.ok and not result.from_cache
        assert result.duplicate_of == (None if n < 40 else f"r{n % 40}")
        assert result.body == results[n % 40].body
