"""Batch jobs woken by webhook events: a job ends right after its last batch, polling only as a safety net."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest

from openai_files import AsyncClient, Client, JobConfig, JobStatus, WaitTimeoutError
from openai_files.webhooks import WebhookReceiver, listen, receiver
from openai_files_emulator import EmulatorServer

from .conftest import CHAT, SECRET, api, wait_for_outcomes

BATCHES = 20
SAFETY_NET_POLL = 60.0  # seconds: a job that waited for it would take a minute
# The test proves that events, not the safety-net poll, end the job: it must end well before a poll could
# come. How soon (the 2 s) is a figure, printed by `make bench-webhooks` (bench/webhook_wake.py),
# not a timing that a loaded machine could fail.
LATE = SAFETY_NET_POLL / 4


@pytest.fixture
def hooks() -> Iterator[tuple[WebhookReceiver, str]]:
    receiving = receiver(SECRET)
    server = listen(receiving, port=0)
    yield receiving, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def job_input(tmp_path: Path) -> Path:
    path = tmp_path / "job.jsonl"
    lines = (
        {"custom_id": f"r{n}", "method": "POST", "url": CHAT, "body": {"model": "m", "messages": []}}
        for n in range(BATCHES)
    )
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def last_batch_end(server: EmulatorServer) -> float:
    """When the last batch reached its final status, on the emulator's clock (not moved here)."""
    with api(server) as client:
        listed = client.get("/batches", params={"limit": 100}).json()["data"]
    assert len(listed) == BATCHES and {b["status"] for b in listed} == {"completed"}
    return max(server.emulator.batches.get(b["id"]).since for b in listed)


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_job_ends_on_the_events_of_its_last_batch_under_duplicate_and_reordered_events(
    fresh_emulator: EmulatorServer, hooks: tuple[WebhookReceiver, str], tmp_path: Path, flavour: str
) -> None:
    receiving, url = hooks
    fresh_emulator.batch_settings.set(pace="time", stage_seconds=0.2)
    fresh_emulator.webhooks.set(urls=(url,), secret=SECRET, duplicate_rate=1.0, reorder_window=0.5, seed=5)
    config = JobConfig(
        max_shard_requests=1,
        poll_interval=SAFETY_NET_POLL,
        max_poll_interval=SAFETY_NET_POLL,
        create_retry_delay=0.01,
        state_dir=tmp_path / "state",
    )
    options = {"base_url": fresh_emulator.base_url, "api_key": fresh_emulator.api_key}
    source = job_input(tmp_path)

    if flavour == "sync":
        with Client(**options) as client:
            status = client.batch_jobs.run(source, config=config, events=receiving, timeout=30)
    else:

        async def run_async() -> JobStatus:
            async with AsyncClient(**options) as client:
                return await client.batch_jobs.run(source, config=config, events=receiving, timeout=30)

        status = anyio.run(run_async)
    ended = time.time()

    assert status.state == "finished" and status.requests["succeeded"] == BATCHES
    late = ended - last_batch_end(fresh_emulator)
    print(f"{flavour}: the job ended {late:.3f} s after its last batch")
    assert 0 <= late < LATE, f"the job ended {late:.2f} s after its last batch"
    assert wait_for_outcomes(fresh_emulator, 2 * BATCHES).count("webhook 200") == 2 * BATCHES  # each twice


def test_with_no_event_coming_the_same_job_waits_for_the_safety_net_poll(
    fresh_emulator: EmulatorServer, tmp_path: Path
) -> None:
    """The control: the figure above is the events' doing, not the emulator's speed.

    Batches of 3 s: the last one created cannot have ended at the job's first look, which comes right
    after it, however slowly the shared machine ran the creations before it."""
    fresh_emulator.batch_settings.set(pace="time", stage_seconds=1.0)
    config = JobConfig(
        max_shard_requests=1, poll_interval=SAFETY_NET_POLL, create_retry_delay=0.01, state_dir=tmp_path / "s"
    )
    source = job_input(tmp_path)
    with (
        Client(base_url=fresh_emulator.base_url, api_key=fresh_emulator.api_key) as client,
        pytest.raises(WaitTimeoutError),
    ):
        client.batch_jobs.run(source, config=config, events=lambda: iter(()), timeout=4)


def test_a_lost_event_costs_one_safety_net_poll(fresh_emulator: EmulatorServer, tmp_path: Path) -> None:
    fresh_emulator.batch_settings.set(pace="time", stage_seconds=0.05)
    config = JobConfig(
        max_shard_requests=10, poll_interval=0.1, max_poll_interval=0.2, state_dir=tmp_path / "s"
    )
    source = job_input(tmp_path)
    with Client(base_url=fresh_emulator.base_url, api_key=fresh_emulator.api_key) as client:
        status = client.batch_jobs.run(source, config=config, events=lambda: iter(()), timeout=20)
    assert status.state == "finished" and status.requests["succeeded"] == BATCHES


@pytest.mark.parametrize("command", ["wait", "run"])
def test_cli_jobs_listen_ends_on_events_long_before_the_safety_net_poll(
    fresh_emulator: EmulatorServer, tmp_path: Path, command: str
) -> None:
    fresh_emulator.batch_settings.set(pace="time", stage_seconds=0.1)
    state = ["--state-dir", str(tmp_path / "state")]
    if command == "wait":
        config = JobConfig(max_shard_requests=5, poll_interval=SAFETY_NET_POLL, state_dir=tmp_path / "state")
        with Client(base_url=fresh_emulator.base_url, api_key=fresh_emulator.api_key) as client:
            job = client.batch_jobs.submit(job_input(tmp_path), config=config)
        arguments = ["jobs", "wait", job.job_id, *state]
    else:
        limits = ["--max-shard-requests", "5", "--poll", str(SAFETY_NET_POLL)]
        arguments = ["jobs", "run", str(job_input(tmp_path)), *limits, *state]
    env = {
        **os.environ,
        "OPENAI_API_KEY": fresh_emulator.api_key,
        "OPENAI_BASE_URL": fresh_emulator.base_url,
        "OPENAI_WEBHOOK_SECRET": SECRET,
    }
    started = time.monotonic()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "openai_files",
            "--no-progress",
            "--json",
            *arguments,
            "--listen",
            "127.0.0.1:0",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        banner = process.stderr.readline()
        port = int(banner.split("http://127.0.0.1:")[1].split("/")[0])
        fresh_emulator.webhooks.set(urls=(f"http://127.0.0.1:{port}/",), secret=SECRET)
        out, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0, (out, err)
    assert json.loads(out)["requests"]["succeeded"] == BATCHES
    assert time.monotonic() - started < SAFETY_NET_POLL / 2
