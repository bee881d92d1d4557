"""Benchmark: small calls (`files.retrieve`) one after another and many at once, ours beside the official SDK.

    .venv/bin/python bench/calls.py [--sequential 500] [--calls 1000] [--threads 64] [--runs 3]

One child emulator serves every run, in two scenarios: loopback as it is (about a millisecond a call, so
the clients' own CPU decides), and with 50 ms added to every call by the emulator, as a service across a
network sees it (there, what decides is how many calls are on the wire at once). Each measurement runs in
a process of its own, one client shared by all its calls:

- sequential: `--sequential` calls one after another (a fifth of them with the added latency);
- async tasks, new client: `--calls` calls started at once as tasks on a client that has sent nothing yet
  (a service's first burst right after it starts: no connection open);
- async tasks, warm: the same after one warm-up call;
- threads: `--calls` calls from a pool of `--threads` threads sharing one `Client` / `OpenAI`.

Every mode but the new client's makes one warm-up call first (imports, first connection). Clients: ours
with its default pool (64 connections, 16 kept alive), the official SDK (openai, on httpx2, 1,000
connections, 100 kept alive), and ours given the SDK's pool size, to show why our default is what it is.
Cells run in rotating order, `--runs` times each, the same for every client; the table shows the fastest
run, the client's CPU time in it, and the SDK's wall time over ours (>= 1x: ours is at least as fast).
It is written to `bench/results/calls.md` (`bench/_results.py`).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from _machine import peak_rss_mib
from _results import write

from openai_files_emulator.child import child_emulator

API_KEY = "sk-bench"
OURS, SDK, OURS_BIG_POOL = "ours", "sdk", "ours-1000"
CLIENTS = {
    OURS: "openai-files (default pool)",
    SDK: "official SDK (openai)",
    OURS_BIG_POOL: "openai-files given the SDK's pool (1,000 conns, 100 kept alive)",
}
COLD, WARM = "async tasks, new client", "async tasks, warm"
MODES = ("sequential", COLD, WARM, "threads")
SCENARIOS = {"loopback": None, "+50 ms a call": {"latency": 0.05, "paths": ["/v1/files/*"]}}
BIG_POOL = httpx.Limits(max_connections=1000, max_keepalive_connections=100)


@dataclass
class Cell:
    scenario: str
    mode: str
    client: str
    calls: int
    wall: float
    cpu: float
    rss_mib: float


# --- children: each runs one cell in its own process and prints one JSON line ----------------------


def _measure(run: Callable[[], object]) -> dict[str, float]:
    cpu, start = time.process_time(), time.perf_counter()
    run()
    wall = time.perf_counter() - start
    return {"wall": wall, "cpu": time.process_time() - cpu, "rss_mib": peak_rss_mib()}


def child(kind: str, mode: str, base_url: str, file_id: str, calls: int, threads: int) -> dict[str, float]:
    """One cell. Every call's answer is checked, so a failed call cannot pass for a fast one."""
    if mode in (COLD, WARM):
        return _child_async(kind, base_url, file_id, calls, warm=mode == WARM)
    sync = _sync_client(kind, base_url)
    retrieve = sync.files.retrieve

    def one(_: int) -> None:
        assert retrieve(file_id).id == file_id

    one(0)
    if mode == "sequential":
        return _measure(lambda: [one(n) for n in range(calls)])
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, range(threads)))  # the threads exist before the clock starts
        return _measure(lambda: list(pool.map(one, range(calls))))


def _sync_client(kind: str, base_url: str) -> Any:
    # Each child imports only the client it measures.
    if kind == SDK:
        import openai  # noqa: PLC0415

        return openai.OpenAI(api_key=API_KEY, base_url=base_url)
    from openai_files import Client  # noqa: PLC0415

    if kind == OURS_BIG_POOL:
        return Client(api_key=API_KEY, base_url=base_url, limits=BIG_POOL)
    return Client(api_key=API_KEY, base_url=base_url)


def _child_async(kind: str, base_url: str, file_id: str, calls: int, *, warm: bool) -> dict[str, float]:
    import asyncio  # noqa: PLC0415

    async def main() -> dict[str, float]:
        if kind == SDK:
            import openai  # noqa: PLC0415

            client: Any = openai.AsyncOpenAI(api_key=API_KEY, base_url=base_url)
        else:
            from openai_files import AsyncClient  # noqa: PLC0415

            client = (
                AsyncClient(api_key=API_KEY, base_url=base_url, limits=BIG_POOL)
                if kind == OURS_BIG_POOL
                else AsyncClient(api_key=API_KEY, base_url=base_url)
            )
        retrieve = client.files.retrieve

        async def one() -> None:
            assert (await retrieve(file_id)).id == file_id

        if warm:
            await one()
        cpu, start = time.process_time(), time.perf_counter()
        await asyncio.gather(*(one() for _ in range(calls)))
        wall = time.perf_counter() - start
        return {"wall": wall, "cpu": time.process_time() - cpu, "rss_mib": peak_rss_mib()}

    return asyncio.run(main())


# --- the parent: emulator, cells, table --------------------------------------------------------------


def run_child(args: list[str]) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", *args], check=False, capture_output=True, text=True, timeout=900
    )
    if out.returncode != 0:
        sys.exit(f"{args[:2]} failed:\n{out.stderr}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def run_all(sequential: int, calls: int, threads: int, runs: int) -> list[Cell]:
    results: dict[tuple[str, str, str], list[dict[str, float]]] = {}
    order = list(CLIENTS)
    with (
        tempfile.TemporaryDirectory(prefix="openai-files-bench-calls-") as work,
        child_emulator(Path(work), "--api-key", API_KEY) as emulator,
    ):
        stored = httpx.post(
            f"{emulator.base_url}/files",
            headers={"Authorization": f"Bearer {API_KEY}"},
            data={"purpose": "batch"},
            files={"file": ("calls.jsonl", b'{"n": 1}\n')},
            timeout=30,
        )
        stored.raise_for_status()
        file_id = stored.json()["id"]
        for scenario, faults in SCENARIOS.items():
            control = f"{emulator.root}/__emulator__/faults"
            if faults:
                httpx.put(control, json=faults, timeout=10).raise_for_status()
            else:
                httpx.delete(control, timeout=10).raise_for_status()
            for run in range(runs):
                for mode in MODES:
                    count = calls if mode != "sequential" else sequential // (5 if faults else 1)
                    for kind in order[run % len(order) :] + order[: run % len(order)]:
                        found = run_child([kind, mode, emulator.base_url, file_id, str(count), str(threads)])
                        results.setdefault((scenario, mode, kind), []).append({**found, "calls": count})
                        print(f"{scenario} run {run + 1} {mode} {kind}: {found}", file=sys.stderr)
    cells = []
    for (scenario, mode, kind), found in results.items():
        best = min(found, key=lambda r: r["wall"])
        rss = max(r["rss_mib"] for r in found)
        cells.append(Cell(scenario, mode, kind, int(best["calls"]), best["wall"], best["cpu"], rss))
    return cells


def render(cells: list[Cell], threads: int, runs: int, load: tuple[float, float]) -> str:
    lines = [
        f"`files.retrieve` against a child emulator; httpx {httpx.__version__}, openai "
        f"{importlib.metadata.version('openai')}; load average {load[0]:.1f} before, {load[1]:.1f} after. "
        f"Fastest of {runs} runs per row, for every client; threads: {threads}.",
        "",
        "| scenario | mode | client | calls | wall s | ms per call | calls/s | client CPU s | peak RSS MiB "
        "| SDK wall / ours |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for scenario in SCENARIOS:
        for mode in MODES:
            row = [c for c in cells if c.scenario == scenario and c.mode == mode]
            sdk = next(c for c in row if c.client == SDK)
            for kind, name in CLIENTS.items():
                c = next(c for c in row if c.client == kind)
                lines.append(
                    f"| {scenario} | {mode} | {name} | {c.calls} | {c.wall:.2f} "
                    f"| {1000 * c.wall / c.calls:.2f} | {c.calls / c.wall:,.0f} | {c.cpu:.2f} "
                    f"| {c.rss_mib:.0f} | {sdk.wall / c.wall:.2f}x |"
                )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sequential", type=int, default=500, help="calls in the sequential row")
    parser.add_argument("--calls", type=int, default=1000, help="calls in the concurrent rows")
    parser.add_argument("--threads", type=int, default=64, help="threads sharing one sync client")
    parser.add_argument("--runs", type=int, default=3, help="runs per cell; the table shows the fastest")
    parser.add_argument("--child", nargs=6, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, mode, base_url, file_id, calls, threads = args.child
        print(json.dumps(child(kind, mode, base_url, file_id, int(calls), int(threads))))
        return
    before = os.getloadavg()[0]
    cells = run_all(args.sequential, args.calls, args.threads, args.runs)
    table = render(cells, args.threads, args.runs, (before, os.getloadavg()[0]))
    print(table)
    write("calls", table)


if __name__ == "__main__":
    main()
