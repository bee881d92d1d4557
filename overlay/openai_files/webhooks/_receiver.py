"""A webhook receiver: verify, answer 2xx at once, drop repeats by `webhook-id`, hand each new event on.

One `WebhookReceiver` holds the logic (`accept`); two transports use it: the receiver is itself an
ASGI app (mount it in Starlette or FastAPI, or serve it with any ASGI server), and `listen` serves it
from a thread with the standard library's HTTP server, for the command line and for jobs that wait on
events without a web framework. The answer goes out before `on_event` runs, as the service asks of
receivers (slow answers are retried), and delivery is at least once, so repeats are answered 200 and
dropped. Each new event also goes to every `EventInbox` taken with `subscribe`.
"""

from __future__ import annotations

import inspect
import json
import logging
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import anyio

from ._events import WebhookEvent, parse_event
from ._signature import ID_HEADER, WebhookVerificationError, header, secret_from, verify

__all__ = ["Acceptance", "EventInbox", "WebhookReceiver", "listen", "receiver"]

log = logging.getLogger("openai_files.webhooks")
MAX_BODY = 1024 * 1024
"""Bytes of a request body read at most; batch events are a few hundred."""
REMEMBERED = 10_000
"""`webhook-id`s kept to recognise repeats; the oldest are forgotten first."""
ASYNC_TAKE_STEP = 0.02
"""Seconds between looks of an async `take` (an inbox is fed from other threads)."""

EventHandler = Callable[[WebhookEvent], Any]


class EventInbox:
    """Events handed from a receiver to a waiting consumer, across threads; nothing is dropped."""

    def __init__(self) -> None:
        self._ready = threading.Condition()
        self._events: deque[WebhookEvent] = deque()

    def put(self, event: WebhookEvent) -> None:
        with self._ready:
            self._events.append(event)
            self._ready.notify_all()

    def take(self, timeout: float) -> list[WebhookEvent]:
        """Every event queued, waiting up to `timeout` seconds for the first; [] if none came."""
        with self._ready:
            self._ready.wait_for(lambda: bool(self._events), timeout=max(timeout, 0.0))
            taken = list(self._events)
            self._events.clear()
        return taken

    async def take_async(self, timeout: float) -> list[WebhookEvent]:
        """`take` for async code: the loop stays free while it waits."""
        deadline = time.monotonic() + max(timeout, 0.0)
        while not (taken := self.take(0)) and time.monotonic() < deadline:
            await anyio.sleep(min(ASYNC_TAKE_STEP, max(deadline - time.monotonic(), 0.0)))
        return taken


@dataclass(frozen=True)
class Acceptance:
    """What to answer a delivery, and the event to hand on (None: refused, or a repeat)."""

    status: int
    body: bytes
    event: WebhookEvent | None = None


class WebhookReceiver:
    """Verifies deliveries with one secret and hands each new event to `on_event` and the inboxes."""

    def __init__(
        self, *, secret: str | None = None, on_event: EventHandler | None = None, tolerance: int = 300
    ) -> None:
        secret_from(secret)  # no secret, or a broken one, fails here rather than on every delivery
        self._secret = secret
        self._on_event = on_event
        self._tolerance = tolerance
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._inboxes: list[EventInbox] = []
        self._lock = threading.Lock()

    def subscribe(self) -> EventInbox:
        """A new inbox that gets every new event from now on."""
        inbox = EventInbox()
        with self._lock:
            self._inboxes.append(inbox)
        return inbox

    def unsubscribe(self, inbox: EventInbox) -> None:
        with self._lock:
            if inbox in self._inboxes:
                self._inboxes.remove(inbox)

    def accept(self, body: bytes, headers: Mapping[str, str]) -> Acceptance:
        """Check one delivery: 400 if it does not verify, 200 for a repeat, 200 with its event if new."""
        try:
            verify(body, headers, self._secret, tolerance=self._tolerance)
            event = parse_event(body)
        except WebhookVerificationError as exc:
            log.warning("webhook refused: %s", exc)
            return Acceptance(400, _json({"error": {"message": str(exc), "check": exc.check}}))
        webhook_id = header(headers, ID_HEADER)
        with self._lock:
            if webhook_id in self._seen:
                return Acceptance(200, _json({"received": True, "duplicate": True}))
            self._seen[webhook_id] = None
            while len(self._seen) > REMEMBERED:
                self._seen.popitem(last=False)
            inboxes = list(self._inboxes)
        for inbox in inboxes:
            inbox.put(event)
        return Acceptance(200, _json({"received": True}), event)

    def handle(self, event: WebhookEvent) -> None:
        """Run a synchronous `on_event` (the thread-served transport); errors are logged, not raised."""
        if self._on_event is None:
            return
        try:
            result = self._on_event(event)
            if inspect.isawaitable(result):
                raise TypeError("an async on_event needs the ASGI receiver, not listen()")
        except Exception:
            log.exception("on_event failed for webhook event %s", event.id)

    async def handle_async(self, event: WebhookEvent) -> None:
        """Run `on_event`: awaited if async, in a worker thread if not; errors are logged, not raised."""
        if self._on_event is None:
            return
        try:
            if inspect.iscoroutinefunction(self._on_event):
                await self._on_event(event)
            else:
                result = await anyio.to_thread.run_sync(self._on_event, event)
                if inspect.isawaitable(result):
                    await result
        except Exception:
            log.exception("on_event failed for webhook event %s", event.id)

    async def __call__(
        self, scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]
    ) -> None:
        """The ASGI app: any path; POST only."""
        if scope["type"] == "lifespan":  # served as the whole app: nothing to start or stop
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["type"] != "http":
            return
        if scope["method"] != "POST":
            await _send(send, 405, _json({"error": {"message": "webhooks are POSTed"}}), allow=True)
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > MAX_BODY:
                await _send(send, 413, _json({"error": {"message": f"bodies over {MAX_BODY} bytes refused"}}))
                return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        acceptance = self.accept(body, headers)
        await _send(send, acceptance.status, acceptance.body)
        if acceptance.event is not None:
            await self.handle_async(acceptance.event)


def receiver(
    secret: str | None = None, on_event: EventHandler | None = None, *, tolerance: int = 300
) -> WebhookReceiver:
    """An ASGI app that receives the service's webhooks (see `WebhookReceiver`).

    `secret` defaults to `OPENAI_WEBHOOK_SECRET`; `on_event` (sync or async) gets each new, verified
    event after the 200 went out. Raises WebhookVerificationError (`check="secret"`) without a usable secret.
    """
    return WebhookReceiver(secret=secret, on_event=on_event, tolerance=tolerance)


def listen(
    hooks: WebhookReceiver,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    after: Callable[[bytes, Mapping[str, str], WebhookEvent], None] | None = None,
) -> ThreadingHTTPServer:
    """Serve `hooks` on host:port from a daemon thread (standard library server); returns the server.

    `server.server_address[1]` is the port (port 0 takes a free one); `server.shutdown()` stops it.
    `after(body, headers, event)` runs for each new event once `on_event` has, as for forwarding it.
    """

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            if length > MAX_BODY:
                self._answer(Acceptance(413, _json({"error": {"message": "body too large"}})))
                return
            body = self.rfile.read(length)
            headers = {k.lower(): v for k, v in self.headers.items()}
            acceptance = hooks.accept(body, headers)
            self._answer(acceptance)
            if acceptance.event is not None:
                hooks.handle(acceptance.event)
                if after is not None:
                    after(body, headers, acceptance.event)

        def _answer(self, acceptance: Acceptance) -> None:
            self.send_response(acceptance.status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(acceptance.body)))
            self.end_headers()
            self.wfile.write(acceptance.body)
            self.wfile.flush()

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("webhook listener: " + format, *args)

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="openai-files webhooks", daemon=True).start()
    return server


def _json(document: dict[str, Any]) -> bytes:
    return json.dumps(document).encode()


async def _send(send: Callable[..., Any], status: int, body: bytes, *, allow: bool = False) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if allow:
        headers.append((b"allow", b"POST"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
