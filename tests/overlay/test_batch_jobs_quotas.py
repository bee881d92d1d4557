"""Quotas beside tokens: a budget of enqueued requests per model, embeddings counted in inputs.

Expected shard and wave counts are worked out here from the input and the documented rules: a shard
holds at most its model's request budget, an embeddings request counts as many inputs as its `input`
list holds (a string or one token array counts one), and an embeddings batch holds at most 50,000 inputs.
"""

from __future__ import annotations

import contextlib
import json
import math
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from openai_files import AsyncClient, Client, JobConfig
from openai_files._batch_jobs.estimate import conservative_estimate
from openai_files._batch_jobs.manifest import Manifest
from openai_files._batch_jobs.prepare import prepare
from openai_files_emulator import EmulatorServer

from .conftest import resolve
from .test_batch_jobs import small_config, write_job

EMBEDDINGS = "/v1/embeddings"
SERVICE_MAX_INPUTS = 50_000


def write_embeddings(path: Path, sizes: list[int]) -> Path:
    """One embeddings request per size: a list of that many short strings (1: a single string)."""
    with path.open("w") as out:
        for n, size in enumerate(sizes):
            text: Any = [f"t{n}.{i}" for i in range(size)] if size > 1 else f"t{n}"
            body = {"model": "text-embedding-3-small", "input": text}
            out.write(
                json.dumps({"custom_id": f"e{n}", "method": "POST", "url": EMBEDDINGS, "body": body}) + "\n"
            )
    return path


@pytest.mark.anyio
async def test_request_budget_bounds_what_is_enqueued_per_model(
    any_client: Client | AsyncClient, client: Client, tmp_path: Path
) -> None:
    source = write_job(tmp_path / "in.jsonl", 600, models=("gpt-4o-mini", "gpt-4o"))
    budget = {"gpt-4o": 70, "*": 200}
    config = small_config(tmp_path, max_shard_bytes=10_000_000, request_budget=budget)
    plan = client.batch_jobs.plan(source, config=config)
    # 300 requests a model; shards hold at most the budget (70 and 200), and one shard runs at a time
    assert {m.model: (m.shards, m.waves) for m in plan.models} == {
        "gpt-4o": (math.ceil(300 / 70), math.ceil(300 / 70)),
        "gpt-4o-mini": (math.ceil(300 / 200), math.ceil(300 / 200)),
    }
    await resolve(any_client.batch_jobs.submit(source, job_id="paced", config=config))
    # one batch of each model went out: the next shard of either would pass its budget
    inputs = [client.files.content(b.input_file_id) for b in client.batches.list()]
    assert sorted(content.count(b"\n") for content in inputs) == [70, 200]
    status = await resolve(any_client.batch_jobs.wait("paced", state_dir=config.state_dir))
    assert status.requests["succeeded"] == 600
    sizes = sorted(b.to_dict()["request_counts"]["total"] for b in client.batches.list())
    assert sizes == sorted([70] * 4 + [20] + [200, 100])


def test_embeddings_shards_hold_at_most_the_service_s_inputs(tmp_path: Path) -> None:
    sizes = [1000] * 120 + [1, 1, 1]  # 120,003 inputs in 123 requests
    source = write_embeddings(tmp_path / "emb.jsonl", sizes)
    config = JobConfig(state_dir=tmp_path / "state")
    folder = tmp_path / "job"
    folder.mkdir()
    manifest = Manifest(folder / "manifest.sqlite")
    prepare(manifest, source, endpoint=None, config=config, estimator=conservative_estimate)
    shards = manifest.shards()
    # requests in order, a new shard whenever the next one would pass 50,000 inputs
    want, room = [], SERVICE_MAX_INPUTS
    for size in sizes:
        if room < size:
            want.append(0)
            room = SERVICE_MAX_INPUTS
        if not want:
            want.append(0)
        want[-1] += size
        room -= size
    assert [s.inputs for s in shards] == want == [50_000, 50_000, 20_003]
    assert [s.requests for s in shards] == [50, 50, 23]
    manifest.close()

    with Client(api_key="sk-unused", base_url="http://127.0.0.1:9") as offline:  # a plan sends nothing
        plan = offline.batch_jobs.plan(source, config=config)
    (model,) = plan.models
    assert (model.shards, model.inputs, model.requests) == (3, sum(sizes), len(sizes))


def test_request_budget_counts_embedding_inputs(client: Client, tmp_path: Path) -> None:
    sizes = [60, 1, 40, 100, 30, 30, 80]  # inputs per request
    source = write_embeddings(tmp_path / "emb.jsonl", sizes)
    config = small_config(tmp_path, request_budget=100)
    status = client.batch_jobs.run(source, job_id="emb", config=config, timeout=60)
    assert status.requests["succeeded"] == len(sizes)
    want, inputs = [], 100
    for size in sizes:
        if inputs + size > 100:
            want.append(0)
            inputs = 0
        want[-1] += 1
        inputs += size
    assert sorted(b.to_dict()["request_counts"]["total"] for b in client.batches.list()) == sorted(want)
    results = list(client.batch_jobs.results("emb", state_dir=config.state_dir))
    assert [len(r.body["data"]) for r in results] == sizes


def test_a_manifest_from_before_inputs_reads_its_requests_as_inputs(tmp_path: Path) -> None:
    source = write_job(tmp_path / "in.jsonl", 50)
    path = tmp_path / "manifest.sqlite"
    manifest = Manifest(path)
    prepare(manifest, source, endpoint=None, config=small_config(tmp_path), estimator=conservative_estimate)
    manifest.close()
    with contextlib.closing(sqlite3.connect(path)) as db:  # as a manifest written before `inputs` was added
        db.execute("ALTER TABLE shards DROP COLUMN inputs")
    reader = Manifest(path, read_only=True)
    assert [(s.requests, s.inputs) for s in reader.shards()] == [
        (s.requests, s.requests) for s in reader.shards()
    ]
    assert sum(s.inputs for s in reader.shards()) == 50
    reader.close()
    writer = Manifest(path)
    assert sum(s.inputs for s in writer.shards()) == 50
    assert writer.enqueued("gpt-4o") == (0, 0)
    writer.close()


def test_a_batch_stuck_validating_is_reported_then_cancelled_and_its_requests_sent_again(
    client: Client, fresh_emulator: EmulatorServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fresh_emulator.batch_settings.set(pace="time", stage_seconds=1.0)  # each stage lasts 1 s
    source = write_job(tmp_path / "in.jsonl", 30, models=("gpt-4o-mini",))
    config = small_config(tmp_path, stuck_after=0.1, cancel_stuck=True, max_attempts=2, poll_interval=0.02)
    with caplog.at_level("WARNING", logger="openai_files.batch_jobs"):
        status = client.batch_jobs.run(source, job_id="stuck", config=config, timeout=30)
    # each attempt's batch sat validating past 0.1 s and was cancelled before any request ran: the 30
    # requests went into a second batch, which was cancelled the same way, and that was their last attempt
    assert status.requests["failed"] == 30
    results = list(client.batch_jobs.results("stuck", state_dir=config.state_dir))
    assert {(r.attempts, r.error["code"]) for r in results} == {(2, "batch_cancelled")}
    batches = [b.to_dict() for b in client.batches.list()]
    assert sorted(b["status"] for b in batches) == ["cancelled", "cancelled"]
    stuck = [r.getMessage() for r in caplog.records if "stuck; cancelling it" in r.getMessage()]
    assert len(stuck) == 2 and all("has been validating" in m for m in stuck)


def test_a_stuck_batch_is_only_reported_unless_cancel_stuck(
    client: Client, fresh_emulator: EmulatorServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fresh_emulator.batch_settings.set(pace="time", stage_seconds=0.6)
    source = write_job(tmp_path / "in.jsonl", 20, models=("gpt-4o-mini",))
    config = small_config(tmp_path, stuck_after=0.1, poll_interval=0.02)
    with caplog.at_level("WARNING", logger="openai_files.batch_jobs"):
        status = client.batch_jobs.run(source, job_id="slow", config=config, timeout=30)
    assert status.requests["succeeded"] == 20
    stuck = [r.getMessage() for r in caplog.records if "stuck; waiting on" in r.getMessage()]
    # reported once in validating and once in finalizing, each 0.6 s long
    assert [m.split(" has been ")[1].split()[0] for m in stuck] == ["validating", "finalizing"]
