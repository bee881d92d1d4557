"""A one-purpose HTTP server on 127.0.0.1 for what the emulator never does on purpose: redirect to
another host, answer with a proxy's HTML page, quote the caller's key back, or cut a body short.

Each request gets the raw bytes `reply(seen)` returns, then the connection closes; `seen` records
every request's method, path and headers.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def raw_response(status: int, body: bytes = b"", *, length: int | None = None, **headers: str) -> bytes:
    """An HTTP/1.1 response as bytes; `length` announces a Content-Length other than the body's."""
    lines = [f"HTTP/1.1 {status} Stub", f"Content-Length: {len(body) if length is None else length}"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join([*lines, "Connection: close", "", ""])).encode() + body


def stored_file(file_id: str, size: int) -> bytes:
    """The answer to a retrieve of a File of `size` bytes (a download reads it first)."""
    document = {
        "id": file_id,
        "object": "file",
        "bytes": size,
        "created_at": 1,
        "filename": "f.bin",
        "purpose": "batch",
        "status": "processed",
    }
    return raw_response(200, json.dumps(document).encode(), content_type="application/json")


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]


Reply = Callable[[Seen], bytes]


@dataclass
class Stub:
    base_url: str
    """Ends in /v1, like the emulator's."""
    seen: list[Seen] = field(default_factory=list)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def _answer(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        headers = {name.lower(): value for name, value in self.headers.items()}
        seen = Seen(self.command, self.path, headers)
        self.server.stub.seen.append(seen)
        self.wfile.write(self.server.reply(seen))
        self.close_connection = True

    do_GET = do_POST = do_DELETE = _answer

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: pytest shows what matters."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    stub: Stub
    reply: Reply


@contextlib.contextmanager
def serving(reply: Reply, host: str = "127.0.0.1") -> Iterator[Stub]:
    server = _Server((host, 0), _Handler)
    server.reply = reply
    server.stub = Stub(f"http://{host}:{server.server_address[1]}/v1")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server.stub
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
