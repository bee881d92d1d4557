"""An emulator in a child process, for demos and benchmarks that must not share the server's CPU time."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ChildEmulator:
    """A running child emulator: `root` is `http://127.0.0.1:PORT`, `base_url` adds `/v1`."""

    process: subprocess.Popen[bytes]
    root: str

    @property
    def base_url(self) -> str:
        return f"{self.root}/v1"


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


PINNED_MALLOC = {"MALLOC_MMAP_THRESHOLD_": str(4 * 2**20), "MALLOC_TRIM_THRESHOLD_": str(16 * 2**20)}
"""glibc's malloc thresholds, pinned for the child (documented environment tunables, mallopt(3); other
C libraries ignore them), so that the demo and the benchmarks see the server's speed, not an accident
of its start-up.

Left alone, glibc raises its mmap threshold to the largest block a process has freed so far, and its
trim threshold to twice that. The server stack's per-read buffers (h11 and uvicorn copy each ~256 KiB
read two or three times) then come from fresh, zeroed pages or from reused heap depending on what the
process happened to free at start; `make bench-emulator` runs the emulator both ways and prints the
page faults and server CPU per GB of each (docs/BENCHMARKS.md, "The emulator")."""


@contextmanager
def child_emulator(
    data_dir: Path, *args: str, start_timeout: float = 30.0, env: Mapping[str, str] | None = None
) -> Iterator[ChildEmulator]:
    """Start `openai-files-emulator --data-dir data_dir *args` on a free port; stop it on exit.

    `env` replaces the child's environment (e.g. a PYTHONPATH running another copy of the emulator);
    by default the child gets this one with `PINNED_MALLOC`.
    Yields once `/__emulator__/health` answers. Raises `RuntimeError` when the child exits or does
    not answer within `start_timeout` seconds.
    """
    port = free_port()
    command = [sys.executable, "-m", "openai_files_emulator", "--port", str(port), "--log-level", "warning"]
    environment = {**os.environ, **PINNED_MALLOC} if env is None else env
    process = subprocess.Popen([*command, "--data-dir", str(data_dir), *args], env=environment)
    root = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + start_timeout
        while not _healthy(root):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the emulator did not start on {root}")
            time.sleep(0.1)
        yield ChildEmulator(process, root)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _healthy(root: str) -> bool:
    try:
        with urllib.request.urlopen(f"{root}/__emulator__/health", timeout=1.0) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False
