"""Refusals: the backends' typed domain errors, and the HTTP-level ones the middleware and routes make.

A backend raises `InvalidRequest` or `NotFound` and knows nothing of HTTP; `wire.error_response` maps
every refusal to the service's envelope and status in one place, so they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping


class ServiceError(Exception):
    """A refusal with the fields of the service's `error` object."""

    def __init__(self, message: str, *, param: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.code = code


class InvalidRequest(ServiceError):
    """The request breaks a rule of the API (the service answers 400 for nearly every refusal)."""


class NotFound(ServiceError):
    """No object has the id asked for (404)."""

    @classmethod
    def object(cls, kind: str, object_id: str, param: str = "id") -> NotFound:
        return cls(f"No {kind} found with id '{object_id}'.", param=param)


class HttpError(ServiceError):
    """A refusal made at the HTTP level (keys, methods, ranges, head size, injected faults): its own
    status, error type and headers."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        error_type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message, param=param, code=code)
        self.status = status
        self.error_type = error_type
        self.headers = dict(headers or {})


def unknown_argument(name: str) -> InvalidRequest:
    return InvalidRequest(f"Unrecognized request argument supplied: {name}", param=name)


def missing_argument(name: str) -> InvalidRequest:
    return InvalidRequest(
        f"Missing required parameter: '{name}'.", param=name, code="missing_required_parameter"
    )


def invalid_value(name: str, why: str) -> InvalidRequest:
    return InvalidRequest(f"Invalid value for '{name}': {why}", param=name, code="invalid_value")
