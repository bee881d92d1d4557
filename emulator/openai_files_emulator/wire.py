"""Small helpers shared by the handlers: JSON in and out, query parameters, ASGI-level errors."""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Send

from .errors import (
    HttpError,
    InvalidRequest,
    NotFound,
    ServiceError,
    invalid_value,
    missing_argument,
    unknown_argument,
)
from .files.backend import Expiry

P = ParamSpec("P")
T = TypeVar("T")


def _answer(error: ServiceError) -> tuple[int, dict[str, Any], dict[str, str]]:
    """The one map from a refusal to its answer: an `HttpError` has its own status, type and headers, a
    backend's `NotFound` is 404 and any other broken rule 400; the body is the service's envelope."""
    http = error if isinstance(error, HttpError) else None
    status = http.status if http else 404 if isinstance(error, NotFound) else 400
    kind = http.error_type if http else "invalid_request_error"
    fields = {"message": error.message, "type": kind, "param": error.param, "code": error.code}
    return status, {"error": fields}, http.headers if http else {}


def error_response(error: ServiceError) -> JSONResponse:
    status, body, headers = _answer(error)
    return JSONResponse(body, status_code=status, headers=headers)


async def send_error(send: Send, error: ServiceError) -> None:
    """Answer from middleware, below Starlette's routing, with the same envelope as the handlers."""
    status, content, extra = _answer(error)
    body = json.dumps(content, separators=(",", ":")).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers += [(k.encode(), v.encode()) for k, v in extra.items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def call(operation: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run one backend operation in a worker thread: backends are synchronous, and some read files
    (an md5, a batch's input) or wait for a batch another thread is moving."""
    return await run_in_threadpool(operation, *args, **kwargs)


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


def query_int(request: Request, name: str, default: int) -> int:
    """An integer query parameter (its range is the backend's rule)."""
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise invalid_value(name, f"expected an integer, got '{raw}'.") from exc


def expiry(anchor: object, seconds: object, param: str) -> Expiry:
    """An `expires_after` policy's fields as sent (form text or JSON) as Python values."""
    if isinstance(seconds, str):
        seconds = _whole_number(seconds)
    if not isinstance(seconds, int) or isinstance(seconds, bool):
        raise invalid_value(f"{param}.seconds", "expected an integer number of seconds.")
    return Expiry(anchor if isinstance(anchor, str) else repr(anchor), seconds)


def expiry_policy(policy: object, param: str) -> Expiry | None:
    """An optional JSON `{anchor, seconds}` policy, as sent to the uploads and batches endpoints."""
    if policy is None:
        return None
    if not isinstance(policy, dict):
        raise invalid_value(param, "expected an object with 'anchor' and 'seconds'.")
    return expiry(policy.get("anchor"), policy.get("seconds"), param)


def string_map(value: object, name: str) -> dict[str, str] | None:
    """An optional JSON object of string values (batch `metadata`)."""
    if value is None:
        return None
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise invalid_value(name, "expected an object of string values.")
    return dict(value)


def _whole_number(text: str) -> int | str:
    """An ASCII integer as an int; anything else unchanged. Digits past what any rule can accept are
    clamped, so int() never meets a 5,000-digit string (CPython refuses to convert one)."""
    digits = text.strip()
    sign = -1 if digits.startswith("-") else 1
    digits = digits.removeprefix("-")
    if not (digits.isascii() and digits.isdigit()):
        return text
    return sign * (int(digits) if len(digits) <= 18 else 10**18)


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
