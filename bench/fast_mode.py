"""Benchmark: how long a test waits for one batch, with the pytest plugin's fast mode and without.

    .venv/bin/python bench/fast_mode.py [--runs 5] [--requests 10]

What a user's test does with the plugin's `client`: `batches.create_from_file` of `--requests` chat
requests, then `batches.wait` with its default polling (first wait 1 s, growing by half). Without the
fast mode the emulator takes one lifecycle step per retrieve (`pace="retrieve"`: validating, in_progress,
finalizing, completed), so `wait` sleeps between its polls; with it (`--openai-files-emulator-fast`,
`pace="instant"`) the first retrieve runs the batch to its end. One in-process emulator per side, the two
sides alternating, `--runs` times each; the table gives the median and the slowest `wait`, and the whole
create-and-wait. It is written to `bench/results/fast_mode.md`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from _results import write

from openai_files import Client
from openai_files_emulator import BatchConfig, EmulatorConfig, EmulatorServer

SIDES = {"default (one step per retrieve)": "retrieve", "fast mode (pace instant)": "instant"}


def _input(folder: Path, count: int) -> Path:
    path = folder / "in.jsonl"
    lines = [
        {
            "custom_id": f"r{n}",
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": f"hello {n}"}]},
        }
        for n in range(count)
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def _one(server: EmulatorServer, source: Path) -> tuple[float, float]:
    """(seconds in `wait`, seconds for create and wait) of one batch on a fresh emulator state."""
    server.reset()
    with Client(api_key=server.api_key, base_url=server.base_url, timeout=30) as client:
        start = time.perf_counter()
        batch = client.batches.create_from_file(source)
        waited = time.perf_counter()
        done = client.batches.wait(batch.id, timeout=120)
        end = time.perf_counter()
    assert done.status == "completed", done.status
    return end - waited, end - start


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--requests", type=int, default=10)
    args = parser.parse_args()
    servers = {
        side: EmulatorServer(EmulatorConfig(batches=BatchConfig(pace=pace))).start()
        for side, pace in SIDES.items()
    }
    times: dict[str, list[tuple[float, float]]] = {side: [] for side in SIDES}
    try:
        with tempfile.TemporaryDirectory() as folder:
            source = _input(Path(folder), args.requests)
            for _ in range(args.runs):
                for side, server in servers.items():
                    times[side].append(_one(server, source))
    finally:
        for server in servers.values():
            server.stop()
    rows = [
        "| emulator | `wait`, median | `wait`, slowest | create + wait, median |",
        "|---|---|---|---|",
    ]
    for side, runs in times.items():
        waits = [w for w, _ in runs]
        totals = [t for _, t in runs]
        rows.append(
            f"| {side} | {statistics.median(waits) * 1000:,.0f} ms | {max(waits) * 1000:,.0f} ms "
            f"| {statistics.median(totals) * 1000:,.0f} ms |"
        )
    table = "\n".join(rows)
    print(table)
    write(
        "fast_mode",
        table + f"\n\n{args.runs} runs a side of one batch of {args.requests} requests; `batches.wait` with "
        "its default polling (1 s, then 1.5x).",
    )


if __name__ == "__main__":
    main()
