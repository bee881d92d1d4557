"""The control plane beside /v1 (like moto's /moto-api): faults, clock, recent requests and reset for
tests that drive an emulator in another process. No auth: it only ever listens where the tests run."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, TypeVar

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .batches.settings import BatchConfig
from .errors import InvalidRequest
from .faults import FaultConfig
from .settings import settings_from_json
from .webhooks import WebhookConfig
from .wire import read_json_object, resource

if TYPE_CHECKING:
    from .app import Emulator

PREFIX = "/__emulator__"
S = TypeVar("S")


def routes(emulator: Emulator) -> list[Route]:
    def clock_state() -> dict[str, Any]:
        return {"now": emulator.clock.now(), "offset": emulator.clock.offset}

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def get_faults(request: Request) -> Response:
        return JSONResponse({**emulator.faults.config.to_json(), "injected": emulator.faults.injected})

    async def put_faults(request: Request) -> Response:
        config = await _read_settings(request, FaultConfig, "fault")
        return JSONResponse(emulator.faults.set(config).to_json())

    async def delete_faults(request: Request) -> Response:
        emulator.faults.clear()
        return JSONResponse(emulator.faults.config.to_json())

    async def get_batches(request: Request) -> Response:
        return JSONResponse(emulator.batch_settings.config.to_json())

    async def put_batches(request: Request) -> Response:
        config = await _read_settings(request, BatchConfig, "batch")
        return JSONResponse(emulator.batch_settings.set(config).to_json())

    async def delete_batches(request: Request) -> Response:
        emulator.batch_settings.clear()
        return JSONResponse(emulator.batch_settings.config.to_json())

    async def get_webhooks(request: Request) -> Response:
        return JSONResponse(emulator.webhooks.config.to_json())

    async def put_webhooks(request: Request) -> Response:
        config = await _read_settings(request, WebhookConfig, "webhook")
        return JSONResponse(emulator.webhooks.set(config).to_json())

    async def delete_webhooks(request: Request) -> Response:
        emulator.webhooks.clear()
        return JSONResponse(emulator.webhooks.config.to_json())

    async def get_clock(request: Request) -> Response:
        return JSONResponse(clock_state())

    async def advance_clock(request: Request) -> Response:
        body = await read_json_object(request, frozenset({"seconds"}))
        seconds = body.get("seconds")
        if not isinstance(seconds, int | float) or isinstance(seconds, bool):
            raise InvalidRequest("'seconds' must be a non-negative number.", param="seconds")
        try:
            emulator.clock.advance(float(seconds))
        except (ValueError, OverflowError) as exc:  # OverflowError: an integer too large for a float
            raise InvalidRequest(f"'seconds' is refused: {exc}.", param="seconds") from exc
        return JSONResponse(clock_state())

    async def get_requests(request: Request) -> Response:
        return JSONResponse({"data": [seen.to_json() for seen in emulator.requests.recent()]})

    async def reset(request: Request) -> Response:
        emulator.reset()
        return JSONResponse({"status": "reset"})

    return [
        resource(f"{PREFIX}/health", GET=health),
        resource(f"{PREFIX}/faults", GET=get_faults, PUT=put_faults, DELETE=delete_faults),
        resource(f"{PREFIX}/batches", GET=get_batches, PUT=put_batches, DELETE=delete_batches),
        resource(f"{PREFIX}/webhooks", GET=get_webhooks, PUT=put_webhooks, DELETE=delete_webhooks),
        resource(f"{PREFIX}/clock", GET=get_clock),
        resource(f"{PREFIX}/clock/advance", POST=advance_clock),
        resource(f"{PREFIX}/requests", GET=get_requests),
        resource(f"{PREFIX}/reset", POST=reset),
    ]


async def _read_settings(request: Request, cls: type[S], what: str) -> S:
    """The JSON body as a settings object; 400, and nothing stored, for an unknown field or a value of
    the wrong type or range."""
    body = await read_json_object(request, frozenset(f.name for f in dataclasses.fields(cls)))  # type: ignore[arg-type]
    try:
        return settings_from_json(cls, body, what)
    except (TypeError, ValueError) as exc:
        raise InvalidRequest(str(exc)) from exc
