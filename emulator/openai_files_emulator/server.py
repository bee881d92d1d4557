"""Running the app on a real socket: in a background thread (tests) or in the foreground (CLI)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from types import FrameType, TracebackType
from typing import Any

import uvicorn
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp

from .app import Emulator, create_app
from .batches.settings import BatchSettings
from .clock import Clock
from .config import EmulatorConfig
from .faults import DroppedConnection, FaultConfig, Faults
from .middleware import MAX_HEAD_BYTES
from .webhooks import Webhooks

START_TIMEOUT = 10.0
DEFAULT_API_KEY = "sk-emulator-test"


class _HideExpectedDisconnects(logging.Filter):
    """An injected drop is intended, and a client may go away mid-body (`app._server_error` notes it);
    keep uvicorn from logging either as an application crash."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], DroppedConnection | ClientDisconnect))


SHUTDOWN_GRACE = 3
"""Seconds requests in flight get to finish on SIGTERM or `stop()`; then they are cancelled."""


def uvicorn_config(app: ASGIApp, host: str, port: int, log_level: str = "warning") -> uvicorn.Config:
    """The server stack every emulator runs on (the ingest benchmark's baseline app too)."""
    logging.getLogger("uvicorn.error").addFilter(_HideExpectedDisconnects())
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        # h11: of uvicorn's stock protocols, the one that caps the request head (httptools buffers any size).
        http="h11",
        h11_max_incomplete_event_size=MAX_HEAD_BYTES,
        loop="auto",
        lifespan="auto",  # the emulator app runs its webhook sender in it
        access_log=False,
        log_level=log_level,
        # Parts are up to 64 MB; the default 5 s keep-alive is fine, but allow slow (capped) links.
        timeout_keep_alive=30,
        timeout_graceful_shutdown=SHUTDOWN_GRACE,
    )


def _listen(host: str, port: int) -> socket.socket:
    # IPPROTO_TCP explicitly: asyncio turns on TCP_NODELAY only for sockets whose proto says TCP,
    # and without it every response waits ~40 ms for a delayed ACK.
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    return sock


class EmulatorServer:
    """An emulator on 127.0.0.1 in a daemon thread, with the control API at hand.

    ```python
    with EmulatorServer() as server:
        client = OpenAI(base_url=server.base_url, api_key=server.api_key)
        server.faults.set(error_rate=0.5, seed=7)
        server.clock.advance(3600)
    ```
    """

    def __init__(self, config: EmulatorConfig | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = create_app(config)
        self._host = host
        self._socket = _listen(host, port)
        self.port: int = self._socket.getsockname()[1]
        self._server = uvicorn.Server(uvicorn_config(self.app, host, self.port))
        self._thread: threading.Thread | None = None
        self.api_key = next(iter(self.emulator.config.api_keys), DEFAULT_API_KEY)

    @property
    def emulator(self) -> Emulator:
        return self.app.emulator

    @property
    def root_url(self) -> str:
        return f"http://{self._host}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.root_url}/v1"

    @property
    def faults(self) -> Faults:
        return self.emulator.faults

    @property
    def batch_settings(self) -> BatchSettings:
        """How batches behave: `.set(token_limits={"gpt-4o-mini": 1000}, pace="time")`, `.clear()`."""
        return self.emulator.batch_settings

    @property
    def webhooks(self) -> Webhooks:
        """Batch events: `.set(urls=("http://127.0.0.1:8001/hook",), secret="whsec_...")`, `.clear()`."""
        return self.emulator.webhooks

    @property
    def clock(self) -> Clock:
        return self.emulator.clock

    def reset(self) -> None:
        self.emulator.reset()

    @contextlib.contextmanager
    def injected(self, config: FaultConfig | None = None, **changes: Any) -> Iterator[FaultConfig]:
        """Faults for the duration of a `with` block, then none."""
        applied = self.faults.set(config, **changes)
        try:
            yield applied
        finally:
            self.faults.clear()

    def start(self) -> EmulatorServer:
        self._thread = threading.Thread(
            target=self._run,
            name=f"openai-files-emulator:{self.port}",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the emulator did not start on {self.root_url}")
            time.sleep(0.01)
        return self

    def _run(self) -> None:
        # The loop the CLI gets (uvloop when installed), so tests exercise the same transport.
        with asyncio.Runner(loop_factory=self._server.config.get_loop_factory()) as runner:
            runner.run(self._server.serve(sockets=[self._socket]))

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=START_TIMEOUT)
            self._thread = None
        self._socket.close()
        self.emulator.close()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def serve(
    config: EmulatorConfig,
    host: str,
    port: int,
    log_level: str = "info",
    *,
    listening: Callable[[int], object] | None = None,
) -> None:
    """Serve in the foreground until SIGINT or SIGTERM, then remove a temporary data directory.

    `listening` is called with the port once the socket listens (port 0 takes a free one).
    """
    app = create_app(config)
    sock = _listen(host, port)
    if listening is not None:
        listening(sock.getsockname()[1])
    # uvicorn shuts down gracefully, then re-raises the signal under the previous handler: make
    # that a clean exit so the `finally` below runs (the default SIGTERM action would skip it).
    previous = signal.signal(signal.SIGTERM, _exit_cleanly)
    try:
        uvicorn.Server(uvicorn_config(app, host, port, log_level)).run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        sock.close()
        app.emulator.close()


def _exit_cleanly(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)
