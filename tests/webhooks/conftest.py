"""A webhook sink (a plain HTTP server that records what it is sent) and an emulator that sends to it."""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import openai
import pytest
import uvicorn

from openai_files_emulator import EmulatorServer

SECRET = "whsec_" + base64.b64encode(b"the emulator's webhook test key!").decode()
CHAT = "/v1/chat/completions"
WAIT = 10.0  # seconds any test waits for deliveries, at most


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes
    at: float
    verified: bool
    """Whether the official SDK's `webhooks.verify_signature` accepted it."""


class Sink:
    """Records each POST; answers the next status in `answers` (then 200, or 400 if unverified), after
    the next delay in `stalls` (then at once)."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.answers: deque[int] = deque()
        self.stalls: deque[float] = deque()
        """Seconds to wait before answering each of the next requests."""
        self.sdk = openai.OpenAI(api_key="sk-unused", base_url="http://127.0.0.1:9/v1", webhook_secret=SECRET)
        self._lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    sink.sdk.webhooks.verify_signature(body, headers)
                    verified = True
                except openai.InvalidWebhookSignatureError:
                    verified = False
                with sink._lock:
                    sink.received.append(Received(headers, body, time.monotonic(), verified))
                    status = sink.answers.popleft() if sink.answers else 200 if verified else 400
                    stall = sink.stalls.popleft() if sink.stalls else 0.0
                time.sleep(stall)
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def wait_for(self, done: Callable[[list[Received]], bool], timeout: float = WAIT) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                seen = list(self.received)
            if done(seen):
                return seen
            time.sleep(0.02)
        raise AssertionError(f"deliveries never came: {len(seen)} received")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def sink() -> Iterator[Sink]:
    receiver = Sink()
    yield receiver
    receiver.close()


@pytest.fixture
def hooked(fresh_emulator: EmulatorServer, sink: Sink) -> EmulatorServer:
    """The emulator sending to `sink`, with batches that end by themselves within a fraction of a second."""
    fresh_emulator.batch_settings.set(pace="time", stage_seconds=0.05)
    fresh_emulator.webhooks.set(urls=(sink.url,), secret=SECRET, retry_base=0.05)
    return fresh_emulator


def api(server: EmulatorServer) -> httpx.Client:
    return httpx.Client(
        base_url=server.base_url, headers={"Authorization": f"Bearer {server.api_key}"}, timeout=10.0
    )


def start_batch(server: EmulatorServer, lines: int = 2) -> str:
    """A batch of `lines` chat requests, created over HTTP; returns its id."""
    content = "".join(
        json.dumps(
            {"custom_id": f"r{i}", "method": "POST", "url": CHAT, "body": {"model": "m", "messages": []}}
        )
        + "\n"
        for i in range(lines)
    ).encode()
    with api(server) as client:
        source = client.post("/files", files={"file": ("in.jsonl", content)}, data={"purpose": "batch"})
        assert source.status_code == 200, source.text
        batch = client.post(
            "/batches",
            json={"input_file_id": source.json()["id"], "endpoint": CHAT, "completion_window": "24h"},
        )
        assert batch.status_code == 200, batch.text
        return str(batch.json()["id"])


def events(received: list[Received]) -> list[dict[str, Any]]:
    return [json.loads(r.body) for r in received]


def wait_for_outcomes(server: EmulatorServer, count: int) -> list[str]:
    """The outcomes of the emulator's logged webhook deliveries, once there are `count`."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        outcomes = [seen.outcome for seen in server.emulator.requests.recent() if seen.outcome]
        if len(outcomes) >= count:
            return outcomes
        time.sleep(0.02)
    raise AssertionError(f"only {len(outcomes)} deliveries logged")


class AsgiServer:
    """An ASGI app served by uvicorn on 127.0.0.1 from a daemon thread."""

    def __init__(self, app: Any) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        self._server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="auto"))
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + WAIT
        while not self._server.started:
            assert time.monotonic() < deadline, "the ASGI server did not start"
            time.sleep(0.01)

    def close(self) -> None:
        self._server.should_exit = True
        self._thread.join(WAIT)
        self._socket.close()


@pytest.fixture
def serve_asgi() -> Iterator[Callable[[Any], AsgiServer]]:
    servers: list[AsgiServer] = []

    def start(app: Any) -> AsgiServer:
        servers.append(AsgiServer(app))
        return servers[-1]

    yield start
    for server in servers:
        server.close()
