"""Wire errors: every refusal the emulator sends, in the service's error envelope.

Backends raise these; the app turns them into responses in one place, so the envelope and the
status codes cannot drift apart between endpoints.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class ApiError(Exception):
    """A refusal with its HTTP status and the fields of the `error` object."""

    status_code = 400
    error_type = "invalid_request_error"

    def __init__(
        self,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.code = code
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        return {
            "error": {
                "message": self.message,
                "type": self.error_type,
                "param": self.param,
                "code": self.code,
            }
        }


class InvalidRequest(ApiError):
    """400: the request breaks a rule of the API (the service uses this for nearly every refusal)."""


class HeadTooLarge(ApiError):
    """431: the request line and headers are over the emulator's cap."""

    status_code = 431


class Unauthorized(ApiError):
    # The real service reports bad keys as `invalid_request_error` with code `invalid_api_key`.
    status_code = 401


class NotFound(ApiError):
    status_code = 404

    @classmethod
    def object(cls, kind: str, object_id: str, param: str = "id") -> NotFound:
        return cls(f"No {kind} found with id '{object_id}'.", param=param)


class MethodNotAllowed(ApiError):
    status_code = 405


class RateLimited(ApiError):
    status_code = 429
    error_type = "rate_limit_error"


class ServerError(ApiError):
    """5xx; the status varies because fault injection picks it."""

    error_type = "server_error"

    def __init__(self, message: str, *, status_code: int = 500) -> None:
        super().__init__(message)
        self.status_code = status_code


def unknown_argument(name: str) -> InvalidRequest:
    return InvalidRequest(f"Unrecognized request argument supplied: {name}", param=name)


def missing_argument(name: str) -> InvalidRequest:
    return InvalidRequest(
        f"Missing required parameter: '{name}'.", param=name, code="missing_required_parameter"
    )


def invalid_value(name: str, why: str) -> InvalidRequest:
    return InvalidRequest(f"Invalid value for '{name}': {why}", param=name, code="invalid_value")
