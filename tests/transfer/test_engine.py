"""The engine against a fake service: order, bounded concurrency, md5, progress, failure and resume."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from openai_files import FileChangedError
from openai_files._transfer import Progress, TransferConfig, prepare_job, run_async, run_sync

from .conftest import AsyncFakeUploads, FakeUploads

PART = 1000


def _fail_from(first: int, error: BaseException) -> Callable[[int], None]:
    def fail(index: int) -> None:
        if index >= first:
            raise error

    return fail


def _upload(fake: FakeUploads, path: Path, **kwargs: object) -> bytes:
    job = prepare_job(path, purpose="batch", part_size=PART, **kwargs)  # type: ignore[arg-type]
    return run_sync(fake, job)


@pytest.mark.parametrize("size", [1, PART, PART + 1, 10 * PART + 7])
def test_parts_reassemble_in_file_order(make_file: Callable[[int], Path], size: int) -> None:
    path = make_file(size)
    fake = FakeUploads()
    assert _upload(fake, path, concurrency=3, md5=True) == path.read_bytes()
    assert fake.completed is not None
    assert fake.completed[1] == hashlib.md5(path.read_bytes()).hexdigest()
    assert fake.cancelled == []


def test_window_of_parts_in_flight_is_bounded(make_file: Callable[[int], Path]) -> None:
    fake = FakeUploads(delay=0.02)
    _upload(fake, make_file(20 * PART), concurrency=4)
    assert fake.max_in_flight == 4


def test_progress_counts_bytes_and_parts(make_file: Callable[[int], Path]) -> None:
    events: list[Progress] = []
    _upload(FakeUploads(), make_file(5 * PART + 1), concurrency=2, progress=events.append)
    last = events[-1]
    assert (last.bytes_done, last.parts_done, last.total_parts) == (5 * PART + 1, 6, 6)
    assert max(e.bytes_done for e in events) == 5 * PART + 1


def test_first_error_wins_stops_the_rest_and_cancels(make_file: Callable[[int], Path]) -> None:
    fake = FakeUploads(delay=0.01)

    def fail(index: int) -> None:
        if index == 2:
            raise PermissionError("part 2 refused")

    fake.fail = fail
    with pytest.raises(PermissionError, match="part 2 refused"):
        _upload(fake, make_file(50 * PART), concurrency=2)
    assert fake.cancelled == ["upload_1"]
    assert fake.completed is None
    assert len(fake.sent) < 10


def test_a_file_that_grows_while_sent_fails_cleanly(make_file: Callable[[int], Path]) -> None:
    path = make_file(4 * PART)
    fake = FakeUploads()

    def grow(index: int) -> None:
        if index == 3:
            with path.open("ab") as f:
                f.write(b"more")
            os.utime(path, ns=(1, 1))

    fake.fail = grow
    with pytest.raises(FileChangedError):
        _upload(fake, path, concurrency=1)
    assert fake.cancelled == ["upload_1"]


def test_resume_sends_only_missing_parts(make_file: Callable[[int], Path], tmp_path: Path) -> None:
    path = make_file(8 * PART)
    journal = tmp_path / "journal.json"
    fake = FakeUploads()

    fake.fail = _fail_from(5, ConnectionError("link down"))
    with pytest.raises(ConnectionError):
        _upload(fake, path, concurrency=1, resume=journal)
    assert fake.cancelled == [] and journal.exists()
    fake.fail = None
    fake.sent.clear()
    assert _upload(fake, path, concurrency=2, resume=journal) == path.read_bytes()
    assert sorted(fake.sent) == [5, 6, 7]
    assert fake.created == 1
    assert not journal.exists()


def test_changed_file_starts_over(
    make_file: Callable[[int], Path], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = make_file(4 * PART)
    journal = tmp_path / "journal.json"
    fake = FakeUploads()
    fake.fail = _fail_from(3, ConnectionError("link down"))
    with pytest.raises(ConnectionError):
        _upload(fake, path, concurrency=1, resume=journal)
    path.write_bytes(b"y" * 4 * PART)
    fake.fail = None
    fake.sent.clear()
    assert _upload(fake, path, concurrency=1, resume=journal) == b"y" * 4 * PART
    assert sorted(fake.sent) == [0, 1, 2, 3]
    assert fake.created == 2
    assert "file changed" in caplog.text


def test_bandwidth_cap_holds_across_parts(make_file: Callable[[int], Path]) -> None:
    config = TransferConfig(max_bandwidth=200_000)
    start = time.monotonic()
    _upload(FakeUploads(), make_file(100_000), concurrency=4, config=config)
    # the bucket starts with a 64 KiB burst; the rest goes at 200 kB/s
    assert time.monotonic() - start >= (100_000 - 65_536) / 200_000 * 0.9


@pytest.mark.anyio
async def test_async_round_trip_and_bounded_window(make_file: Callable[[int], Path]) -> None:
    path = make_file(12 * PART + 3)
    fake = FakeUploads(delay=0.01)
    job = prepare_job(path, purpose="batch", part_size=PART, concurrency=3)
    assert await run_async(AsyncFakeUploads(fake), job) == path.read_bytes()
    assert fake.max_in_flight == 3


@pytest.mark.anyio
async def test_async_failure_cancels_upload(make_file: Callable[[int], Path]) -> None:
    fake = FakeUploads(delay=0.01)

    def fail(index: int) -> None:
        if index == 1:
            raise PermissionError("nope")

    fake.fail = fail
    job = prepare_job(make_file(30 * PART), purpose="batch", part_size=PART, concurrency=2)
    with pytest.raises(PermissionError):
        await run_async(AsyncFakeUploads(fake), job)
    assert fake.cancelled == ["upload_1"]
    assert len(fake.sent) < 8
