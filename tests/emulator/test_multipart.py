"""The streaming form reader (python-multipart underneath) against every way a body can be cut into chunks."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from openai_files_emulator.blobs import BlobStore
from openai_files_emulator.errors import InvalidRequest
from openai_files_emulator.multipart import Form, FormReader, boundary_of


def form_body(boundary: bytes, purpose: bytes, content: bytes) -> bytes:
    return b"".join(
        [
            b"--" + boundary + b"\r\n",
            b'Content-Disposition: form-data; name="purpose"\r\n\r\n',
            purpose,
            b"\r\n--" + boundary + b"\r\n",
            b'Content-Disposition: form-data; name="file"; filename="f.bin"\r\n',
            b"Content-Type: text/plain\r\n\r\n",
            content,
            b"\r\n--" + boundary + b"--\r\nepilogue",
        ]
    )


async def chunks_of(body: bytes, sizes: list[int]) -> AsyncIterator[bytes]:
    position = 0
    for size in sizes:
        yield body[position : position + size]
        position += size
    yield body[position:]


def read(store: BlobStore, boundary: bytes, body: bytes, sizes: list[int], limit: int = 1 << 20) -> Form:
    reader = FormReader(
        boundary,
        store,
        file_fields=frozenset({"file"}),
        text_fields=frozenset({"purpose"}),
        max_file_bytes=limit,
        max_text_bytes=100,
    )
    return asyncio.run(reader.read(chunks_of(body, sizes)))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[BlobStore]:
    blobs = BlobStore(tmp_path)
    yield blobs
    blobs.close()


def test_every_split_point(store: BlobStore) -> None:
    boundary = b"bnd"
    content = b"\r\n--bn\r\n-\r\n--bx\r\r\n--b"  # prefixes of the delimiter everywhere
    body = form_body(boundary, b"batch", content)
    for cut in range(len(body) + 1):
        form = read(store, boundary, body, [cut])
        assert form.fields == {"purpose": "batch"}
        assert form.files["file"].spool.path.read_bytes() == content, cut
        assert form.files["file"].filename == "f.bin" and form.files["file"].content_type == "text/plain"
        form.discard()


def test_random_chunkings(store: BlobStore) -> None:
    rng = random.Random(5)
    for _ in range(200):
        boundary = bytes(rng.choice(b"abcXYZ'()+_,-./:=?") for _ in range(rng.randint(1, 70)))
        pieces = [
            b"\r\n",
            b"--",
            boundary[: rng.randint(0, len(boundary))],
            bytes(rng.randbytes(rng.randint(0, 40))),
        ]
        content = b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 60)))
        if b"\r\n--" + boundary in content:
            continue
        body = form_body(boundary, b"vision", content)
        sizes = [rng.randint(1, 9) for _ in range(rng.randint(0, len(body)))]
        form = read(store, boundary, body, sizes)
        assert form.files["file"].spool.path.read_bytes() == content
        assert form.files["file"].spool.size == len(content)
        form.discard()


def test_refusals_leave_no_spool_files(store: BlobStore, tmp_path: Path) -> None:
    body = form_body(b"b", b"batch", b"x" * 50)
    with pytest.raises(InvalidRequest, match="limit"):
        read(store, b"b", body, [7, 7, 7], limit=49)
    with pytest.raises(InvalidRequest, match="closing boundary"):
        read(store, b"b", body[:-30], [10])
    with pytest.raises(InvalidRequest, match="too long"):
        read(store, b"b", form_body(b"b", b"p" * 101, b""), [])
    assert list((tmp_path / "spool").iterdir()) == []


@pytest.mark.parametrize(
    ("header", "boundary"),
    [
        ("multipart/form-data; boundary=abc", b"abc"),
        ('multipart/form-data; charset=utf-8; boundary="a b;c"', b"a b;c"),
        ("Multipart/Form-Data;boundary=x", b"x"),
    ],
)
def test_boundary_of(header: str, boundary: bytes) -> None:
    assert boundary_of(header) == boundary


@pytest.mark.parametrize(
    "header", [None, "application/json", "multipart/form-data", 'multipart/form-data; boundary=""']
)
def test_boundary_of_refuses(header: str | None) -> None:
    with pytest.raises(InvalidRequest):
        boundary_of(header)
