"""How fast the emulator takes 64 MiB parts, and how much memory it needs for a 2 GiB upload.

Starts the emulator in a child process, opens one Upload of `--parts` x 64 MiB, sends the parts
with `--concurrency` parallel `curl` processes (curl, not our client, so the figure is the
server's), completes the Upload and prints the ingest rate beside two baselines (the same curls
into raw-socket sinks: one storing nothing, one splicing each body into a file the way the emulator
does, the floor for any server that keeps the bytes), the server's CPU time per GB (the
figure to trust on a busy machine), the completion time and the server's peak RSS (VmHWM: the
kernel's high-water mark, so no spike between samples is missed), and the CPU time the curls took
(on two cores they compete with the server).
Everything it writes (the part file curl sends, the emulator's data) lives in one temporary folder
under `--data-dir`, deleted at the end: /dev/shm by default when it exists, as in bench/upload.py,
so the figure is the server's and not the disk's.

    .venv/bin/python bench/emulator_ingest.py [--parts 32] [--concurrency 4] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import psutil

from openai_files_emulator.child import child_emulator
from openai_files_emulator.splice import socket_to_file

PART = 64 * 1024 * 1024
KEY = "sk-bench"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def peak_rss_mib(pid: int) -> tuple[float, float]:
    """(current, peak) resident memory of a process, from /proc."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line
    )
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def sink(port: int, store: Path | None) -> None:
    """A baseline: a threaded raw-socket HTTP sink that stores nothing, or (with `store`) each body in a file.

    Storing takes the emulator's own kernel path (`splice.socket_to_file`: socket -> pipe -> page
    cache) and nothing else: no HTTP framework, no multipart parsing, no delimiter search, no md5.
    It is the floor for any server that keeps the bytes on this machine.
    """
    names = itertools.count()

    def serve(conn: socket.socket) -> None:
        with conn:
            head = b""
            while b"\r\n\r\n" not in head:
                head += conn.recv(65536)
            top, _, rest = head.partition(b"\r\n\r\n")
            length = next(
                int(line.split(b":")[1])
                for line in top.split(b"\r\n")
                if line.lower().startswith(b"content-length")
            )
            remaining = length - len(rest)
            if store is None:
                buffer = bytearray(1 << 20)
                while remaining > 0:
                    remaining -= conn.recv_into(buffer)
            else:
                fd = os.open(store / f"body-{next(names)}", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                try:
                    os.pwrite(fd, rest, 0)
                    if socket_to_file(conn.fileno(), fd, len(rest), remaining) != remaining:
                        raise RuntimeError("the storing sink lost part of a body")
                finally:
                    os.close(fd)
            body = b'{"id": "sink"}'
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
            )

    with socket.create_server(("127.0.0.1", port)) as server:
        while True:
            threading.Thread(target=serve, args=(server.accept()[0],), daemon=True).start()


def children_cpu() -> float:
    """CPU seconds of the child processes reaped so far (the curls; the servers are reaped last)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def send_parts(url: str, source: Path, parts: int, concurrency: int) -> list[str]:
    """Run `parts` curl uploads of `source`, at most `concurrency` at a time; return the part ids in order."""
    command = [
        "curl", "--silent", "--show-error", "--fail-with-body", "--max-time", "120",
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
        out, _ = process.communicate(timeout=120)
        if process.returncode != 0:
            raise RuntimeError(f"curl failed for part {index}: {out!r}")
        ids[index] = json.loads(out)["id"]
    return [ids[i] for i in range(parts)]


def measure_sink(source: Path, parts: int, concurrency: int, store: Path | None) -> tuple[float, float]:
    """Seconds taken and the curls' CPU seconds, into a raw-socket sink (storing in `store` if given)."""
    port = free_port()
    command = [sys.executable, __file__, "--sink", str(port)]
    process = subprocess.Popen([*command, "--sink-store", str(store)] if store else command)
    try:
        for _ in range(100):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        started, curl_cpu = time.perf_counter(), children_cpu()
        send_parts(f"http://127.0.0.1:{port}/sink", source, parts, concurrency)
        return time.perf_counter() - started, children_cpu() - curl_cpu
    finally:
        process.terminate()
        process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", type=int, default=32, help="64 MiB parts (32 = 2 GiB)")
    parser.add_argument("--concurrency", type=int, default=4, help="parallel curl processes")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path("/dev/shm") if Path("/dev/shm").is_dir() else None,
        help="folder for the part file and the emulator data (default: /dev/shm if present, else TMPDIR)",
    )
    # Internal: serve a baseline sink in this process.
    parser.add_argument("--sink", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--sink-store", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sink:
        sink(args.sink, args.sink_store)
    if shutil.which("curl") is None:
        raise SystemExit("curl is needed for this benchmark")
    workdir = Path(tempfile.mkdtemp(prefix="emulator-bench-", dir=args.data_dir))
    try:
        source = workdir / "part.bin"
        block = os.urandom(1024 * 1024)
        with source.open("wb") as out:
            for _ in range(PART // len(block)):
                out.write(block)
        with (
            child_emulator(workdir / "data", "--api-key", KEY) as emulator,
            httpx.Client(
                base_url=emulator.base_url, headers={"Authorization": f"Bearer {KEY}"}, timeout=300
            ) as client,
        ):
            process, root = emulator.process, emulator.root
            idle_rss, _ = peak_rss_mib(process.pid)
            total = args.parts * PART
            upload = client.post(
                "/uploads",
                json={
                    "filename": "big.bin",
                    "purpose": "assistants",
                    "bytes": total,
                    "mime_type": "application/octet-stream",
                },
            ).json()
            server = psutil.Process(process.pid)
            cpu_before, curl_before = sum(server.cpu_times()[:2]), children_cpu()
            started = time.perf_counter()
            part_ids = send_parts(
                f"{root}/v1/uploads/{upload['id']}/parts", source, args.parts, args.concurrency
            )
            ingest = time.perf_counter() - started
            cpu_per_gb = (sum(server.cpu_times()[:2]) - cpu_before) / (total / 1e9)
            curl_per_gb = (children_cpu() - curl_before) / (total / 1e9)
            started = time.perf_counter()
            done = client.post(f"/uploads/{upload['id']}/complete", json={"part_ids": part_ids})
            complete = time.perf_counter() - started
            done.raise_for_status()
            assert done.json()["file"]["bytes"] == total
            _, peak = peak_rss_mib(process.pid)
            client.delete(f"/files/{done.json()['file']['id']}")
        baseline, sink_curl_cpu = measure_sink(source, args.parts, args.concurrency, None)
        stored = workdir / "sink"
        stored.mkdir()
        floor, _ = measure_sink(source, args.parts, args.concurrency, stored)
        shutil.rmtree(stored)
        print(f"parts: {args.parts} x 64 MiB = {total / 2**30:.1f} GiB, {args.concurrency} parallel curls")
        print(f"data in: {workdir.parent}")
        print(f"ingest: {total / ingest / 1e9:.2f} GB/s ({ingest:.2f} s)")
        print(f"baseline, the same curls into a raw socket sink: {total / baseline / 1e9:.2f} GB/s")
        print(
            "floor, the same curls into a raw sink storing each body in the data dir: "
            f"{total / floor / 1e9:.2f} GB/s"
        )
        print(f"server CPU (loop, spool writers, md5 ahead): {cpu_per_gb:.2f} s per GB ingested")
        print(
            f"curl CPU: {curl_per_gb:.2f} s per GB into the emulator, "
            f"{sink_curl_cpu / (total / 1e9):.2f} into the sink"
        )
        print(f"complete (parts become the file's segments, no copy): {complete:.2f} s")
        print(f"server RSS: idle {idle_rss:.0f} MiB, peak {peak:.0f} MiB")
        print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
