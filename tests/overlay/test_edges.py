"""Issue 9's edges over HTTP against the emulator, sync and async: nothing stored for a refused batch,
the service's batch limits checked locally, ids and arguments refused before any request, downloads
that leave modes as `cp` would, and results of a batch that has not ended."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from openai_files import (
    AsyncClient,
    BadRequestError,
    BatchInputError,
    BatchNotFinishedError,
    Client,
    InvalidInputError,
)
from openai_files._cli import main
from openai_files_emulator import EmulatorServer

from .conftest import collect, resolve, write_requests


def _names(client: Client, name: str) -> list[str]:
    return [f.id for f in client.files.list() if f.filename == name]


@pytest.fixture
def cli_env(fresh_emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> EmulatorServer:
    monkeypatch.setenv("OPENAI_API_KEY", fresh_emulator.api_key)
    monkeypatch.setenv("OPENAI_BASE_URL", fresh_emulator.base_url)
    return fresh_emulator


# Item 6: a refused batch leaves no input file behind.


@pytest.mark.anyio
async def test_a_batch_the_service_refuses_deletes_the_input_file_it_stored(
    any_client: Client | AsyncClient, fresh_emulator: EmulatorServer, client: Client, tmp_path: Path
) -> None:
    source = write_requests(tmp_path / "refused.jsonl", 2)
    with (
        fresh_emulator.injected(script=("400",), paths=("/v1/batches",), methods=("POST",)),
        pytest.raises(BadRequestError),
    ):
        await resolve(any_client.batches.create_from_file(source))
    assert _names(client, source.name) == []


@pytest.mark.anyio
@pytest.mark.parametrize(
    "metadata",
    [
        {f"k{n}": "v" for n in range(17)},
        {"k" * 65: "v"},
        {"k": "v" * 513},
    ],
)
async def test_batch_metadata_over_the_service_limits_is_refused_before_storing(
    any_client: Client | AsyncClient, client: Client, tmp_path: Path, metadata: dict[str, str]
) -> None:
    source = write_requests(tmp_path / "meta.jsonl", 1)
    with pytest.raises(InvalidInputError) as caught:
        await resolve(any_client.batches.create_from_file(source, metadata=metadata))
    assert caught.value.param == "metadata"
    assert _names(client, source.name) == []


# Item 7: the service's limits on a batch input file, and lines it cannot parse.


def test_a_file_of_more_than_50000_requests_is_refused_at_the_line_over(
    cli_env: EmulatorServer, client: Client, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_requests(tmp_path / "many.jsonl", 50_001)
    assert main(["batches", "create", str(source)]) == 2
    assert "line 50001: a batch input file may hold at most 50000 requests" in capsys.readouterr().err
    assert _names(client, source.name) == []


def test_a_file_over_200_mb_is_refused_before_reading(client: Client, tmp_path: Path) -> None:
    source = tmp_path / "huge.jsonl"
    with source.open("wb") as sparse:
        sparse.truncate(200_000_001)
    with pytest.raises(InvalidInputError, match="over the 200000000 bytes") as caught:
        client.batches.create_from_file(source)
    assert caught.value.param == "path"
    assert _names(client, source.name) == []


def test_a_deeply_nested_line_names_its_line(client: Client, tmp_path: Path) -> None:
    source = write_requests(tmp_path / "deep.jsonl", 1)
    deep = '{"custom_id": "x", "method": "POST", "url": "/v1/chat/completions", "body": {"a": '
    with source.open("a") as out:
        out.write(deep + "[" * 100_000 + "]" * 100_000 + "}}\n")
    with pytest.raises(BatchInputError, match="line 2: JSON nested too deeply") as caught:
        client.batches.create_from_file(source)
    assert caught.value.line == 2
    assert _names(client, source.name) == []


# Item 8, the library side: ids, chunk sizes and poll intervals refused before any request.


@pytest.mark.anyio
@pytest.mark.parametrize("bad_id", ["", ".", "..", " "])
async def test_ids_that_would_name_another_path_are_refused(
    any_client: Client | AsyncClient, fresh_emulator: EmulatorServer, bad_id: str, tmp_path: Path
) -> None:
    calls = [
        ("file_id", lambda: any_client.files.retrieve(bad_id)),
        ("file_id", lambda: any_client.files.delete(bad_id)),
        ("file_id", lambda: any_client.files.content(bad_id)),
        ("file_id", lambda: any_client.files.download(bad_id, tmp_path / "out")),
        ("batch_id", lambda: any_client.batches.retrieve(bad_id)),
        ("batch_id", lambda: any_client.batches.cancel(bad_id)),
        ("upload_id", lambda: any_client.uploads.cancel(bad_id)),
        ("upload_id", lambda: any_client.uploads.add_part(bad_id, b"x")),
        ("upload_id", lambda: any_client.uploads.complete(bad_id, ["part_x"])),
    ]
    fresh_emulator.emulator.requests.clear()
    for param, call in calls:
        with pytest.raises(InvalidInputError) as caught:
            await resolve(call())
        assert caught.value.param == param
    assert list(tmp_path.iterdir()) == []
    assert fresh_emulator.emulator.requests.recent() == []  # refused before any request


@pytest.mark.parametrize("argv", [["files", "get", ""], ["files", "get", "."], ["files", "get", ".."]])
def test_cli_ids_are_checked_before_use(
    cli_env: EmulatorServer, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "file_id must be an id" in err and err.count("\n") == 1


@pytest.mark.anyio
@pytest.mark.parametrize("chunk_size", [0, -1])
async def test_a_chunk_size_below_one_is_refused_before_anything_is_written(
    any_client: Client | AsyncClient, client: Client, tmp_path: Path, chunk_size: int
) -> None:
    stored = client.files.create(write_requests(tmp_path / "in.jsonl", 1), purpose="batch")
    target = tmp_path / "out"
    target.mkdir()
    with pytest.raises(InvalidInputError) as caught:
        await resolve(any_client.files.download(stored.id, target / "copy", chunk_size=chunk_size))
    assert caught.value.param == "chunk_size"
    assert list(target.iterdir()) == []


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("poll_interval", -1.0),
        ("poll_interval", 0.0),
        ("timeout", float("nan")),
        ("max_poll_interval", float("inf")),
    ],
)
async def test_a_wait_with_an_unusable_interval_is_refused_before_polling(
    any_client: Client | AsyncClient, option: str, value: float
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        await resolve(any_client.batches.wait("batch_x", **{option: value}))  # type: ignore[arg-type]
    assert caught.value.param == option  # not a 404 for batch_x: nothing was asked


# Item 9: downloads leave modes and links as `cp` would.


@pytest.fixture
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_cli_download_modes_follow_cp(
    cli_env: EmulatorServer, client: Client, tmp_path: Path, umask_022: None
) -> None:
    source = write_requests(tmp_path / "in.jsonl", 3)
    file_id = client.files.create(source, purpose="batch").id
    fresh = tmp_path / "fresh.jsonl"
    existing = tmp_path / "existing.jsonl"
    existing.write_text("old")
    existing.chmod(0o640)
    pointed = tmp_path / "pointed.jsonl"
    pointed.write_text("old")
    pointed.chmod(0o604)
    link = tmp_path / "link.jsonl"
    link.symlink_to(pointed)
    for target in (fresh, existing, link):
        assert main(["--no-progress", "files", "download", file_id, str(target)]) == 0
    assert _mode(fresh) == 0o644  # the umask's mode, not 0600
    assert _mode(existing) == 0o640 and existing.read_bytes() == source.read_bytes()
    assert link.is_symlink() and link.resolve() == pointed.resolve()
    assert pointed.read_bytes() == source.read_bytes() and _mode(pointed) == 0o604
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temporaries


# Item 10: results of a batch that has not ended.


@pytest.mark.anyio
async def test_results_of_a_running_batch_raise_with_its_status(
    any_client: Client | AsyncClient, tmp_path: Path
) -> None:
    batch = await resolve(any_client.batches.create_from_file(write_requests(tmp_path / "in.jsonl", 2)))
    with pytest.raises(BatchNotFinishedError) as caught:
        await collect(any_client.batches.results(batch))
    # A batch object from before it ended is asked again: the status is the one the batch has now.
    assert caught.value.status in ("validating", "in_progress", "finalizing")
    assert caught.value.batch_id == batch.id
    with pytest.raises(BatchNotFinishedError, match=batch.id):
        await collect(any_client.batches.results(batch.id))


def test_cli_results_of_a_running_batch_exit_6(
    cli_env: EmulatorServer, client: Client, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    batch = client.batches.create_from_file(write_requests(tmp_path / "in.jsonl", 2))
    assert main(["batches", "results", batch.id]) == 6
    out, err = capsys.readouterr()
    assert out == "" and f"batch {batch.id} is " in err and "not final" in err


@pytest.mark.anyio
async def test_a_file_name_that_is_not_utf8_is_stored_under_a_readable_name(
    any_client: Client | AsyncClient, tmp_path: Path
) -> None:
    """Linux names are bytes; Python hands undecodable ones over as surrogates no request can carry."""
    source = Path(os.fsdecode(os.fsencode(tmp_path) + b"/req\xff\xfe.jsonl"))
    write_requests(source, 1)
    stored = await resolve(any_client.files.create(source, purpose="batch"))
    uploaded = await resolve(any_client.uploads.upload_file(source, purpose="batch"))
    assert stored.filename == "req\ufffd\ufffd.jsonl"
    assert uploaded.file and uploaded.file.filename == stored.filename
