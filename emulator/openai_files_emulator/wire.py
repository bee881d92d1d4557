"""Small helpers shared by the handlers: JSON in and out, query parameters, ASGI-level errors."""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Send

from .errors import ApiError, InvalidRequest, invalid_value, missing_argument, unknown_argument


def error_response(error: ApiError) -> JSONResponse:
    return JSONResponse(error.body(), status_code=error.status_code, headers=error.headers)


async def send_error(send: Send, error: ApiError) -> None:
    """Answer from middleware, below Starlette's routing, with the same envelope as the handlers."""
    body = json.dumps(error.body(), separators=(",", ":")).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers += [(k.encode(), v.encode()) for k, v in error.headers.items()]
    await send({"type": "http.response.start", "status": error.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def parse_json(raw: bytes | bytearray) -> Any:
    """JSON as the service reads it. Raises `ValueError` for invalid JSON, NaN or Infinity, and
    nesting too deep for the parser (Python's own limit, which would otherwise surface as a 500)."""
    try:
        return json.loads(raw, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError as exc:
        raise ValueError("the JSON is nested too deeply") from exc


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"the number {text[:20]} is too large")
    return value


async def read_json_object(
    request: Request, allowed: frozenset[str], max_bytes: int = 1024 * 1024
) -> dict[str, Any]:
    """Parse a JSON object body, refusing unknown keys as the service does; an empty body is `{}`."""
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > max_bytes:
            raise InvalidRequest("The JSON body is too large.")
    if not raw.strip():
        return {}
    try:
        data = parse_json(raw)
    except ValueError as exc:
        raise InvalidRequest(
            "We could not parse the JSON body of your request. Send valid JSON.", code="invalid_json"
        ) from exc
    if not isinstance(data, dict):
        raise InvalidRequest("The JSON body must be an object.", code="invalid_json")
    for key in data:
        if key not in allowed:
            raise unknown_argument(key)
    return data


def query_int(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise invalid_value(name, f"expected an integer, got '{raw}'.") from exc
    if not low <= value <= high:
        raise invalid_value(name, f"must be between {low} and {high}, got {value}.")
    return value


def query_choice(request: Request, name: str, default: str, choices: tuple[str, ...]) -> str:
    value = request.query_params.get(name, default)
    if value not in choices:
        raise invalid_value(name, f"expected one of {', '.join(choices)}, got '{value}'.")
    return value


TYPE_NAMES = {str: "a string", int: "an integer", list: "an array", dict: "an object"}


def required_field(body: dict[str, Any], name: str, kind: type) -> Any:
    if name not in body or body[name] is None:
        raise missing_argument(name)
    value = body[name]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise InvalidRequest(
            f"Invalid type for '{name}': expected {TYPE_NAMES[kind]}, got {type(value).__name__}.",
            param=name,
            code="invalid_type",
        )
    return value


Handler = Callable[[Request], Awaitable[Response]]


def resource(path: str, **handlers: Handler) -> Route:
    """One route per path whatever its methods, so a 405 carries the complete `Allow` header."""

    async def dispatch(request: Request) -> Response:
        method = "GET" if request.method == "HEAD" else request.method
        return await handlers[method](request)

    return Route(path, dispatch, methods=list(handlers))
