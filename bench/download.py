"""Benchmark: downloading a 512 MiB file with `client.files.download` (its default, and one connection at
a time) beside the official SDK's streaming download, on loopback and on a simulated wide-area link.

By default the opening stream is timed over its first 4 MiB: fast (loopback) it reads on to the end,
slow (the WAN link) the rest comes as 16 MiB ranges, 8 in flight.

    .venv/bin/python bench/download.py [--size-mib 512] [--repeat 3]

The WAN scenario has the emulator cap each connection at 25 MB/s and add 50 ms to each request, as
`bench/upload.py` does. Each client runs in its own process and writes the file to disk; wall time
covers the download only (not interpreter start-up), MB/s is 10^6 bytes per second of wall time, peak
RSS is the client process's high-water mark. Every download is checked against the source's md5.
Every row is the fastest of `--repeat` runs; the table goes to `bench/results/download.md`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from _machine import peak_rss_mib
from _results import write

from openai_files_emulator.child import child_emulator

MiB = 1024 * 1024
API_KEY = "sk-bench"
WAN = {"bandwidth": 25_000_000, "latency": 0.05, "paths": ["/v1/files/*/content"]}


@dataclass
class Row:
    scenario: str
    client: str
    wall: float
    rss_mib: float
    size: int

    @property
    def mb_s(self) -> float:
        return self.size / self.wall / 1e6


def child_ours(base_url: str, file_id: str, target: Path, concurrency: int) -> dict[str, float]:
    from openai_files import Client  # noqa: PLC0415 - each child imports only the client it measures

    with Client(api_key=API_KEY, base_url=base_url, timeout=600.0) as client:
        start = time.perf_counter()
        client.files.download(file_id, target, concurrency=concurrency)
        wall = time.perf_counter() - start
    return {"wall": wall, "rss_mib": peak_rss_mib()}


def child_sdk(base_url: str, file_id: str, target: Path) -> dict[str, float]:
    import openai  # noqa: PLC0415 - each child imports only the client it measures

    client = openai.OpenAI(api_key=API_KEY, base_url=base_url, timeout=600.0)
    start = time.perf_counter()
    with client.files.with_streaming_response.content(file_id) as response:
        response.stream_to_file(target)
    wall = time.perf_counter() - start
    return {"wall": wall, "rss_mib": peak_rss_mib()}


def md5_of(path: Path) -> str:
    digest = hashlib.md5()
    with path.open("rb") as f:
        while chunk := f.read(8 * MiB):
            digest.update(chunk)
    return digest.hexdigest()


def run_child(args: list[str]) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", *args], check=False, capture_output=True, text=True
    )
    if out.returncode != 0:
        sys.exit(f"{args[0]} failed:\n{out.stderr}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size-mib", type=int, default=512)
    parser.add_argument("--repeat", type=int, default=3, help="runs per cell; the table shows the fastest")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, base_url, file_id, target, *rest = args.child
        if kind == "ours":
            result = child_ours(base_url, file_id, Path(target), int(rest[0]))
        else:
            result = child_sdk(base_url, file_id, Path(target))
        print(json.dumps(result))
        return

    size = args.size_mib * MiB
    scratch = "/dev/shm" if shutil.disk_usage("/dev/shm").free > 3 * size + 256 * MiB else None
    work = Path(tempfile.mkdtemp(prefix="openai-files-bench-", dir=scratch))
    try:
        rows = run_all(work, size, args.repeat)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    table = render(rows, args.size_mib, args.repeat)
    print(table)
    write("download", table)


def run_all(work: Path, size: int, repeat: int) -> list[Row]:
    source = work / "source.bin"
    with source.open("wb") as f:
        for _ in range(size // (8 * MiB)):
            f.write(os.urandom(8 * MiB))
    expected = md5_of(source)
    clients = {
        "openai-files download (default: 8 parts in flight after a slow opening stream)": ["ours", "8"],
        "openai-files download (concurrency=1: one connection at a time)": ["ours", "1"],
        "official SDK with_streaming_response.content": ["sdk"],
    }
    rows = []
    with child_emulator(work / "emulator", "--api-key", API_KEY) as emulator:
        root = emulator.root
        with httpx.Client(base_url=emulator.base_url, headers={"Authorization": f"Bearer {API_KEY}"}) as http:
            with source.open("rb") as f:
                upload = http.post(
                    "/files", data={"purpose": "batch"}, files={"file": ("source.bin", f)}, timeout=600
                )
            file_id = upload.raise_for_status().json()["id"]
        source.unlink()
        target = work / "target.bin"
        for scenario, faults in (("loopback", None), ("WAN 25 MB/s/conn + 50 ms", WAN)):
            httpx.put(f"{root}/__emulator__/faults", json=faults or {}, timeout=10).raise_for_status()
            for name, (kind, *rest) in clients.items():
                results = []
                for attempt in range(repeat):
                    results.append(run_child([kind, emulator.base_url, file_id, str(target), *rest]))
                    if md5_of(target) != expected:
                        sys.exit(f"{name}: the downloaded file differs from the source")
                    target.unlink()
                    print(f"{scenario}: {name} #{attempt + 1}: {results[-1]}", file=sys.stderr)
                wall = min(r["wall"] for r in results)
                rows.append(Row(scenario, name, wall, max(r["rss_mib"] for r in results), size))
    return rows


def render(rows: list[Row], size_mib: int, repeat: int) -> str:
    lines = [
        f"Download of {size_mib} MiB from the local emulator to disk. Fastest of {repeat} runs per row, "
        "every client alike; RSS is the highest seen.",
        "",
        "| scenario | client | wall s | MB/s | peak client RSS MiB | speed vs SDK |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for row in rows:
        sdk = next(r for r in rows if r.scenario == row.scenario and r.client.startswith("official"))
        lines.append(
            f"| {row.scenario} | {row.client} | {row.wall:.2f} | {row.mb_s:.0f} | {row.rss_mib:.0f} "
            f"| {sdk.wall / row.wall:.2f}x |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
