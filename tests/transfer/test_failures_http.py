"""How an upload ends badly, over HTTP against the emulator: fast, not retried when it must not be, clean.

Parts are slowed by the emulator's per-connection bandwidth cap so that they are surely in flight when
the failure comes; each bound below is a fraction of the time the slowed parts would need to finish.
A stopped part's bytes already in the socket buffers still reach the emulator at the capped rate, so the
parts that must stop are much larger than those buffers and the cap is not too low: the emulator is
idle again a few seconds later, before the session ends.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from openai_files import AsyncClient, Client, FileChangedError, InternalServerError, Upload
from openai_files._transfer import Progress, TransferConfig
from openai_files._transfer.abort import AbortSignal
from openai_files_emulator.server import EmulatorServer

from .conftest import ServerCalls

KiB = 1024
MiB = 1024 * KiB
PARTS_PATH = ("/v1/uploads/*/parts",)
SLOW = 256 * KiB
"""Bytes per second per connection, for tests that stop parts after their first few KiB."""
FAST = 1 * MiB
BIG_PART = 16 * MiB
"""16 s on the wire at `FAST`; far more than the socket buffers hold, so a stop is seen at a read."""


class _CountingTransport(httpx.HTTPTransport):
    """Counts part requests as the client sends them, so a retry cannot hide from the test."""

    def __init__(self) -> None:
        super().__init__()
        self.part_requests = 0
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/parts"):
            with self._lock:
                self.part_requests += 1
        return super().handle_request(request)


class _AsyncCountingTransport(httpx.AsyncHTTPTransport):
    def __init__(self) -> None:
        super().__init__()
        self.part_requests = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/parts"):
            self.part_requests += 1
        return await super().handle_async_request(request)


@pytest.fixture
def first_failure(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The monotonic time at which each upload in the test first failed."""
    times: list[float] = []
    abort = AbortSignal.abort

    def timed(self: AbortSignal, error: BaseException) -> bool:
        won = abort(self, error)
        if won:
            times.append(time.monotonic())
        return won

    monkeypatch.setattr(AbortSignal, "abort", timed)
    return times


def _part_threads(within: float = 5.0) -> list[str]:
    """Part threads still alive after `within` seconds: a loaded machine may be slow to reap them."""
    deadline = time.monotonic() + within
    while True:
        alive = [t.name for t in threading.enumerate() if t.name.startswith("openai-files-part")]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.05)


def _once(action: Callable[[], None], when: Callable[[], bool] = lambda: True) -> Callable[[Progress], None]:
    """A progress callback that runs `action` at the first event (bytes going out) where `when` holds."""
    fired = threading.Event()

    def on_progress(_: Progress) -> None:
        if not fired.is_set() and when():
            fired.set()
            action()

    return on_progress


def _upload_without_retries(driver: str, emulator: EmulatorServer, path: Path, **options: Any) -> Upload:
    """`upload_file` through `Client` or `AsyncClient`, with no retry at any level."""
    settings: dict[str, Any] = {"api_key": emulator.api_key, "base_url": emulator.base_url, "timeout": 30}
    options["config"] = TransferConfig(part_retries=0)
    if driver == "sync":
        with Client(max_retries=0, **settings) as c:
            return c.uploads.upload_file(path, purpose="batch", **options)

    async def upload() -> Upload:
        async with AsyncClient(max_retries=0, **settings) as c:
            return await c.uploads.upload_file(path, purpose="batch", **options)

    return asyncio.run(upload())


@pytest.mark.parametrize("driver", ["sync", "async"])
def test_first_fatal_error_stops_the_parts_in_flight_within_seconds(
    fresh_emulator: EmulatorServer,
    server_calls: ServerCalls,
    make_file: Callable[[int], Path],
    first_failure: list[float],
    driver: str,
) -> None:
    path = make_file(2 * BIG_PART)
    with (
        fresh_emulator.injected(script=("ok", "500"), bandwidth=FAST, paths=PARTS_PATH),
        pytest.raises(InternalServerError),
    ):
        _upload_without_retries(driver, fresh_emulator, path, part_size=BIG_PART, concurrency=2)
    stopped_after = time.monotonic() - first_failure[0]
    path.unlink()
    assert stopped_after < 5, f"the other part took {stopped_after:.1f} s to stop (16 s to finish)"
    assert _part_threads() == []
    assert server_calls.counts["add_part"] == 0  # the slowed part never got through
    assert [server_calls.status(u) for u in server_calls.upload_ids()] == ["cancelled"]


def test_a_retried_part_rewinds_progress(
    client: Client, fresh_emulator: EmulatorServer, make_file: Callable[[int], Path]
) -> None:
    path = make_file(2 * 256 * KiB)
    events: list[Progress] = []
    with fresh_emulator.injected(script=("drop",), paths=PARTS_PATH):
        upload = client.uploads.upload_file(
            path, purpose="batch", part_size=256 * KiB, concurrency=1, progress=events.append,
            config=TransferConfig(progress_step=16 * KiB),
        )  # fmt: skip
        assert fresh_emulator.faults.injected == 1
    sent = [e.bytes_done for e in events]
    assert any(later < earlier for earlier, later in itertools.pairwise(sent)), sent
    assert max(sent) <= path.stat().st_size  # the dropped attempt's bytes were taken back
    assert events[-1] == Progress(path.stat().st_size, path.stat().st_size, 2, 2)
    assert upload.status == "completed"


@pytest.fixture
def sigint_raises() -> Iterator[None]:
    """Ctrl-C raises KeyboardInterrupt in the main thread, whatever handler the runner installed."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


@pytest.mark.usefixtures("sigint_raises")
@pytest.mark.parametrize("resume", [False, True])
def test_ctrl_c_is_not_retried_and_cancels_unless_kept_for_resume(
    fresh_emulator: EmulatorServer,
    server_calls: ServerCalls,
    make_file: Callable[[int], Path],
    tmp_path: Path,
    resume: bool,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Kept for resume, the Upload is named once, on the interrupt the caller gets, not in a warning."""
    caplog.set_level(logging.INFO, logger="openai_files")
    journal = tmp_path / "journal.json"
    path = make_file(2 * BIG_PART)
    transport = _CountingTransport()
    main = threading.main_thread().ident
    assert main is not None
    ctrl_c = _once(
        lambda: signal.pthread_kill(main, signal.SIGINT), when=lambda: transport.part_requests == 2
    )
    started = time.monotonic()
    with (
        Client(
            api_key=fresh_emulator.api_key, base_url=fresh_emulator.base_url, timeout=30, transport=transport
        ) as c,
        fresh_emulator.injected(bandwidth=FAST, paths=PARTS_PATH),
        pytest.raises(KeyboardInterrupt) as interrupt,
    ):
        c.uploads.upload_file(
            path, purpose="batch", part_size=BIG_PART, concurrency=2, progress=ctrl_c,
            resume=journal if resume else False, config=TransferConfig(progress_step=16 * KiB),
        )  # fmt: skip
    stopped_after = time.monotonic() - started
    path.unlink()
    assert stopped_after < 5  # the two parts would need 16 s to finish
    assert transport.part_requests == 2  # the two parts in flight, neither retried, no other started
    assert _part_threads() == []
    [upload_id] = server_calls.upload_ids()
    assert server_calls.status(upload_id) == ("pending" if resume else "cancelled")
    assert journal.exists() == resume
    kept = [f"kept Upload {upload_id} for resume (0 of 2 parts sent)"] if resume else []
    assert getattr(interrupt.value, "__notes__", []) == kept
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


@pytest.mark.anyio
async def test_task_cancel_is_not_retried_and_cancels_the_upload(
    fresh_emulator: EmulatorServer, server_calls: ServerCalls, make_file: Callable[[int], Path]
) -> None:
    transport = _AsyncCountingTransport()
    sending = asyncio.Event()
    async with AsyncClient(
        api_key=fresh_emulator.api_key, base_url=fresh_emulator.base_url, timeout=30, transport=transport
    ) as c:
        with fresh_emulator.injected(bandwidth=SLOW, paths=PARTS_PATH):
            task = asyncio.create_task(
                c.uploads.upload_file(
                    make_file(4 * MiB), purpose="batch", part_size=MiB, concurrency=2,
                    progress=lambda _: sending.set(), config=TransferConfig(progress_step=16 * KiB),
                )
            )  # fmt: skip
            with anyio.fail_after(10):
                await sending.wait()
            started = time.monotonic()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert time.monotonic() - started < 5
    assert transport.part_requests == 2
    [upload_id] = server_calls.upload_ids()
    assert server_calls.status(upload_id) == "cancelled"


@pytest.mark.parametrize("change", ["shrink", "grow"])
def test_a_file_that_changes_size_while_sent_fails_cleanly(
    client: Client,
    server_calls: ServerCalls,
    make_file: Callable[[int], Path],
    tmp_path: Path,
    change: str,
) -> None:
    part = 64 * KiB
    path = make_file(8 * part)
    journal = tmp_path / "journal.json"

    def edit() -> None:
        if change == "shrink":
            os.truncate(path, 3 * part)
        else:
            with path.open("ab") as f:
                f.write(b"more")

    with pytest.raises(FileChangedError):
        client.uploads.upload_file(
            path, purpose="batch", part_size=part, concurrency=1, resume=journal,
            progress=_once(edit), config=TransferConfig(progress_step=16 * KiB),
        )  # fmt: skip
    [upload_id] = server_calls.upload_ids()
    assert server_calls.status(upload_id) == "cancelled"  # a changed file is never resumed
    assert server_calls.counts["complete"] == 0
    assert not journal.exists()
    assert list(client.files.list()) == []
