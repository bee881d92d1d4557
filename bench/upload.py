"""Benchmark: a 1 GiB upload by our helper, by the official SDK's `upload_file_chunked`, and by parallel
curl processes posting the same parts (the practical ceiling), against one emulator process.

    .venv/bin/python bench/upload.py [--size-mib 1024] [--concurrency 8] [--output table.md]

Two scenarios on the same emulator: loopback unthrottled, and a simulated wide-area link where the
emulator caps each connection at 25 MB/s and adds 50 ms to each request. Every client runs in its own
process; wall time covers create → parts → complete (not interpreter start-up), MB/s is 10^6 bytes per
second of wall time, and peak RSS is the client process's high-water mark (for curl, the highest sum
over the curl processes alive at one moment, sampled every 20 ms). The data files live in a temporary
directory that is deleted at the end.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil

from openai_files_emulator.child import child_emulator

MiB = 1024 * 1024
PART = 64 * MiB
API_KEY = "sk-bench"
WAN = {"bandwidth": 25_000_000, "latency": 0.05, "paths": ["/v1/uploads/*"]}


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


# --- children: each measures one upload in its own process and prints one JSON line ---------------


def _peak_rss_mib() -> float:
    """VmHWM, the high-water mark of this program's memory (ru_maxrss would include the pre-exec fork)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def child_ours(base_url: str, path: Path, concurrency: int, md5: bool) -> dict[str, float]:
    from openai_files import Client  # noqa: PLC0415 - each child imports only the client it measures

    with Client(api_key=API_KEY, base_url=base_url) as client:
        start = time.perf_counter()
        upload = client.uploads.upload_file(path, purpose="batch", concurrency=concurrency, md5=md5)
        wall = time.perf_counter() - start
    assert upload.file is not None and upload.file.bytes_ == path.stat().st_size
    return {"wall": wall, "rss_mib": _peak_rss_mib()}


def child_sdk(base_url: str, path: Path) -> dict[str, float]:
    import openai  # noqa: PLC0415 - each child imports only the client it measures

    client = openai.OpenAI(api_key=API_KEY, base_url=base_url)
    start = time.perf_counter()
    upload = client.uploads.upload_file_chunked(file=path, mime_type="application/jsonl", purpose="batch")
    wall = time.perf_counter() - start
    assert upload.file is not None and upload.file.bytes == path.stat().st_size
    return {"wall": wall, "rss_mib": _peak_rss_mib()}


def child_curl(base_url: str, path: Path, parts_dir: Path, concurrency: int, md5: str) -> dict[str, float]:
    """Create and complete with httpx; every part is one `curl -F data=@partfile` process.

    The md5 is computed before the clock starts (a ceiling gets it for free) and sent on complete, so
    the service does the same verification work as for our helper.
    """
    parts = sorted(parts_dir.iterdir())
    headers = {"Authorization": f"Bearer {API_KEY}"}
    peak = 0.0
    stop = threading.Event()
    me = psutil.Process()

    def sample() -> None:
        nonlocal peak
        while not stop.wait(0.02):
            total = 0
            for child in me.children():
                with contextlib.suppress(psutil.Error):
                    if child.name() == "curl":
                        total += child.memory_info().rss
            peak = max(peak, total / MiB)

    def post(part: Path) -> str:
        out = subprocess.run(
            ["curl", "-sS", "--fail-with-body", "-H", f"Authorization: Bearer {API_KEY}",
             "-H", "Expect:", "-F", f"data=@{part};type=application/octet-stream",
             f"{base_url}/uploads/{upload_id}/parts"],
            check=True, capture_output=True,
        )  # fmt: skip
        return str(json.loads(out.stdout)["id"])

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    with httpx.Client(base_url=base_url, headers=headers, timeout=600) as http:
        start = time.perf_counter()
        body = {"filename": path.name, "purpose": "batch", "bytes": path.stat().st_size}
        upload_id = http.post("/uploads", json={**body, "mime_type": "application/jsonl"}).json()["id"]
        with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
            part_ids = list(pool.map(post, parts))  # a list of paths, not a generator: nothing to bound
        complete = {"part_ids": part_ids, **({"md5": md5} if md5 else {})}
        done = http.post(f"/uploads/{upload_id}/complete", json=complete).json()
        wall = time.perf_counter() - start
    stop.set()
    assert done["file"]["bytes"] == path.stat().st_size
    return {"wall": wall, "rss_mib": peak}


# --- the parent: emulator, data, scenarios, table ---------------------------------------------------


def make_data(path: Path, size: int, parts_dir: Path) -> str:
    """Random bytes (nothing compresses), the same bytes cut into part files for curl; returns the md5."""
    parts_dir.mkdir()
    digest = hashlib.md5()
    with path.open("wb") as f:
        for index, offset in enumerate(range(0, size, PART)):
            with (parts_dir / f"{index:05d}").open("wb") as part:
                for _ in range(offset, min(offset + PART, size), 8 * MiB):
                    chunk = os.urandom(min(8 * MiB, size - f.tell()))
                    digest.update(chunk)
                    f.write(chunk)
                    part.write(chunk)
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
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=2, help="runs per cell; the table shows the fastest")
    parser.add_argument("--output", type=Path, help="also write the table (markdown) here")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, base_url, path, *rest = args.child
        if kind == "ours":
            result = child_ours(base_url, Path(path), int(rest[0]), rest[1] == "md5")
        elif kind == "sdk":
            result = child_sdk(base_url, Path(path))
        else:
            md5 = rest[2] if len(rest) > 2 else ""
            result = child_curl(base_url, Path(path), Path(rest[0]), int(rest[1]), md5)
        print(json.dumps(result))
        return

    size = args.size_mib * MiB
    need = 4 * size + 512 * MiB  # the file, its part copies, the emulator's parts and assembled file
    work = Path(tempfile.mkdtemp(prefix="openai-files-bench-", dir=_scratch_dir(need)))
    try:
        data, parts = work / "bench.jsonl", work / "parts"
        print(f"writing {args.size_mib} MiB of random data to {work} ...", file=sys.stderr)
        md5 = make_data(data, size, parts)
        rows = run_all(work, data, parts, md5, size, args.concurrency, args.repeat)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    table = render(rows, args.concurrency, args.size_mib, args.repeat)
    print(table)
    if args.output:
        args.output.write_text(table + "\n")


def _scratch_dir(need: int) -> str | None:
    """RAM-backed /dev/shm when it has room, so disk writeback does not add noise; else the temp dir."""
    for candidate in ("/dev/shm", tempfile.gettempdir()):
        if os.path.isdir(candidate) and shutil.disk_usage(candidate).free >= need:
            return candidate
    sys.exit(f"need {need / 2**30:.1f} GiB free in /dev/shm or {tempfile.gettempdir()}")


def run_all(
    work: Path, data: Path, parts: Path, md5: str, size: int, concurrency: int, repeat: int
) -> list[Row]:
    c = str(concurrency)
    clients = {
        f"openai-files upload_file ({c} in flight, md5)": ["ours", str(data), c, "md5"],
        f"openai-files upload_file ({c} in flight, no md5)": ["ours", str(data), c, "none"],
        "official SDK upload_file_chunked (sequential, no md5)": ["sdk", str(data)],
        f"curl x{c} processes (ceiling, md5 precomputed)": ["curl", str(data), str(parts), c, md5],
        f"curl x{c} processes (ceiling, no md5)": ["curl", str(data), str(parts), c],
    }
    rows = []
    with child_emulator(work / "emulator", "--api-key", API_KEY) as emulator:
        root = emulator.root
        reset = f"{root}/__emulator__/reset"
        print("warm-up upload (not measured) ...", file=sys.stderr)
        run_child(["ours", f"{root}/v1", str(data), c, "md5"])
        for scenario, faults in (("loopback", None), ("WAN 25 MB/s/conn + 50 ms", WAN)):
            for name, (kind, *rest) in clients.items():
                results = []
                for attempt in range(repeat):
                    httpx.post(reset, timeout=30).raise_for_status()
                    if faults:
                        httpx.put(f"{root}/__emulator__/faults", json=faults, timeout=10).raise_for_status()
                    results.append(run_child([kind, f"{root}/v1", *rest]))
                    print(f"{scenario}: {name} #{attempt + 1}: {results[-1]}", file=sys.stderr)
                wall = min(r["wall"] for r in results)
                rows.append(Row(scenario, name, wall, max(r["rss_mib"] for r in results), size))
        httpx.post(reset, timeout=30).raise_for_status()
    return rows


def render(rows: list[Row], concurrency: int, size_mib: int, repeat: int) -> str:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor(),
    )  # fmt: skip
    lines = [
        f"Upload of {size_mib} MiB to the local emulator, {concurrency} parts in flight where parallel, "
        f"64 MiB parts; {os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}. "
        f"Fastest of {repeat} runs per row; RSS is the highest seen.",
        "",
        "| scenario | client | wall s | MB/s | peak client RSS MiB | speed vs SDK | vs curl, same md5 |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        same = [r for r in rows if r.scenario == row.scenario]
        sdk = next(r for r in same if r.client.startswith("official"))
        md5 = "no md5" not in row.client
        curl = next(r for r in same if r.client.startswith("curl") and ("no md5" not in r.client) == md5)
        lines.append(
            f"| {row.scenario} | {row.client} | {row.wall:.2f} | {row.mb_s:.0f} | {row.rss_mib:.0f} "
            f"| {sdk.wall / row.wall:.2f}x | {curl.wall / row.wall:.2f}x |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
