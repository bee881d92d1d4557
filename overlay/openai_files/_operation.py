"""What `client.call` and `client.stream` accept: any generated operation, and how it becomes a request.

Every module under `openai_files_api.api` has the same shape: `request_kwargs(<the operation's arguments>)`
builds the request, `parse_response(client=..., response=...)` parses any answer into the success model,
the error envelope or None. `Operation` describes that shape as a protocol a module satisfies, so mypy
checks the arguments against `request_kwargs` and reads the success model off `parse_response`: the return
type of `client.call(retrieve_file, "file-abc")` is `OpenAIFile`, with no cast. An operation added by
`make vendor` has that shape the moment it is generated, so the overlay calls it with no change.

This is the one place the overlay reaches into a generated module's functions; everything else calls the
client's public `call` and `stream`.

Reading policy (liberal in what is read; each row is implemented where named, never in `generated/`):

    the service sends                          the caller reads              where
    null where upstream's examples show null   None                          vendoring fix example-evidence
      (`Batch.errors`, timestamps, file ids)
    a required field its examples leave out    None (`OpenAIFile.status`)    vendoring fix example-evidence
    null in any other optional field           None; the call succeeds       templates/model.py.jinja
    "" in an optional `*_id` field             None                          templates/model.py.jinja
    an unknown field                           kept: `model["field"]`        generator extra properties
    an unknown enum value                      kept, a member of the enum    templates/str_enum.py.jinja
    no JSON object, or one without a field     `APIError` quoting the body's `Endpoint.parse` below
      the model needs (`id`, `object`)           first bytes, key scrubbed
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
FIRST_BYTES = 200  # of a body that is no response, quoted in the error
R_co = TypeVar("R_co", covariant=True)


class Operation(Protocol[P, R_co]):
    """A generated endpoint module, e.g. `openai_files_api.api.files.retrieve_file`.

    `P` is what the operation takes (its path, query and body arguments, without `client`), `R_co` the
    model a successful response parses into.
    """

    def request_kwargs(self, *args: P.args, **kwargs: P.kwargs) -> dict[str, Any]: ...

    def parse_response(
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
        if callable(operation) and not hasattr(operation, "request_kwargs"):
            # Only `sync` and `asyncio` return the model `call` returns; `*_detailed` wrap it in a Response.
            named = getattr(operation, "__name__", "") in ("sync", "asyncio")
            module = sys.modules.get(getattr(operation, "__module__", ""), None) if named else None
        request = getattr(module, "request_kwargs", None)
        parse = getattr(module, "parse_response", None)
        if not callable(request) or not callable(parse):
            raise TypeError(
                f"{operation!r} is not a generated operation: pass a module of openai_files_api.api "
                "(e.g. retrieve_file) or its sync or asyncio function (retrieve_file.sync)"
            )
        name = str(getattr(module, "__name__", operation)).rpartition(".")[2]
        return cls(name=name, request=_ids_checked(request), _parse=parse)

    def parse(
        self, response: httpx.Response, client: AuthenticatedClient, *, redact: Callable[[str], str]
    ) -> Any:
        """A 2xx response as the operation's success model; anything else is an `APIError` quoting the
        body's first bytes (`redact` scrubs the key out), never a bare `KeyError` or a `None`."""
        try:
            parsed = self._parse(client=client, response=response)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise _mismatch(response, repr(exc), redact) from exc
        if parsed is None or isinstance(parsed, ErrorResponse):
            raise _mismatch(response, f"status {response.status_code} is no success of {self.name}", redact)
        return parsed


def _ids_checked(request: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """`request` refusing an unusable id before it is built into the URL.

    The generator makes path parameters the positional ones of `request_kwargs` (query and body
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


def _mismatch(response: httpx.Response, detail: str, redact: Callable[[str], str]) -> APIError:
    """The error for a body that cannot be the operation's response, with its first bytes to show why.

    The whole body is scrubbed before it is cut, so a key split by the cut cannot survive in part."""
    request = response.request
    first = redact(response.text)[:FIRST_BYTES]
    return APIError(
        f"{request.method} {request.url}: response does not match the spec ({redact(detail)});"
        f" it begins {first!r}",
        method=request.method,
        url=str(request.url),
    )
