"""Request ids and API-key checks, applied to every request before routing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import Unauthorized
from .wire import send_error

if TYPE_CHECKING:
    from .app import Emulator

INSTANCE_HEADER = b"openai-files-emulator-instance"


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
            await send_error(
                send,
                Unauthorized(
                    "No API key was provided. Send it in an 'Authorization: Bearer <key>' header.",
                    code="missing_api_key",
                ),
            )
            return
        if self.api_keys and key not in self.api_keys:
            await send_error(
                send, Unauthorized(f"Incorrect API key provided: {_mask(key)}.", code="invalid_api_key")
            )
            return
        await self.app(scope, receive, send)


def _mask(key: str) -> str:
    return key[:3] + "*" * max(0, len(key) - 7) + key[-4:] if len(key) > 8 else "*" * len(key)
