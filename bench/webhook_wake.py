"""Benchmark: how soon a batch job ends after its last batch did, woken by webhook events or polling.

    .venv/bin/python bench/webhook_wake.py [--runs 5] [--batches 20]

A job of `--batches` one-request batches runs on an in-process emulator whose batches end by themselves
(time pace, 2 s a stage, so 6 s each). With events: the emulator POSTs each batch's event, twice
(duplicate fault) and held up to 0.5 s at random (reordering), to a `listen()` receiver the job waits
on, while its safety-net poll is 60 s. With polling only: the job's default `poll_interval` (5 s,
growing by half to 60 s). "Late" is the job's end minus the moment its last batch ended on the
emulator's clock; both sides run `--runs` times, alternating, and the table gives the median and the
worst. Issue 25's target: with events, within 2 s. The table goes to `bench/results/webhook_wake.md`.
"""

from __future__ import annotations

import argparse
import base64
import json
import statistics
import tempfile
import time
from pathlib import Path

from _results import write

from openai_files import Client, JobConfig
from openai_files.webhooks import listen, receiver
from openai_files_emulator import EmulatorServer

SECRET = "whsec_" + base64.b64encode(b"bench-webhook-wake-secret-32byte").decode()
CHAT = "/v1/chat/completions"
STAGE_SECONDS = 2.0  # a batch takes three stages: longer than a quiet poll round


def job_input(folder: Path, batches: int) -> Path:
    path = folder / "job.jsonl"
    lines = (
        {"custom_id": f"r{n}", "method": "POST", "url": CHAT, "body": {"model": "m", "messages": []}}
        for n in range(batches)
    )
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def one_run(server: EmulatorServer, batches: int, *, events: bool) -> float:
    """Seconds between the last batch's end and the job's."""
    server.reset()
    server.batch_settings.set(pace="time", stage_seconds=STAGE_SECONDS)
    hooks = receiver(SECRET)
    listener = listen(hooks, port=0)
    try:
        poll = {"poll_interval": 60.0, "max_poll_interval": 60.0} if events else {}
        if events:
            url = f"http://127.0.0.1:{listener.server_address[1]}/"
            server.webhooks.set(urls=(url,), secret=SECRET, duplicate_rate=1.0, reorder_window=0.5, seed=1)
        with tempfile.TemporaryDirectory() as scratch:
            folder = Path(scratch)
            config = JobConfig(max_shard_requests=1, state_dir=folder / "state", **poll)
            with Client(base_url=server.base_url, api_key=server.api_key) as client:
                status = client.batch_jobs.run(
                    job_input(folder, batches), config=config, events=hooks if events else None, timeout=300
                )
                ended = time.time()
                ids = [batch.id for batch in client.batches.list(limit=100)]
        assert status.requests["succeeded"] == batches, status.requests
        return ended - max(server.emulator.batches.get(batch_id).since for batch_id in ids)
    finally:
        listener.shutdown()
        listener.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--batches", type=int, default=20)
    args = parser.parse_args()
    late: dict[bool, list[float]] = {True: [], False: []}
    with EmulatorServer() as server:
        for run in range(args.runs):
            for events in (True, False):
                late[events].append(one_run(server, args.batches, events=events))
                print(
                    f"run {run + 1}: {'events' if events else 'polling'} {late[events][-1]:.3f} s", flush=True
                )
    rows = [
        f"| job of {args.batches} one-request batches | runs | median late | worst late |",
        "|---|---:|---:|---:|",
    ]
    for events, label in (
        (True, "events (60 s safety-net poll; duplicated, reordered)"),
        (False, "polling only (5 s, growing)"),
    ):
        values = late[events]
        rows.append(f"| {label} | {len(values)} | {statistics.median(values):.2f} s | {max(values):.2f} s |")
    table = "\n".join(rows)
    print(table)
    write("webhook_wake", table + "\n\n\"Late\": the job's end minus its last batch's end (emulator clock).")


if __name__ == "__main__":
    main()
