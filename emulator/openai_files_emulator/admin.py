"""The control plane beside /v1 (like moto's /moto-api): faults, clock, recent requests and reset for
tests that drive an emulator in another process. No auth: it only ever listens where the tests run."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

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


def routes(emulator: Emulator) -> list[Route]:
    def clock_state() -> dict[str, Any]:
        return {"now": emulator.clock.now(), "offset": emulator.clock.offset}

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

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
        _settings(
            "faults", emulator.faults, FaultConfig, "fault", lambda: {"injected": emulator.faults.injected}
        ),
        _settings("batches", emulator.batch_settings, BatchConfig, "batch"),
        _settings("webhooks", emulator.webhooks, WebhookConfig, "webhook"),
        resource(f"{PREFIX}/clock", GET=get_clock),
        resource(f"{PREFIX}/clock/advance", POST=advance_clock),
        resource(f"{PREFIX}/requests", GET=get_requests),
        resource(f"{PREFIX}/reset", POST=reset),
    ]


def _settings(
    path: str, live: Any, cls: type, what: str, shown: Callable[[], dict[str, Any]] = dict
) -> Route:
    """GET (with `shown()`), PUT (the JSON of `cls`'s fields) and DELETE (back to the start's) of one live
    settings object: faults, batch behaviour, webhooks."""

    async def get(request: Request) -> Response:
        return JSONResponse({**live.config.to_json(), **shown()})

    async def put(request: Request) -> Response:
        body = await read_json_object(request, frozenset(f.name for f in dataclasses.fields(cls)))
        try:  # 400, and nothing stored, for an unknown field or a value of the wrong type or range
            config: Any = settings_from_json(cls, body, what)
        except (TypeError, ValueError) as exc:
            raise InvalidRequest(str(exc)) from exc
        return JSONResponse(live.set(config).to_json())

    async def delete(request: Request) -> Response:
        live.clear()
        return JSONResponse(live.config.to_json())

    return resource(f"{PREFIX}/{path}", GET=get, PUT=put, DELETE=delete)
