"""Batch jobs read only whole results files: downloads cut, lost or refused are fetched again later, and
a results file gone from the service sends what it held to another batch, never to `missing_result`."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from openai_files import AsyncClient, Client, JobStateError
from openai_files._cli import main
from openai_files_emulator import EmulatorServer

from .conftest import collect, open_client, resolve
from .test_batch_jobs import assert_in_order, small_config, write_job


@pytest.mark.anyio
async def test_output_file_deleted_before_the_merge_goes_to_another_batch(
    any_client: Client | AsyncClient, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = small_config(tmp_path, max_shard_requests=10)
    source = write_job(tmp_path / "in.jsonl", 30)
    await resolve(any_client.batch_jobs.submit(source, job_id="gone", config=config))
    first = (await collect(any_client.batches.list()))[-1]
    held = await resolve(any_client.files.content(first.input_file_id))
    ended = await resolve(any_client.batches.wait(first.id, poll_interval=0.01, timeout=30))
    assert ended.status == "completed" and isinstance(ended.output_file_id, str)
    await resolve(any_client.files.delete(ended.output_file_id))
    with caplog.at_level(logging.WARNING, logger="openai_files.batch_jobs"):
        status = await resolve(any_client.batch_jobs.wait("gone", state_dir=config.state_dir))
    assert status.requests["succeeded"] == 30
    results = await collect(any_client.batch_jobs.results("gone", state_dir=config.state_dir))
    assert_in_order(results, 30)
    again = {json.loads(line)["custom_id"] for line in held.splitlines()}
    assert len(again) == 10
    assert all(r.ok and r.attempts == (2 if r.custom_id in again else 1) for r in results)
    assert all(r.batch_id != first.id for r in results if r.custom_id in again)
    assert f"file {ended.output_file_id} of batch {first.id}" in caplog.text


@pytest.mark.anyio
async def test_downloads_cut_lost_or_refused_lose_no_result(
    kind: str, fresh_emulator: EmulatorServer, tmp_path: Path
) -> None:
    """Every fault on reading results files reaches the job (no client retries): it reads them again
    later, and every request ends succeeded in its first batch."""
    fresh_emulator.faults.set(
        cut_rate=0.3, drop_response_rate=0.2, error_rate=0.1, seed=2, paths=("/v1/files/*",), methods=("GET",)
    )
    config = small_config(tmp_path, max_shard_requests=10)
    source = write_job(tmp_path / "in.jsonl", 60)
    options = {"api_key": fresh_emulator.api_key, "base_url": fresh_emulator.base_url, "max_retries": 0}
    async with open_client(kind, **options) as client:
        status = await resolve(client.batch_jobs.run(source, job_id="faulty", config=config))
        results = await collect(client.batch_jobs.results("faulty", state_dir=config.state_dir))
    assert status.requests["succeeded"] == 60
    assert_in_order(results, 60)
    assert all(r.ok and r.attempts == 1 and r.line is not None for r in results)
    assert fresh_emulator.faults.injected >= 6  # one per shard's download at least, on average


@pytest.mark.parametrize("cut", ["shorter", "missing"])
def test_a_cut_results_file_is_an_error_not_empty_lines(
    client: Client, env: EmulatorServer, capsys: pytest.CaptureFixture[str], tmp_path: Path, cut: str
) -> None:
    config = small_config(tmp_path)
    client.batch_jobs.run(write_job(tmp_path / "in.jsonl", 20), job_id="cut", config=config, timeout=30)
    stored = config.state_dir / "cut" / "results.jsonl"
    if cut == "missing":
        stored.unlink()
    else:
        with stored.open("r+b") as results:
            results.truncate(stored.stat().st_size // 2)
    with pytest.raises(JobStateError, match="results"):
        next(iter(client.batch_jobs.results("cut", state_dir=config.state_dir)))
    code = main(["jobs", "results", "cut", "--state-dir", str(config.state_dir)])
    out, err = capsys.readouterr()
    assert code == 8 and out == "" and err.count("\n") == 1 and str(stored) in err  # a local failure
