"""upload_file over HTTP against the emulator: byte-exact round trips, faults, cancel, resume."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from openai_files import (
    AsyncClient,
    Client,
    InternalServerError,
    InvalidInputError,
)
from openai_files._transfer import Progress, TransferConfig
from openai_files_emulator.server import EmulatorServer

from .conftest import ServerCalls, kept_for_resume, kill_upload_child

KiB = 1024
PART = 64 * KiB
PARTS_PATH = ("/v1/uploads/*/parts",)


def _round_trip(client: Client, path: Path, **options: object) -> str:
    upload = client.uploads.upload_file(path, purpose="batch", part_size=PART, **options)  # type: ignore[arg-type]
    assert upload.status == "completed"
    assert upload.file
    assert client.files.content(upload.file.id) == path.read_bytes()
    return upload.file.id


@pytest.mark.parametrize("size", [1, PART, PART + 1, 20 * PART + 123])
def test_round_trip_is_byte_exact(
    client: Client, server_calls: ServerCalls, make_file: Callable[[int], Path], size: int
) -> None:
    _round_trip(client, make_file(size), concurrency=4)
    assert server_calls.counts["add_part"] == -(-size // PART)
    assert server_calls.counts["cancel"] == 0


def test_injected_part_failures_still_complete_byte_exact(
    client: Client, fresh_emulator: EmulatorServer, make_file: Callable[[int], Path]
) -> None:
    events: list[Progress] = []
    path = make_file(40 * PART + 5)
    # One of each kind, on the first part requests to arrive: a 500, a 429, a connection dropped before
    # the answer, and an answer lost after the part was stored.
    kinds = ("500", "429", "drop", "drop_response")
    with fresh_emulator.injected(script=kinds, retry_after=0.05, paths=PARTS_PATH):
        _round_trip(client, path, concurrency=4, progress=events.append)
        injected = fresh_emulator.faults.injected
    assert injected == len(kinds)  # every scripted fault hit a part request, and each was retried
    assert events[-1].bytes_done == path.stat().st_size
    assert events[-1].parts_done == 41


def test_exhausted_retries_cancel_the_upload_and_stop_the_rest(
    client: Client,
    fresh_emulator: EmulatorServer,
    server_calls: ServerCalls,
    make_file: Callable[[int], Path],
) -> None:
    config = TransferConfig(part_retries=0)
    with (
        fresh_emulator.injected(script=("ok", "ok", "500"), error_rate=0.0, paths=PARTS_PATH),
        pytest.raises(InternalServerError),
    ):
        client.with_options(max_retries=0).uploads.upload_file(
            make_file(100 * PART), purpose="batch", part_size=PART, concurrency=2, config=config
        )
    assert server_calls.counts["cancel"] == 1
    [upload_id] = server_calls.upload_ids()
    assert server_calls.status(upload_id) == "cancelled"
    assert server_calls.counts["add_part"] < 10


@pytest.mark.parametrize("md5", [True, False])
def test_md5_is_sent_when_asked(
    client: Client,
    fresh_emulator: EmulatorServer,
    make_file: Callable[[int], Path],
    monkeypatch: pytest.MonkeyPatch,
    md5: bool,
) -> None:
    path = make_file(3 * PART + 9)
    backend = fresh_emulator.emulator.uploads
    sent: list[str | None] = []
    complete = backend.complete

    def recording(upload_id: str, part_ids: list[str], md5: str | None) -> object:
        sent.append(md5)
        return complete(upload_id, part_ids, md5)

    monkeypatch.setattr(backend, "complete", recording)
    _round_trip(client, path, **({"md5": True} if md5 else {}))  # off unless asked
    assert sent == [hashlib.md5(path.read_bytes()).hexdigest() if md5 else None]


@pytest.mark.parametrize(
    ("bad", "param"),
    [
        ({"file": "missing.jsonl"}, "file"),
        ({"file": "folder.jsonl"}, "file"),
        ({"file": "loop.jsonl"}, "file"),
        ({"file": "empty.jsonl"}, "file"),
        ({"file": "huge.jsonl"}, "file"),
        ({"purpose": "user_data"}, "purpose"),
        ({"part_size": 0}, "part_size"),
        ({"part_size": 64 * 1024 * KiB + 1}, "part_size"),
        ({"concurrency": 0}, "concurrency"),
        ({"expires_after_seconds": 59}, "expires_after_seconds"),
        ({"mime_type": None, "filename": "x.unknownext"}, "mime_type"),
        ({"file": "object", "resume": True}, "resume"),
    ],
)
def test_bad_input_sends_nothing_and_leaves_nothing(
    client: Client,
    server_calls: ServerCalls,
    tmp_path: Path,
    bad: dict[str, object],
    param: str,
) -> None:
    (tmp_path / "ok.jsonl").write_text('{"a": 1}\n')
    (tmp_path / "empty.jsonl").touch()
    (tmp_path / "folder.jsonl").mkdir()
    (tmp_path / "loop.jsonl").symlink_to(tmp_path / "loop.jsonl")
    with (tmp_path / "huge.jsonl").open("wb") as sparse:
        sparse.truncate(8 * 1024**3 + 1)
    options: dict[str, object] = {"file": "ok.jsonl", "purpose": "batch", **bad}
    name = str(options.pop("file"))
    with (tmp_path / "ok.jsonl").open("rb") as opened, pytest.raises(InvalidInputError) as refused:
        file = opened if name == "object" else tmp_path / name
        client.uploads.upload_file(file, **options)  # type: ignore[arg-type]
    assert refused.value.param == param
    assert sum(server_calls.counts.values()) == 0
    assert server_calls.upload_ids() == []


def test_resume_after_sigkill_sends_only_missing_parts(
    client: Client,
    fresh_emulator: EmulatorServer,
    server_calls: ServerCalls,
    make_file: Callable[[int], Path],
    tmp_path: Path,
) -> None:
    total = 40
    path = make_file(total * PART)
    journal = tmp_path / "journal.json"
    fresh_emulator.faults.set(latency=0.1, paths=PARTS_PATH)
    kill_upload_child(
        fresh_emulator,
        path,
        journal,
        PART,
        once=lambda: len(_journaled(journal)) >= 6,
        what="journaled six parts",
    )
    done = _journaled(journal)
    assert 6 <= len(done) < total
    fresh_emulator.faults.clear()
    _settle(server_calls)
    server_calls.counts.clear()

    _round_trip(client, path, concurrency=4, resume=journal)
    assert server_calls.counts["create"] == 0
    assert server_calls.counts["add_part"] == total - len(done)
    assert not journal.exists()


def _settle(calls: ServerCalls) -> None:
    """Let the emulator finish the dead child's requests (their bodies arrived before the kill)."""
    deadline = time.monotonic() + 10
    while True:
        seen = calls.counts["add_part"]
        time.sleep(0.3)
        if calls.counts["add_part"] == seen or time.monotonic() > deadline:
            return


def _journaled(journal: Path) -> dict[str, str]:
    try:
        parts: dict[str, str] = json.loads(journal.read_text())["parts"]
    except (FileNotFoundError, json.JSONDecodeError):
        return {}
    return parts


def test_expired_upload_starts_over(
    client: Client,
    fresh_emulator: EmulatorServer,
    server_calls: ServerCalls,
    make_file: Callable[[int], Path],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    path = make_file(4 * PART)
    journal = tmp_path / "journal.json"
    kept_for_resume(client, fresh_emulator, path, journal, parts_sent=2, part_size=PART)
    assert len(_journaled(journal)) == 2
    assert server_calls.counts["cancel"] == 0  # a 500 is resumable: the Upload is kept for a rerun
    [kept] = server_calls.upload_ids()
    assert server_calls.status(kept) == "pending"
    data = json.loads(journal.read_text())
    data["expires_at"] = int(time.time()) - 1
    journal.write_text(json.dumps(data))
    _round_trip(client, path, resume=journal)
    assert server_calls.counts["create"] == 2
    assert "expired" in caplog.text


@pytest.mark.anyio
async def test_async_round_trip_under_faults(
    fresh_emulator: EmulatorServer, make_file: Callable[[int], Path]
) -> None:
    path = make_file(12 * PART + 1)
    async with AsyncClient(api_key=fresh_emulator.api_key, base_url=fresh_emulator.base_url, timeout=30) as c:
        with fresh_emulator.injected(error_rate=0.1, retry_after=0.05, seed=5, paths=PARTS_PATH):
            upload = await c.uploads.upload_file(path, purpose="batch", part_size=PART, concurrency=3)
        assert upload.file
        assert await c.files.content(upload.file.id) == path.read_bytes()


@pytest.mark.anyio
async def test_async_failure_cancels(
    fresh_emulator: EmulatorServer, server_calls: ServerCalls, make_file: Callable[[int], Path]
) -> None:
    async with AsyncClient(
        api_key=fresh_emulator.api_key, base_url=fresh_emulator.base_url, timeout=30, max_retries=0
    ) as c:
        with (
            fresh_emulator.injected(script=("ok", "500"), paths=PARTS_PATH),
            pytest.raises(InternalServerError),
        ):
            await c.uploads.upload_file(
                make_file(50 * PART), purpose="batch", part_size=PART, concurrency=2,
                config=TransferConfig(part_retries=0),
            )  # fmt: skip
    assert server_calls.counts["cancel"] == 1
    assert server_calls.counts["add_part"] < 10
