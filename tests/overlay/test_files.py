"""Files over HTTP against the emulator: create, retrieve, list, content, download, delete; sync and async."""

from __future__ import annotations

import io
import os
from pathlib import Path

import httpx
import pytest

from openai_files import (
    AsyncClient,
    BadRequestError,
    Client,
    IncompleteDownloadError,
    InvalidInputError,
    NotFoundError,
)
from openai_files_emulator import EmulatorServer


def test_create_retrieve_content_delete(client: Client, tmp_path: Path) -> None:
    source = tmp_path / "notes.txt"
    source.write_bytes(b"hello files\n")
    stored = client.files.create(source, purpose="user_data", expires_after_seconds=7200)
    assert (stored.filename, stored.bytes_, stored.purpose) == ("notes.txt", 12, "user_data")
    assert stored.expires_at == stored.created_at + 7200  # expires_after[...] reached the service
    assert client.files.retrieve(stored.id).id == stored.id
    assert client.files.content(stored.id) == b"hello files\n"
    deleted = client.files.delete(stored.id)
    assert deleted.deleted and deleted.id == stored.id
    with pytest.raises(NotFoundError) as caught:
        client.files.retrieve(stored.id)
    assert caught.value.request_id and caught.value.param == "file_id"


def test_create_from_file_object(client: Client) -> None:
    stored = client.files.create(io.BytesIO(b'{"a": 1}\n'), purpose="user_data", filename="one.jsonl")
    assert stored.filename == "one.jsonl" and client.files.content(stored.id) == b'{"a": 1}\n'


@pytest.mark.parametrize(
    ("make", "kwargs", "message"),
    [
        (lambda tmp: tmp / "missing.txt", {}, "no such file"),
        (lambda tmp: tmp, {}, "not a regular file"),
        (lambda tmp: io.BytesIO(b"x"), {}, "filename= is required"),
        (lambda tmp: io.BytesIO(b"x"), {"filename": "a", "purpose": "fun"}, "unknown purpose"),
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


def test_list_follows_cursor_across_pages(client: Client) -> None:
    ids = [client.files.create(io.BytesIO(b"x"), purpose="user_data", filename=f"f{n}").id for n in range(5)]
    pager = client.files.list(limit=2)
    assert [f.id for f in pager] == ids[::-1]
    pages = list(pager.pages())
    assert [len(p.data) for p in pages] == [2, 2, 1]
    assert [p.has_more for p in pages] == [True, True, False]
    assert [f.id for f in client.files.list(order="asc", limit=3)] == ids
    assert [f.id for f in client.files.list(purpose="batch")] == []
    with pytest.raises(BadRequestError):
        client.files.list(limit=0).first_page()


def test_download_to_path_and_writable(client: Client, tmp_path: Path) -> None:
    payload = os.urandom(3 * 1024 * 1024 + 17)
    stored = client.files.create(io.BytesIO(payload), purpose="user_data", filename="blob.bin")
    seen: list[tuple[int, int | None]] = []
    target = tmp_path / "out.bin"
    written = client.files.download(stored.id, target, progress=lambda n, total: seen.append((n, total)))
    assert written == len(payload) and target.read_bytes() == payload
    assert seen[-1] == (len(payload), len(payload)) and len(seen) >= 3
    sink = io.BytesIO()
    assert client.files.download(stored.id, sink, chunk_size=4096) == len(payload)
    assert sink.getvalue() == payload
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.bin"]  # no temporary left behind


def test_failed_download_leaves_target_untouched(client: Client, tmp_path: Path) -> None:
    target = tmp_path / "keep.txt"
    target.write_bytes(b"precious")
    with pytest.raises(NotFoundError):
        client.files.download("file-missing", target)
    assert target.read_bytes() == b"precious"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]
    for bad in (tmp_path, tmp_path / "no" / "such.txt"):
        with pytest.raises(InvalidInputError, match="download target"):
            client.files.download("file-missing", bad)  # refused before any request


def test_short_body_is_detected_and_target_untouched(tmp_path: Path) -> None:
    """A body that ends before its Content-Length: no file appears, the error says by how much."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-length": "10"}, content=iter([b"12345"]))

    target = tmp_path / "out.bin"
    client = Client(
        api_key="sk-test", base_url="http://127.0.0.1:9/v1", transport=httpx.MockTransport(handler)
    )
    with pytest.raises(IncompleteDownloadError, match="5 bytes, expected 10"):
        client.files.download("file-1", target)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.anyio
async def test_async_files_round_trip(aclient: AsyncClient, tmp_path: Path) -> None:
    source = tmp_path / "a.jsonl"
    source.write_bytes(b"line\n" * 1000)
    stored = await aclient.files.create(source, purpose="user_data")
    others = [
        await aclient.files.create(io.BytesIO(b"y"), purpose="user_data", filename=f"o{n}") for n in range(2)
    ]
    assert [f.id async for f in aclient.files.list(limit=1)] == [others[1].id, others[0].id, stored.id]
    assert (await aclient.files.retrieve(stored.id)).bytes_ == 5000
    target = tmp_path / "copy.jsonl"
    assert await aclient.files.download(stored.id, target) == 5000
    assert target.read_bytes() == source.read_bytes()
    assert await aclient.files.content(stored.id) == source.read_bytes()
    assert (await aclient.files.delete(stored.id)).deleted
    with pytest.raises(NotFoundError):
        await aclient.files.download(stored.id, tmp_path / "gone")


def test_emulator_fixture_is_the_one_in_use(client: Client, fresh_emulator: EmulatorServer) -> None:
    assert client.base_url == fresh_emulator.base_url
