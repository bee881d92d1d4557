"""Large part bodies moved socket -> pipe -> spool file in the kernel: exact bytes, the connection after.

A spy on the server's splice thread tells the spliced path from the ordinary one.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import socket
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from openai_files_emulator import EmulatorServer, server
from openai_files_emulator.blobs import BlobStore
from openai_files_emulator.errors import InvalidRequest
from openai_files_emulator.multipart import FormReader
from openai_files_emulator.uploads.state import UploadRecord

from .conftest import TIMEOUT, assert_error
from .test_http import part_request, read_responses

MiB = 1024 * 1024


@pytest.fixture
def spliced(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The bytes each splice moved."""
    moved: list[int] = []
    original = server.socket_to_file

    def counting(sock: int, target: int, offset: int, count: int) -> int:
        moved.append(original(sock, target, offset, count))
        return moved[-1]

    monkeypatch.setattr(server, "socket_to_file", counting)
    yield moved


def new_upload(emulator: EmulatorServer, size: int) -> UploadRecord:
    return emulator.emulator.uploads.create(filename="f", purpose="batch", size=size, mime_type="t")


def content(size: int) -> bytes:
    """Random bytes with near-delimiters (`\\r\\n--a`, never the boundary `b`) in the middle.

    The run of near-delimiters ends in `a`: ending it in `--` would let the next random byte be a `b`.
    """
    return os.urandom(size // 2) + b"\r\n--a" * 1800 + os.urandom(size - size // 2 - 9000)


def test_big_parts_pipelined_keep_their_bytes_and_the_connection(
    fresh_emulator: EmulatorServer, spliced: list[int]
) -> None:
    contents = [content(9 * MiB + 3), content(6 * MiB + 1), b"small"]
    upload = new_upload(fresh_emulator, sum(map(len, contents)))
    get = f"GET /v1/files HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {fresh_emulator.api_key}\r\n\r\n"
    requests = b"".join(part_request(fresh_emulator, upload.id, body) for body in contents) + get.encode()
    with socket.create_connection(("127.0.0.1", fresh_emulator.port), timeout=TIMEOUT.read) as sock:
        sock.sendall(requests)
        assert read_responses(sock, 4) == [b"HTTP/1.1 200 OK"] * 4
    stored = sorted((part.path.read_bytes() for part in upload.parts.values()), key=len, reverse=True)
    assert stored == contents
    assert len(spliced) == 2 and all(count > 4 * MiB for count in spliced)


def send_parts(emulator: EmulatorServer, upload_id: str, contents: list[bytes]) -> None:
    """Whole requests in one write, so the server's reads are full-size and the splice is taken."""
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=TIMEOUT.read) as sock:
        sock.sendall(b"".join(part_request(emulator, upload_id, body) for body in contents))
        assert read_responses(sock, len(contents)) == [b"HTTP/1.1 200 OK"] * len(contents)


@pytest.mark.parametrize("right", [True, False])
def test_md5_of_spliced_parts(
    fresh_emulator: EmulatorServer, api: httpx.Client, spliced: list[int], right: bool
) -> None:
    first, second = content(8 * MiB), content(9 * MiB + 5)
    upload = new_upload(fresh_emulator, len(first) + len(second))
    send_parts(fresh_emulator, upload.id, [first, second])
    assert len(spliced) == 2
    ids = sorted(upload.parts, key=lambda part: upload.parts[part].size)
    md5 = hashlib.md5(first + second if right else second + first).hexdigest()
    done = api.post(f"/uploads/{upload.id}/complete", json={"part_ids": ids, "md5": md5})
    if not right:
        assert_error(done, 400, param="md5", contains="md5")
        return
    assert done.status_code == 200, done.text
    file_id = done.json()["file"]["id"]
    assert api.get(f"/files/{file_id}/content").content == first + second


def test_a_client_gone_mid_splice_leaves_no_part_and_no_spool(
    fresh_emulator: EmulatorServer, spliced: list[int]
) -> None:
    upload = new_upload(fresh_emulator, 12 * MiB)
    request = part_request(fresh_emulator, upload.id, content(12 * MiB))
    with socket.create_connection(("127.0.0.1", fresh_emulator.port), timeout=TIMEOUT.read) as sock:
        sock.sendall(request[: 7 * MiB])
        time.sleep(0.3)
    spool = fresh_emulator.emulator.blobs.root / "spool"
    for _ in range(100):
        if spliced and not any(spool.iterdir()):
            break
        time.sleep(0.05)
    assert spliced and 0 < spliced[0] < 7 * MiB
    assert not any(spool.iterdir()) and not upload.parts
    with httpx.Client(timeout=TIMEOUT) as client:  # and the server goes on
        headers = {"Authorization": f"Bearer {fresh_emulator.api_key}"}
        assert client.get(f"{fresh_emulator.base_url}/files", headers=headers).status_code == 200


def test_a_field_after_the_spliced_one_is_refused(fresh_emulator: EmulatorServer, spliced: list[int]) -> None:
    upload = new_upload(fresh_emulator, 20 * MiB)
    field = b'--b\r\nContent-Disposition: form-data; name="data"; filename="u"\r\n\r\n'
    body = field + os.urandom(6 * MiB) + b"\r\n" + field + os.urandom(6 * MiB) + b"\r\n--b--\r\n"
    head = (
        f"POST /v1/uploads/{upload.id}/parts HTTP/1.1\r\nHost: x\r\n"
        f"Authorization: Bearer {fresh_emulator.api_key}\r\n"
        f"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", fresh_emulator.port), timeout=TIMEOUT.read) as sock:
        sock.sendall(head.encode() + body)
        assert read_responses(sock, 1) == [b"HTTP/1.1 400 Bad Request"]
    assert spliced and not upload.parts


def test_a_bandwidth_cap_keeps_the_ordinary_path(
    fresh_emulator: EmulatorServer, api: httpx.Client, spliced: list[int]
) -> None:
    body = content(5 * MiB)
    upload = new_upload(fresh_emulator, len(body))
    with fresh_emulator.injected(bandwidth=1000 * MiB):
        response = api.post(f"/uploads/{upload.id}/parts", files={"data": ("upload", body)})
    assert response.status_code == 200, response.text
    assert not spliced and [part.path.read_bytes() for part in upload.parts.values()] == [body]


class FakeWire:
    """A body read in chunks, with a splice that moves up to `step` bytes at once (every other offer)."""

    def __init__(self, body: bytes, chunk: int, step: int) -> None:
        self.body, self.pos, self.chunk, self.step, self.offers = body, 0, chunk, step, 0

    async def chunks(self) -> AsyncIterator[bytes]:
        while self.pos < len(self.body):
            self.pos += self.chunk
            yield self.body[self.pos - self.chunk : self.pos]

    async def splice(self, fd: int, offset: int, limit: int, reserve: int) -> int:
        self.offers += 1
        count = min(limit, self.step, len(self.body) - self.pos - reserve)
        if count <= 0 or self.offers % 2:
            return 0
        os.pwrite(fd, self.body[self.pos : self.pos + count], offset)
        self.pos += count
        return count


def read_spliced(tmp_path: Path, body: bytes, chunk: int, step: int) -> bytes:
    store = BlobStore(tmp_path)
    try:
        reader = FormReader(
            b"bnd",
            store,
            file_fields=frozenset({"data"}),
            text_fields=frozenset(),
            max_file_bytes=1 << 30,
            max_text_bytes=100,
        )
        wire = FakeWire(body, chunk, step)
        form = asyncio.run(reader.read(wire.chunks(), wire.splice))
        assert wire.offers > 1
        return form.files["data"].spool.path.read_bytes()
    finally:
        store.close()


@pytest.mark.parametrize("chunk", [1, 5, 7, 64, 1000])
def test_reader_splices_exactly_whatever_the_cuts(tmp_path: Path, chunk: int) -> None:
    """Near-delimiters at every offset relative to the splices, spliced ranges read back exactly."""
    content = b"\r\n--bn\r\n-\r\n--bx\r\r\n--b" * 300
    body = b'--bnd\r\nContent-Disposition: form-data; name="data"\r\n\r\n' + content + b"\r\n--bnd--\r\n"
    for step in (1, 3, 6, 5_001):
        assert read_spliced(tmp_path, body, chunk, step) == content


def test_reader_refuses_a_delimiter_inside_the_spliced_bytes(tmp_path: Path) -> None:
    """Only the closing delimiter may follow the last field; the search of the file finds any other."""
    field = b'--bnd\r\nContent-Disposition: form-data; name="data"\r\n\r\n'
    body = field + b"x" * 100_000 + b"\r\n" + field + b"y" * 100_000 + b"\r\n--bnd--\r\n"
    with pytest.raises(InvalidRequest, match="goes on after"):
        read_spliced(tmp_path, body, 1000, 1 << 20)
