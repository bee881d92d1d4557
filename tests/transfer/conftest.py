"""Fixtures for the upload engine's tests: a fake Uploads service that records what it was sent."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest

from openai_files import Client, InternalServerError
from openai_files._transfer import Completion, Created, PartWindow, TransferConfig, UploadPlan
from openai_files_emulator.server import EmulatorServer

READ = 64 * 1024


def read_like_httpx(window: PartWindow) -> bytes:
    """What httpx's multipart encoder does with a file object: seek to 0, then 64 KiB reads."""
    window.seek(0)
    chunks = []
    while chunk := window.read(READ):
        chunks.append(chunk)
    return b"".join(chunks)


class FakeUploads:
    """Stores parts in memory; `fail(index, attempt)` may raise to inject errors into a part."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.lock = threading.Lock()
        self.parts: dict[str, bytes] = {}
        self.sent: list[int] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.cancelled: list[str] = []
        self.completed: tuple[list[str], str | None] | None = None
        self.created = 0
        self.fail: Callable[[int], None] | None = None
        self.retryable: tuple[type[BaseException], ...] = (ConnectionError,)

    def create(self, plan: UploadPlan) -> Created:
        self.created += 1
        return Created(upload_id=f"upload_{self.created}", expires_at=int(time.time()) + 3600)

    def add_part(self, upload_id: str, window: PartWindow) -> str:
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self.sent.append(window.index)
        try:
            if self.fail is not None:
                self.fail(window.index)
            data = read_like_httpx(window)
            time.sleep(self.delay)
            part_id = f"part_{window.index}_{len(self.parts)}"
            with self.lock:
                self.parts[part_id] = data
            return part_id
        finally:
            with self.lock:
                self.in_flight -= 1

    def complete(self, upload_id: str, part_ids: list[str], completion: Completion) -> bytes:
        self.completed = (part_ids, completion.md5)
        content = b"".join(self.parts[p] for p in part_ids)
        if completion.md5 is not None:
            assert hashlib.md5(content).hexdigest() == completion.md5
        return content

    def cancel(self, upload_id: str) -> None:
        self.cancelled.append(upload_id)

    def find_completed(
        self, upload_id: str, plan: UploadPlan, completion: Completion, refusal: Exception
    ) -> bytes:
        raise refusal

    def resumable(self, error: BaseException) -> bool:
        return isinstance(error, self.retryable)

    def refused(self, error: BaseException) -> bool:
        return False


class AsyncFakeUploads:
    """The same service behind async methods, running the blocking body in a thread like a socket would."""

    def __init__(self, fake: FakeUploads) -> None:
        self.fake = fake

    async def create(self, plan: UploadPlan) -> Created:
        return self.fake.create(plan)

    async def add_part(self, upload_id: str, window: PartWindow) -> str:
        return await anyio.to_thread.run_sync(self.fake.add_part, upload_id, window)

    async def complete(self, upload_id: str, part_ids: list[str], completion: Completion) -> bytes:
        return self.fake.complete(upload_id, part_ids, completion)

    async def cancel(self, upload_id: str) -> None:
        self.fake.cancel(upload_id)

    async def find_completed(
        self, upload_id: str, plan: UploadPlan, completion: Completion, refusal: Exception
    ) -> bytes:
        return self.fake.find_completed(upload_id, plan, completion, refusal)

    def resumable(self, error: BaseException) -> bool:
        return self.fake.resumable(error)

    def refused(self, error: BaseException) -> bool:
        return self.fake.refused(error)


@pytest.fixture
def make_file(tmp_path: Path) -> Callable[[int], Path]:
    def make(size: int, name: str = "data.jsonl") -> Path:
        path = tmp_path / name
        path.write_bytes(random.Random(size).randbytes(size))
        return path

    return make


class ServerCalls:
    """Counts the Uploads calls the emulator's backend handled, wrapping it in place for one test."""

    def __init__(self, server: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> None:
        self.counts: Counter[str] = Counter()
        backend = server.emulator.uploads
        self.backend = backend
        for name in ("create", "add_part", "complete", "cancel"):
            monkeypatch.setattr(backend, name, self._counting(name, getattr(backend, name)))

    def _counting(self, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        def counted(*args: Any, **kwargs: Any) -> Any:
            self.counts[name] += 1
            return method(*args, **kwargs)

        return counted

    def status(self, upload_id: str) -> str:
        return self.backend.get(upload_id).status

    def upload_ids(self) -> list[str]:
        """Every Upload the emulator holds, in creation order."""
        return list(self.backend._uploads)


@pytest.fixture
def server_calls(fresh_emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> ServerCalls:
    return ServerCalls(fresh_emulator, monkeypatch)


@pytest.fixture
def client(fresh_emulator: EmulatorServer) -> Iterator[Client]:
    with Client(api_key=fresh_emulator.api_key, base_url=fresh_emulator.base_url, timeout=30) as c:
        yield c


def kept_for_resume(
    client: Client, emulator: EmulatorServer, path: Path, journal: Path, *, parts_sent: int, part_size: int
) -> None:
    """Upload `path` with a journal until a 500 after `parts_sent` parts; the Upload is kept for a rerun."""
    script = ("ok",) * parts_sent + ("500",)
    with (
        emulator.injected(script=script, paths=("/v1/uploads/*/parts",)),
        pytest.raises(InternalServerError),
    ):
        client.with_options(max_retries=0).uploads.upload_file(
            path, purpose="batch", part_size=part_size, concurrency=1, resume=journal,
            config=TransferConfig(part_retries=0),
        )  # fmt: skip


def kill_upload_child(
    emulator: EmulatorServer,
    path: Path,
    journal: Path,
    part_size: int,
    *,
    once: Callable[[], bool],
    what: str,
) -> None:
    """Run `upload_child.py` (an upload with a journal) and SIGKILL it as soon as `once()` holds."""
    child = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("upload_child.py")), emulator.base_url,
         emulator.api_key, str(path), str(journal), str(part_size)],
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not once():
            assert child.poll() is None, "the child finished before it could be killed"
            assert time.monotonic() < deadline, f"the child never {what}"
            time.sleep(0.02)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=10)
    assert child.returncode == -signal.SIGKILL
