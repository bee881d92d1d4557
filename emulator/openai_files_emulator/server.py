"""Running the app on a real socket: in a background thread (tests) or in the foreground (CLI)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import signal
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from types import FrameType, TracebackType
from typing import Any

import httptools
import uvicorn
from uvicorn._types import ASGIReceiveEvent
from uvicorn.protocols.http.flow_control import HIGH_WATER_LIMIT
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

from .app import Emulator, EmulatorApp, create_app
from .batches.settings import BatchSettings
from .clock import Clock
from .config import EmulatorConfig
from .faults import DroppedConnection, FaultConfig, Faults
from .splice import SPLICE, socket_to_file

START_TIMEOUT = 10.0
DEFAULT_API_KEY = "sk-emulator-test"


class _HideDroppedConnections(logging.Filter):
    """An injected drop is intended; keep uvicorn from logging it as an application crash."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], DroppedConnection))


# Socket reads: a head's read is small and copied for the parser; a body's read goes to the app
# as it is, so it may be large (fewer trips through the loop, the app and the parser per byte).
HEAD_READ = 64 * 1024
BODY_READ = 1024 * 1024
KEPT_BUFFERS = 16
# Bodies at least this large are offered the splice; smaller ones are not worth a thread's trip.
SPLICE_MIN = 4 * 1024 * 1024
# Each splice holds a thread while its client sends (up to its idle timeout).
_splicers = ThreadPoolExecutor(max_workers=32, thread_name_prefix="splice")


class _BodyBuffers:
    """Full-size body buffers, each reused once nothing refers to it any more.

    A chunk handed to the app lives on in spool writes and the md5 queue; CPython's reference
    count says when the last of them let go. Reuse spares a fresh buffer's zeroing and page
    faults on every read. At most `keep` are kept (per loop thread); beyond that reads get
    throwaway buffers.
    """

    def __init__(self, keep: int) -> None:
        self._owned: deque[bytearray] = deque()
        self._keep = keep

    def take(self) -> bytearray:
        owned = self._owned
        for _ in range(len(owned)):
            buffer = owned[0]
            owned.rotate(-1)
            # References: the deque, `buffer` and getrefcount's argument; any other is a user.
            if sys.getrefcount(buffer) == 3:
                return buffer
        buffer = bytearray(BODY_READ)
        if len(owned) < self._keep:
            owned.append(buffer)
        return buffer


_loop_buffers = threading.local()


def _body_buffer() -> bytearray:
    pool: _BodyBuffers | None = getattr(_loop_buffers, "pool", None)
    if pool is None:
        pool = _loop_buffers.pool = _BodyBuffers(KEPT_BUFFERS)
    return pool.take()


class _BodyCycle(RequestResponseCycle):
    """uvicorn's request cycle, handing the app each body read as it is (stock copies it first)."""

    async def receive(self) -> ASGIReceiveEvent:
        if self.waiting_for_100_continue or self.disconnected or self.response_complete:
            return await super().receive()
        self.flow.resume_reading()
        await self.message_event.wait()
        self.message_event.clear()
        if self.disconnected or self.response_complete:
            return {"type": "http.disconnect"}
        body, self.body = self.body, bytearray()
        # Our app takes any bytes-like body; ASGI's type says bytes.
        return {"type": "http.request", "body": body, "more_body": self.more_body}  # type: ignore[typeddict-item]


class BodyChunkProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, minus the copies of request bodies it does not need.

    Stock uvicorn has the loop copy each socket read into new `bytes` of at most 256 KiB, httptools
    copy each body slice, appends it to a bytearray and hands the app `bytes(bytearray)`. Here the
    socket reads into a fresh buffer of ours (`get_buffer`), sized to what is left of the body
    once the head is parsed and its length known, and that buffer is the app's chunk: a body byte
    is copied once from the socket and once to the spool file, in chunks of up to 1 MiB. Chunked
    bodies, upgrades and the bytes that share a read with the head take the stock path. Flow
    control is unchanged: reading still pauses above uvicorn's high-water mark. A large body's
    middle can skip all of this: the app may have it spliced into its spool file (`splice`).
    The transport sees it through `BufferedBodyProtocol`.
    """

    _body_left = 0
    _buffer = bytearray()

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        if type(self.cycle) is RequestResponseCycle:  # none is made for an upgrade
            self.cycle.__class__ = _BodyCycle
        lengths = [value for name, value in self.headers if name == b"content-length"]
        chunked = any(name == b"transfer-encoding" for name, _ in self.headers)
        self._body_left = int(lengths[0]) if len(lengths) == 1 and lengths[0].isdigit() and not chunked else 0
        if self._body_left >= SPLICE_MIN and type(self.cycle) is _BodyCycle:
            extensions: dict[str, Any] = self.scope.setdefault("extensions", {})
            extensions[SPLICE] = functools.partial(self.splice, self.cycle)

    async def splice(
        self, cycle: RequestResponseCycle, fd: int, offset: int, limit: int, reserve: int
    ) -> int:
        """Move up to `limit` of the body's next bytes into `fd` at `offset`, keeping `reserve` on the wire.

        Only between reads, when the app has taken every byte read so far: reading pauses while a
        thread owns the socket, then resumes for the rest of the body and the next request.
        """
        count = min(limit, self._body_left - reserve)
        if (
            count < SPLICE_MIN
            or cycle is not self.cycle
            or cycle.body
            or not cycle.more_body
            or cycle.disconnected
            or cycle.response_complete
            or self.flow.read_paused
            or self.transport.is_closing()
        ):
            return 0
        sock = self.transport.get_extra_info("socket").fileno()
        self.flow.pause_reading()
        loop = asyncio.get_running_loop()
        thread = loop.run_in_executor(_splicers, socket_to_file, sock, fd, offset, count)
        try:
            moved = await asyncio.shield(thread)
        except asyncio.CancelledError:
            # The thread still reads the socket: close (and so free the descriptor) only after it.
            thread.add_done_callback(lambda _: self.transport.close())
            raise
        except BaseException:
            # SpliceBroken (bytes lost between socket and file) or worse: the stream lost its place.
            self.transport.close()
            raise
        self._body_left -= moved
        self.flow.resume_reading()
        return moved

    def on_body(self, body: bytes) -> None:
        self._body_left -= len(body)
        self._deliver(body)

    def _deliver(self, body: bytes | bytearray) -> None:
        cycle = self.cycle
        if (self.parser.should_upgrade() and self._should_upgrade()) or cycle.response_complete:
            return
        cycle.body = body if not cycle.body else bytes(cycle.body) + body  # type: ignore[assignment]
        if len(cycle.body) > HIGH_WATER_LIMIT:
            self.flow.pause_reading()
        cycle.message_event.set()

    def get_buffer(self, sizehint: int) -> bytearray:
        # Never the last read's buffer while the app may still hold (or be writing out) it.
        left = self._body_left
        self._buffer = _body_buffer() if left >= BODY_READ else bytearray(left if left > 0 else HEAD_READ)
        return self._buffer

    def buffer_updated(self, nbytes: int) -> None:
        data, self._buffer = self._buffer, bytearray()
        if nbytes < len(data):
            # The transport holds the buffer until this returns, so it cannot shrink: copy.
            data = data[:nbytes]
        if self._body_left <= 0:
            super().data_received(bytes(data))
            return
        # The read was sized to the body, so it holds nothing of the next request.
        self._unset_keepalive_if_required()
        self._body_left -= len(data)
        self._deliver(data)
        if self._body_left == 0:
            # The parser still expects this body: finish the message here and start a fresh parser.
            self.on_message_complete()
            self.parser = httptools.HttpRequestParser(self)
            with contextlib.suppress(AttributeError):
                self.parser.set_dangerous_leniencies(lenient_data_after_close=True)


class BufferedBodyProtocol(asyncio.BufferedProtocol):
    """Presents a `BodyChunkProtocol` to the transport as a buffered protocol.

    uvloop reads into `get_buffer` only for protocols that are not `asyncio.Protocol`s, which
    uvicorn's are; this one only forwards.
    """

    def __init__(self, **options: Any) -> None:
        self.http = BodyChunkProtocol(**options)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.http.connection_made(transport)  # type: ignore[arg-type]

    def connection_lost(self, exc: Exception | None) -> None:
        self.http.connection_lost(exc)

    def eof_received(self) -> None:
        self.http.eof_received()

    def pause_writing(self) -> None:
        self.http.pause_writing()

    def resume_writing(self) -> None:
        self.http.resume_writing()

    def get_buffer(self, sizehint: int) -> bytearray:
        return self.http.get_buffer(sizehint)

    def buffer_updated(self, nbytes: int) -> None:
        self.http.buffer_updated(nbytes)


def uvicorn_config(app: EmulatorApp, host: str, port: int, log_level: str = "warning") -> uvicorn.Config:
    logging.getLogger("uvicorn.error").addFilter(_HideDroppedConnections())
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=BufferedBodyProtocol,  # type: ignore[arg-type]
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
    def batch_settings(self) -> BatchSettings:
        """How batches behave: `.set(token_limits={"gpt-4o-mini": 1000}, pace="time")`, `.clear()`."""
        return self.emulator.batch_settings

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
