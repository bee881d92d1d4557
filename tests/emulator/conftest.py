from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from openai_files_emulator import EmulatorConfig, EmulatorServer, Limits

TIMEOUT = httpx.Timeout(10.0)


@pytest.fixture
def api(fresh_emulator: EmulatorServer) -> Iterator[httpx.Client]:
    """A plain HTTP client on a freshly reset emulator, so each test sees only its own objects."""
    with httpx.Client(
        base_url=fresh_emulator.base_url,
        headers={"Authorization": f"Bearer {fresh_emulator.api_key}"},
        timeout=TIMEOUT,
    ) as client:
        yield client


@pytest.fixture(scope="module")
def tiny() -> Iterator[EmulatorServer]:
    """An emulator with byte-sized limits, so size rules are exercised without big bodies."""
    limits = Limits(max_file_bytes=1000, max_part_bytes=100, max_upload_bytes=10_000)
    with EmulatorServer(EmulatorConfig(limits=limits)) as server:
        yield server


@pytest.fixture
def tiny_api(tiny: EmulatorServer) -> Iterator[httpx.Client]:
    tiny.reset()
    with httpx.Client(
        base_url=tiny.base_url, headers={"Authorization": f"Bearer {tiny.api_key}"}, timeout=TIMEOUT
    ) as client:
        yield client


def assert_error(
    response: httpx.Response, status: int, *, param: str | None = None, contains: str = ""
) -> dict[str, Any]:
    """The service's envelope, with the expected status, param and message fragment."""
    assert response.status_code == status, response.text
    assert response.headers["x-request-id"].startswith("req_")
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert isinstance(error["message"], str) and error["message"]
    if param is not None:
        assert error["param"] == param, error
    assert contains.lower() in error["message"].lower(), error
    return dict(error)


def upload_file(
    client: httpx.Client, content: bytes, purpose: str = "batch", name: str = "in.jsonl"
) -> dict[str, Any]:
    response = client.post("/files", data={"purpose": purpose}, files={"file": (name, content)})
    assert response.status_code == 200, response.text
    return dict(response.json())


def jsonl(*lines: dict[str, Any]) -> bytes:
    return b"".join(json.dumps(line).encode() + b"\n" for line in lines)


def raw_exchange(port: int, head: str) -> tuple[int, dict[str, Any]]:
    """Send only a request head (its declared body never follows) and read the whole answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT.read) as sock:
        sock.sendall(head.encode())
        received = b""
        for _ in range(100):
            received += sock.recv(65536)
            top, _, body = received.partition(b"\r\n\r\n")
            length = next(
                (
                    int(line.split(b":")[1])
                    for line in top.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                ),
                None,
            )
            if length is not None and len(body) >= length:
                return int(top.split()[1]), dict(json.loads(body[:length]))
    raise AssertionError(f"incomplete answer: {received!r}")


def start_on_a_free_port(*args: str, env: dict[str, str]) -> tuple[subprocess.Popen[str], int]:
    """`python -m openai_files_emulator --port 0 *args`, and the port its first line names once it
    listens (a port probed free beforehand could be taken by another process in between)."""
    command = [sys.executable, "-m", "openai_files_emulator", "--port", "0", "--log-level", "warning"]
    process = subprocess.Popen([*command, *args], env=env, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    first = process.stderr.readline()
    said = re.search(r"OPENAI_BASE_URL=http://127\.0\.0\.1:(\d+)/v1$", first)
    if said is None:
        process.kill()
        process.wait(timeout=10)
        raise AssertionError(f"the emulator did not say where it listens: {first!r}")
    return process, int(said[1])
