"""What `client.call` and `client.stream` accept: any generated operation, and how it becomes a request.

Every module under `openai_files_api.api` has the same shape: `_get_kwargs(<the operation's arguments>)`
builds the request, `_parse_response(client=..., response=...)` parses any answer into the success model,
the error envelope or None. `Operation` describes that shape as a protocol a module satisfies, so mypy
checks the arguments against `_get_kwargs` and reads the success model off `_parse_response`: the return
type of `client.call(retrieve_file, "file-abc")` is `OpenAIFile`, with no cast. An operation added by
`make vendor` has that shape the moment it is generated, so the overlay calls it with no change.

This is the one place the overlay reaches into a generated module's functions; everything else calls the
client's public `call` and `stream`.
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ParamSpec, Protocol, TypeVar

import httpx

from . import _rules as rules
from ._errors import APIError
from ._generated import AuthenticatedClient, ErrorResponse, GeneratedClient

__all__ = ["Endpoint", "Operation"]

P = ParamSpec("P")
R_co = TypeVar("R_co", covariant=True)


class Operation(Protocol[P, R_co]):
    """A generated endpoint module, e.g. `openai_files_api.api.files.retrieve_file`.

    `P` is what the operation takes (its path, query and body arguments, without `client`), `R_co` the
    model a successful response parses into.
    """

    def _get_kwargs(self, *args: P.args, **kwargs: P.kwargs) -> dict[str, Any]: ...

    def _parse_response(
        self, *, client: AuthenticatedClient | GeneratedClient, response: httpx.Response
    ) -> R_co | ErrorResponse | None: ...


@dataclass(frozen=True)
class Endpoint:
    """A generated operation reduced to what the client needs: its request, and its success parser."""

    name: str
    request: Callable[..., dict[str, Any]]
    _parse: Callable[..., object]

    @classmethod
    def of(cls, operation: object) -> Endpoint:
        """The endpoint behind a generated module or one of its functions (`sync`, `asyncio`, ...)."""
        module: Any = operation
        if callable(operation) and not hasattr(operation, "_get_kwargs"):
            # Only `sync` and `asyncio` return the model `call` returns; `*_detailed` wrap it in a Response.
            named = getattr(operation, "__name__", "") in ("sync", "asyncio")
            module = sys.modules.get(getattr(operation, "__module__", ""), None) if named else None
        request = getattr(module, "_get_kwargs", None)
        parse = getattr(module, "_parse_response", None)
        if not callable(request) or not callable(parse):
            raise TypeError(
                f"{operation!r} is not a generated operation: pass a module of openai_files_api.api "
                "(e.g. retrieve_file) or its sync or asyncio function (retrieve_file.sync)"
            )
        name = str(getattr(module, "__name__", operation)).rpartition(".")[2]
        return cls(name=name, request=_ids_checked(request), _parse=parse)

    def parse(self, response: httpx.Response, client: AuthenticatedClient) -> Any:
        """A 2xx response as the operation's success model; anything else is an `APIError`, never a
        bare `KeyError` or a `None` in the caller's hands."""
        try:
            parsed = self._parse(client=client, response=response)
        except (ValueError, KeyError, TypeError) as exc:
            raise _mismatch(response, repr(exc)) from exc
        if parsed is None or isinstance(parsed, ErrorResponse):
            raise _mismatch(response, f"status {response.status_code} is no success of {self.name}")
        return parsed


def _ids_checked(request: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """`request` refusing an unusable id before it is built into the URL.

    The generator makes path parameters the positional ones of `_get_kwargs` (query and body
    arguments are keyword-only), so every operation, one vendored later too, gets the same check.
    """
    signature, path_params = _path_parameters(request)
    if not path_params:
        return request

    def checked(*args: Any, **kwargs: Any) -> dict[str, Any]:
        bound = signature.bind_partial(*args, **kwargs).arguments
        for name in path_params:
            if name in bound:
                rules.path_id(bound[name], param=name)
        return request(*args, **kwargs)

    return checked


@functools.cache
def _path_parameters(request: Callable[..., dict[str, Any]]) -> tuple[inspect.Signature, tuple[str, ...]]:
    signature = inspect.signature(request)
    names = tuple(p.name for p in signature.parameters.values() if p.kind is p.POSITIONAL_OR_KEYWORD)
    return signature, names


def _mismatch(response: httpx.Response, detail: str) -> APIError:
    request = response.request
    return APIError(
        f"{request.method} {request.url}: response does not match the spec ({detail})",
        method=request.method,
        url=str(request.url),
    )
