"""Idempotency-Key on every POST under /v1: a retried request gets the first answer, not a second object.

Off unless `EmulatorConfig.idempotency_keys` (or `store.enabled`) turns it on: nothing public says the
service honours the header, so by default the emulator ignores it, as the client must expect.

A client whose answer was lost (a cut connection, a timeout) cannot tell whether the request was
handled, so it sends it again with the same key; the service must then not create twice. As
Stripe's API does: the first successful (2xx) answer is kept, keyed by (API key, path,
Idempotency-Key), for `ttl` seconds of the emulator's clock and at most `max_entries` keys (the
oldest go first). A repeat of the same request gets that answer again, marked
`idempotent-replayed: true`; a repeat of a different request is refused with 400
`idempotency_key_reused` (the client has a bug: retrying cannot help); a repeat while the first is
still being handled gets 409 `idempotency_key_in_use` (retryable: the first will be done). A refusal
is not kept: the emulator's refusals change nothing, so the repeat is simply handled again.

Requests are recognised by a digest, never kept: path, media type, Content-Length and the first
`WINDOW` bytes of the body, the multipart boundary taken out (each attempt of a form may pick a new
one). Bytes past the window (the middle and end of a large file) are not compared: hashing them
would slow every upload.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .clock import Clock
from .errors import HttpError, InvalidRequest, ServiceError
from .multipart import boundary_of
from .wire import send_error

WINDOW = 1024 * 1024
"""Body bytes a request's digest covers: all of any JSON body the API takes, a form's fields and
its file's first MiB."""
DAY = 24 * 3600
MAX_ENTRIES = 10_000
MAX_KEPT_BYTES = 32 * 1024 * 1024
"""Answer bodies kept at once, all keys together; beyond it the oldest go. (Creating POSTs answer
with small JSON objects, about 1 KB: the key count binds first.)"""
REPLAYED = (b"idempotent-replayed", b"true")

Slot = tuple[str, str, str]
"""(a digest of the Authorization header, path, Idempotency-Key)."""


@dataclass(frozen=True)
class Answer:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


@dataclass
class _Entry:
    expires_at: float
    fingerprint: bytes = b""
    answer: Answer | None = None
    """None while the first request is being handled."""


class IdempotencyStore:
    """The kept answers of one emulator; thread-safe, as `reset` may come from a test thread."""

    def __init__(
        self,
        clock: Clock,
        *,
        ttl: float = DAY,
        max_entries: int = MAX_ENTRIES,
        max_kept_bytes: int = MAX_KEPT_BYTES,
        enabled: bool = True,
    ) -> None:
        self.enabled = enabled
        """False: the header is ignored and every POST handled afresh."""
        self._clock = clock
        self._ttl = ttl
        self._max_entries = max_entries
        self.max_kept_bytes = max_kept_bytes
        self._lock = threading.Lock()
        self._entries: OrderedDict[Slot, _Entry] = OrderedDict()
        self._kept_bytes = 0

    def claim(self, slot: Slot) -> _Entry | None:
        """The live entry for `slot`, or None after reserving it for this (first) request."""
        now = self._clock.now()
        with self._lock:
            entry = self._entries.get(slot)
            if entry is not None and entry.expires_at > now:
                return entry
            self._put(slot, _Entry(expires_at=now + self._ttl), now)
            return None

    def keep(self, slot: Slot, fingerprint: bytes, answer: Answer) -> None:
        """Keep the first request's answer; its repeats get it for `ttl` seconds from now."""
        now = self._clock.now()
        with self._lock:
            self._put(slot, _Entry(now + self._ttl, fingerprint, answer), now)

    def release(self, slot: Slot) -> None:
        """Forget a reservation whose request got no answer worth keeping: a repeat runs afresh."""
        with self._lock:
            entry = self._entries.get(slot)
            if entry is not None and entry.answer is None:
                self._drop(slot)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._kept_bytes = 0

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def _put(self, slot: Slot, entry: _Entry, now: float) -> None:
        """Store `entry` as the newest, then drop expired entries from the oldest end, and the oldest
        while over either bound."""
        self._drop(slot)
        self._entries[slot] = entry
        self._kept_bytes += _size(entry)
        entries = self._entries
        while entries and (
            next(iter(entries.values())).expires_at <= now
            or len(entries) > self._max_entries
            or self._kept_bytes > self.max_kept_bytes
        ):
            self._drop(next(iter(entries)))

    def _drop(self, slot: Slot) -> None:
        entry = self._entries.pop(slot, None)
        if entry is not None:
            self._kept_bytes -= _size(entry)


def _size(entry: _Entry) -> int:
    return 0 if entry.answer is None else len(entry.answer.body)


class IdempotencyMiddleware:
    """Answers a repeated POST from the store, and keeps the first answer of each keyed POST."""

    def __init__(self, app: ASGIApp, store: IdempotencyStore) -> None:
        self.app = app
        self.store = store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers", ())) if scope["type"] == "http" else {}
        key = headers.get(b"idempotency-key", b"").decode("latin-1")
        if not (
            self.store.enabled and key and scope["method"] == "POST" and scope["path"].startswith("/v1/")
        ):
            await self.app(scope, receive, send)
            return
        caller = hashlib.sha256(headers.get(b"authorization", b"")).hexdigest()
        slot: Slot = (caller, scope["path"], key)
        tap = _Tap(scope, receive)
        entry = self.store.claim(slot)
        if entry is not None:
            await _repeat(entry, tap, send)
            return
        try:
            await self.app(scope, tap.receive, self._keeping(slot, tap, send))
        finally:
            self.store.release(slot)

    def _keeping(self, slot: Slot, tap: _Tap, send: Send) -> Send:
        """`send`, keeping a 2xx answer before its last byte goes out (a lost answer is still kept)."""
        start: Message = {}
        body = bytearray()
        room = self.store.max_kept_bytes  # a larger answer is passed on, not kept

        async def keeping_send(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body" and 200 <= start.get("status", 0) < 300:
                chunk = message.get("body", b"")
                if len(body) + len(chunk) <= room:
                    body.extend(chunk)
                else:
                    start = {}
                if start and not message.get("more_body", False):
                    answer = Answer(start["status"], list(start.get("headers", [])), bytes(body))
                    self.store.keep(slot, await tap.fingerprint(), answer)
            await send(message)

        return keeping_send


async def _repeat(entry: _Entry, tap: _Tap, send: Send) -> None:
    if entry.answer is None:
        message = "A request with this Idempotency-Key is still being handled; retry once it is done."
        await send_error(send, HttpError(409, message, code="idempotency_key_in_use"))
    elif await tap.fingerprint() != entry.fingerprint:
        message = "This Idempotency-Key was used with a different request; use a new key for a new request."
        await send_error(send, InvalidRequest(message, code="idempotency_key_reused"))
    else:
        answer = entry.answer
        await send(
            {"type": "http.response.start", "status": answer.status, "headers": [*answer.headers, REPLAYED]}
        )
        await send({"type": "http.response.body", "body": answer.body})


class _Tap:
    """The request's receive, feeding the body's first `WINDOW` bytes to its digest as they pass."""

    def __init__(self, scope: Scope, receive: Receive) -> None:
        self._receive = receive
        self._taken = 0
        self._ended = False
        headers = dict(scope["headers"])
        content_type = headers.get(b"content-type", b"").decode("latin-1")
        head = b"\0".join(
            [
                scope["path"].encode(),
                content_type.partition(";")[0].strip().lower().encode(),
                headers.get(b"content-length", b""),
            ]
        )
        self._digest = _Digest(head, _boundary(content_type))

    async def receive(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.request":
            room = WINDOW - self._taken
            if room > 0:
                piece = bytes(message.get("body", b"")[:room])
                self._taken += len(piece)
                self._digest.update(piece)
            self._ended = not message.get("more_body", False)
        else:
            self._ended = True
        return message

    async def fingerprint(self) -> bytes:
        """The digest of the request, reading on (and dropping) its body until the window is full."""
        while not self._ended and self._taken < WINDOW:
            await self.receive()
        return self._digest.digest(whole=self._ended)


class _Digest:
    """sha256 of body bytes fed in pieces, every multipart boundary taken out: only the last
    delimiter's length of bytes is held back, in case a boundary starts there."""

    def __init__(self, head: bytes, boundary: bytes) -> None:
        self._sha = hashlib.sha256(head + b"\0")
        self._boundary = boundary
        self._delimiter = b"\r\n--" + boundary
        self._carry = b""

    def update(self, data: bytes) -> None:
        if not self._boundary:
            self._sha.update(data)
            return
        joined = (self._carry + data).replace(self._boundary, b"")
        cut = max(0, len(joined) - (len(self._delimiter) - 1))
        self._sha.update(joined[:cut])
        self._carry = joined[cut:]

    def digest(self, *, whole: bool) -> bytes:
        """With `whole` false the body went on past the window: a delimiter cut off by the window's
        end is left out too (it would hold part of a boundary)."""
        tail = self._carry
        if not whole:
            for size in range(len(self._delimiter) - 1, 0, -1):
                if tail.endswith(self._delimiter[:size]):
                    tail = tail[:-size]
                    break
        sha = self._sha.copy()
        sha.update(tail)
        return sha.digest()


def _boundary(content_type: str) -> bytes:
    """A form's boundary; none for other bodies, or for a form without one (its handler refuses it)."""
    try:
        return boundary_of(content_type) if content_type.lower().startswith("multipart/") else b""
    except ServiceError:
        return b""
