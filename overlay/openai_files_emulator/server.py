"""Running the app on a real socket: in a background thread (tests) or in the foreground (CLI)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
import threading
import time
from collections.abc import Iterator
from types import FrameType, TracebackType
from typing import Any

import httptools
import uvicorn
from uvicorn.protocols.http.flow_control import HIGH_WATER_LIMIT
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from .app import Emulator, EmulatorApp, create_app
from .clock import Clock
from .config import EmulatorConfig
from .faults import DroppedConnection, FaultConfig, Faults

START_TIMEOUT = 10.0
DEFAULT_API_KEY = "sk-emulator-test"


class _HideDroppedConnections(logging.Filter):
    """An injected drop is intended; keep uvicorn from logging it as an application crash."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], DroppedConnection))


class BodyChunkProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, minus the copies of request bodies it does not need.

    Stock uvicorn has httptools copy each body slice, appends it to a bytearray and hands the app
    `bytes(bytearray)`: three copies of every 64 MB part on top of the socket read. Here, once the
    head is parsed and the body length known, whole socket reads go to the app as they are (the
    parser sees only heads), so a body byte is copied once from the socket and once to the spool
    file. Chunked bodies, upgrades and the bytes that share a read with the head take the stock path.
    Flow control is unchanged: reading still pauses above uvicorn's high-water mark.
    """

    _body_left = 0

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        lengths = [value for name, value in self.headers if name == b"content-length"]
        chunked = any(name == b"transfer-encoding" for name, _ in self.headers)
        self._body_left = int(lengths[0]) if len(lengths) == 1 and lengths[0].isdigit() and not chunked else 0

    def on_body(self, body: bytes) -> None:
        self._body_left -= len(body)
        self._deliver(body)

    def _deliver(self, body: bytes) -> None:
        cycle = self.cycle
        if (self.parser.should_upgrade() and self._should_upgrade()) or cycle.response_complete:
            return
        cycle.body = body if not cycle.body else bytes(cycle.body) + body  # type: ignore[assignment]
        if len(cycle.body) > HIGH_WATER_LIMIT:
            self.flow.pause_reading()
        cycle.message_event.set()

    def data_received(self, data: bytes) -> None:
        if self._body_left <= 0:
            super().data_received(data)
            return
        self._unset_keepalive_if_required()
        body, rest = (
            (data, b"")
            if len(data) <= self._body_left
            else (data[: self._body_left], data[self._body_left :])
        )
        self._body_left -= len(body)
        self._deliver(body)
        if self._body_left == 0:
            # The parser still expects this body: finish the message here and start a fresh parser.
            self.on_message_complete()
            self.parser = httptools.HttpRequestParser(self)
            with contextlib.suppress(AttributeError):
                self.parser.set_dangerous_leniencies(lenient_data_after_close=True)
            if rest:
                super().data_received(rest)


def uvicorn_config(app: EmulatorApp, host: str, port: int, log_level: str = "warning") -> uvicorn.Config:
    logging.getLogger("uvicorn.error").addFilter(_HideDroppedConnections())
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=BodyChunkProtocol,
        loop="auto",
        lifespan="off",
        access_log=False,
        log_level=log_level,
        # Parts are up to 64 MB; the default 5 s keep-alive is fine, but allow slow (capped) links.
        timeout_keep_alive=30,
    )


def _listen(host: str, port: int) -> socket.socket:
    # IPPROTO_TCP explicitly: asyncio turns on TCP_NODELAY only for sockets whose proto says TCP,
    # and without it every response waits ~40 ms for a delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
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
            target=lambda: asyncio.run(self._server.serve(sockets=[self._socket])),
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


def serve(config: EmulatorConfig, host: str, port: int, log_level: str = "info") -> None:
    """Serve in the foreground until SIGINT or SIGTERM, then remove a temporary data directory."""
    app = create_app(config)
    # uvicorn shuts down gracefully, then re-raises the signal under the previous handler: make
    # that a clean exit so the `finally` below runs (the default SIGTERM action would skip it).
    previous = signal.signal(signal.SIGTERM, _exit_cleanly)
    try:
        uvicorn.Server(uvicorn_config(app, host, port, log_level)).run()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        app.emulator.close()


def _exit_cleanly(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)
