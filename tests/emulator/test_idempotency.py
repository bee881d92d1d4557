"""Idempotency-Key on the emulator's POSTs, over raw HTTP: a repeat gets the first answer, a different
request under the same key is refused, and the `drop_response` fault that makes clients repeat."""

from __future__ import annotations

import os
import socket
import time
from typing import Any

import httpx
import pytest
from openai import OpenAI

from openai_files_emulator import EmulatorServer
from openai_files_emulator.clock import Clock
from openai_files_emulator.idempotency import DAY, WINDOW, Answer, IdempotencyStore, _Digest

from .conftest import TIMEOUT, assert_error
from .test_http import part_request, read_responses

MiB = 1024 * 1024
pytestmark = pytest.mark.usefixtures("store_on")


@pytest.fixture
def store_on(fresh_emulator: EmulatorServer) -> None:
    """These tests are about the store, which is off by default (`reset` turns it off again)."""
    fresh_emulator.emulator.idempotency.enabled = True


UPLOAD = {"filename": "a.jsonl", "purpose": "batch", "bytes": 3, "mime_type": "application/jsonl"}


def keyed(key: str) -> dict[str, str]:
    return {"Idempotency-Key": key}


def test_a_repeat_gets_the_first_answer_and_makes_nothing(
    api: httpx.Client, fresh_emulator: EmulatorServer
) -> None:
    first = api.post("/uploads", json=UPLOAD, headers=keyed("k1"))
    again = api.post("/uploads", json=UPLOAD, headers=keyed("k1"))
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert again.headers["x-request-id"] != first.headers["x-request-id"]  # a request of its own
    assert fresh_emulator.emulator.uploads.ids() == [first.json()["id"]]
    unkeyed = [api.post("/uploads", json=UPLOAD).json()["id"] for _ in range(2)]
    assert len(set(unkeyed)) == 2  # without a key, each POST creates


def test_a_different_request_under_a_used_key_is_refused(
    api: httpx.Client, fresh_emulator: EmulatorServer
) -> None:
    assert api.post("/uploads", json=UPLOAD, headers=keyed("k1")).status_code == 200
    other = api.post("/uploads", json={**UPLOAD, "bytes": 4}, headers=keyed("k1"))
    error = assert_error(other, 400, contains="different request")
    assert error["code"] == "idempotency_key_reused"
    elsewhere = api.post("/batches", json={"input_file_id": "file-x"}, headers=keyed("k1"))
    assert_error(elsewhere, 400, param="endpoint")  # another path: the key is free there, so it runs
    assert len(fresh_emulator.emulator.uploads.ids()) == 1


def test_keys_belong_to_their_api_key(api: httpx.Client, fresh_emulator: EmulatorServer) -> None:
    mine = api.post("/uploads", json=UPLOAD, headers=keyed("k1")).json()
    theirs = api.post("/uploads", json=UPLOAD, headers={**keyed("k1"), "Authorization": "Bearer sk-other"})
    assert theirs.status_code == 200 and theirs.json()["id"] != mine["id"]


def test_a_form_repeated_with_a_new_boundary_is_the_same_request(
    api: httpx.Client, fresh_emulator: EmulatorServer
) -> None:
    """httpx picks a fresh boundary per request, as a client rebuilding its retry does; a body
    larger than the window is recognised by its first MiB."""
    big = bytes(range(256)) * (WINDOW // 256) * 5  # past the window

    def post(content: bytes, key: str) -> httpx.Response:
        return api.post(
            "/files", data={"purpose": "batch"}, files={"file": ("a.jsonl", content)}, headers=keyed(key)
        )

    for key, content in (("small", b"{}\n"), ("big", big)):
        first, again = post(content, key), post(content, key)
        assert first.status_code == again.status_code == 200, first.text
        assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
        assert api.get(f"/files/{first.json()['id']}/content").content == content
        changed = post(b"x" + content[1:], key)
        assert assert_error(changed, 400)["code"] == "idempotency_key_reused"
    assert len(api.get("/files").json()["data"]) == 2


def test_a_refusal_is_not_kept(api: httpx.Client, fresh_emulator: EmulatorServer) -> None:
    """The emulator's refusals change nothing: the same request under the same key runs again."""
    refused = api.post("/uploads", json={**UPLOAD, "bytes": -1}, headers=keyed("k1"))
    assert_error(refused, 400, param="bytes")
    assert (
        "idempotent-replayed"
        not in api.post("/uploads", json={**UPLOAD, "bytes": -1}, headers=keyed("k1")).headers
    )
    assert api.post("/uploads", json=UPLOAD, headers=keyed("k1")).status_code == 200


def test_answers_expire_by_the_emulator_clock_and_reset_forgets_them(
    api: httpx.Client, fresh_emulator: EmulatorServer
) -> None:
    first = api.post("/uploads", json=UPLOAD, headers=keyed("k1")).json()
    fresh_emulator.clock.advance(DAY - 60)
    assert api.post("/uploads", json=UPLOAD, headers=keyed("k1")).json() == first
    fresh_emulator.clock.advance(61)
    later = api.post("/uploads", json=UPLOAD, headers=keyed("k1"))
    assert "idempotent-replayed" not in later.headers and later.json()["id"] != first["id"]
    fresh_emulator.reset()
    assert "idempotent-replayed" not in api.post("/uploads", json=UPLOAD, headers=keyed("k1")).headers


def test_a_repeat_while_the_first_is_handled_is_told_to_retry(
    api: httpx.Client, fresh_emulator: EmulatorServer
) -> None:
    """The first request's body is held back, so its handler waits: the repeat gets a retryable 409."""
    body = httpx.Request("POST", "http://x", json=UPLOAD).content
    head = (
        f"POST /v1/uploads HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {fresh_emulator.api_key}\r\n"
        f"Idempotency-Key: k1\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", fresh_emulator.port), timeout=TIMEOUT.read) as sock:
        sock.sendall(head.encode() + body[:5])
        for _ in range(500):  # until the first request holds its key (a liveness cap, not a timing)
            if len(fresh_emulator.emulator.idempotency):
                break
            time.sleep(0.01)
        busy = api.post("/uploads", json=UPLOAD, headers=keyed("k1"))
        assert assert_error(busy, 409, contains="still being handled")["code"] == "idempotency_key_in_use"
        sock.sendall(body[5:])
        status, answer = _read_answer(sock)
    assert status == 200
    again = api.post("/uploads", json=UPLOAD, headers=keyed("k1"))
    assert again.headers["idempotent-replayed"] == "true" and again.json()["id"] == answer["id"]


def _read_answer(sock: socket.socket) -> tuple[int, dict[str, Any]]:
    received = b""
    for _ in range(100):
        received += sock.recv(65536)
        top, _, rest = received.partition(b"\r\n\r\n")
        if rest.endswith(b"}"):
            status = int(top.split(b" ")[1])
            return status, httpx.Response(status, content=rest).json()
    raise AssertionError(f"no whole answer: {received!r}")


def test_drop_response_loses_the_answer_of_a_handled_request(
    api: httpx.Client, fresh_emulator: EmulatorServer
) -> None:
    fresh_emulator.faults.set(script=("drop_response",))
    with pytest.raises(httpx.RemoteProtocolError):
        api.post("/uploads", json=UPLOAD)
    assert len(fresh_emulator.emulator.uploads.ids()) == 1  # handled, though nobody heard the answer
    assert fresh_emulator.faults.injected == 1


def test_drop_response_is_validated_and_seeded(emulator: EmulatorServer) -> None:
    admin = f"{emulator.root_url}/__emulator__/faults"
    for bad in (
        {"drop_response_rate": 1.5},
        {"drop_response_rate": 0.6, "drop_rate": 0.6},
        {"drop_response_rate": "x"},
    ):
        assert_error(httpx.put(admin, json=bad, timeout=TIMEOUT), 400)
    put = httpx.put(
        admin, json={"drop_response_rate": 0.5, "seed": 3, "script": ["drop_response"]}, timeout=TIMEOUT
    )
    assert put.status_code == 200 and put.json()["drop_response_rate"] == 0.5
    try:
        draws = [emulator.faults.decide(emulator.faults.config)[0] for _ in range(41)]
        emulator.faults.set(emulator.faults.config)
        assert [emulator.faults.decide(emulator.faults.config)[0] for _ in range(41)] == draws
        assert draws[0] == "drop_response" and 5 < draws.count("drop_response") < 36
        assert set(draws) == {"ok", "drop_response"}
    finally:
        emulator.faults.clear()


def test_the_store_is_bounded_and_expires() -> None:
    clock = Clock(start=1000.0)
    store = IdempotencyStore(clock, ttl=10, max_entries=2)
    for key in ("a", "b", "c"):
        assert store.claim(("caller", "/v1/uploads", key)) is None
    assert len(store) == 2 and store.claim(("caller", "/v1/uploads", "c")) is not None
    clock.advance(11)
    assert store.claim(("caller", "/v1/uploads", "d")) is None
    assert len(store) == 1
    small = IdempotencyStore(clock, max_kept_bytes=10)
    for key in ("a", "b"):
        small.keep(("caller", "/v1/uploads", key), b"digest", Answer(200, [], b"123456"))
    assert len(small) == 1 and small.claim(("caller", "/v1/uploads", "b")) is not None


def test_a_large_keyed_part_and_its_repeat_replayed(fresh_emulator: EmulatorServer) -> None:
    """The repeat's unread body does not upset the connection's next request."""
    upload = fresh_emulator.emulator.uploads.create(
        filename="f", purpose="batch", size=9 * MiB, mime_type="t"
    )
    content = os.urandom(9 * MiB)
    keyed_part = part_request(fresh_emulator, upload.id, content).replace(
        b"Host: x\r\n", b"Host: x\r\nIdempotency-Key: big\r\n", 1
    )
    get = f"GET /v1/files HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {fresh_emulator.api_key}\r\n\r\n"
    with socket.create_connection(("127.0.0.1", fresh_emulator.port), timeout=TIMEOUT.read) as sock:
        sock.sendall(keyed_part + keyed_part + get.encode())
        assert read_responses(sock, 3) == [b"HTTP/1.1 200 OK"] * 3
    (part,) = upload.parts.values()
    assert part.path.read_bytes() == content


def test_the_official_sdk_with_a_key_retries_a_lost_answer_into_one_file(
    fresh_emulator: EmulatorServer,
) -> None:
    """The `openai` SDK sends no key of its own; given one, its retry of a lost answer (a request built
    anew, so a new multipart boundary) gets the first File."""
    sdk = OpenAI(
        api_key=fresh_emulator.api_key, base_url=fresh_emulator.base_url, max_retries=2, timeout=10.0
    )
    fresh_emulator.faults.set(script=("drop_response",), paths=("/v1/files",), methods=("POST",))
    stored = sdk.files.create(
        file=("a.jsonl", b"{}\n"), purpose="batch", extra_headers={"Idempotency-Key": "sdk-1"}
    )
    assert fresh_emulator.faults.injected == 1
    assert [f.id for f in sdk.files.list()] == [stored.id]
    sent = [
        r.headers
        for r in fresh_emulator.emulator.requests.recent()
        if r.path == "/v1/files" and r.method == "POST"
    ]
    assert len(sent) == 2 and sent[0]["content-type"] != sent[1]["content-type"]  # the boundary changed


@pytest.mark.parametrize("cut", [0, 1, 5, 37, 40, 41])
def test_a_form_digest_depends_on_neither_boundary_nor_chunking(cut: int) -> None:
    """The same fields under two boundaries, fed in different pieces, and the window's end `cut`
    bytes into the closing delimiter (or the content before it): the same digest."""

    def form(boundary: bytes) -> bytes:
        return (
            b"--"
            + boundary
            + b'\r\nContent-Disposition: form-data; name="data"; filename="a"\r\n\r\n'
            + b"\r\n-x" * 50
            + b"\r\n--"
            + boundary
            + b"--\r\n"
        )

    def digest(boundary: bytes, piece: int, whole: bool) -> bytes:
        body = form(boundary)
        body = body if whole else body[: body.rindex(b"\r\n--") + cut]
        fed = _Digest(b"head", boundary)
        for start in range(0, len(body), piece):
            fed.update(body[start : start + piece])
        return fed.digest(whole=whole)

    first, second = b"a" * 32, b"0123456789abcdef" * 2
    assert digest(first, 7, whole=False) == digest(second, 64, whole=False)
    assert digest(first, 1, whole=True) == digest(second, 1000, whole=True)
    assert digest(first, 7, whole=True) != digest(first, 7, whole=False)
