"""Files over HTTP against the emulator: create, retrieve, list, content, download, delete; sync and async."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest

from openai_files import (
    AsyncClient,
    Client,
    InvalidInputError,
    NotFoundError,
    Progress,
)
from openai_files._generated import OpenAIFile
from openai_files._transfer import TransferConfig
from openai_files._transfer.config import MiB
from openai_files_emulator import EmulatorServer

from .conftest import collect, resolve


@pytest.mark.anyio
async def test_create_retrieve_content_delete(any_client: Client | AsyncClient, tmp_path: Path) -> None:
    source = tmp_path / "notes.txt"
    source.write_bytes(b"hello files\n")
    stored = await resolve(any_client.files.create(source, purpose="user_data", expires_after_seconds=7200))
    assert (stored.filename, stored.bytes_, stored.purpose) == ("notes.txt", 12, "user_data")
    assert stored.expires_at == stored.created_at + 7200  # expires_after[...] reached the service
    assert (await resolve(any_client.files.retrieve(stored.id))).id == stored.id
    assert await resolve(any_client.files.content(stored.id)) == b"hello files\n"
    deleted = await resolve(any_client.files.delete(stored.id))
    assert deleted.deleted and deleted.id == stored.id
    with pytest.raises(NotFoundError) as caught:
        await resolve(any_client.files.retrieve(stored.id))
    assert caught.value.request_id and caught.value.param == "file_id"


@pytest.mark.anyio
async def test_create_from_file_object(any_client: Client | AsyncClient) -> None:
    body = b'{"a": 1}\n'
    stored = await resolve(
        any_client.files.create(io.BytesIO(body), purpose="user_data", filename="one.jsonl")
    )
    assert stored.filename == "one.jsonl" and await resolve(any_client.files.content(stored.id)) == body


@pytest.mark.parametrize(
    ("make", "kwargs", "message"),
    [
        (lambda tmp: tmp / "missing.txt", {}, "no such file"),
        (lambda tmp: tmp, {}, "not a regular file"),
        (lambda tmp: io.BytesIO(b"x"), {}, "filename= is required"),
        (lambda tmp: io.BytesIO(b"x"), {"filename": "a", "purpose": "fun"}, "purpose must be one of"),
        (lambda tmp: io.BytesIO(b"x"), {"filename": "a", "expires_after_seconds": 60}, "between 3600"),
    ],
)
def test_bad_input_is_refused_before_sending(
    client: Client, tmp_path: Path, make: object, kwargs: dict[str, object], message: str
) -> None:
    source = make(tmp_path)  # type: ignore[operator]
    arguments: dict[str, object] = {"purpose": "user_data", **kwargs}
    with pytest.raises(InvalidInputError, match=message):
        client.files.create(source, **arguments)  # type: ignore[arg-type]
    assert list(client.files.list()) == []


def test_over_512_mb_is_refused_locally(client: Client, tmp_path: Path) -> None:
    sparse = tmp_path / "big.bin"
    with sparse.open("wb") as handle:
        handle.truncate(512 * 1024 * 1024 + 1)
    with pytest.raises(InvalidInputError, match="upload_file"):
        client.files.create(sparse, purpose="user_data")
    assert list(client.files.list()) == []


@pytest.mark.anyio
async def test_list_follows_cursor_across_pages(any_client: Client | AsyncClient) -> None:
    files = any_client.files
    ids = [
        (await resolve(files.create(io.BytesIO(b"x"), purpose="user_data", filename=f"f{n}"))).id
        for n in range(5)
    ]
    pager = files.list(limit=2)
    assert [f.id for f in await collect(pager)] == ids[::-1]
    pages = await collect(pager.pages())
    assert [len(p.data) for p in pages] == [2, 2, 1]
    assert [p.has_more for p in pages] == [True, True, False]
    assert [f.id for f in (await resolve(pager.first_page())).data] == ids[:2:-1]
    assert [f.id for f in await collect(files.list(order="asc", limit=3))] == ids
    assert await collect(files.list(purpose="batch")) == []
    with pytest.raises(InvalidInputError, match="limit must be between 1 and 10000"):
        files.list(limit=0)


@pytest.mark.anyio
async def test_download_to_path_and_writable(any_client: Client | AsyncClient, tmp_path: Path) -> None:
    payload = os.urandom(3 * 1024 * 1024 + 17)
    stored = await resolve(any_client.files.create(io.BytesIO(payload), purpose="user_data", filename="b"))
    seen: list[Progress] = []
    target = tmp_path / "out.bin"
    written = await resolve(any_client.files.download(stored.id, target, progress=seen.append))
    assert written == len(payload) and target.read_bytes() == payload
    assert seen[-1] == Progress(len(payload), len(payload), 1, 1) and len(seen) >= 4
    assert [e.finished for e in seen].count(True) == 1  # the last event, once every byte arrived
    sink = io.BytesIO()
    assert await resolve(any_client.files.download(stored.id, sink, chunk_size=4096)) == len(payload)
    assert sink.getvalue() == payload
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.bin"]  # no temporary left behind


@pytest.mark.anyio
async def test_failed_download_leaves_target_untouched(
    any_client: Client | AsyncClient, tmp_path: Path
) -> None:
    target = tmp_path / "keep.txt"
    target.write_bytes(b"precious")
    with pytest.raises(NotFoundError):
        await resolve(any_client.files.download("file-missing", target))
    assert target.read_bytes() == b"precious"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]
    for bad in (tmp_path, tmp_path / "no" / "such.txt"):
        with pytest.raises(InvalidInputError, match="download target"):
            await resolve(any_client.files.download("file-missing", bad))  # refused before any request


SMALL_THRESHOLD = TransferConfig(single_request_below=2 * MiB, min_chosen_part_size=MiB)
"""Shrinks the size from which files go as Upload parts, and the part floor, so a few MiB test them."""


def _posts_seen(emulator: EmulatorServer) -> list[str]:
    """The paths of every POST so far, ids replaced by `{id}`."""
    posts = [seen.path for seen in emulator.emulator.requests.recent() if seen.method == "POST"]
    return [re.sub(r"/upload_[^/]+", "/{id}", path) for path in posts]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("size", "purpose", "requests"),
    [
        (3 * MiB, "batch", ["/v1/uploads", *["/v1/uploads/{id}/parts"] * 3, "/v1/uploads/{id}/complete"]),
        (2 * MiB - 1, "batch", ["/v1/files"]),  # under the threshold: one request
        (3 * MiB, "user_data", ["/v1/files"]),  # a purpose Uploads do not take
    ],
)
async def test_create_chooses_parts_or_one_request(
    any_client: Client | AsyncClient,
    fresh_emulator: EmulatorServer,
    tmp_path: Path,
    size: int,
    purpose: str,
    requests: list[str],
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_bytes(os.urandom(size))
    stored = await resolve(any_client.files.create(source, purpose=purpose, config=SMALL_THRESHOLD))
    assert isinstance(stored, OpenAIFile)
    assert (stored.filename, stored.bytes_, stored.purpose) == ("in.jsonl", size, purpose)
    assert await resolve(any_client.files.content(stored.id)) == source.read_bytes()
    assert _posts_seen(fresh_emulator) == requests


def test_bad_input_for_the_parts_path_sends_nothing(
    client: Client, fresh_emulator: EmulatorServer, tmp_path: Path
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_bytes(b"x" * 3 * MiB)
    for bad in ({"purpose": "fun"}, {"purpose": "batch", "expires_after_seconds": 60}):
        with pytest.raises(InvalidInputError):
            client.files.create(source, config=SMALL_THRESHOLD, **bad)  # type: ignore[arg-type]
    assert _posts_seen(fresh_emulator) == []
