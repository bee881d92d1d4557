"""Scripted answers: a test says what the service answers to each request of a batch.

`server.batch_settings.script(answers)` takes a mapping from `custom_id` to an answer, or a callable
from the parsed input line (a dict: `custom_id`, `method`, `url`, `body`) to an answer or None. An answer
is an `Answer` (a body and a status, or a line-level error), or a plain dict taken as a 200 body. A
request the script does not answer (not in the mapping, or None) gets the usual stand-in. A callable
that raises answers its request with a 500 line naming the exception, so a broken script shows in the
results rather than as a failed retrieve.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias


@dataclass(frozen=True)
class Answer:
    """One request's scripted result.

    `body` and `status`: the response the request got; a 2xx goes to the output file, any other status
    to the error file (as the service files failed requests), unless `error_file` says otherwise.
    `error`: instead of a response, a line-level error `{"code", "message"}` with `response: null`
    (as `batch_expired` lines have); the request goes to the error file.
    """

    body: Any = None
    status: int = 200
    error: Mapping[str, Any] | None = None
    error_file: bool | None = None

    def __post_init__(self) -> None:
        if not 100 <= self.status <= 599:
            raise ValueError(f"status must be an HTTP status, got {self.status}")
        if self.error is not None and self.body is not None:
            raise ValueError("an Answer has a response body or a line-level error, not both")

    @classmethod
    def failure(cls, code: str, message: str) -> Answer:
        """A line-level error with no response, as the service writes `batch_expired` lines."""
        return cls(error={"code": code, "message": message})

    @property
    def succeeded(self) -> bool:
        """Whether the line belongs in the output file."""
        if self.error_file is not None:
            return not self.error_file
        return self.error is None and 200 <= self.status < 300


Scripted: TypeAlias = "Answer | Mapping[str, Any] | None"
Script: TypeAlias = "Mapping[str, Answer | Mapping[str, Any]] | Callable[[dict[str, Any]], Scripted]"


def lookup(script: Script, request: dict[str, Any]) -> Answer | None:
    """The scripted answer for one parsed request, or None for the stand-in."""
    try:
        found = script(request) if callable(script) else script.get(str(request.get("custom_id")))
    except Exception as exc:
        message = f"the batch script raised {type(exc).__name__}: {exc}"
        error = {"message": message, "type": "server_error", "param": None, "code": None}
        return Answer({"error": error}, 500)
    if found is None or isinstance(found, Answer):
        return found
    return Answer(body=dict(found))
