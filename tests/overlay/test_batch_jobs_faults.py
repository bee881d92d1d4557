"""Batch jobs under the service's harder behaviours (the emulator's batch settings and faults).

Every test ends with every custom_id exactly once, in input order, with the final status the service's
answers call for, derived from the input and the settings the test gives (scripted answers where an
outcome depends on the request), never from the emulator's own draws.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from openai_files import AsyncClient, Client, JobConfig, JobResult, JobStatus
from openai_files._batch_jobs.drivers import drive_sync
from openai_files._batch_jobs.effects import AnyEffect, LocalWork
from openai_files._batch_jobs.store import open_job
from openai_files_emulator import Answer, EmulatorServer

from .conftest import collect, resolve
from .test_batch_jobs import assert_in_order, request, small_config, write_job

RETRYABLE = (429, 500)


async def run_job(
    client: Client | AsyncClient, source: Any, job_id: str, tmp_path: Path, **config: Any
) -> tuple[JobStatus, list[JobResult]]:
    settings = small_config(tmp_path, **config)
    status = await resolve(client.batch_jobs.run(source, job_id=job_id, config=settings))
    results = await collect(client.batch_jobs.results(job_id, state_dir=settings.state_dir))
    return status, results


async def batches_of(client: Client | AsyncClient) -> list[dict[str, Any]]:
    """Every batch on the emulator, as the service lists them."""
    return [batch.to_dict() for batch in await collect(client.batches.list())]


def scripted_failures() -> tuple[Callable[[dict[str, Any]], Answer | None], dict[int, tuple[str, int, int]]]:
    """A script failing some requests by their number, and the outcome each one must end with.

    Per request number n (of `r<n>`), modulo 10: 1, a 500 every time (error file); 2, a 429 every time
    (written to the output file, as the service sometimes does); 3, a 400, which is final; 4, a 429 the
    first time only; 5, a 500 the first two times. The job makes 3 attempts (`JobConfig.max_attempts`).
    """
    attempts = JobConfig().max_attempts
    failing = {
        1: (500, None, False),
        2: (429, None, True),
        3: (400, None, False),
        4: (429, 1, False),
        5: (500, 2, True),
    }
    seen: Counter[int] = Counter()

    def answer(line: dict[str, Any]) -> Answer | None:
        n = int(str(line["custom_id"])[1:])
        seen[n] += 1
        if n % 10 not in failing:
            return None
        status, times, in_output = failing[n % 10]
        if times is not None and seen[n] > times:
            return None
        error = {"message": f"scripted {status}", "type": "server_error", "param": None, "code": None}
        return Answer({"error": error}, status, error_file=not in_output)

    def outcome(n: int) -> tuple[str, int, int]:
        status, times, _ = failing.get(n % 10, (200, 0, False))
        if times is not None:
            return ("succeeded", 200, times + 1)
        return ("failed", status, 1 if status == 400 else attempts)

    return answer, {n: outcome(n) for n in range(1200)}


@pytest.mark.anyio
async def test_failed_lines_are_retried_until_attempts_run_out(
    any_client: Client | AsyncClient, fresh_emulator: EmulatorServer, tmp_path: Path
) -> None:
    """429 and 500 lines (in the output and the error file) go to new batches; 400 is final at once."""
    script, expected = scripted_failures()
    fresh_emulator.batch_settings.script(script)
    status, results = await run_job(any_client, write_job(tmp_path / "in.jsonl", 1200), "j", tmp_path)
    assert_in_order(results, 1200)
    for n, result in enumerate(results):
        assert result.batch_id is not None and result.line is not None
        assert result.line["custom_id"] == result.custom_id
        assert (result.status, result.status_code, result.attempts) == expected[n], result
        assert (result.error is None) is result.ok
    assert status.requests["succeeded"] == sum(outcome[0] == "succeeded" for outcome in expected.values())
    assert not await collect(any_client.files.list(purpose="batch"))  # every input shard deleted


@pytest.mark.anyio
async def test_token_limit_exceeded_is_resubmitted_later(
    any_client: Client | AsyncClient, fresh_emulator: EmulatorServer, tmp_path: Path
) -> None:
    """No budget on our side: the service refuses batches over its quota, and they go again later."""
    fresh_emulator.batch_settings.set(default_token_limit=3_000)
    source = write_job(tmp_path / "in.jsonl", 600)
    status, results = await run_job(any_client, source, "t", tmp_path, max_shard_tokens=2_500)
    assert_in_order(results, 600)
    assert {(r.status, r.attempts) for r in results} == {("succeeded", 1)}  # a refusal is not an attempt
    refused = [b for b in await batches_of(any_client) if b["status"] == "failed"]
    assert refused and all(b["errors"]["data"][0]["code"] == "token_limit_exceeded" for b in refused)
    tags = [
        (b["metadata"]["openai_files_shard"], b["metadata"]["openai_files_submit"])
        for b in await batches_of(any_client)
    ]
    shards = Counter(tags)
    assert max(shards.values()) == 1  # one batch per submission
    assert status.shards == {"done": len({shard for shard, _ in shards})}
    assert not await collect(any_client.files.list(purpose="batch"))


@pytest.mark.anyio
async def test_budget_keeps_under_the_quota(
    any_client: Client | AsyncClient, fresh_emulator: EmulatorServer, tmp_path: Path
) -> None:
    """Our estimate is above the service's count, so a budget equal to its quota is never refused."""
    fresh_emulator.batch_settings.set(default_token_limit=3_000)
    status, _ = await run_job(
        any_client, write_job(tmp_path / "in.jsonl", 600), "b", tmp_path, token_budget=3_000
    )
    assert status.requests["succeeded"] == 600
    assert {b["status"] for b in await batches_of(any_client)} == {"completed"}


async def half_answer(client: Client | AsyncClient) -> None:
    """Retrieve every batch three times: validated, then two of its four answering steps."""
    for batch in await batches_of(client):
        for _ in range(3):
            await resolve(client.batches.retrieve(batch["id"]))


@pytest.mark.anyio
@pytest.mark.parametrize("max_attempts", [1, 3])
async def test_expiry_keeps_partial_results_and_retries_the_rest(
    any_client: Client | AsyncClient, fresh_emulator: EmulatorServer, tmp_path: Path, max_attempts: int
) -> None:
    fresh_emulator.batch_settings.set(in_progress_steps=4)
    settings = small_config(tmp_path, max_attempts=max_attempts, max_shard_requests=100)
    source = write_job(tmp_path / "in.jsonl", 300)  # three models: three shards of 100
    await resolve(any_client.batch_jobs.submit(source, job_id="e", config=settings))
    await half_answer(any_client)
    fresh_emulator.clock.advance(25 * 3600)  # past every live batch's 24 h window
    status = await resolve(any_client.batch_jobs.wait("e", state_dir=settings.state_dir))
    results = await collect(any_client.batch_jobs.results("e", state_dir=settings.state_dir))
    assert_in_order(results, 300)
    expired = {b["id"] for b in await batches_of(any_client) if b["status"] == "expired"}
    assert len(expired) == 3
    kept = [r for r in results if r.batch_id in expired and r.ok]
    assert len(kept) == 150 and {r.attempts for r in kept} == {1}  # partial output kept
    late = [r for r in results if r not in kept]
    if max_attempts == 1:
        assert {(r.status, r.error["code"], r.attempts) for r in late} == {("failed", "batch_expired", 1)}
        assert status.requests["failed"] == 150
    else:
        assert {(r.status, r.attempts) for r in late} == {("succeeded", 2)}
        assert status.requests["succeeded"] == 300


@pytest.mark.anyio
async def test_cancel_keeps_what_finished(
    any_client: Client | AsyncClient, fresh_emulator: EmulatorServer, tmp_path: Path
) -> None:
    fresh_emulator.batch_settings.set(in_progress_steps=4)
    settings = small_config(tmp_path, max_shard_requests=100)
    source = write_job(tmp_path / "in.jsonl", 300)
    await resolve(any_client.batch_jobs.submit(source, job_id="c", config=settings))
    await half_answer(any_client)
    status = await resolve(any_client.batch_jobs.cancel("c", state_dir=settings.state_dir))
    results = await collect(any_client.batch_jobs.results("c", state_dir=settings.state_dir))
    assert_in_order(results, 300)
    kinds = Counter(r.status for r in results)
    assert kinds["succeeded"] == kinds["cancelled"] == 150 and status.requests["cancelled"] == 150
    assert all(r.error["code"] == "batch_cancelled" for r in results if r.status == "cancelled")
    assert {b["status"] for b in await batches_of(any_client)} == {"cancelled"}
    assert not await collect(any_client.files.list(purpose="batch"))


@pytest.mark.anyio
async def test_batch_cancelled_by_someone_else_is_retried(
    any_client: Client | AsyncClient, fresh_emulator: EmulatorServer, tmp_path: Path
) -> None:
    settings = small_config(tmp_path)
    source = write_job(tmp_path / "in.jsonl", 90)
    await resolve(any_client.batch_jobs.submit(source, job_id="o", config=settings))
    for batch in await batches_of(any_client):
        await resolve(any_client.batches.cancel(batch["id"]))
    status = await resolve(any_client.batch_jobs.wait("o", state_dir=settings.state_dir))
    results = await collect(any_client.batch_jobs.results("o", state_dir=settings.state_dir))
    assert_in_order(results, 90)
    assert status.state == "finished"
    assert {(r.status, r.attempts) for r in results} == {("succeeded", 2)}


@pytest.mark.anyio
async def test_all_failed_batch_has_no_output_file(
    any_client: Client | AsyncClient, fresh_emulator: EmulatorServer, tmp_path: Path
) -> None:
    source = [request(n, model=None) for n in range(50)] + [request(n, model="m") for n in range(50, 60)]
    _, results = await run_job(any_client, iter(source), "a", tmp_path)
    assert_in_order(results, 60)
    assert [r.status for r in results] == ["failed"] * 50 + ["succeeded"] * 10
    assert {r.status_code for r in results[:50]} == {400}
    without_output = [b for b in await batches_of(any_client) if b.get("output_file_id") is None]
    assert len(without_output) == 1 and without_output[0]["error_file_id"]


@pytest.mark.anyio
async def test_just_created_file_unknown_for_a_moment(
    any_client: Client | AsyncClient, fresh_emulator: EmulatorServer, tmp_path: Path
) -> None:
    fresh_emulator.batch_settings.set(file_lag=0.6, seed=3)  # files seen 0.18, 0.33 and 0.47 s late
    source = write_job(tmp_path / "in.jsonl", 300)
    status, results = await run_job(
        any_client, source, "v", tmp_path, create_retries=10, create_retry_delay=0.05
    )
    assert_in_order(results, 300)
    assert status.requests["succeeded"] == 300
    creates = [
        s for s in fresh_emulator.emulator.requests.recent() if s.method == "POST" and s.path == "/v1/batches"
    ]
    assert len(creates) > len(await batches_of(any_client))  # some creates were refused, then repeated


@pytest.mark.anyio
@pytest.mark.parametrize(
    "faults",
    [
        {"cut_rate": 0.6, "seed": 2, "paths": ("/v1/files/*/content",)},
        {"error_rate": 0.15, "rate_limit_rate": 0.05, "retry_after": 0.0, "seed": 4},
        {"cut_rate": 0.5, "seed": 3, "paths": ("/v1/batches",), "methods": ("POST",)},
    ],
    ids=["cut-downloads", "5xx-429", "lost-create-answers"],
)
async def test_cut_downloads_and_flaky_calls(
    any_client: Client | AsyncClient, fresh_emulator: EmulatorServer, tmp_path: Path, faults: dict[str, Any]
) -> None:
    """Result downloads cut mid-stream, 5xx and 429 on calls, or batches created whose answer was lost:
    resumed, retried, or found again, nothing lost or doubled."""
    fresh_emulator.faults.set(**faults)
    flaky = any_client.with_options(max_retries=10)
    status, results = await run_job(flaky, write_job(tmp_path / "in.jsonl", 500), "d", tmp_path)
    assert fresh_emulator.faults.injected > 0
    fresh_emulator.faults.clear()
    assert_in_order(results, 500)
    assert {(r.status, r.attempts) for r in results} == {("succeeded", 1)}
    shards = Counter(b["metadata"]["openai_files_shard"] for b in await batches_of(any_client))
    assert set(shards.values()) == {1} and len(shards) == status.shards["done"]
    assert not await collect(any_client.files.list(purpose="batch"))


class _Stop(Exception):
    pass


def test_cancel_after_merging_retries_that_never_went_out(
    client: Client, fresh_emulator: EmulatorServer, tmp_path: Path
) -> None:
    """A runner merged a batch whose lines want a retry and stopped before sending them again (at the
    effect that would cut the retry shard: a crash there); the shard keeps its local file for the
    retry, and cancelled then, those requests end failed with their last error, none left pending."""
    fresh_emulator.batch_settings.set(line_error_rate=0.5, line_statuses=(500,), seed=1)
    settings = small_config(tmp_path)
    source = write_job(tmp_path / "in.jsonl", 60, models=("m",))  # one shard
    client.batch_jobs.submit(source, job_id="m", config=settings)

    def stop_before_resharding(effect: AnyEffect) -> None:
        if isinstance(effect, LocalWork) and effect.kind == "reshard":
            raise _Stop

    manifest, core = open_job("m", settings.state_dir, drive=True)
    with closing(manifest), pytest.raises(_Stop):
        drive_sync(client, core.run(), before=stop_before_resharding)
    assert client.batch_jobs.status("m", state_dir=settings.state_dir).shards == {"merged": 1}
    waiting = client.batch_jobs.status("m", state_dir=settings.state_dir).requests["pending"]
    assert waiting > 0  # requests whose retry never went out
    assert list((settings.state_dir / "m").glob("shard-*.jsonl"))  # kept for it
    status = client.batch_jobs.cancel("m", state_dir=settings.state_dir)
    assert status.state == "cancelled" and status.requests["pending"] == 0
    results = list(client.batch_jobs.results("m", state_dir=settings.state_dir))
    assert_in_order(results, 60)
    failed = [r for r in results if not r.ok]
    assert len(failed) == waiting and {(r.status, r.status_code, r.attempts) for r in failed} == {
        ("failed", 500, 1)
    }
