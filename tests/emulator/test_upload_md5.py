"""The md5 checked on complete, hashed ahead as parts arrive: right and wrong in every order.

Each test records which part files complete itself had to hash, to tell the head start (parts
hashed while they arrived, in the order their requests started) from the fallback.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from openai_files_emulator import EmulatorServer
from openai_files_emulator.uploads import md5_chain

from .conftest import TIMEOUT, assert_error
from .test_uploads import add_part, create_upload, part_id

MiB = 1024 * 1024


@pytest.fixture
def rehashed(fresh_emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """How many part files each complete hashed itself."""
    blobs = fresh_emulator.emulator.blobs
    original = blobs.md5
    counts: list[int] = []

    def counting(segments: Sequence[Path], start: hashlib._Hash | None = None) -> str:
        counts.append(len(segments))
        return original(segments, start)

    monkeypatch.setattr(blobs, "md5", counting)
    yield counts


@pytest.fixture(params=["keeping up", "lagging"])
def hasher_lag(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Either the hasher keeps up with the wire, or it is behind at once and hashes from files."""
    if request.param == "lagging":
        monkeypatch.setattr(md5_chain, "MAX_LAG", 0)


def settled(server: EmulatorServer, upload_id: str, count: int) -> list[str]:
    """The part ids hashed ahead, once `count` of them are (bounded wait)."""
    chain = server.emulator.uploads.get(upload_id).chain
    deadline = time.monotonic() + 10
    while len(chain.hashed) < count and time.monotonic() < deadline:
        time.sleep(0.01)
    return list(chain.hashed)


def complete(api: httpx.Client, upload_id: str, ids: list[str], content: bytes) -> httpx.Response:
    return api.post(
        f"/uploads/{upload_id}/complete", json={"part_ids": ids, "md5": hashlib.md5(content).hexdigest()}
    )


def assert_stored(api: httpx.Client, response: httpx.Response, content: bytes) -> None:
    assert response.status_code == 200, response.text
    stored = api.get(f"/files/{response.json()['file']['id']}/content")
    assert hashlib.md5(stored.content).digest() == hashlib.md5(content).digest()


@pytest.mark.usefixtures("hasher_lag")
def test_parts_in_order_are_hashed_as_they_arrive(
    api: httpx.Client, fresh_emulator: EmulatorServer, rehashed: list[int]
) -> None:
    # 3 MiB parts: several write batches each, so the part at the head is hashed from the wire.
    chunks = [os.urandom(3 * MiB) for _ in range(3)]
    upload = create_upload(api, 9 * MiB)
    ids = [part_id(api, upload["id"], chunk) for chunk in chunks]
    assert settled(fresh_emulator, upload["id"], 3) == ids

    assert_error(complete(api, upload["id"], ids, b"other"), 400, param="md5", contains="md5")
    assert_stored(api, complete(api, upload["id"], ids, b"".join(chunks)), b"".join(chunks))
    assert rehashed == [0, 0]


def test_parts_named_in_another_order_than_sent(
    api: httpx.Client, fresh_emulator: EmulatorServer, rehashed: list[int]
) -> None:
    a, b, c = b"a" * 1000, b"b" * 2000, b"c" * 3000
    upload = create_upload(api, 6000)
    ids = [part_id(api, upload["id"], chunk) for chunk in (a, b, c)]
    settled(fresh_emulator, upload["id"], 3)

    assert_error(complete(api, upload["id"], [ids[0], ids[2], ids[1]], a + b + c), 400, param="md5")
    assert_error(complete(api, upload["id"], [ids[1], ids[0], ids[2]], a + b + c), 400, param="md5")
    assert rehashed == [2, 3]  # the shared first part came from the head start; the rest was rehashed
    assert_stored(api, complete(api, upload["id"], [ids[0], ids[2], ids[1]], a + c + b), a + c + b)


def test_parts_sent_out_of_order(api: httpx.Client, fresh_emulator: EmulatorServer) -> None:
    """The client sends the file's second part first, then names them in file order."""
    first, second = os.urandom(2 * MiB), os.urandom(MiB)
    upload = create_upload(api, 3 * MiB)
    late = part_id(api, upload["id"], second)
    early = part_id(api, upload["id"], first)
    settled(fresh_emulator, upload["id"], 2)
    assert_error(complete(api, upload["id"], [early, late], second + first), 400, param="md5")
    assert_stored(api, complete(api, upload["id"], [early, late], first + second), first + second)


def test_concurrent_parts(api: httpx.Client, fresh_emulator: EmulatorServer) -> None:
    chunks = [os.urandom(256 * 1024 + i) for i in range(24)]
    upload = create_upload(api, sum(map(len, chunks)))
    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(lambda chunk: part_id(api, upload["id"], chunk), chunks))
    whole = b"".join(chunks)
    assert_error(complete(api, upload["id"], ids[::-1], whole), 400, param="md5")
    assert_error(complete(api, upload["id"], ids, whole[:-1] + b"?"), 400, param="md5")
    assert_stored(api, complete(api, upload["id"], ids, whole), whole)


def _abandon_part(port: int, api_key: str, upload_id: str, sent: bytes, declared: int) -> None:
    """Start a part, send `sent` of its body, and hang up."""
    head = (
        f"POST /v1/uploads/{upload_id}/parts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {api_key}\r\n"
        f"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: {declared}\r\n\r\n"
        '--b\r\nContent-Disposition: form-data; name="data"; filename="u"\r\n\r\n'
    )
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT.read) as sock:
        sock.sendall(head.encode() + sent)


@pytest.mark.usefixtures("hasher_lag")
def test_a_dropped_part_retried_later(
    api: httpx.Client, fresh_emulator: EmulatorServer, rehashed: list[int]
) -> None:
    chunks = [os.urandom(2 * MiB) for _ in range(3)]
    upload = create_upload(api, 6 * MiB)
    ids = [part_id(api, upload["id"], chunks[0])]
    # An injected drop cuts the third part's connection after half its body.
    drop = fresh_emulator.injected(script=("drop",), paths=("/v1/uploads/*/parts",))
    with drop, pytest.raises(httpx.TransportError):
        add_part(api, upload["id"], chunks[2])
    # The second part's connection dies part way, its body partly hashed at the head of the line.
    _abandon_part(fresh_emulator.port, fresh_emulator.api_key, upload["id"], chunks[1][: MiB + 7], 3 * MiB)
    ids.append(part_id(api, upload["id"], chunks[1]))
    ids.append(part_id(api, upload["id"], chunks[2]))
    assert settled(fresh_emulator, upload["id"], 3) == ids

    whole = b"".join(chunks)
    assert_error(complete(api, upload["id"], ids, chunks[0] + chunks[1][: MiB + 7] + chunks[2]), 400)
    assert_stored(api, complete(api, upload["id"], ids, whole), whole)
    assert rehashed == [0, 0]


def test_a_part_refused_after_its_body(tiny_api: httpx.Client, tiny: EmulatorServer) -> None:
    """A part spooled and then refused (over the 100-byte limit of `tiny`) leaves no trace."""
    upload = create_upload(tiny_api, 200)
    first = part_id(tiny_api, upload["id"], b"1" * 100)
    assert_error(add_part(tiny_api, upload["id"], b"x" * 150), 400, param="data")
    second = part_id(tiny_api, upload["id"], b"2" * 100)
    assert settled(tiny, upload["id"], 2) == [first, second]
    content = b"1" * 100 + b"2" * 100
    assert_stored(tiny_api, complete(tiny_api, upload["id"], [first, second], content), content)


class _SlowPart:
    """A part sent by hand in pieces, so the test decides when each request starts and ends."""

    def __init__(self, server: EmulatorServer, upload_id: str, content: bytes) -> None:
        framing = '--b\r\nContent-Disposition: form-data; name="data"; filename="u"\r\n\r\n'
        self._body = framing.encode() + content + b"\r\n--b--\r\n"
        head = (
            f"POST /v1/uploads/{upload_id}/parts HTTP/1.1\r\nHost: x\r\n"
            f"Authorization: Bearer {server.api_key}\r\nConnection: close\r\n"
            f"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: {len(self._body)}\r\n\r\n"
        )
        self._sock = socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT.read)
        self._sock.sendall(head.encode())
        self._sent = 0

    def send(self, count: int) -> None:
        self._sock.sendall(self._body[self._sent : self._sent + count])
        self._sent += count

    def finish(self) -> str:
        """Send the rest and return the part id from the answer."""
        self.send(len(self._body))
        with self._sock:
            received = b""
            while chunk := self._sock.recv(65536):
                received += chunk
        assert received.startswith(b"HTTP/1.1 200"), received[:300]
        return str(json.loads(received.partition(b"\r\n\r\n")[2])["id"])


@pytest.mark.usefixtures("hasher_lag")
def test_a_part_overtaken_mid_body(
    api: httpx.Client, fresh_emulator: EmulatorServer, rehashed: list[int]
) -> None:
    """The second part is half in when the first ends: it is hashed from its file, then from the wire."""
    first, second = os.urandom(3 * MiB), os.urandom(4 * MiB)
    upload = create_upload(api, 7 * MiB)
    a = _SlowPart(fresh_emulator, upload["id"], first)
    a.send(MiB)
    b = _SlowPart(fresh_emulator, upload["id"], second)
    b.send(2 * MiB + 5)
    time.sleep(0.2)  # lets the server spool some of b first; the assertions hold either way
    ids = [a.finish(), b.finish()]
    assert settled(fresh_emulator, upload["id"], 2) == ids
    assert_error(complete(api, upload["id"], ids, second + first), 400, param="md5")
    assert_stored(api, complete(api, upload["id"], ids, first + second), first + second)
    assert rehashed == [0, 0]
