"""The most recent /v1 requests as they arrived, so a test can check what a client sent on each attempt
(an Idempotency-Key repeated across retries, say), faulted ones included; and every webhook delivery
attempt the emulator made (`path` is then the URL, `outcome` how it went).

Only the method, path and headers are kept, never bodies, and never the Authorization header: the
log is readable over the control plane, which has no auth.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

KEPT = 1000


@dataclass(frozen=True)
class SeenRequest:
    method: str
    path: str
    headers: dict[str, str]
    """Lower-case names; a repeated header keeps its last value."""
    outcome: str | None = None
    """Only on webhook deliveries: `webhook 200`, `webhook timeout`, `webhook dropped (fault)`, ..."""

    def to_json(self) -> dict[str, Any]:
        seen = {"method": self.method, "path": self.path, "headers": self.headers}
        return seen if self.outcome is None else seen | {"outcome": self.outcome}


class RequestLog:
    """A bounded, thread-safe log: the server appends, a test thread reads."""

    def __init__(self, kept: int = KEPT) -> None:
        self._lock = threading.Lock()
        self._seen: deque[SeenRequest] = deque(maxlen=kept)

    def add(self, request: SeenRequest) -> None:
        with self._lock:
            self._seen.append(request)

    def recent(self) -> list[SeenRequest]:
        """Oldest first."""
        with self._lock:
            return list(self._seen)

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()


class RecordingMiddleware:
    def __init__(self, app: ASGIApp, log: RequestLog) -> None:
        self.app = app
        self.log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/v1"):
            headers = {
                name.decode("latin-1").lower(): value.decode("latin-1")
                for name, value in scope["headers"]
                if name.lower() != b"authorization"
            }
            self.log.add(SeenRequest(scope["method"], scope["path"], headers))
        await self.app(scope, receive, send)
