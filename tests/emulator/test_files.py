"""Files: every rule over HTTP, with the status and the error body checked."""

from __future__ import annotations

import httpx
import pytest

from openai_files_emulator import EmulatorServer

from .conftest import assert_error, raw_exchange, upload_file


def test_create_retrieve_content_delete(api: httpx.Client) -> None:
    created = upload_file(api, b"line\n" * 3, purpose="user_data", name="notes.txt")
    assert created["object"] == "file" and created["id"].startswith("file-") and len(created["id"]) == 29
    assert created["bytes"] == 15 and created["filename"] == "notes.txt" and created["purpose"] == "user_data"
    assert created["status"] == "processed" and "expires_at" not in created
    assert api.get(f"/files/{created['id']}").json() == created
    content = api.get(f"/files/{created['id']}/content", headers={"Accept": "application/binary"})
    assert content.status_code == 200 and content.content == b"line\n" * 3
    assert content.headers["content-length"] == "15"
    deleted = api.delete(f"/files/{created['id']}")
    assert deleted.json() == {"id": created["id"], "object": "file", "deleted": True}
    for path in (f"/files/{created['id']}", f"/files/{created['id']}/content"):
        assert_error(api.get(path), 404, param="file_id")
    assert_error(api.delete(f"/files/{created['id']}"), 404, param="file_id")


def test_the_deprecated_status_can_be_left_out_as_the_examples_do(
    api: httpx.Client, fresh_emulator: EmulatorServer
) -> None:
    """A setting: upstream's example answers show files without `status`; `reset` brings it back."""
    fresh_emulator.emulator.files.status = None
    created = upload_file(api, b"x\n")
    assert "status" not in created and "status" not in api.get(f"/files/{created['id']}").json()
    fresh_emulator.reset()
    assert upload_file(api, b"x\n")["status"] == "processed"


def test_any_boundary_and_field_order(api: httpx.Client) -> None:
    boundary = "x" * 70  # the longest boundary RFC 2046 allows
    tricky = b"\r\n--" + b"y" * 10  # looks like a delimiter, is not one
    body = b"".join(
        [
            f"--{boundary}\r\n".encode(),
            b'Content-Disposition: form-data; name="file"; filename="a.bin"\r\n',
            b"Content-Type: application/octet-stream\r\n\r\n",
            tricky,
            f"\r\n--{boundary}\r\n".encode(),
            b'Content-Disposition: form-data; name="purpose"\r\n\r\nvision',
            f"\r\n--{boundary}--\r\n".encode(),
        ]
    )
    headers = {"Content-Type": f'multipart/form-data; boundary="{boundary}"'}
    response = api.post("/files", content=body, headers=headers)
    assert response.status_code == 200, response.text
    assert api.get(f"/files/{response.json()['id']}/content").content == tricky


def test_expires_after(api: httpx.Client, fresh_emulator: EmulatorServer) -> None:
    response = api.post(
        "/files",
        data={"purpose": "batch", "expires_after[anchor]": "created_at", "expires_after[seconds]": "3600"},
        files={"file": ("a.jsonl", b"{}\n")},
    )
    created = response.json()
    assert created["expires_at"] == created["created_at"] + 3600
    fresh_emulator.clock.advance(3600)
    assert_error(api.get(f"/files/{created['id']}"), 404)


@pytest.mark.parametrize(
    ("fields", "param", "fragment"),
    [
        (
            {"expires_after[anchor]": "last_active_at", "expires_after[seconds]": "3600"},
            "expires_after.anchor",
            "anchor",
        ),
        (
            {"expires_after[anchor]": "created_at", "expires_after[seconds]": "59"},
            "expires_after.seconds",
            "between",
        ),
        (
            {"expires_after[anchor]": "created_at", "expires_after[seconds]": "soon"},
            "expires_after.seconds",
            "integer",
        ),
        ({"expires_after[anchor]": "created_at"}, "expires_after.seconds", "integer"),
    ],
)
def test_expires_after_refused(api: httpx.Client, fields: dict[str, str], param: str, fragment: str) -> None:
    response = api.post("/files", data={"purpose": "batch", **fields}, files={"file": ("a.jsonl", b"{}\n")})
    assert_error(response, 400, param=param, contains=fragment)


def test_unknown_purpose(api: httpx.Client) -> None:
    response = api.post("/files", data={"purpose": "batch_output"}, files={"file": ("a", b"x")})
    assert_error(response, 400, param="purpose", contains="not one of")


def test_missing_fields(api: httpx.Client) -> None:
    assert_error(api.post("/files", files={"file": ("a", b"x")}), 400, param="purpose", contains="missing")
    assert_error(
        api.post("/files", data={"purpose": "batch"}, files={"other": ("a", b"x")}), 400, param="other"
    )
    only_purpose = api.post("/files", data={"purpose": "batch"}, files={"purpose2": ("a", b"")})
    assert_error(only_purpose, 400, param="purpose2", contains="unrecognized")
    no_file = api.post(
        "/files",
        content=b'--b\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n--b--\r\n',
        headers={"Content-Type": "multipart/form-data; boundary=b"},
    )
    assert_error(no_file, 400, param="file", contains="missing")


def test_not_multipart_or_malformed(api: httpx.Client) -> None:
    assert_error(api.post("/files", json={"purpose": "batch"}), 400, contains="multipart")
    assert_error(
        api.post(
            "/files",
            content=b"--b\r\nno header here",
            headers={"Content-Type": "multipart/form-data; boundary=b"},
        ),
        400,
        contains="multipart",
    )
    truncated = b'--b\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nabc'
    response = api.post(
        "/files", content=truncated, headers={"Content-Type": "multipart/form-data; boundary=b"}
    )
    assert_error(response, 400, contains="closing boundary")
    assert_error(
        api.post("/files", content=b"", headers={"Content-Type": "multipart/form-data"}),
        400,
        contains="boundary",
    )


def test_file_over_limit(tiny_api: httpx.Client) -> None:
    assert upload_file(tiny_api, b"x" * 1000)["bytes"] == 1000
    response = tiny_api.post("/files", data={"purpose": "batch"}, files={"file": ("big", b"x" * 1001)})
    assert_error(response, 400, param="file", contains="limit")


def test_file_over_512_mb_refused_from_declared_length(emulator: EmulatorServer) -> None:
    """The real limit, without sending the bytes: the server answers from the request head."""
    head = (
        "POST /v1/files HTTP/1.1\r\nHost: x\r\n"
        f"Authorization: Bearer {emulator.api_key}\r\n"
        "Content-Type: multipart/form-data; boundary=b\r\n"
        f"Content-Length: {512 * 1024 * 1024 + 64 * 1024 + 1}\r\n\r\n"
    )
    status, body = raw_exchange(emulator.port, head)
    assert status == 400 and body["error"]["code"] == "file_too_large" and body["error"]["param"] == "file"


def test_list_order_purpose_and_cursor(api: httpx.Client) -> None:
    ids = [upload_file(api, b"x", purpose=p)["id"] for p in ("batch", "vision", "batch", "batch")]
    everything = api.get("/files").json()
    assert [f["id"] for f in everything["data"]] == ids[::-1]  # newest first by default
    assert everything["has_more"] is False and everything["object"] == "list"
    first = api.get("/files", params={"purpose": "batch", "limit": 2, "order": "asc"}).json()
    assert [f["id"] for f in first["data"]] == [ids[0], ids[2]]
    assert (first["first_id"], first["last_id"], first["has_more"]) == (ids[0], ids[2], True)
    api.delete(f"/files/{ids[2]}")  # the cursor's own file may vanish between pages
    second = api.get(
        "/files", params={"purpose": "batch", "limit": 2, "order": "asc", "after": ids[2]}
    ).json()
    assert [f["id"] for f in second["data"]] == [ids[3]] and second["has_more"] is False
    empty = api.get("/files", params={"purpose": "fine-tune"}).json()
    assert empty == {"object": "list", "data": [], "first_id": None, "last_id": None, "has_more": False}


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 10001}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"order": "up"}, "order"),
        ({"after": "file-nope"}, "after"),
    ],
)
def test_list_refuses_bad_parameters(api: httpx.Client, params: dict[str, object], param: str) -> None:
    assert_error(api.get("/files", params=params), 400, param=param)


def test_field_names_and_file_names_in_utf8_or_not(api: httpx.Client) -> None:
    """Part headers are bytes: UTF-8 names are kept, undecodable bytes replaced, never a 500."""
    for raw, shown in ((b"caf\xc3\xa9.jsonl", "café.jsonl"), (b"req\xff\xfe.jsonl", "req\ufffd\ufffd.jsonl")):
        body = (
            b'--b\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n'
            b'--b\r\nContent-Disposition: form-data; name="file"; filename="' + raw + b'"\r\n'
            b"Content-Type: application/jsonl\r\n\r\n{}\n\r\n--b--\r\n"
        )
        created = api.post(
            "/files", content=body, headers={"Content-Type": "multipart/form-data; boundary=b"}
        )
        assert created.status_code == 200, created.text
        assert created.json()["filename"] == shown
