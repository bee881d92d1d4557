"""Uploads: parts, completion rules, cancel, expiry and parallel parts, over HTTP."""

from __future__ import annotations

import hashlib
import tracemalloc
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from openai_files_emulator import EmulatorServer

from .conftest import TIMEOUT, assert_error, raw_exchange


def create_upload(client: httpx.Client, size: int, **extra: Any) -> dict[str, Any]:
    body = {
        "filename": "data.bin",
        "purpose": "assistants",
        "bytes": size,
        "mime_type": "application/octet-stream",
    }
    response = client.post("/uploads", json={**body, **extra})
    assert response.status_code == 200, response.text
    return dict(response.json())


def add_part(client: httpx.Client, upload_id: str, data: bytes) -> httpx.Response:
    return client.post(f"/uploads/{upload_id}/parts", files={"data": ("upload", data)})


def part_id(client: httpx.Client, upload_id: str, data: bytes) -> str:
    response = add_part(client, upload_id, data)
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


def test_parts_completed_in_the_given_order(api: httpx.Client) -> None:
    upload = create_upload(api, 9, expires_after={"anchor": "created_at", "seconds": 7200})
    assert upload["status"] == "pending" and upload["file"] is None and upload["object"] == "upload"
    assert upload["id"].startswith("upload_") and upload["expires_at"] == upload["created_at"] + 3600
    first, second, third = (part_id(api, upload["id"], chunk) for chunk in (b"aaa", b"bbb", b"ccc"))
    part = add_part(api, upload["id"], b"zzz").json()
    assert (
        part["object"] == "upload.part"
        and part["upload_id"] == upload["id"]
        and part["id"].startswith("part_")
    )
    md5 = hashlib.md5(b"cccaaabbb").hexdigest()
    done = api.post(
        f"/uploads/{upload['id']}/complete", json={"part_ids": [third, first, second], "md5": md5}
    ).json()
    assert done["status"] == "completed"
    file = done["file"]
    assert (file["bytes"], file["filename"], file["purpose"]) == (9, "data.bin", "assistants")
    assert file["expires_at"] == file["created_at"] + 7200
    assert api.get(f"/files/{file['id']}/content").content == b"cccaaabbb"  # the unlisted part is dropped


@pytest.mark.parametrize(
    ("body", "param", "fragment"),
    [
        ({"bytes": 8 * 1024**3 + 1}, "bytes", "limit"),
        ({"bytes": 0}, "bytes", "at least"),
        ({"bytes": "10"}, "bytes", "integer"),
        ({"purpose": "batch_output"}, "purpose", "not one of"),
        ({"filename": ""}, "filename", "empty"),
        ({"mime_type": None}, "mime_type", "missing"),
        ({"expires_after": {"anchor": "created_at", "seconds": 10}}, "expires_after.seconds", "between"),
        ({"expires_after": "1h"}, "expires_after", "object"),
        ({"colour": "blue"}, "colour", "unrecognized"),
    ],
)
def test_create_refused(api: httpx.Client, body: dict[str, Any], param: str, fragment: str) -> None:
    base = {"filename": "f", "purpose": "batch", "bytes": 10, "mime_type": "text/jsonl"}
    assert_error(api.post("/uploads", json={**base, **body}), 400, param=param, contains=fragment)


def test_create_needs_every_field_and_valid_json(api: httpx.Client) -> None:
    for field in ("filename", "purpose", "bytes", "mime_type"):
        body = {"filename": "f", "purpose": "batch", "bytes": 10, "mime_type": "text/jsonl"}
        del body[field]
        assert_error(api.post("/uploads", json=body), 400, param=field, contains="missing")
    bad_json = api.post("/uploads", content=b'{"filename":', headers={"Content-Type": "application/json"})
    assert_error(bad_json, 400, contains="JSON")
    assert_error(api.post("/uploads", json=[1]), 400, contains="object")


def test_complete_refusals(api: httpx.Client) -> None:
    upload = create_upload(api, 6)
    other = create_upload(api, 3)
    a, b = part_id(api, upload["id"], b"abc"), part_id(api, upload["id"], b"def")
    foreign = part_id(api, other["id"], b"xyz")
    complete = f"/uploads/{upload['id']}/complete"
    assert_error(api.post(complete, json={"part_ids": [a]}), 400, param="part_ids", contains="declared 6")
    assert_error(
        api.post(complete, json={"part_ids": [a, a]}), 400, param="part_ids", contains="more than once"
    )
    assert_error(
        api.post(complete, json={"part_ids": [a, foreign]}), 400, param="part_ids", contains="belong"
    )
    assert_error(
        api.post(complete, json={"part_ids": [a, "part_nope"]}), 400, param="part_ids", contains="belong"
    )
    assert_error(api.post(complete, json={"part_ids": []}), 400, param="part_ids")
    assert_error(api.post(complete, json={"part_ids": "abc"}), 400, param="part_ids", contains="array")
    assert_error(api.post(complete, json={}), 400, param="part_ids", contains="missing")
    wrong_md5 = {"part_ids": [a, b], "md5": hashlib.md5(b"other").hexdigest()}
    assert_error(api.post(complete, json=wrong_md5), 400, param="md5", contains="md5")
    assert_error(api.post(complete, json={"part_ids": [a, b], "md5": "xyz"}), 400, param="md5")
    # Every refusal left the upload pending and its parts usable.
    done = api.post(complete, json={"part_ids": [a, b], "md5": hashlib.md5(b"abcdef").hexdigest()})
    assert done.json()["status"] == "completed"


def test_no_part_after_complete_cancel_or_expiry(api: httpx.Client, fresh_emulator: EmulatorServer) -> None:
    completed = create_upload(api, 1)
    api.post(f"/uploads/{completed['id']}/complete", json={"part_ids": [part_id(api, completed["id"], b"x")]})
    assert_error(add_part(api, completed["id"], b"y"), 400, param="upload_id", contains="completed")
    assert_error(api.post(f"/uploads/{completed['id']}/cancel"), 400, contains="completed")
    assert_error(
        api.post(f"/uploads/{completed['id']}/complete", json={"part_ids": []}), 400, contains="completed"
    )

    cancelled = create_upload(api, 1)
    assert api.post(f"/uploads/{cancelled['id']}/cancel").json()["status"] == "cancelled"
    assert_error(add_part(api, cancelled["id"], b"y"), 400, param="upload_id", contains="cancelled")

    expiring = create_upload(api, 2)
    early = part_id(api, expiring["id"], b"x")
    fresh_emulator.clock.advance(3600)
    assert_error(add_part(api, expiring["id"], b"y"), 400, param="upload_id", contains="expired")
    assert_error(
        api.post(f"/uploads/{expiring['id']}/complete", json={"part_ids": [early]}), 400, contains="expired"
    )
    assert_error(api.post(f"/uploads/{expiring['id']}/cancel"), 400, contains="expired")


def test_a_repeated_complete_gets_the_completed_upload_again(
    api: httpx.Client, fresh_emulator: EmulatorServer
) -> None:
    """With the idempotency store on, the same Idempotency-Key replays the answer (its first was lost);
    another key is refused."""
    fresh_emulator.emulator.idempotency.enabled = True
    upload = create_upload(api, 1)
    body = {"part_ids": [part_id(api, upload["id"], b"x")]}
    key = {"Idempotency-Key": "complete-1"}
    first = api.post(f"/uploads/{upload['id']}/complete", json=body, headers=key)
    again = api.post(f"/uploads/{upload['id']}/complete", json=body, headers=key)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json() and again.json()["file"]["id"]
    assert len(api.get("/files").json()["data"]) == 1
    other = api.post(f"/uploads/{upload['id']}/complete", json=body, headers={"Idempotency-Key": "other"})
    assert_error(other, 400, contains="completed")
    assert_error(api.post(f"/uploads/{upload['id']}/complete", json=body), 400, contains="completed")


def test_by_default_the_idempotency_key_is_ignored(api: httpx.Client) -> None:
    """As far as anything public says of the service: a repeat under the same key is a new request."""
    key = {"Idempotency-Key": "same"}
    body = {"filename": "a.bin", "purpose": "assistants", "bytes": 1, "mime_type": "application/octet-stream"}
    made = [api.post("/uploads", json=body, headers=key) for _ in range(2)]
    assert [m.status_code for m in made] == [200, 200] and made[0].json()["id"] != made[1].json()["id"]
    upload = made[0].json()
    parts = {"part_ids": [part_id(api, upload["id"], b"x")]}
    assert api.post(f"/uploads/{upload['id']}/complete", json=parts, headers=key).status_code == 200
    repeat = api.post(f"/uploads/{upload['id']}/complete", json=parts, headers=key)
    assert_error(repeat, 400, contains="completed")
    assert "idempotent-replayed" not in repeat.headers


def test_unknown_upload(api: httpx.Client) -> None:
    assert_error(add_part(api, "upload_nope", b"x"), 404, param="upload_id")
    assert_error(api.post("/uploads/upload_nope/complete", json={"part_ids": ["part_x"]}), 404)
    assert_error(api.post("/uploads/upload_nope/cancel"), 404)


def test_part_form_refusals(api: httpx.Client) -> None:
    upload = create_upload(api, 10)
    parts = f"/uploads/{upload['id']}/parts"
    assert_error(
        api.post(parts, files={"file": ("upload", b"x")}), 400, param="file", contains="unrecognized"
    )
    assert_error(api.post(parts, files={"data": ("a", b"x"), "more": ("b", b"y")}), 400, param="more")
    empty_form = api.post(
        parts, content=b"--b--\r\n", headers={"Content-Type": "multipart/form-data; boundary=b"}
    )
    assert_error(empty_form, 400, param="data", contains="missing")
    twice = (
        b'--b\r\nContent-Disposition: form-data; name="data"; filename="u"\r\n\r\nx\r\n'
        b'--b\r\nContent-Disposition: form-data; name="data"; filename="u"\r\n\r\ny\r\n--b--\r\n'
    )
    response = api.post(parts, content=twice, headers={"Content-Type": "multipart/form-data; boundary=b"})
    assert_error(response, 400, param="data", contains="more than once")


def test_part_over_limit(tiny_api: httpx.Client) -> None:
    upload = create_upload(tiny_api, 200)
    assert add_part(tiny_api, upload["id"], b"x" * 100).status_code == 200
    assert_error(add_part(tiny_api, upload["id"], b"x" * 101), 400, param="data", contains="limit")
    assert_error(
        tiny_api.post(
            "/uploads", json={"filename": "f", "purpose": "batch", "bytes": 10_001, "mime_type": "text/plain"}
        ),
        400,
        param="bytes",
    )


def test_part_over_64_mb_refused_from_declared_length(emulator: EmulatorServer) -> None:
    with httpx.Client(
        base_url=emulator.base_url, headers={"Authorization": f"Bearer {emulator.api_key}"}, timeout=TIMEOUT
    ) as client:
        upload = create_upload(client, 100)
    head = (
        f"POST /v1/uploads/{upload['id']}/parts HTTP/1.1\r\nHost: x\r\n"
        f"Authorization: Bearer {emulator.api_key}\r\n"
        "Content-Type: multipart/form-data; boundary=b\r\n"
        f"Content-Length: {64 * 1024 * 1024 + 64 * 1024 + 1}\r\n\r\n"
    )
    status, body = raw_exchange(emulator.port, head)
    assert status == 400 and body["error"]["param"] == "data"


def test_parallel_parts_are_neither_lost_nor_duplicated(api: httpx.Client) -> None:
    chunks = [bytes([i]) * (1000 + i) for i in range(32)]
    upload = create_upload(api, sum(len(c) for c in chunks))
    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(lambda chunk: part_id(api, upload["id"], chunk), chunks))
    assert len(set(ids)) == len(chunks)
    done = api.post(f"/uploads/{upload['id']}/complete", json={"part_ids": ids}).json()
    assert api.get(f"/files/{done['file']['id']}/content").content == b"".join(chunks)


def test_a_part_is_spooled_not_held(api: httpx.Client) -> None:
    """32 MiB through the server while tracing allocations: the peak stays a few network chunks."""
    size, block = 32 * 1024 * 1024, b"z" * (1024 * 1024)
    upload = create_upload(api, size)

    def body() -> Iterator[bytes]:
        yield b'--b\r\nContent-Disposition: form-data; name="data"; filename="u"\r\n\r\n'
        for _ in range(size // len(block)):
            yield block
        yield b"\r\n--b--\r\n"

    framing = len(b'--b\r\nContent-Disposition: form-data; name="data"; filename="u"\r\n\r\n\r\n--b--\r\n')
    tracemalloc.start()
    try:
        response = api.post(
            f"/uploads/{upload['id']}/parts",
            content=body(),
            headers={
                "Content-Type": "multipart/form-data; boundary=b",
                "Content-Length": str(size + framing),
            },
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 200, response.text
    assert peak < 16 * 1024 * 1024, f"peak {peak / 2**20:.1f} MiB for a 32 MiB part"
