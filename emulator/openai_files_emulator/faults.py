"""Fault injection: errors, rate limits, dropped connections, cut or lost responses, latency, bandwidth.

Decisions come from one seeded generator, drawn once per matching request in arrival order, so a
sequential client that failed can be replayed exactly with the same seed. `script` gives fully
deterministic faults for the next matching requests before the rates apply.
"""

from __future__ import annotations

import asyncio
import dataclasses
import fnmatch
import math
import random
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import HttpError
from .settings import check_finite, settings_to_json
from .wire import send_error

SCRIPT_ACTIONS = frozenset({"ok", "drop", "cut", "drop_response"})
"""Script actions besides a status code: any 4xx or 5xx as a string (e.g. "403") answers with it."""
RATES = ("error_rate", "rate_limit_rate", "drop_rate", "cut_rate", "drop_response_rate")
"""The fractions of matching requests given each fault; together at most 1."""


@dataclass(frozen=True)
class FaultConfig:
    error_rate: float = 0.0
    """Fraction of matching requests answered with a status from `error_statuses`."""
    error_statuses: tuple[int, ...] = (500, 502, 503)
    rate_limit_rate: float = 0.0
    """Fraction answered 429 with `retry-after` and `retry-after-ms`."""
    retry_after: float = 1.0
    drop_rate: float = 0.0
    """Fraction whose connection is cut while the request body is half read."""
    cut_rate: float = 0.0
    """Fraction whose response body stops at a seeded byte offset, then the connection closes."""
    drop_response_rate: float = 0.0
    """Fraction handled in full whose response is then lost: the connection closes before it is sent."""
    latency: float = 0.0
    """Seconds added before each matching request is handled."""
    bandwidth: int | None = None
    """Bytes per second per request body and response body (one connection carries one at a time)."""
    total_bandwidth: int | None = None
    """Bytes per second shared by every matching body at once in each direction, like a link's capacity."""
    seed: int = 0
    paths: tuple[str, ...] = ()
    """fnmatch patterns on the path (e.g. `/v1/uploads/*/parts`); empty means every `/v1` path."""
    methods: tuple[str, ...] = ()
    script: tuple[str, ...] = ()
    """Actions for the next matching requests, in order: ok, drop, cut, drop_response, or a 4xx/5xx status
    such as "409"."""

    def __post_init__(self) -> None:
        for name in (*RATES, "latency", "retry_after"):
            check_finite(name, getattr(self, name))
        for name in RATES:
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")
        if sum(getattr(self, name) for name in RATES) > 1.0:
            raise ValueError(f"{' + '.join(RATES)} must not exceed 1")
        if self.latency < 0 or self.retry_after < 0:
            raise ValueError("latency and retry_after must not be negative")
        for cap in (self.bandwidth, self.total_bandwidth):
            if cap is not None and (not isinstance(cap, int) or isinstance(cap, bool) or cap <= 0):
                raise ValueError("bandwidth and total_bandwidth must be positive whole bytes per second")
        if not self.error_statuses or any(not 500 <= s <= 599 for s in self.error_statuses):
            raise ValueError("error_statuses must be 5xx codes")
        unknown = {a for a in self.script if a not in SCRIPT_ACTIONS and not _is_error_status(a)}
        if unknown:
            raise ValueError(
                f"unknown script actions {sorted(unknown, key=str)}; "
                "use ok, drop, cut, drop_response or a 4xx/5xx status"
            )

    @property
    def active(self) -> bool:
        return any(
            getattr(self, name) for name in (*RATES, "latency", "bandwidth", "total_bandwidth", "script")
        )

    def to_json(self) -> dict[str, Any]:
        return settings_to_json(self)


class DroppedConnection(Exception):
    """Raised after the response head is sent so the server closes the socket mid-exchange."""


class Faults:
    """The live fault settings of one app; thread-safe so a test thread can change them mid-run."""

    def __init__(self, config: FaultConfig) -> None:
        self._lock = threading.Lock()
        self._config = config
        self._rng = random.Random(config.seed)
        self._script: deque[str] = deque(config.script)
        self.links = _links(config)
        self.injected = 0

    @property
    def config(self) -> FaultConfig:
        return self._config

    def set(self, config: FaultConfig | None = None, **changes: Any) -> FaultConfig:
        """Replace the settings, reseed, zero `injected`; keywords amend `config` (or the defaults)."""
        new = dataclasses.replace(config or FaultConfig(), **changes)
        with self._lock:
            self._config = new
            self._rng = random.Random(new.seed)
            self._script = deque(new.script)
            self.links = _links(new)
            self.injected = 0
        return new

    def clear(self) -> None:
        self.set()

    def matches(self, config: FaultConfig, method: str, path: str) -> bool:
        if not path.startswith("/v1/") and path != "/v1":
            return False
        if config.methods and method.upper() not in {m.upper() for m in config.methods}:
            return False
        return not config.paths or any(fnmatch.fnmatchcase(path, p) for p in config.paths)

    def decide(self, config: FaultConfig) -> tuple[str, float]:
        """Pick this request's action: a scripted one first, then one draw against the rates.

        A cut also draws where, as a fraction of the response body, so replays cut at the same byte.
        """
        with self._lock:
            action = self._script.popleft() if self._script else self._draw(config)
            if action != "ok":
                self.injected += 1
            return action, self._rng.random() if action == "cut" else 0.0

    def _draw(self, config: FaultConfig) -> str:
        """One draw against the rates, stacked in a fixed order (new faults go last, so an old seed
        still picks the faults it picked before)."""
        draw = self._rng.random()
        for action, rate in (
            ("drop", config.drop_rate),
            ("error", config.error_rate),
            ("429", config.rate_limit_rate),
            ("cut", config.cut_rate),
            ("drop_response", config.drop_response_rate),
        ):
            if draw < rate:
                return str(self._rng.choice(config.error_statuses)) if action == "error" else action
            draw -= rate
        return "ok"


class Link:
    """The capacity every paced body shares: bytes are booked back to back on one timeline.

    Booking starts at "now" after an idle moment, so a quiet link earns no burst.
    """

    def __init__(self, rate: int) -> None:
        self._rate = rate
        self._free_at = 0.0

    def book(self, nbytes: int) -> float:
        """The monotonic time at which `nbytes` more have crossed the link."""
        self._free_at = max(self._free_at, time.monotonic()) + nbytes / self._rate
        return self._free_at


class Pacer:
    """Holds one byte stream to its own rate, and to the shared link's when there is one, by sleeping
    once it runs ahead of schedule."""

    def __init__(self, rate: int | None, link: Link | None = None) -> None:
        self._rate = rate
        self._link = link
        self._start = time.monotonic()
        self._sent = 0

    async def account(self, nbytes: int) -> None:
        self._sent += nbytes
        due = self._start + self._sent / self._rate if self._rate else 0.0
        if self._link is not None:
            due = max(due, self._link.book(nbytes))
        ahead = due - time.monotonic()
        if ahead > 0:
            await asyncio.sleep(ahead)


PACED_PIECE = 16 * 1024


class FaultMiddleware:
    def __init__(self, app: ASGIApp, faults: Faults) -> None:
        self.app = app
        self.faults = faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        config = self.faults.config
        if (
            scope["type"] != "http"
            or not config.active
            or not self.faults.matches(config, scope["method"], scope["path"])
        ):
            await self.app(scope, receive, send)
            return
        # Decided on arrival: a request still waiting out its latency when a test changes or clears the
        # faults must not take a scripted action meant for the requests that come after it.
        action, where = self.faults.decide(config)
        if config.latency:
            await asyncio.sleep(config.latency)
        if config.bandwidth or config.total_bandwidth:
            receive, send = _paced(receive, send, config.bandwidth, self.faults.links)
        if action == "ok":
            await self.app(scope, receive, send)
        elif action == "cut":
            await self.app(scope, receive, _cutting(send, where))
        elif action == "drop":
            await _drop(scope, receive, send)
        elif action == "drop_response":
            await self.app(scope, receive, _swallow)
            await _hang_up(send)
        else:
            await send_error(send, _injected_error(int(action), config.retry_after))


def _is_error_status(action: object) -> bool:
    return isinstance(action, str) and action.isdigit() and len(action) == 3 and 400 <= int(action) <= 599


def _injected_error(status: int, retry_after: float) -> HttpError:
    """The envelope the service would send for `status`; a 429 says when to come back."""
    if status == 429:
        retry = {"retry-after": str(math.ceil(retry_after)), "retry-after-ms": str(int(retry_after * 1000))}
        message = "Rate limit reached (injected by the emulator)."
        return HttpError(
            429, message, error_type="rate_limit_error", code="rate_limit_exceeded", headers=retry
        )
    if status >= 500:
        message = "The server had an error while processing the request (injected by the emulator)."
        return HttpError(status, message, error_type="server_error")
    return HttpError(status, f"Refused with status {status} (injected by the emulator).", code="injected")


def _links(config: FaultConfig) -> tuple[Link, Link] | tuple[None, None]:
    """The shared (inbound, outbound) capacity: full duplex, as a real link."""
    if config.total_bandwidth is None:
        return None, None
    return Link(config.total_bandwidth), Link(config.total_bandwidth)


def _paced(
    receive: Receive, send: Send, rate: int | None, links: tuple[Link | None, Link | None]
) -> tuple[Receive, Send]:
    inbound, outbound = Pacer(rate, links[0]), Pacer(rate, links[1])

    async def paced_receive() -> Message:
        message = await receive()
        await inbound.account(len(message.get("body", b"")))
        return message

    async def paced_send(message: Message) -> None:
        if message["type"] != "http.response.body":
            await send(message)
            return
        body = memoryview(message.get("body", b""))
        more = message.get("more_body", False)
        for start in range(0, max(len(body), 1), PACED_PIECE):
            piece = bytes(body[start : start + PACED_PIECE])
            last = start + PACED_PIECE >= len(body)
            await outbound.account(len(piece))  # before sending, so the last piece is late too
            await send({"type": "http.response.body", "body": piece, "more_body": more or not last})

    return paced_receive, paced_send


def _cutting(send: Send, where: float) -> Send:
    """Send the response head and the body's first `where` fraction of bytes, then cut the connection.

    The head still promises the whole body, as when a connection breaks mid-download.
    """
    left = 0

    async def cut_send(message: Message) -> None:
        nonlocal left
        if message["type"] == "http.response.start":
            lengths = [v for k, v in message.get("headers", []) if k.lower() == b"content-length"]
            left = int(where * int(lengths[0])) if lengths else 0
            await send(message)
            return
        body = message.get("body", b"")
        if len(body) < left:
            left -= len(body)
            await send(message)
            return
        await send({"type": "http.response.body", "body": body[:left], "more_body": True})
        raise DroppedConnection("response cut by fault injection")

    return cut_send


async def _drop(scope: Scope, receive: Receive, send: Send) -> None:
    """Read about half the request body, send a response head promising more, then cut the socket."""
    declared = 0
    for name, value in scope["headers"]:
        if name == b"content-length":
            declared = int(value or b"0")
    received = 0
    while received < declared // 2:
        message = await receive()
        received += len(message.get("body", b""))
        if not message.get("more_body", False):
            break
    await _hang_up(send)


async def _swallow(message: Message) -> None:
    """The send of a request whose response is lost: nothing of it reaches the client."""


async def _hang_up(send: Send) -> None:
    """Send a response head promising a body, then cut the socket: the client gets no answer.

    The head goes first because uvicorn answers 500 for an app that fails before one.
    """
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", b"1024")],
        }
    )
    await send({"type": "http.response.body", "body": b'{"id": "', "more_body": True})
    raise DroppedConnection("connection dropped by fault injection")
