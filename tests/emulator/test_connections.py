"""The emulator's HTTP edge under clients that misbehave: heads over the cap, bodies cut by the client."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from openai_files_emulator import EmulatorServer

from .conftest import TIMEOUT

HEAD_CAP = 64 * 1024
"""The cap the emulator's README gives for a request head."""


def _exchange(port: int, data: bytes) -> bytes:
    """Send `data` in one write, then read until the server closes the connection."""
    answer = b""
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT.read) as sock:
        sock.sendall(data)
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def test_a_head_over_64_kib_in_one_write_is_refused(
    fresh_emulator: EmulatorServer, api: httpx.Client
) -> None:
    """h11 caps a head that arrives in pieces; one that arrives whole is refused all the same."""
    start = f"GET /v1/files HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {fresh_emulator.api_key}\r\n"
    big = start + "X-Big: " + "a" * 100_000 + "\r\n\r\n"
    answer = _exchange(fresh_emulator.port, big.encode())
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]
    assert b"connection: close" in answer.lower()
    small = start + "X-Big: " + "a" * (HEAD_CAP - len(start) - 200) + "\r\nConnection: close\r\n\r\n"
    assert _exchange(fresh_emulator.port, small.encode()).startswith(b"HTTP/1.1 200 ")  # under the cap
    assert api.get("/files").status_code == 200  # the server is fine


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def server_logs() -> Iterator[_Records]:
    """Every record of the emulator's and uvicorn's loggers (uvicorn's do not reach the root logger)."""
    handler = _Records()
    loggers = [logging.getLogger(name) for name in ("openai_files_emulator", "uvicorn.error")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    yield handler
    for logger, level in zip(loggers, levels, strict=True):
        logger.removeHandler(handler)
        logger.setLevel(level)


def test_a_client_leaving_mid_body_is_noted_quietly(
    fresh_emulator: EmulatorServer, api: httpx.Client, server_logs: _Records
) -> None:
    """A client that goes away mid-body is not an error of the emulator: one quiet line, no traceback."""
    head = (
        f"POST /v1/batches HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {fresh_emulator.api_key}\r\n"
        "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", fresh_emulator.port), timeout=TIMEOUT.read) as sock:
        sock.sendall(head.encode() + b'{"input_file_id": "file-')  # and never the rest
    deadline = time.monotonic() + 5
    while not any("went away" in r.getMessage() for r in server_logs.records) and time.monotonic() < deadline:
        time.sleep(0.02)
    noted = [r for r in server_logs.records if "went away" in r.getMessage()]
    assert [(r.levelno, r.exc_info) for r in noted] == [(logging.INFO, None)]
    assert [r.getMessage() for r in server_logs.records if r.levelno >= logging.WARNING or r.exc_info] == []
    assert api.get("/files").status_code == 200
