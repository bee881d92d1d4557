"""Hostile input to the emulator (issue 9, items 11 to 14): refused with 4xx, never a 500; nothing
changed by a refused control-plane call; request heads capped; shutdown bounded whatever clients do."""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path

import httpx
import pytest

from openai_files_emulator import EmulatorServer, FaultConfig

from .conftest import TIMEOUT, assert_error, start_on_a_free_port
from .test_batches import create_batch

DEEP = "[" * 50_000 + "]" * 50_000


def test_deeply_nested_batch_line_fails_validation(api: httpx.Client) -> None:
    content = b'{"custom_id": "a", "method": "POST", "url": "/v1/chat/completions", "body": ' + DEEP.encode()
    content += b"}\n"
    batch = create_batch(api, content)
    failed = api.get(f"/batches/{batch['id']}").json()
    assert failed["status"] == "failed"
    assert (failed["errors"]["data"][0]["code"], failed["errors"]["data"][0]["line"]) == (
        "invalid_json_line",
        1,
    )
    assert api.get(f"/batches/{batch['id']}").status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        '{"filename": ' + DEEP + "}",
        DEEP,
        '{"filename": "f", "purpose": "batch", "bytes": 1e999, "mime_type": "t"}',
        '{"filename": "f", "purpose": "batch", "bytes": NaN, "mime_type": "t"}',
        '{"filename": "f", "purpose": "batch", "bytes": ' + "9" * 5000 + ', "mime_type": "t"}',
    ],
)
def test_hostile_json_bodies_are_400(api: httpx.Client, body: str) -> None:
    headers = {"Content-Type": "application/json"}
    assert_error(api.post("/uploads", content=body, headers=headers), 400)
    upload = api.post(
        "/uploads", json={"filename": "f", "purpose": "batch", "bytes": 1, "mime_type": "t"}
    ).json()
    assert_error(api.post(f"/uploads/{upload['id']}/complete", content=body, headers=headers), 400)


@pytest.mark.parametrize("seconds", ["9" * 5000, "\uff11\uff12\uff13\uff14", "-" + "9" * 30, "3600\x00"])
def test_hostile_expiry_fields_are_400(api: httpx.Client, seconds: str) -> None:
    fields = {"purpose": "batch", "expires_after[anchor]": "created_at", "expires_after[seconds]": seconds}
    response = api.post("/files", data=fields, files={"file": ("a.jsonl", b"{}\n")})
    assert_error(response, 400, param="expires_after.seconds")


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("clock/advance", '{"seconds": Infinity}'),
        ("clock/advance", '{"seconds": NaN}'),
        ("clock/advance", '{"seconds": 1e999}'),
        ("clock/advance", '{"seconds": ' + "9" * 400 + "}"),
        ("clock/advance", '{"seconds": 1e300}'),
        ("faults", '{"latency": NaN}'),
        ("faults", '{"latency": 1e999}'),
        ("faults", '{"paths": "/v1/files"}'),
        ("faults", '{"script": [503]}'),
        ("faults", '{"bandwidth": 0.5}'),
        ("faults", '{"bandwidth": true}'),
        ("faults", '{"error_statuses": "500"}'),
        ("faults", '{"seed": "7"}'),
        ("faults", '{"retry_after": -1}'),
        ("faults", "[1]"),
    ],
)
def test_admin_refuses_what_would_break_it(
    api: httpx.Client, fresh_emulator: EmulatorServer, path: str, body: str
) -> None:
    admin = f"{fresh_emulator.root_url}/__emulator__"
    httpx.put(f"{admin}/faults", json={"latency": 0.001}, timeout=TIMEOUT).raise_for_status()
    before = (httpx.get(f"{admin}/faults", timeout=TIMEOUT).json(), fresh_emulator.clock.offset)
    method = "POST" if path.startswith("clock") else "PUT"
    response = httpx.request(
        method, f"{admin}/{path}", content=body, headers={"Content-Type": "application/json"}, timeout=TIMEOUT
    )
    assert_error(response, 400)
    assert (httpx.get(f"{admin}/faults", timeout=TIMEOUT).json(), fresh_emulator.clock.offset) == before
    assert httpx.get(f"{admin}/clock", timeout=TIMEOUT).status_code == 200
    assert api.get("/files").status_code == 200
    assert api.post(
        "/uploads", json={"filename": "f", "purpose": "batch", "bytes": 1, "mime_type": "t"}
    ).is_success


@pytest.mark.parametrize(
    "changes",
    [{"latency": float("nan")}, {"script": (503,)}, {"bandwidth": 0.5}, {"retry_after": float("inf")}],
)
def test_fault_config_refuses_the_same_from_python(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        FaultConfig(**changes)  # type: ignore[arg-type]


def test_clock_refuses_a_jump_that_is_not_finite(fresh_emulator: EmulatorServer) -> None:
    with pytest.raises(ValueError, match="finite"):
        fresh_emulator.clock.advance(float("inf"))
    assert fresh_emulator.clock.offset == 0


def test_request_head_is_capped(fresh_emulator: EmulatorServer, api: httpx.Client) -> None:
    """A 4 MiB header is refused before it is all buffered: an error status or a closed connection."""
    head = f"GET /v1/files HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {fresh_emulator.api_key}\r\nX-Big: "
    with socket.create_connection(("127.0.0.1", fresh_emulator.port), timeout=TIMEOUT.read) as sock:
        answer = b""
        try:
            sock.sendall(head.encode())
            for _ in range(64):
                sock.sendall(b"a" * 65536)
            sock.sendall(b"\r\n\r\n")
        except OSError:
            pass  # closed on us mid-header: also a refusal
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except OSError:
            pass
    status = answer.split(b" ", 2)[1] if answer.startswith(b"HTTP/1.1 ") else b"closed"
    assert status in {b"400", b"431", b"closed"}, answer[:200]
    assert api.get("/files").status_code == 200  # the server is fine


def test_sigterm_stops_the_emulator_while_a_client_holds_a_body_open(tmp_path: Path) -> None:
    data = tmp_path / "data"
    process, port = start_on_a_free_port("--api-key", "sk-t", env={**os.environ, "TMPDIR": str(tmp_path)})
    try:
        upload = httpx.post(
            f"http://127.0.0.1:{port}/v1/uploads",
            headers={"Authorization": "Bearer sk-t"},
            json={"filename": "f", "purpose": "batch", "bytes": 10**7, "mime_type": "t"},
            timeout=TIMEOUT,
        ).json()
        held = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT.read)
        head = (
            f"POST /v1/uploads/{upload['id']}/parts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sk-t\r\n"
            "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 10000000\r\n\r\n"
            '--b\r\nContent-Disposition: form-data; name="data"; filename="u"\r\n\r\n'
        )
        held.sendall(head.encode() + b"x" * 100_000)  # and never the rest
        time.sleep(0.3)  # the request is in the app, reading its body
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)  # a liveness cap; the grace period is 3 s
        held.close()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    assert process.returncode == 0
    assert not data.exists() and list(tmp_path.iterdir()) == []  # its temporary data directory is gone
