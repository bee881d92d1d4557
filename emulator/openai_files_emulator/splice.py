"""Moving a request body's bytes from the socket to a spool file inside the kernel.

`splice(2)` through a pipe takes the socket's pages and copies them once, into the file's page
cache: no copy out to Python and back, no Python work per read. The server offers it to the app as
the ASGI extension `SPLICE` (see `server.BodyChunkProtocol.splice`), only for a large body the app
has consumed all buffered bytes of; the multipart reader uses it for the middle of a file field.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

SPLICE = "openai_files_emulator.splice"
PIPE_SIZE = 1024 * 1024
# A client that sends nothing for this long gets the rest of its body read the ordinary way.
IDLE_TIMEOUT = 30.0

# splice(fd, offset, limit, reserve): move up to `limit` body bytes into `fd` at `offset`, leaving at
# least `reserve` bytes of the body on the socket; returns how many it moved (0: not now).
Splice = Callable[[int, int, int, int], Awaitable[int]]


def splice_of(scope: MutableMapping[str, Any]) -> Splice | None:
    splice: Splice | None = scope.get("extensions", {}).get(SPLICE)
    return splice


def without_splice(scope: MutableMapping[str, Any]) -> dict[str, Any]:
    """The scope minus the extension: for requests whose bytes must pass the ASGI receive."""
    extensions = {name: value for name, value in scope.get("extensions", {}).items() if name != SPLICE}
    return {**scope, "extensions": extensions}


class SpliceBroken(Exception):
    """Bytes left the socket but did not reach the file: the stream has lost its place."""

    def __init__(self, moved: int) -> None:
        super().__init__(f"splice into the spool file failed after {moved} bytes")


def socket_to_file(sock: int, target: int, offset: int, count: int, idle: float = IDLE_TIMEOUT) -> int:
    """Move up to `count` bytes from a non-blocking socket to `target` at `offset`; runs in a thread.

    Stops early at end of stream, a socket error or `idle` seconds without data, and returns the
    bytes moved; what happened is for the event loop to find once it reads the socket again.
    """
    source, sink = os.pipe2(os.O_CLOEXEC)
    try:
        with contextlib.suppress(OSError):
            fcntl.fcntl(sink, fcntl.F_SETPIPE_SZ, PIPE_SIZE)
        poller = select.poll()
        poller.register(sock, select.POLLIN)
        moved = 0
        while moved < count:
            try:
                taken = os.splice(sock, sink, min(PIPE_SIZE, count - moved), flags=os.SPLICE_F_NONBLOCK)
            except BlockingIOError:
                if not poller.poll(idle * 1000):
                    break
                continue
            except OSError:
                break
            if taken == 0:
                break
            try:
                while taken:
                    at = offset + moved
                    written = os.splice(source, target, taken, offset_dst=at, flags=os.SPLICE_F_MOVE)
                    if written == 0:
                        raise OSError("the spool file took no bytes")
                    taken -= written
                    moved += written
            except OSError as exc:
                raise SpliceBroken(moved) from exc
        return moved
    finally:
        os.close(source)
        os.close(sink)
