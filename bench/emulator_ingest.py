"""How fast the emulator takes 64 MiB parts beside a minimal app on the same server stack, and its memory.

One run measures, `--rounds` times in alternation (the machine is shared: each figure printed is
the median of its rounds), with the same `--parts` x 64 MiB sent by `--concurrency` parallel
`curl` processes (curl, not our client, so the figures are the servers'):

- the emulator (child process): one Upload, every part, then complete;
- the baseline: a minimal stock ASGI app on the same server stack (`server.uvicorn_config`: uvicorn,
  h11, uvloop) that parses each body with the same parser (python-multipart) and streams the part
  to a file in the data dir, nothing else; emulator / baseline shows what the emulator's own logic
  costs (target: at least 0.9).

Emulator and baseline run twice per round: first with the C library's default allocator settings, what
`make emulator`, `openai-files-emulator` started by hand and the pytest plugin get, so that pair leads
the table; then with glibc's malloc thresholds pinned (`PINNED_MALLOC`) for both, what `child_emulator`
(the demo, the other benchmarks) sets. The gap between the pairs is the allocator's, not the emulator's
(see `PINNED_MALLOC`).

For each: GB/s, the server's CPU seconds per GB (the figure to trust on a busy machine), its minor
page faults per GB and its peak RSS (VmHWM, the kernel's high-water mark). Everything it writes lives
in one temporary folder under `--data-dir` (/dev/shm by default when it exists, so the figures are
the servers' and not the disk's), deleted at the end.

    .venv/bin/python bench/emulator_ingest.py [--parts 32] [--concurrency 4] [--rounds 3] [--data-dir DIR]

The table goes to `bench/results/emulator_ingest.md`.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil
import uvicorn
from _machine import peak_rss_mib
from _results import write
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.types import Receive, Scope, Send

from openai_files_emulator.child import PINNED_MALLOC, ChildEmulator, child_emulator, free_port
from openai_files_emulator.server import uvicorn_config

PART = 64 * 1024 * 1024
KEY = "sk-bench"


def minor_faults(pid: int) -> int:
    """The page faults a process has taken without reading from disk, from /proc (minflt)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return int(fields[7])  # the 10th field; the first two (pid, comm) are before the ")"


def baseline_app(store: Path) -> Callable[[Scope, Receive, Send], object]:
    """A plain ASGI app: each multipart body parsed by python-multipart, the part streamed to a file."""
    names = itertools.count()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":  # the readiness probe
            await send({"type": "http.response.start", "status": 204, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        _, params = parse_options_header(dict(scope["headers"])[b"content-type"])
        with (store / f"part-{next(names)}").open("xb") as target:

            def on_part_data(data: bytes, start: int, end: int) -> None:
                target.write(memoryview(data)[start:end])

            parser = MultipartParser(params[b"boundary"], {"on_part_data": on_part_data})
            more = True
            while more:
                message = await receive()
                parser.write(message.get("body", b""))
                more = message.get("more_body", False)
            parser.finalize()
        body = b'{"id": "part_baseline"}'
        head = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": head})
        await send({"type": "http.response.body", "body": body})

    return app


@contextmanager
def baseline_server(store: Path, env: dict[str, str] | None) -> Iterator[tuple[int, str]]:
    """The baseline app in a child process (`env`: its environment, None for ours): yields (pid, URL)."""
    port = free_port()
    command = [sys.executable, __file__, "--serve-baseline", str(port), str(store)]
    process = subprocess.Popen(command, env=env)
    try:
        for _ in range(200):
            try:
                httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        yield process.pid, f"http://127.0.0.1:{port}/parts"
    finally:
        process.terminate()
        process.wait(timeout=10)


def send_parts(url: str, source: Path, parts: int, concurrency: int) -> list[str]:
    """Run `parts` curl uploads of `source`, at most `concurrency` at a time; return the part ids in order."""
    command = [
        "curl", "--silent", "--show-error", "--fail-with-body", "--max-time", "300",
        "-H", f"Authorization: Bearer {KEY}", "-H", "Expect:",
        "-F", f"data=@{source};type=application/octet-stream", url,
    ]  # fmt: skip
    running: list[tuple[int, subprocess.Popen[bytes]]] = []
    ids: dict[int, str] = {}
    pending = list(range(parts))
    while pending or running:
        while pending and len(running) < concurrency:
            running.append((pending.pop(0), subprocess.Popen(command, stdout=subprocess.PIPE)))
        index, process = running.pop(0)
        out, _ = process.communicate(timeout=300)
        if process.returncode != 0:
            raise RuntimeError(f"curl failed for part {index}: {out!r}")
        ids[index] = json.loads(out)["id"]
    return [ids[i] for i in range(parts)]


@dataclass
class Figures:
    seconds: float
    cpu_per_gb: float
    faults_per_gb: float
    peak_rss_mib: float
    complete_seconds: float | None = None

    @classmethod
    def median(cls, runs: list[Figures]) -> Figures:
        """Each figure's median over the runs; the peak RSS is the highest."""
        completes = [r.complete_seconds for r in runs if r.complete_seconds is not None]
        return cls(
            statistics.median(r.seconds for r in runs),
            statistics.median(r.cpu_per_gb for r in runs),
            statistics.median(r.faults_per_gb for r in runs),
            max(r.peak_rss_mib for r in runs),
            statistics.median(completes) if completes else None,
        )

    def row(self, allocator: str, server: str, total: int) -> str:
        complete = "" if self.complete_seconds is None else f"{self.complete_seconds:.2f}"
        return (
            f"| {allocator} | {server} | {total / self.seconds / 1e9:.2f} | {self.seconds:.1f} "
            f"| {self.cpu_per_gb:.2f} | {self.faults_per_gb / 1000:.0f} | {self.peak_rss_mib:.0f} "
            f"| {complete} |"
        )


def measure(pid: int, url: str, source: Path, parts: int, concurrency: int) -> tuple[Figures, list[str]]:
    server = psutil.Process(pid)
    cpu_before, faults_before = sum(server.cpu_times()[:2]), minor_faults(pid)
    started = time.perf_counter()
    ids = send_parts(url, source, parts, concurrency)
    seconds = time.perf_counter() - started
    cpu, faults = sum(server.cpu_times()[:2]) - cpu_before, minor_faults(pid) - faults_before
    gigabytes = parts * PART / 1e9
    return Figures(seconds, cpu / gigabytes, faults / gigabytes, peak_rss_mib(pid)), ids


def measure_emulator(
    emulator: AbstractContextManager[ChildEmulator], source: Path, parts: int, concurrency: int
) -> Figures:
    """One Upload of every part into an emulator, then complete (no md5)."""
    total = parts * PART
    with (
        emulator as child,
        httpx.Client(
            base_url=child.base_url, headers={"Authorization": f"Bearer {KEY}"}, timeout=300
        ) as client,
    ):
        upload = client.post(
            "/uploads",
            json={
                "filename": "big.bin",
                "purpose": "assistants",
                "bytes": total,
                "mime_type": "application/x",
            },
        ).json()
        figures, part_ids = measure(
            child.process.pid, f"{child.base_url}/uploads/{upload['id']}/parts", source, parts, concurrency
        )
        started = time.perf_counter()
        done = client.post(f"/uploads/{upload['id']}/complete", json={"part_ids": part_ids})
        figures.complete_seconds = time.perf_counter() - started
        done.raise_for_status()
        assert done.json()["file"]["bytes"] == total
        figures.peak_rss_mib = peak_rss_mib(child.process.pid)
        client.delete(f"/files/{done.json()['file']['id']}")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", type=int, default=32, help="64 MiB parts (32 = 2 GiB)")
    parser.add_argument("--concurrency", type=int, default=4, help="parallel curl processes")
    parser.add_argument("--rounds", type=int, default=3, help="emulator and baseline runs, alternating")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path("/dev/shm") if Path("/dev/shm").is_dir() else None,
        help="folder for the part file and the servers' data (default: /dev/shm if present, else TMPDIR)",
    )
    parser.add_argument("--serve-baseline", nargs=2, help=argparse.SUPPRESS)  # internal: PORT STORE
    args = parser.parse_args()
    if args.serve_baseline:
        port, store = args.serve_baseline
        uvicorn.Server(uvicorn_config(baseline_app(Path(store)), "127.0.0.1", int(port))).run()
        return
    if shutil.which("curl") is None:
        raise SystemExit("curl is needed for this benchmark")
    workdir = Path(tempfile.mkdtemp(prefix="emulator-bench-", dir=args.data_dir))
    try:
        source = workdir / "part.bin"
        block = os.urandom(1024 * 1024)
        with source.open("wb") as out:
            for _ in range(PART // len(block)):
                out.write(block)
        total = args.parts * PART
        runs = (args.parts, args.concurrency)
        data, flags = workdir / "data", ("--api-key", KEY)
        allocators = {
            "default (what make emulator runs)": dict(os.environ),
            "malloc pinned (child_emulator)": {**os.environ, **PINNED_MALLOC},
        }
        rounds: dict[str, tuple[list[Figures], list[Figures]]] = {name: ([], []) for name in allocators}
        for _ in range(args.rounds):
            for name, env in allocators.items():
                emulators, baselines = rounds[name]
                emulators.append(measure_emulator(child_emulator(data, *flags, env=env), source, *runs))
                shutil.rmtree(data)
                store = workdir / "baseline"
                store.mkdir()
                with baseline_server(store, env) as (pid, url):
                    baselines.append(measure(pid, url, source, *runs)[0])
                shutil.rmtree(store)
        lines = [
            f"{args.parts} parts of 64 MiB ({total / 2**30:.1f} GiB) from {args.concurrency} parallel curls "
            f"into {workdir.parent}; each figure the median of {args.rounds} rounds (the same for both "
            "servers), peak RSS the highest.",
            "",
            "| allocator | server | GB/s | s | server CPU s/GB | page faults k/GB | peak RSS MiB "
            "| complete s |",
            "|---|---|---:|---:|---:|---:|---:|---:|",
        ]
        ratios = []
        for name, (emulators, baselines) in rounds.items():
            emulator, baseline = Figures.median(emulators), Figures.median(baselines)
            lines.append(emulator.row(name, "emulator", total))
            lines.append(baseline.row(name, "baseline: stock ASGI app, same stack and parser", total))
            ratios.append(
                f"- {name}: emulator / baseline {baseline.seconds / emulator.seconds:.2f}x in GB/s "
                f"(target >= 0.9x), {baseline.cpu_per_gb / emulator.cpu_per_gb:.2f}x in server CPU per GB"
            )
        table = "\n".join([*lines, "", *ratios])
        print(table)
        write("emulator_ingest", table)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
