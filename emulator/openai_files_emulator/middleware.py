"""Request ids and API-key checks, applied to every request before routing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import HttpError
from .wire import send_error

if TYPE_CHECKING:
    from .app import Emulator

INSTANCE_HEADER = b"openai-files-emulator-instance"
MAX_HEAD_BYTES = 64 * 1024
"""A request head (request line and headers) larger than this is refused and its connection closed, as
real servers cap it (nginx 8 KiB a line, Node 16 KiB). h11 stops one that arrives in pieces before
buffering more (`server.uvicorn_config`); `HeadCapMiddleware` refuses one that came whole in one read."""


class HeadCapMiddleware:
    """Refuses a request whose head is over `MAX_HEAD_BYTES` (431, connection closed), however it came.

    The ASGI scope has the head parsed, so its size is counted as sent on the wire: the request line and
    each header line with their CRLFs.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _head_bytes(scope) > MAX_HEAD_BYTES:
            message = f"The request head is over {MAX_HEAD_BYTES // 1024} KiB."
            refusal = HttpError(431, message, headers={"connection": "close"})
            await send_error(send, refusal)
            return
        await self.app(scope, receive, send)


def _head_bytes(scope: Scope) -> int:
    """`METHOD target HTTP/1.1\\r\\n`, then `name: value\\r\\n` per header, then the blank line."""
    query = scope.get("query_string", b"")
    target = len(scope.get("raw_path") or scope["path"].encode()) + (len(query) + 1 if query else 0)
    line = len(scope["method"]) + 1 + target + len(" HTTP/1.1\r\n")
    return line + sum(len(name) + 2 + len(value) + 2 for name, value in scope["headers"]) + 2


class RequestIdMiddleware:
    """Every response carries `x-request-id`, as the service's do (clients put it in their errors), and
    `openai-files-emulator-instance`, so state a client keeps can say which emulator it belongs to."""

    def __init__(self, app: ASGIApp, emulator: Emulator) -> None:
        self.app = app
        self.emulator = emulator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = self.emulator.ids.request().encode()
        instance = self.emulator.instance.encode()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id),
                    (INSTANCE_HEADER, instance),
                ]
            await send(message)

        await self.app(scope, receive, send_with_id)


class AuthMiddleware:
    """Bearer keys on /v1: any non-empty key, or only the configured ones when there are any."""

    def __init__(self, app: ASGIApp, api_keys: frozenset[str]) -> None:
        self.app = app
        self.api_keys = api_keys

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/v1"):
            await self.app(scope, receive, send)
            return
        header = dict(scope["headers"]).get(b"authorization", b"").decode("latin-1")
        scheme, _, key = header.partition(" ")
        key = key.strip()
        if scheme.lower() != "bearer" or not key:
            message = "No API key was provided. Send it in an 'Authorization: Bearer <key>' header."
            await send_error(send, HttpError(401, message, code="missing_api_key"))
        elif self.api_keys and key not in self.api_keys:
            message = f"Incorrect API key provided: {_mask(key)}."
            await send_error(send, HttpError(401, message, code="invalid_api_key"))
        else:
            await self.app(scope, receive, send)


def _mask(key: str) -> str:
    return key[:3] + "*" * max(0, len(key) - 7) + key[-4:] if len(key) > 8 else "*" * len(key)
