"""Resume and cleanup at the edges, over HTTP: a crash after complete, a refused Upload, a cancel scope,
a changed part size, a journal that cannot be written. None may store the file twice or leave an Upload
pending (issue 9, items 3 and 4)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import pytest

from openai_files import (
    AsyncClient,
    Client,
    InternalServerError,
    InvalidInputError,
    UnconfirmedUploadError,
    Upload,
)
from openai_files._cli import main
from openai_files._transfer import Progress, TransferConfig
from openai_files_emulator.server import EmulatorServer

from .conftest import ServerCalls, kept_for_resume, kill_upload_child

PART = 64 * 1024
PARTS_PATH = ("/v1/uploads/*/parts",)
COMPLETE_PATH = ("/v1/uploads/*/complete",)


@pytest.fixture(params=["sync", "async"])
def kind(request: pytest.FixtureRequest) -> str:
    """The rerun goes through `Client` or `AsyncClient`: both drive the same engine rules."""
    return str(request.param)


async def _rerun(kind: str, emulator: EmulatorServer, path: Path, **options: Any) -> Upload:
    """`upload_file` of `path` by a new client of `kind`, as a rerun in a new process would."""
    settings: dict[str, Any] = {"api_key": emulator.api_key, "base_url": emulator.base_url, "timeout": 30}
    if kind == "sync":
        with Client(**settings) as sync:
            return sync.uploads.upload_file(path, purpose="batch", **options)
    async with AsyncClient(**settings) as async_:
        return await async_.uploads.upload_file(path, purpose="batch", **options)


def _stored(client: Client, filename: str) -> list[str]:
    return [f.id for f in client.files.list() if f.filename == filename]


def _interrupted_at_complete(client: Client, path: Path, journal: Path, emulator: EmulatorServer) -> str:
    """Upload with a journal until complete reached the service and its answer was lost, then make the
    journaled Idempotency-Key one the service never saw (as if it forgot it); the Upload id."""
    with emulator.injected(script=("cut",), paths=COMPLETE_PATH), pytest.raises(Exception) as lost:
        client.with_options(max_retries=0).uploads.upload_file(
            path, purpose="batch", part_size=PART, resume=journal
        )
    assert "complete" in str(lost.value)
    data = json.loads(journal.read_text())
    assert data["completion"]["key"]  # journaled before it was sent: the rerun repeats it
    data["completion"]["key"] = "a-key-the-service-never-saw"
    journal.write_text(json.dumps(data))
    return str(data["upload_id"])


def test_sigkill_once_complete_reached_the_service_then_resume_stores_the_file_once(
    client: Client,
    fresh_emulator: EmulatorServer,
    server_calls: ServerCalls,
    make_file: Callable[[int], Path],
    tmp_path: Path,
) -> None:
    path = make_file(3 * PART)
    journal = tmp_path / "journal.json"
    # The complete's answer trickles out at 40 B/s: the service has completed the Upload seconds before
    # the client could hear so, and the child is killed in between.
    fresh_emulator.faults.set(bandwidth=40, paths=COMPLETE_PATH)

    def completed() -> bool:
        ids = server_calls.upload_ids()
        return bool(ids) and server_calls.status(ids[0]) == "completed"

    kill_upload_child(fresh_emulator, path, journal, PART, once=completed, what="completed its Upload")
    fresh_emulator.faults.clear()
    [first] = _stored(client, path.name)
    server_calls.counts.clear()

    upload = client.uploads.upload_file(path, purpose="batch", part_size=PART, resume=journal)
    assert upload.status == "completed" and upload.file and upload.file.id == first
    assert _stored(client, path.name) == [first]
    assert (server_calls.counts["create"], server_calls.counts["add_part"]) == (0, 0)
    assert not journal.exists()


def test_a_lost_complete_answer_is_retried_into_the_same_file(
    client: Client, fresh_emulator: EmulatorServer, make_file: Callable[[int], Path]
) -> None:
    """The retry repeats the Idempotency-Key, so the service answers it instead of refusing it."""
    path = make_file(2 * PART)
    with fresh_emulator.injected(script=("cut",), paths=COMPLETE_PATH):
        upload = client.uploads.upload_file(path, purpose="batch", part_size=PART)
    assert upload.file and _stored(client, path.name) == [upload.file.id]
    assert client.files.content(upload.file.id) == path.read_bytes()


@pytest.mark.anyio
async def test_a_replay_the_service_refuses_finds_the_file_by_name_size_and_time(
    kind: str,
    client: Client,
    fresh_emulator: EmulatorServer,
    make_file: Callable[[int], Path],
    tmp_path: Path,
) -> None:
    """A service that forgot the Idempotency-Key refuses the repeat: the one matching File is the answer."""
    path = make_file(2 * PART)
    journal = tmp_path / "journal.json"
    upload_id = _interrupted_at_complete(client, path, journal, fresh_emulator)
    [first] = _stored(client, path.name)

    upload = await _rerun(kind, fresh_emulator, path, part_size=PART, resume=journal)
    assert upload.id == upload_id and upload.file and upload.file.id == first
    assert _stored(client, path.name) == [first]
    assert not journal.exists()


@pytest.mark.anyio
async def test_a_refused_replay_with_no_single_match_names_the_upload_and_stores_nothing(
    kind: str,
    client: Client,
    fresh_emulator: EmulatorServer,
    make_file: Callable[[int], Path],
    tmp_path: Path,
) -> None:
    path = make_file(2 * PART)
    journal = tmp_path / "journal.json"
    upload_id = _interrupted_at_complete(client, path, journal, fresh_emulator)
    client.files.create(path, purpose="batch")  # a second file of that name and size: ambiguous
    before = _stored(client, path.name)

    with pytest.raises(UnconfirmedUploadError, match=upload_id) as caught:
        await _rerun(kind, fresh_emulator, path, part_size=PART, resume=journal)
    assert caught.value.upload_id == upload_id
    assert sorted(caught.value.candidates) == sorted(before) and len(before) == 2
    assert all(file_id in str(caught.value) for file_id in before)  # the files it may have made
    assert _stored(client, path.name) == before
    assert not journal.exists()  # the message said so: the next run uploads anew


@pytest.mark.parametrize("fate", ["cancelled", "expired"])
@pytest.mark.anyio
async def test_a_resumed_upload_that_was_cancelled_or_expired_starts_over_in_the_same_run(
    kind: str,
    client: Client,
    fresh_emulator: EmulatorServer,
    server_calls: ServerCalls,
    make_file: Callable[[int], Path],
    tmp_path: Path,
    fate: str,
) -> None:
    path = make_file(4 * PART)
    journal = tmp_path / "journal.json"
    kept_for_resume(client, fresh_emulator, path, journal, parts_sent=2, part_size=PART)
    [kept] = server_calls.upload_ids()
    if fate == "cancelled":
        client.uploads.cancel(kept)
    else:
        fresh_emulator.clock.advance(2 * 3600)  # the service's clock: the journal still thinks it has time
    assert server_calls.status(kept) == fate

    upload = await _rerun(kind, fresh_emulator, path, part_size=PART, resume=journal)
    assert upload.file and client.files.content(upload.file.id) == path.read_bytes()
    assert server_calls.counts["create"] == 2
    assert not journal.exists()


@pytest.mark.anyio
async def test_an_anyio_cancel_scope_cancels_the_upload(
    fresh_emulator: EmulatorServer, server_calls: ServerCalls, make_file: Callable[[int], Path]
) -> None:
    """anyio cancels again at every await inside the scope: the cleanup must be shielded to run.

    The scope's deadline is cut short once two parts are done, so the cancel lands mid-upload however
    slow the machine is.
    """
    path = make_file(30 * PART)
    fresh_emulator.faults.set(latency=0.1, paths=PARTS_PATH)  # 30 parts, 2 at a time: 1.5 s at least
    async with AsyncClient(api_key=fresh_emulator.api_key, base_url=fresh_emulator.base_url, timeout=30) as c:
        with anyio.move_on_after(60) as scope:

            def expire_after_two_parts(progress: Progress) -> None:
                if progress.parts_done >= 2:
                    scope.deadline = anyio.current_time()

            await c.uploads.upload_file(
                path, purpose="batch", part_size=PART, concurrency=2, progress=expire_after_two_parts
            )
    assert scope.cancelled_caught
    fresh_emulator.faults.clear()
    [upload_id] = server_calls.upload_ids()
    assert server_calls.counts["cancel"] == 1
    assert server_calls.status(upload_id) == "cancelled"


@pytest.mark.anyio
async def test_a_rerun_with_another_part_size_cancels_the_old_upload_and_says_why(
    kind: str,
    client: Client,
    fresh_emulator: EmulatorServer,
    server_calls: ServerCalls,
    make_file: Callable[[int], Path],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    path = make_file(4 * PART)
    journal = tmp_path / "journal.json"
    kept_for_resume(client, fresh_emulator, path, journal, parts_sent=1, part_size=PART)
    [old] = server_calls.upload_ids()

    upload = await _rerun(kind, fresh_emulator, path, part_size=2 * PART, resume=journal)
    assert upload.file and client.files.content(upload.file.id) == path.read_bytes()
    assert server_calls.status(old) == "cancelled"
    assert f"the part size changed from {PART} to {2 * PART}" in caplog.text
    assert "file changed" not in caplog.text


@pytest.mark.anyio
async def test_a_rerun_with_another_window_keeps_the_part_size_it_chose(
    kind: str,
    client: Client,
    fresh_emulator: EmulatorServer,
    server_calls: ServerCalls,
    make_file: Callable[[int], Path],
    tmp_path: Path,
) -> None:
    """A part size the client chose follows the window; a rerun with another window resumes the same
    Upload in the interrupted run's parts instead of starting over."""
    config = TransferConfig(min_chosen_part_size=PART, part_retries=0)
    path = make_file(8 * PART)
    journal = tmp_path / "journal.json"
    with (
        fresh_emulator.injected(script=("ok", "500"), paths=PARTS_PATH),
        pytest.raises(InternalServerError),
    ):
        client.with_options(max_retries=0).uploads.upload_file(
            path, purpose="batch", concurrency=2, resume=journal, config=config
        )
    [old] = server_calls.upload_ids()

    upload = await _rerun(kind, fresh_emulator, path, concurrency=4, resume=journal, config=config)
    assert upload.id == old and server_calls.counts["create"] == 1
    assert upload.file and client.files.content(upload.file.id) == path.read_bytes()


def test_a_journal_that_fails_midway_still_cancels_the_upload(
    client: Client,
    server_calls: ServerCalls,
    make_file: Callable[[int], Path],
    tmp_path: Path,
) -> None:
    """Cleanup never stops cleanup: the journal cannot be saved, nor deleted, and the cancel still goes."""
    path = make_file(4 * PART)
    folder = tmp_path / "journals"
    folder.mkdir()

    def break_the_folder(progress: Progress) -> None:
        if progress.parts_done == 1 and folder.is_dir():
            shutil.rmtree(folder)
            folder.write_text("no longer a folder")

    with pytest.raises(OSError):
        client.uploads.upload_file(
            path, purpose="batch", part_size=PART, concurrency=1, resume=folder / "journal.json",
            progress=break_the_folder,
        )  # fmt: skip
    [upload_id] = server_calls.upload_ids()
    assert server_calls.status(upload_id) == "cancelled"


def test_cli_resume_with_an_unwritable_cache_is_refused_before_any_upload(
    fresh_emulator: EmulatorServer,
    server_calls: ServerCalls,
    make_file: Callable[[int], Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cache = tmp_path / "cache"
    cache.write_text("XDG_CACHE_HOME is a regular file")
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    monkeypatch.setenv("OPENAI_API_KEY", fresh_emulator.api_key)
    monkeypatch.setenv("OPENAI_BASE_URL", fresh_emulator.base_url)
    code = main(["upload", str(make_file(PART)), "--purpose", "batch", "--resume"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "resume journal" in err and err.count("\n") == 1
    assert server_calls.upload_ids() == []


def test_a_journal_path_that_is_a_folder_is_refused(
    client: Client, server_calls: ServerCalls, make_file: Callable[[int], Path], tmp_path: Path
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        client.uploads.upload_file(make_file(PART), purpose="batch", resume=tmp_path)
    assert caught.value.param == "resume"
    assert server_calls.upload_ids() == []
