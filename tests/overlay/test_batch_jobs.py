"""Batch jobs against the emulator: checks, sharding, budget, results in input order; sync and async."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import openai_files
from openai_files import (
    AsyncClient,
    BatchInputError,
    Client,
    InvalidInputError,
    JobBusyError,
    JobConfig,
    JobNotFinishedError,
    JobResult,
    JobStatus,
)
from openai_files._batch_jobs.drivers import drive_async, drive_sync
from openai_files._batch_jobs.effects import LocalWork, Steps, perform
from openai_files._batch_jobs.estimate import conservative_estimate
from openai_files._batch_jobs.manifest import JobLock, Manifest
from openai_files._batch_jobs.prepare import prepare
from openai_files._batch_jobs.states import JobState, RequestState, ShardState, TransitionError
from openai_files_emulator import EmulatorServer

from .conftest import collect, resolve

MODELS = ("gpt-4o-mini", "gpt-4o", "o3-mini")
URL = "/v1/chat/completions"


def request(n: int, *, model: str | None = None, text: str = "") -> dict[str, Any]:
    body: dict[str, Any] = {"messages": [{"role": "user", "content": f"q{n} {text}"}]}
    if model is not None:
        body["model"] = model
    return {"custom_id": f"r{n}", "method": "POST", "url": URL, "body": body}


def write_job(path: Path, count: int, *, models: tuple[str, ...] = MODELS) -> Path:
    """`count` requests cycling through `models`, with bodies of varied sizes."""
    with path.open("w") as out:
        for n in range(count):
            out.write(json.dumps(request(n, model=models[n % len(models)], text="x" * (n % 97))) + "\n")
    return path


def small_config(tmp_path: Path, **changes: Any) -> JobConfig:
    """Shrunken limits and fast polling, state under `tmp_path`."""
    values: dict[str, Any] = {
        "max_shard_requests": 300,
        "max_shard_bytes": 40_000,
        "poll_interval": 0.01,
        "max_poll_interval": 0.05,
        "token_limit_backoff": 0.05,
        "create_retry_delay": 0.01,
        "state_dir": tmp_path / "state",
    }
    values.update(changes)
    return JobConfig(**values)


def assert_in_order(results: list[JobResult], count: int) -> None:
    assert [r.custom_id for r in results] == [f"r{n}" for n in range(count)]


def test_shards_hold_one_model_within_every_limit(tmp_path: Path) -> None:
    config = small_config(tmp_path, max_shard_tokens=6_000)
    source = write_job(tmp_path / "in.jsonl", 3000)
    folder = tmp_path / "job"
    folder.mkdir()
    manifest = Manifest(folder / "manifest.sqlite")
    endpoint, count = prepare(manifest, source, endpoint=None, config=config, estimator=conservative_estimate)
    assert (endpoint, count) == (URL, 3000)
    seen: list[str] = []
    shards = manifest.shards()
    assert {s.state for s in shards} == {"sealed"}
    for shard in shards:
        lines = manifest.shard_path(shard.id).read_bytes().splitlines(keepends=True)
        requests = [json.loads(line) for line in lines]
        assert {r["body"]["model"] for r in requests} == {shard.model}
        assert len(lines) == shard.requests <= config.max_shard_requests
        assert sum(map(len, lines)) == shard.bytes <= config.max_shard_bytes
        tokens = sum(conservative_estimate(r, len(line)) for r, line in zip(requests, lines, strict=True))
        assert tokens == shard.tokens <= 6_000
        seen += [r["custom_id"] for r in requests]
    assert sorted(seen) == sorted(f"r{n}" for n in range(3000))
    # Each limit binds somewhere: more shards than the request count alone would need.
    assert len(shards) > 3 * -(-1000 // config.max_shard_requests)
    manifest.close()


def test_settling_more_requests_than_one_statement_binds_settles_each_once(tmp_path: Path) -> None:
    """`settle` binds whole statements of 5,000 rows, then the rest a row at a time: 12,345 requests take
    both ways, every one gets its own result, and one that is not pending any more is refused."""
    count = 12_345
    manifest = Manifest(tmp_path / "manifest.sqlite")
    config = small_config(tmp_path, max_shard_requests=50_000, max_shard_bytes=200_000_000)
    source = tmp_path / "in.jsonl"
    with source.open("w") as out:
        for n in range(count):
            out.write(json.dumps(request(n, model="m", text="")) + "\n")
    prepare(manifest, source, endpoint=None, config=config, estimator=conservative_estimate)
    with manifest.transaction():
        manifest.settle([(RequestState.SUCCEEDED, 10 * seq, seq, seq) for seq in range(1, count + 1)])
    with manifest.transaction(), pytest.raises(TransitionError, match=r"^1 requests were not pending$"):
        manifest.settle([(RequestState.FAILED, 0, 1, count)])
    manifest.close()
    with contextlib.closing(sqlite3.connect(tmp_path / "manifest.sqlite")) as db:
        rows = db.execute("SELECT seq, state, result_offset, result_length FROM requests ORDER BY seq")
        assert rows.fetchall() == [(seq, "succeeded", 10 * seq, seq) for seq in range(1, count + 1)]


def test_records_come_back_in_input_order_from_more_regions_than_blocks_kept(tmp_path: Path) -> None:
    """Each model's results go into the results file as one region, as a shard's merge appends them;
    input order visits the 70 regions in turn (more than the 64 blocks the reader keeps, so blocks are
    dropped and read again), and records of up to 12 KB cross the 64 KiB block edges."""
    models = tuple(f"m{k}" for k in range(70))
    count = 1400
    manifest = Manifest(tmp_path / "manifest.sqlite")
    source = write_job(tmp_path / "in.jsonl", count, models=models)
    prepare(manifest, source, endpoint=None, config=small_config(tmp_path), estimator=conservative_estimate)

    def record(seq: int) -> dict[str, Any]:
        return {"seq": seq, "pad": "x" * (seq * 37 % 12_000)}

    with manifest.recording() as results:
        rows = [
            (RequestState.SUCCEEDED, *results.add(json.dumps(record(seq))), seq)
            for k in range(len(models))
            for seq in range(k + 1, count + 1, len(models))  # line seq holds request r{seq - 1}
        ]
        manifest.settle(rows)
    assert [json.loads(text) for text in manifest.records()] == [record(seq) for seq in range(1, count + 1)]
    manifest.close()


def test_the_manifest_refuses_a_move_the_table_does_not_list(tmp_path: Path) -> None:
    """States are stored as the same strings as before the enums; a wrong move raises and changes nothing."""
    manifest = Manifest(tmp_path / "manifest.sqlite")
    prepare(
        manifest, write_job(tmp_path / "in.jsonl", 3, models=("m",)), endpoint=None,
        config=small_config(tmp_path), estimator=conservative_estimate,
    )  # fmt: skip
    (shard,) = manifest.shards()
    with pytest.raises(TransitionError, match="shard 1 in state sealed cannot become submitted"):
        manifest.move_shard(shard.id, ShardState.SUBMITTED, batch_id="batch_x")
    with pytest.raises(TransitionError):
        manifest.settle([(RequestState.PENDING, 0, 1, 1)])  # pending to pending is no move
    with pytest.raises(TransitionError, match="1 requests were not retry"):
        manifest.move_requests([(shard.id, 0, 1)], start=RequestState.RETRY)
    manifest.move_shard(shard.id, ShardState.UPLOADING)
    manifest.move_job(JobState.FINISHED)
    with pytest.raises(TransitionError, match="finished cannot become running"):
        manifest.move_job(JobState.RUNNING)
    manifest.close()
    with contextlib.closing(sqlite3.connect(tmp_path / "manifest.sqlite")) as db:
        assert db.execute("SELECT state, batch_id FROM shards").fetchall() == [("uploading", None)]
        assert {row[0] for row in db.execute("SELECT state FROM requests")} == {"pending"}
        assert db.execute("SELECT value FROM meta WHERE key = 'state'").fetchone() == ('"finished"',)


@pytest.mark.anyio
async def test_disk_work_runs_off_the_event_loop_and_in_place_when_sync() -> None:
    """`LocalWork` (a merge, new shards) runs in a worker thread under the async driver, so the event
    loop does not wait on the disk; the sync driver runs it where it is. No request is made."""

    def steps() -> Steps:
        return (yield from perform(LocalWork("tidy", threading.get_ident)))

    here = threading.get_ident()
    options: dict[str, Any] = {"api_key": "sk-none", "base_url": "http://127.0.0.1:9/v1"}
    async with AsyncClient(**options) as async_client:
        assert await drive_async(async_client, steps()) != here
    with Client(**options) as client:
        assert drive_sync(client, steps()) == here


@pytest.mark.parametrize(
    ("first", "again"),
    [(2, 5), (100, 160), (310, 320), (5, 390)],
    ids=["same-statement", "next-statement", "tail", "statement-and-tail"],
)
def test_repeated_custom_id_names_both_lines(tmp_path: Path, first: int, again: int) -> None:
    """Rows go to SQLite many per statement; a repeat is named by its line and its first line wherever
    the two fall (400 lines: two whole statements of rows, then a tail inserted row by row)."""
    source = write_job(tmp_path / "in.jsonl", 400)
    lines = source.read_text().splitlines()
    lines[again - 1] = lines[first - 1]
    source.write_text("\n".join(lines) + "\n")
    manifest = Manifest(tmp_path / "manifest.sqlite")
    with pytest.raises(BatchInputError, match=f"used twice \\(first on line {first}\\)") as caught:
        prepare(
            manifest, source, endpoint=None, config=small_config(tmp_path), estimator=conservative_estimate
        )
    assert caught.value.line == again
    manifest.close()
    with contextlib.closing(sqlite3.connect(tmp_path / "manifest.sqlite")) as db:
        assert db.execute("SELECT COUNT(*) FROM requests").fetchone() == (0,)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "line 1501: not valid JSON"),
        (json.dumps(request(3)), "line 1501: custom_id 'r3' is used twice \\(first on line 4\\)"),
        (json.dumps({**request(5000), "url": "/v1/embeddings"}), "line 1501: url '/v1/embeddings' differs"),
    ],
)
def test_bad_line_anywhere_sends_and_keeps_nothing(
    client: Client, fresh_emulator: EmulatorServer, tmp_path: Path, line: str, message: str
) -> None:
    source = write_job(tmp_path / "in.jsonl", 3000)
    lines = source.read_text().splitlines()
    lines[1500] = line
    source.write_text("\n".join(lines) + "\n")
    with pytest.raises(BatchInputError, match=message) as caught:
        client.batch_jobs.submit(source, job_id="bad", config=small_config(tmp_path))
    assert caught.value.line == 1501
    assert list(client.files.list()) == []
    assert not (tmp_path / "state" / "bad").exists()


@pytest.mark.anyio
async def test_job_results_in_input_order(any_client: Client | AsyncClient, tmp_path: Path) -> None:
    config = small_config(tmp_path)
    source = write_job(tmp_path / "in.jsonl", 2000)
    seen: list[JobStatus] = []
    running = any_client.batch_jobs.run(source, job_id="j1", config=config, on_progress=seen.append)
    status = await resolve(running)
    assert status.state == "finished"
    assert status.requests == {"total": 2000, "succeeded": 2000, "failed": 0, "cancelled": 0, "pending": 0}
    assert seen and seen[-1] == status
    results = await collect(any_client.batch_jobs.results("j1", state_dir=config.state_dir))
    assert_in_order(results, 2000)
    assert all(r.ok and r.status_code == 200 and r.attempts == 1 for r in results)
    assert results[7].body["choices"][0]["message"]["content"] == "Stand-in response for r7."
    models = {r.custom_id: r.body["model"] for r in results}
    assert models["r0"] == MODELS[0] and models["r1"] == MODELS[1]
    batches = await collect(any_client.batches.list())
    assert len({r.batch_id for r in results}) == len(batches) == status.shards["done"]
    # Input shard files are gone; the batches' output files stay (delete_outputs=False).
    purposes = Counter(f.purpose for f in await collect(any_client.files.list()))
    assert purposes == {"batch_output": len(batches)}
    assert not list((config.state_dir / "j1").glob("shard-*"))


@pytest.mark.anyio
async def test_iterable_input_and_failed_requests(any_client: Client | AsyncClient, tmp_path: Path) -> None:
    """Requests without a model fail one by one (error file, output file null): final, not retried."""
    config = small_config(tmp_path, delete_outputs=True)
    requests = [request(n, model=None if n % 4 == 0 else "m") for n in range(200)]
    status = await resolve(any_client.batch_jobs.run(iter(requests), job_id="j2", config=config))
    assert status.requests["succeeded"] == 150 and status.requests["failed"] == 50
    results = await collect(any_client.batch_jobs.results("j2", state_dir=config.state_dir))
    assert_in_order(results, 200)
    failed = [r for r in results if not r.ok]
    assert [r.custom_id for r in failed] == [f"r{n}" for n in range(0, 200, 4)]
    assert all(r.status == "failed" and r.status_code == 400 and r.attempts == 1 for r in failed)
    assert failed[0].error["param"] == "model"
    assert await collect(any_client.files.list()) == []  # inputs and outputs deleted


@pytest.mark.anyio
async def test_token_budget_limits_enqueued_shards(any_client: Client | AsyncClient, tmp_path: Path) -> None:
    config = small_config(tmp_path, token_budget=8_000, max_shard_tokens=4_000)
    source = write_job(tmp_path / "in.jsonl", 900)
    most: Counter[str] = Counter()

    def watch(status: JobStatus) -> None:
        live: Counter[str] = Counter()
        for batch in status.batches:
            live[batch["model"]] += batch["tokens"]
        for model, tokens in live.items():
            most[model] = max(most[model], tokens)

    status = await resolve(any_client.batch_jobs.run(source, job_id="j3", config=config, on_progress=watch))
    assert status.requests["succeeded"] == 900
    assert set(most) == set(MODELS)
    assert max(most.values()) <= 8_000
    assert max(most.values()) > 4_000  # two shards of a model did run side by side


def test_results_before_the_end_and_unknown_jobs(client: Client, tmp_path: Path) -> None:
    config = small_config(tmp_path)
    status = client.batch_jobs.submit(write_job(tmp_path / "in.jsonl", 10), job_id="j4", config=config)
    assert status.state == "running"
    with pytest.raises(JobNotFinishedError):
        list(client.batch_jobs.results("j4", state_dir=config.state_dir))
    assert [s.job_id for s in client.batch_jobs.list(state_dir=config.state_dir)] == ["j4"]
    with pytest.raises(InvalidInputError, match="no job 'nope'"):
        client.batch_jobs.status("nope", state_dir=config.state_dir)
    with pytest.raises(InvalidInputError, match="job id"):
        client.batch_jobs.status("../x", state_dir=config.state_dir)
    with pytest.raises(InvalidInputError, match="already exists for another input"):
        client.batch_jobs.submit(write_job(tmp_path / "other.jsonl", 5), job_id="j4", config=config)
    final = client.batch_jobs.wait("j4", state_dir=config.state_dir)
    assert final.requests["succeeded"] == 10


def test_a_job_is_planned_and_read_with_no_client_and_no_key(
    client: Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`plan_job`, `job_status`, `list_jobs` and `job_results` need no API key: what the CLI reads with."""
    config = small_config(tmp_path, token_budget={JobConfig.ANY_MODEL: 10**9})
    source = write_job(tmp_path / "in.jsonl", 12)
    client.batch_jobs.run(source, job_id="j5", config=config)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    plan = openai_files.plan_job(source, config=config)
    assert (plan.requests, sorted(m.model for m in plan.models)) == (12, sorted(MODELS))
    status = openai_files.job_status("j5", state_dir=config.state_dir)
    assert status.requests["succeeded"] == 12 and status.finished
    assert [s.job_id for s in openai_files.list_jobs(state_dir=config.state_dir)] == ["j5"]
    results = list(openai_files.job_results("j5", state_dir=config.state_dir))
    assert_in_order(results, 12)
    row = results[1].to_row()
    assert tuple(row) == JobResult.COLUMNS
    assert (row["custom_id"], row["status"], row["model"], row["text"]) == (
        "r1", "succeeded", MODELS[1], "Stand-in response for r1.",
    )  # fmt: skip


@pytest.mark.anyio
async def test_cancel_ends_every_request(any_client: Client | AsyncClient, tmp_path: Path) -> None:
    config = small_config(tmp_path, token_budget=3_000, max_shard_tokens=3_000)
    source = write_job(tmp_path / "in.jsonl", 600)
    submitted = await resolve(any_client.batch_jobs.submit(source, job_id="j5", config=config))
    assert submitted.shards["submitted"] == len(MODELS)  # one per model under the budget
    status = await resolve(any_client.batch_jobs.cancel("j5", state_dir=config.state_dir))
    assert status.state == "cancelled"
    assert status.requests["pending"] == 0
    results = await collect(any_client.batch_jobs.results("j5", state_dir=config.state_dir))
    assert_in_order(results, 600)
    assert {r.status for r in results} == {"cancelled"}
    batches = await collect(any_client.batches.list())
    assert {b.status for b in batches} == {"cancelled"}
    assert await collect(any_client.files.list()) == []


@pytest.mark.anyio
async def test_one_driver_at_a_time_and_cancel_from_elsewhere(
    any_client: Client | AsyncClient, tmp_path: Path
) -> None:
    """While another process drives the job, `wait` is refused and `cancel` only marks the job; the
    driver then cancels the batches and finishes it."""
    config = small_config(tmp_path)
    await resolve(
        any_client.batch_jobs.submit(write_job(tmp_path / "in.jsonl", 300), job_id="j6", config=config)
    )
    other = JobLock(config.state_dir / "j6")
    assert other.acquire()  # another process, as far as the job can tell
    with pytest.raises(JobBusyError, match=f"process {os.getpid()}"):
        await resolve(any_client.batch_jobs.wait("j6", state_dir=config.state_dir))
    marked = await resolve(any_client.batch_jobs.cancel("j6", state_dir=config.state_dir))
    assert marked.state == "cancelling" and marked.shards["submitted"] == len(MODELS)
    other.release()
    status = await resolve(any_client.batch_jobs.wait("j6", state_dir=config.state_dir))
    assert status.state == "cancelled" and status.requests["cancelled"] == 300
    assert {b.status for b in await collect(any_client.batches.list())} == {"cancelled"}
