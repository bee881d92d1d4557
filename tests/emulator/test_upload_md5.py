"""The md5 checked on complete: right and wrong in every order, after drops and refusals."""

from __future__ import annotations

import hashlib
import os
import socket
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from openai_files_emulator import EmulatorServer

from .conftest import TIMEOUT, assert_error
from .test_uploads import add_part, create_upload, part_id

MiB = 1024 * 1024


def complete(api: httpx.Client, upload_id: str, ids: list[str], content: bytes) -> httpx.Response:
    return api.post(
        f"/uploads/{upload_id}/complete", json={"part_ids": ids, "md5": hashlib.md5(content).hexdigest()}
    )


def assert_stored(api: httpx.Client, response: httpx.Response, content: bytes) -> None:
    assert response.status_code == 200, response.text
    stored = api.get(f"/files/{response.json()['file']['id']}/content")
    assert hashlib.md5(stored.content).digest() == hashlib.md5(content).digest()


def test_parts_in_order(api: httpx.Client) -> None:
    chunks = [os.urandom(3 * MiB) for _ in range(3)]
    upload = create_upload(api, 9 * MiB)
    ids = [part_id(api, upload["id"], chunk) for chunk in chunks]
    assert_error(complete(api, upload["id"], ids, b"other"), 400, param="md5", contains="md5")
    assert_stored(api, complete(api, upload["id"], ids, b"".join(chunks)), b"".join(chunks))


def test_parts_named_in_another_order_than_sent(api: httpx.Client) -> None:
    a, b, c = b"a" * 1000, b"b" * 2000, b"c" * 3000
    upload = create_upload(api, 6000)
    ids = [part_id(api, upload["id"], chunk) for chunk in (a, b, c)]
    assert_error(complete(api, upload["id"], [ids[0], ids[2], ids[1]], a + b + c), 400, param="md5")
    assert_error(complete(api, upload["id"], [ids[1], ids[0], ids[2]], a + b + c), 400, param="md5")
    assert_stored(api, complete(api, upload["id"], [ids[0], ids[2], ids[1]], a + c + b), a + c + b)


def test_concurrent_parts(api: httpx.Client) -> None:
    chunks = [os.urandom(256 * 1024 + i) for i in range(24)]
    upload = create_upload(api, sum(map(len, chunks)))
    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(lambda chunk: part_id(api, upload["id"], chunk), chunks))
    whole = b"".join(chunks)
    assert_error(complete(api, upload["id"], ids[::-1], whole), 400, param="md5")
    assert_error(complete(api, upload["id"], ids, whole[:-1] + bytes([whole[-1] ^ 1])), 400, param="md5")
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


def test_a_dropped_part_retried_later(api: httpx.Client, fresh_emulator: EmulatorServer) -> None:
    chunks = [os.urandom(2 * MiB) for _ in range(3)]
    upload = create_upload(api, 6 * MiB)
    ids = [part_id(api, upload["id"], chunks[0])]
    # An injected drop cuts the third part's connection after half its body.
    drop = fresh_emulator.injected(script=("drop",), paths=("/v1/uploads/*/parts",))
    with drop, pytest.raises(httpx.TransportError):
        add_part(api, upload["id"], chunks[2])
    # The second part's connection dies part way.
    _abandon_part(fresh_emulator.port, fresh_emulator.api_key, upload["id"], chunks[1][: MiB + 7], 3 * MiB)
    ids.append(part_id(api, upload["id"], chunks[1]))
    ids.append(part_id(api, upload["id"], chunks[2]))
    whole = b"".join(chunks)
    assert_error(complete(api, upload["id"], ids, chunks[0] + chunks[1][: MiB + 7] + chunks[2]), 400)
    assert_stored(api, complete(api, upload["id"], ids, whole), whole)


def test_a_part_refused_after_its_body(tiny_api: httpx.Client, tiny: EmulatorServer) -> None:
    """A part spooled and then refused (over the 100-byte limit of `tiny`) leaves no trace."""
    upload = create_upload(tiny_api, 200)
    first = part_id(tiny_api, upload["id"], b"1" * 100)
    assert_error(add_part(tiny_api, upload["id"], b"x" * 150), 400, param="data")
    second = part_id(tiny_api, upload["id"], b"2" * 100)
    content = b"1" * 100 + b"2" * 100
    assert_stored(tiny_api, complete(tiny_api, upload["id"], [first, second], content), content)
    assert list((tiny.emulator.blobs.root / "spool").iterdir()) == []
