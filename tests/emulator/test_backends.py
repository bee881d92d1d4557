"""The backends called directly, with no server and no event loop: the rules hold without HTTP."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from openai_files_emulator import BatchConfig, Clock, Limits
from openai_files_emulator.batches.backend import BatchesBackend, BatchRecord
from openai_files_emulator.batches.runner import Runner
from openai_files_emulator.batches.settings import BatchSettings
from openai_files_emulator.blobs import BlobStore
from openai_files_emulator.errors import InvalidRequest, NotFound
from openai_files_emulator.files.backend import Expiry, FilesBackend
from openai_files_emulator.ids import IdFactory
from openai_files_emulator.uploads.backend import UploadsBackend

CHAT = "/v1/chat/completions"
START = 1_800_000_000.0


class Backends:
    def __init__(self, root: Path, config: BatchConfig) -> None:
        self.clock = Clock(start=START)
        self.blobs = BlobStore(root)
        ids, limits = IdFactory(0), Limits()
        self.files = FilesBackend(self.blobs, self.clock, ids, limits)
        self.uploads = UploadsBackend(self.files, self.blobs, self.clock, ids, limits)
        self.batches = BatchesBackend(
            self.files, self.blobs, self.clock, ids, limits, settings=BatchSettings(config)
        )
        self.ended: list[str] = []
        self.batches.on_end = lambda batch: self.ended.append(f"{batch.id} {batch.status}")

    def spooled(self, content: bytes) -> Path:
        path = self.blobs.spool_path()
        path.write_bytes(content)
        return path

    def content(self, file_id: str) -> bytes:
        return b"".join(self.blobs.iter_bytes(self.files.get(file_id).segments))

    def batch(self, requests: int) -> BatchRecord:
        lines = (
            {"custom_id": f"r{n}", "method": "POST", "url": CHAT, "body": {"model": "m", "messages": []}}
            for n in range(requests)
        )
        content = "".join(json.dumps(line) + "\n" for line in lines).encode()
        source = self.files.create(
            self.spooled(content), size=len(content), filename="in.jsonl", purpose="batch"
        )
        created = self.batches.create(input_file_id=source.id, endpoint=CHAT, completion_window="24h")
        assert created.status == "validating"
        return self.batches.get(created.id)  # the live record, not the answer's snapshot


Make = Callable[..., Backends]


@pytest.fixture
def make(tmp_path: Path) -> Iterator[Make]:
    made: list[Backends] = []

    def build(config: BatchConfig | None = None) -> Backends:
        made.append(Backends(tmp_path / str(len(made)), config or BatchConfig()))
        return made[-1]

    yield build
    for backends in made:
        backends.blobs.close()


def test_files_refuse_what_the_api_does_not_take(make: Make) -> None:
    b = make()
    path = b.spooled(b"{}\n")
    with pytest.raises(InvalidRequest) as caught:
        b.files.create(path, size=3, filename="a", purpose="batch_output")  # the service's own purpose
    assert caught.value.param == "purpose"
    with pytest.raises(InvalidRequest) as caught:
        b.files.create(path, size=3, filename="a", purpose="batch", expires_after=Expiry("created_at", 59))
    assert caught.value.param == "expires_after.seconds"
    with pytest.raises(NotFound):
        b.files.get("file-nothing")


def test_an_upload_becomes_its_parts_in_the_order_named_and_expires_after_an_hour(make: Make) -> None:
    b = make()
    upload = b.uploads.create(filename="f.jsonl", purpose="batch", size=6, mime_type="text/jsonl")
    first = b.uploads.add_part(upload.id, b.spooled(b"abc"), 3)
    second = b.uploads.add_part(upload.id, b.spooled(b"def"), 3)
    with pytest.raises(InvalidRequest) as caught:
        b.uploads.complete(upload.id, [first.id], None)  # 3 bytes of the 6 declared
    assert caught.value.code == "bytes_mismatch"
    done = b.uploads.complete(upload.id, [second.id, first.id], None)
    assert done.status == "completed" and done.file is not None
    assert b.content(done.file.id) == b"defabc"

    late = b.uploads.create(filename="g", purpose="batch", size=1, mime_type="t")
    b.clock.advance(3600)
    assert b.uploads.get(late.id).status == "expired"
    with pytest.raises(InvalidRequest):
        b.uploads.add_part(late.id, b.spooled(b"x"), 1)


def test_retrieve_pace_one_step_per_retrieve(make: Make) -> None:
    b = make(BatchConfig(pace="retrieve"))
    batch = b.batch(3)
    seen = [b.batches.retrieve(batch.id).status for _ in range(3)]
    assert seen == ["in_progress", "finalizing", "completed"]
    assert batch.counts() == {"total": 3, "completed": 3, "failed": 0}
    assert b.ended == [f"{batch.id} completed"]
    b.clock.advance(24 * 3600)
    b.batches.settle()
    assert batch.status == "completed"  # an ended batch never moves again


def test_time_pace_ends_stages_on_the_clock_with_no_retrieve(make: Make) -> None:
    b = make(BatchConfig(pace="time", stage_seconds=60, finalizing_steps=2))
    batch = b.batch(2)
    b.clock.advance(119)
    b.batches.settle()
    assert batch.status == "in_progress"
    b.clock.advance(1 + 120)  # in_progress ends at 120 s, finalizing lasts two stages: 240 s
    b.batches.settle()
    assert batch.status == "completed"
    assert (batch.times["in_progress_at"], batch.times["completed_at"]) == (START + 60, START + 240)
    assert b.ended == [f"{batch.id} completed"]


def test_a_cancel_and_the_window_end_a_batch_by_themselves(make: Make) -> None:
    b = make(BatchConfig(pace="instant"))
    cancelled, other = b.batch(2), b.batch(2)
    b.batches.cancel(cancelled.id)
    b.batches.settle()
    assert cancelled.status == "cancelled" and other.status == "completed"
    b.batches.settings.set(pace="retrieve")
    left = b.batch(1)
    b.clock.advance(24 * 3600)
    b.batches.settle()
    assert left.status == "expired"


def test_the_runner_ends_batches_when_they_fall_due(make: Make) -> None:
    b = make(BatchConfig(pace="time", stage_seconds=3600))
    runner = Runner(b.batches, b.clock)
    b.batches.on_change = runner.wake
    b.clock.on_advance(runner.wake)
    with runner.running():
        batch = b.batch(2)
        b.clock.advance(3 * 3600)  # the frozen clock moves only here: the runner must be woken
        deadline = time.monotonic() + 10
        while batch.status != "completed":
            assert time.monotonic() < deadline, batch.status
            time.sleep(0.01)
    assert b.ended == [f"{batch.id} completed"]


def test_a_move_off_the_table_is_refused() -> None:
    batch = BatchRecord("batch_x", CHAT, "file-x", "24h", 0, 1, None, None)
    batch.move("cancelling", 0.0)
    with pytest.raises(ValueError, match="cannot go from cancelling to in_progress"):
        batch.move("in_progress", 0.0)
