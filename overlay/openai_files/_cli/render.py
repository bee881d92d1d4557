"""What the command line prints: objects as one line or JSON, errors as one line, and exit codes."""

from __future__ import annotations

import json
import sys
from typing import Any, Protocol, TextIO

from .._errors import (
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    ConfigurationError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    WaitTimeoutError,
)

EXIT_OK = 0
EXIT_ERROR = 1  # the service refused the request for another reason
EXIT_USAGE = 2  # bad arguments, settings or local input: fix the command
EXIT_AUTH = 3  # the key is missing, wrong or lacks permission
EXIT_NOT_FOUND = 4
EXIT_UNAVAILABLE = 5  # rate limit, server error, timeout or no connection: try again later
EXIT_BATCH_UNSUCCESSFUL = 6  # the batch ended failed, expired or cancelled
EXIT_WAIT_TIMEOUT = 7
EXIT_INTERRUPTED = 130

EXIT_CODES: tuple[tuple[type[BaseException], int], ...] = (
    (ConfigurationError, EXIT_USAGE),
    (InvalidInputError, EXIT_USAGE),
    (AuthenticationError, EXIT_AUTH),
    (PermissionDeniedError, EXIT_AUTH),
    (NotFoundError, EXIT_NOT_FOUND),
    (RateLimitError, EXIT_UNAVAILABLE),
    (APIConnectionError, EXIT_UNAVAILABLE),
    (WaitTimeoutError, EXIT_WAIT_TIMEOUT),
)


def exit_code(error: BaseException) -> int:
    for cls, code in EXIT_CODES:
        if isinstance(error, cls):
            return code
    if isinstance(error, APIStatusError) and error.status_code >= 500:
        return EXIT_UNAVAILABLE
    return EXIT_ERROR


class Model(Protocol):
    def to_dict(self) -> dict[str, Any]: ...


class Printer:
    """Prints objects for people (one line each) or for scripts (`--json`: one JSON document a line)."""

    def __init__(self, as_json: bool, out: TextIO | None = None) -> None:
        self.as_json = as_json
        self.out = out if out is not None else sys.stdout

    def emit(self, document: dict[str, Any], line: str) -> None:
        print(json.dumps(document, sort_keys=True) if self.as_json else line, file=self.out)

    def model(self, obj: Model, *fields: str) -> None:
        document = obj.to_dict()
        self.emit(document, "  ".join(str(document.get(name, "-")) for name in fields))
