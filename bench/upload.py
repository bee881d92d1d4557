"""Benchmark: uploads of 10 MB to 1 GiB by our client, the official SDK and parallel curl, on loopback
and on two simulated wide-area links, each against one emulator process.

    .venv/bin/python bench/upload.py [--sizes 10MB,100MB,200MB,1GiB] [--profiles wan2,wan,loopback]
        [--repeat 3] [--no-sweep] [--no-batch] [--paths]

Links (the emulator's faults, on every /v1 request): `wan2` caps each connection at 10 MB/s and all of them
together at 100 MB/s, and adds 150 ms; `wan` caps each connection at 25 MB/s with no total cap and adds 50 ms,
so there "x the SDK" mostly counts connections (the SDK opens one): a real link has a total, which is why
`wan2` comes first. Rows per size: our `upload_file` untuned (parts cut for the file, all at once up to 1 GiB,
no md5), the same with `md5=True`, the former defaults (64 MiB parts, 8 in flight, md5), the official SDK's
`upload_file_chunked` (sequential, no md5), and parallel curl processes posting the parts of our untuned plan,
one process per part in flight up to the plan's window (the ceiling: no Python, no md5).

Columns: wall time (create -> parts -> complete, not interpreter start-up), MB/s (10^6 bytes per second), peak
TCP connections carrying data (for curl, its processes: the control connection that creates and completes the
Upload carries no part), the link's floor for that many connections (bytes / min(connections x per-connection
cap, total cap) + the round trips the client cannot avoid: create, one part, complete for an Upload; one for a
single request; one more to create a batch) and the row's share of it, the client's CPU seconds per GB (user +
system, curl processes included) and its peak RSS (for curl, the highest sum over the curl processes alive at
one moment, sampled every 20 ms).

`wan2` also sweeps fixed concurrencies (4 .. 32, parts cut for each) on 200 MB and 1 GiB, to compare
the untuned window with the best fixed one. `wan` also times `batches.create_from_file` of a 200 MB JSONL
(local check included) against the SDK's `files.create` + `batches.create`. `--paths` times
`files.create` as one request and as Upload parts for small files, the measurement behind
`TransferConfig.single_request_below`. Data lives in /dev/shm when it has room, deleted at the end.
Every row, the SDK's too, is the fastest of `--repeat` runs; the tables go to `bench/results/upload.md`.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import json
import os
import random
import resource
import shutil
import string
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil
from _machine import peak_rss_mib
from _results import write

from openai_files._transfer import TransferConfig
from openai_files._transfer.plan import make_plan
from openai_files_emulator.child import child_emulator

MiB = 1024 * 1024
API_KEY = "sk-bench"
CONFIG = TransferConfig()
PROFILES: dict[str, dict[str, Any]] = {
    "wan2": {"bandwidth": 10_000_000, "total_bandwidth": 100_000_000, "latency": 0.15},
    "wan": {"bandwidth": 25_000_000, "latency": 0.05},
    "loopback": {},
}
LABELS = {
    "wan2": "WAN 10 MB/s/conn, 100 MB/s total + 150 ms",
    "wan": "WAN 25 MB/s/conn, no total cap (x the SDK there counts connections) + 50 ms",
    "loopback": "loopback",
}
SWEEP = (4, 8, 12, 16, 24, 32)
SWEEP_SIZES = ("200MB", "1GiB")
PATH_SIZES = (4 * MiB, 8 * MiB, 16 * MiB, 32 * MiB, 64 * MiB)


def parse_size(text: str) -> int:
    for suffix, unit in (("GiB", 1024 * MiB), ("MiB", MiB), ("GB", 10**9), ("MB", 10**6)):
        if text.endswith(suffix):
            return int(float(text[: -len(suffix)]) * unit)
    return int(text)


@dataclass
class Row:
    profile: str
    size: str
    client: str
    wall: float
    cpu: float
    rss_mib: float
    conns: int
    nbytes: int
    trips: int
    """Requests one after another that no run of this client avoids (each pays the link's latency)."""

    @property
    def mb_s(self) -> float:
        return self.nbytes / self.wall / 1e6

    def floor(self) -> float | None:
        link = PROFILES[self.profile]
        if not link:
            return None
        rate = self.conns * link["bandwidth"]
        if "total_bandwidth" in link:
            rate = min(rate, link["total_bandwidth"])
        return float(self.nbytes / rate + self.trips * link["latency"])


# --- children: each measures one run in its own process and prints one JSON line ---------------------


def _cpu() -> float:
    """CPU seconds of this process and of the children it waited for (the curl processes)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


@contextlib.contextmanager
def measured() -> Iterator[dict[str, float]]:
    """Wall and CPU time of the block, then the process's peak RSS (the parent samples connections)."""
    result: dict[str, float] = {}
    cpu, start = _cpu(), time.perf_counter()
    yield result
    result["wall"] = time.perf_counter() - start
    result["cpu"] = _cpu() - cpu
    result["rss_mib"] = peak_rss_mib()


def child_ours(base_url: str, path: Path, concurrency: str, part_size: str, md5: str) -> dict[str, float]:
    from openai_files import Client  # noqa: PLC0415 - each child imports only the client it measures

    options: dict[str, Any] = {"md5": md5 == "md5"}
    if concurrency != "auto":
        options["concurrency"] = int(concurrency)
    if part_size != "auto":
        options["part_size"] = int(part_size)
    with Client(api_key=API_KEY, base_url=base_url) as client, measured() as result:
        upload = client.uploads.upload_file(path, purpose="batch", **options)
    assert upload.file is not None and upload.file.bytes_ == path.stat().st_size
    return result


def child_create(base_url: str, path: Path, way: str) -> dict[str, float]:
    """`files.create` as one request ("one"), as Upload parts ("parts") or as it chooses ("auto")."""
    from openai_files import Client  # noqa: PLC0415

    below = {"one": 2**62, "parts": 1, "auto": CONFIG.single_request_below}[way]
    config = TransferConfig(single_request_below=below)
    with Client(api_key=API_KEY, base_url=base_url) as client, measured() as result:
        stored = client.files.create(path, purpose="batch", config=config)
    assert stored.bytes_ == path.stat().st_size
    return result


def child_batch(base_url: str, path: Path) -> dict[str, float]:
    from openai_files import Client  # noqa: PLC0415

    with Client(api_key=API_KEY, base_url=base_url) as client, measured() as result:
        batch = client.batches.create_from_file(path)
    assert batch.input_file_id
    return result


def child_sdk(base_url: str, path: Path) -> dict[str, float]:
    import openai  # noqa: PLC0415

    client = openai.OpenAI(api_key=API_KEY, base_url=base_url)
    with measured() as result:
        upload = client.uploads.upload_file_chunked(file=path, mime_type="application/jsonl", purpose="batch")
    assert upload.file is not None and upload.file.bytes == path.stat().st_size
    return result


def child_sdk_batch(base_url: str, path: Path) -> dict[str, float]:
    import openai  # noqa: PLC0415

    client = openai.OpenAI(api_key=API_KEY, base_url=base_url)
    with measured() as result, path.open("rb") as data:
        stored = client.files.create(file=data, purpose="batch")
        client.batches.create(
            input_file_id=stored.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
    return result


def child_curl(base_url: str, path: Path, parts_dir: str, concurrency: str) -> dict[str, float]:
    """Create and complete with httpx; every part is one `curl -F data=@partfile` process.

    No md5, as our untuned row: the service does the same work for both.
    """
    parts = sorted(Path(parts_dir).iterdir())
    headers = {"Authorization": f"Bearer {API_KEY}"}

    def post(part: Path) -> str:
        out = subprocess.run(
            ["curl", "-sS", "--fail-with-body", "-H", f"Authorization: Bearer {API_KEY}",
             "-H", "Expect:", "-F", f"data=@{part};type=application/octet-stream",
             f"{base_url}/uploads/{upload_id}/parts"],
            check=True, capture_output=True,
        )  # fmt: skip
        return str(json.loads(out.stdout)["id"])

    with httpx.Client(base_url=base_url, headers=headers, timeout=600) as http, measured() as result:
        body = {"filename": path.name, "purpose": "batch", "bytes": path.stat().st_size}
        upload_id = http.post("/uploads", json={**body, "mime_type": "application/jsonl"}).json()["id"]
        with concurrent.futures.ThreadPoolExecutor(int(concurrency)) as pool:
            part_ids = list(pool.map(post, parts))
        done = http.post(f"/uploads/{upload_id}/complete", json={"part_ids": part_ids}).json()
    assert done["file"]["bytes"] == path.stat().st_size
    return result


CHILDREN: dict[str, Callable[..., dict[str, float]]] = {
    "ours": child_ours,
    "create": child_create,
    "batch": child_batch,
    "sdk": child_sdk,
    "sdk_batch": child_sdk_batch,
    "curl": child_curl,
}


# --- the parent: emulator, data, scenarios, tables -------------------------------------------------


def make_data(path: Path, size: int, part_size: int) -> None:
    """Random bytes (nothing compresses), cut into part files for curl beside it."""
    parts_dir = path.with_suffix(".parts")
    parts_dir.mkdir()
    with path.open("wb") as f:
        for index, offset in enumerate(range(0, size, part_size)):
            with (parts_dir / f"{index:05d}").open("wb") as part:
                for at in range(offset, min(offset + part_size, size), 8 * MiB):
                    chunk = os.urandom(min(8 * MiB, offset + part_size - at, size - at))
                    f.write(chunk)
                    part.write(chunk)


def make_batch_input(path: Path, size: int) -> None:
    """Chat requests of about 4 kB each, varied text, up to `size` bytes (a batch input's limit)."""
    rng = random.Random(7)
    words = ["".join(rng.choices(string.ascii_lowercase, k=rng.randint(2, 9))) for _ in range(5000)]
    written = 0
    with path.open("w") as out:
        while written < size:
            text = " ".join(rng.choices(words, k=650))  # about 4 kB a line: 200 MB in 50,000 lines
            body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}]}
            line = json.dumps(
                {"custom_id": f"r{written}", "method": "POST", "url": "/v1/chat/completions", "body": body}
            )
            if written + len(line) + 1 > size:
                return
            out.write(line + "\n")
            written += len(line) + 1


def run_child(args: list[str], port: int) -> dict[str, float]:
    """Run one child; sample its TCP connections to `port` and its curl processes every 20 ms."""
    child = subprocess.Popen(
        [sys.executable, __file__, "--child", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak = {"conns": 1.0, "curl_rss": 0.0}
    stop = threading.Event()

    def sample() -> None:
        process = psutil.Process(child.pid)
        while not stop.wait(0.02):
            with contextlib.suppress(psutil.Error):
                mine = [c for c in process.net_connections("tcp") if c.raddr and c.raddr.port == port]
                curls = [c for c in process.children() if c.name() == "curl"]
                # curl's parts travel on its processes' connections; the child's own one only creates
                # and completes the Upload, so it carries no data.
                peak["conns"] = max(peak["conns"], len(curls) or len(mine))
                peak["curl_rss"] = max(peak["curl_rss"], sum(c.memory_info().rss for c in curls) / MiB)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = child.communicate()
    stop.set()
    sampler.join()
    if child.returncode != 0:
        sys.exit(f"{args[0]} failed:\n{err}")
    result = dict(json.loads(out.strip().splitlines()[-1]))
    result["conns"] = peak["conns"]
    if peak["curl_rss"]:
        result["rss_mib"] = peak["curl_rss"]
    return result


class Bench:
    def __init__(self, root: str, repeat: int) -> None:
        self.root = root
        self.port = int(root.rsplit(":", 1)[1])
        self.repeat = repeat
        self.rows: list[Row] = []

    def run(
        self, profile: str, size: str, nbytes: int, client: str, args: list[str], repeat: int, trips: int = 3
    ) -> Row:
        results = []
        for attempt in range(repeat):
            httpx.post(f"{self.root}/__emulator__/reset", timeout=60).raise_for_status()
            if PROFILES[profile]:
                faults = {**PROFILES[profile], "paths": []}
                httpx.put(f"{self.root}/__emulator__/faults", json=faults, timeout=10).raise_for_status()
            results.append(run_child([args[0], f"{self.root}/v1", *args[1:]], self.port))
            print(f"{profile} {size}: {client} #{attempt + 1}: {results[-1]}", file=sys.stderr)
        best = min(results, key=lambda r: r["wall"])
        row = Row(
            profile, size, client, best["wall"], best["cpu"], max(r["rss_mib"] for r in results),
            int(max(r["conns"] for r in results)), nbytes, trips,
        )  # fmt: skip
        self.rows.append(row)
        return row


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10MB,100MB,200MB,1GiB")
    parser.add_argument("--profiles", default=",".join(PROFILES))
    parser.add_argument("--repeat", type=int, default=3, help="runs per cell, every client; fastest shown")
    parser.add_argument("--no-sweep", action="store_true", help="skip wan2's fixed-concurrency sweep")
    parser.add_argument("--no-batch", action="store_true", help="skip the batches comparison on wan")
    parser.add_argument("--batch-size", default="200MB", help="size of the batch input JSONL")
    parser.add_argument("--paths", action="store_true", help="also time files.create's two ways")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, base_url, path, *rest = args.child
        print(json.dumps(CHILDREN[kind](base_url, Path(path), *rest)))
        return
    sizes = [size for size in args.sizes.split(",") if size]
    profiles = args.profiles.split(",")
    total = sum(parse_size(s) for s in sizes)
    work = Path(tempfile.mkdtemp(prefix="openai-files-bench-", dir=_scratch_dir(4 * total + 1024 * MiB)))
    bench: Bench | None = None
    try:
        with child_emulator(work / "emulator", "--api-key", API_KEY) as emulator:
            bench = Bench(emulator.root, args.repeat)
            run_all(bench, work, sizes, profiles, args)
            httpx.post(f"{emulator.root}/__emulator__/reset", timeout=60).raise_for_status()
    finally:  # a failed run still shows the rows it measured
        shutil.rmtree(work, ignore_errors=True)
        if bench is not None and bench.rows:
            table = render(bench.rows, args.repeat)
            print(table)
            write("upload", table)


def _scratch_dir(need: int) -> str | None:
    """RAM-backed /dev/shm when it has room, so disk writeback does not add noise; else the temp dir."""
    for candidate in ("/dev/shm", tempfile.gettempdir()):
        if os.path.isdir(candidate) and shutil.disk_usage(candidate).free >= need:
            return candidate
    sys.exit(f"need {need / 2**30:.1f} GiB free in /dev/shm or {tempfile.gettempdir()}")


def run_all(
    bench: Bench, work: Path, sizes: list[str], profiles: list[str], args: argparse.Namespace
) -> None:
    for size in sizes:
        nbytes = parse_size(size)
        data = work / f"data-{size}.jsonl"
        plan = make_plan(
            filename=data.name, size=nbytes, purpose="batch", mime_type=None, part_size=None,
            concurrency=None, md5=False, expires_after=None, config=CONFIG,
        )  # fmt: skip
        print(f"writing {size} of random data ...", file=sys.stderr)
        make_data(data, nbytes, plan.part_size)
        curls = str(min(plan.concurrency, plan.part_count))
        clients = {
            "upload_file, untuned": (["ours", str(data), "auto", "auto", "-"], args.repeat),
            "upload_file, untuned, md5=True": (["ours", str(data), "auto", "auto", "md5"], args.repeat),
            "upload_file, 64 MiB parts x 8, md5 (former defaults)": (
                ["ours", str(data), "8", str(64 * MiB), "md5"],
                args.repeat,
            ),
            "official SDK upload_file_chunked": (["sdk", str(data)], args.repeat),
            f"curl x{curls}, same parts": (
                ["curl", str(data), str(data.with_suffix(".parts")), curls],
                args.repeat,
            ),
        }
        if size == sizes[0]:
            run_child(["ours", f"{bench.root}/v1", str(data), "auto", "auto", "-"], bench.port)  # warm-up
        for profile in profiles:
            for client, (child_args, repeat) in clients.items():
                bench.run(profile, size, nbytes, client, child_args, repeat)
            if profile == "wan2" and size in SWEEP_SIZES and not args.no_sweep:
                for fixed in SWEEP:
                    child_args = ["ours", str(data), str(fixed), "auto", "-"]
                    bench.run(
                        profile, size, nbytes, f"upload_file, {fixed} in flight", child_args, args.repeat
                    )
        shutil.rmtree(data.with_suffix(".parts"))
        data.unlink()
    if "wan" in profiles and not args.no_batch:
        jsonl = work / "batch.jsonl"
        make_batch_input(jsonl, parse_size(args.batch_size))
        nbytes = jsonl.stat().st_size
        bench.run("wan", args.batch_size, nbytes, "batches.create_from_file (check + store + create)",
                  ["batch", str(jsonl)], args.repeat, trips=4)  # fmt: skip
        bench.run("wan", args.batch_size, nbytes, "official SDK files.create + batches.create",
                  ["sdk_batch", str(jsonl)], args.repeat, trips=2)  # fmt: skip
        jsonl.unlink()
    if args.paths:
        for nbytes in PATH_SIZES:
            data = work / "small.jsonl"
            data.write_bytes(os.urandom(nbytes))
            for profile in profiles:
                for way in ("one", "parts"):
                    size = f"{nbytes // MiB}MiB"
                    bench.run(
                        profile, size, nbytes, f"files.create, {way}", ["create", str(data), way],
                        args.repeat, trips=1 if way == "one" else 3,
                    )  # fmt: skip
            data.unlink()


def render(rows: list[Row], repeat: int) -> str:
    lines = [
        f"Fastest of {repeat} runs per row, every client alike; RSS is the highest seen. Links: "
        + "; ".join(f"{name} = {label}" for name, label in LABELS.items()),
        "",
        "| link | size | client | wall s | MB/s | conns | floor s | share of floor | CPU s/GB "
        "| peak RSS MiB | vs SDK |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        sdk = next(
            (
                r
                for r in rows
                if (r.profile, r.size) == (row.profile, row.size)
                and r.client.startswith("official")
                and ("batches" in r.client) == ("batches" in row.client)  # like for like
            ),
            None,
        )
        floor = row.floor()
        floor_cells = "| | |" if floor is None else f"| {floor:.2f} | {floor / row.wall:.0%} |"
        lines.append(
            f"| {row.profile} | {row.size} | {row.client} | {row.wall:.2f} | {row.mb_s:.0f} | {row.conns} "
            f"{floor_cells}"
            f" {row.cpu / (row.nbytes / 1e9):.2f} | {row.rss_mib:.0f} "
            f"| {'' if sdk is None else f'{sdk.wall / row.wall:.2f}x'} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
