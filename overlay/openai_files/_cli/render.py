"""What the command line prints: objects as one line or JSON Lines, and the exit code for each failure."""

from __future__ import annotations

import contextlib
import errno
import json
import sqlite3
import sys
from collections.abc import Iterator
from typing import Any, BinaryIO, Protocol, TextIO

from .._errors import (
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    BatchNotFinishedError,
    ConfigurationError,
    IncompleteDownloadError,
    InvalidInputError,
    JobNotFinishedError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    WaitTimeoutError,
)
from .terminal import OutputClosed

EXIT_OK = 0
EXIT_ERROR = 1  # the service refused the request for another reason
EXIT_USAGE = 2  # bad arguments, settings or local input: fix the command
EXIT_AUTH = 3  # the key is missing, wrong or lacks permission
EXIT_NOT_FOUND = 4
EXIT_UNAVAILABLE = 5  # rate limit, server error, timeout, no connection, cut download: try again later
EXIT_BATCH_UNSUCCESSFUL = 6  # the batch ended failed, expired or cancelled, or has not ended
EXIT_WAIT_TIMEOUT = 7
EXIT_LOCAL = 8  # a local file or disk failed: no space, no permission, a read-only or missing folder
EXIT_INTERRUPTED = 130  # Ctrl-C (128 + SIGINT)
EXIT_OUTPUT_CLOSED = 141  # stdout closed early, as `ls | head` ends (128 + SIGPIPE)
EXIT_TERMINATED = 143  # SIGTERM (128 + SIGTERM)


class UsageError(Exception):
    """A command line that cannot work as given; exits 2."""


EXIT_CODES: tuple[tuple[type[BaseException], int], ...] = (
    (UsageError, EXIT_USAGE),
    (ConfigurationError, EXIT_USAGE),
    (InvalidInputError, EXIT_USAGE),
    (AuthenticationError, EXIT_AUTH),
    (PermissionDeniedError, EXIT_AUTH),
    (NotFoundError, EXIT_NOT_FOUND),
    (RateLimitError, EXIT_UNAVAILABLE),
    (APIConnectionError, EXIT_UNAVAILABLE),
    (IncompleteDownloadError, EXIT_UNAVAILABLE),
    (WaitTimeoutError, EXIT_WAIT_TIMEOUT),
    (JobNotFinishedError, EXIT_BATCH_UNSUCCESSFUL),
    (BatchNotFinishedError, EXIT_BATCH_UNSUCCESSFUL),
    (OSError, EXIT_LOCAL),  # the library turns every network failure into an APIError
    (sqlite3.Error, EXIT_LOCAL),  # a job's manifest: "database or disk is full", "unable to open"
)


def exit_code(error: BaseException) -> int:
    """The documented exit code for an error that ended a command."""
    if isinstance(error, ConfigurationError) and error.param == "api_key":
        return EXIT_AUTH  # missing or unusable: a problem of authentication, as a 401 is
    for cls, code in EXIT_CODES:
        if isinstance(error, cls):
            return code
    if isinstance(error, APIStatusError) and error.status_code >= 500:
        return EXIT_UNAVAILABLE
    return EXIT_ERROR


class Model(Protocol):
    def to_dict(self) -> dict[str, Any]: ...


class Printer:
    """stdout for people (one line per object) or for scripts (`--json`: JSON Lines, one object a line).

    Lists print one object per line in both forms, so `| head` and `jq -c` work alike on every command.
    A closed stdout raises `OutputClosed`.
    """

    def __init__(self, *, as_json: bool, out: TextIO | None = None) -> None:
        self.as_json = as_json
        self.out = out if out is not None else sys.stdout

    @contextlib.contextmanager
    def guard(self) -> Iterator[None]:
        """Turns a reader that went away (EPIPE) into `OutputClosed`."""
        try:
            yield
        except BrokenPipeError:
            raise OutputClosed from None
        except OSError as error:
            if error.errno != errno.EPIPE:
                raise
            raise OutputClosed from None

    def line(self, text: str) -> None:
        """One line, whatever `--json` says (for output that is JSON Lines already)."""
        if self.out is None:
            return
        with self.guard():
            self.out.write(text + "\n")

    def emit(self, document: dict[str, Any], line: str) -> None:
        """`document` as one JSON line under `--json`, else `line`."""
        self.line(json.dumps(document, sort_keys=True) if self.as_json else line)

    def model(self, obj: Model, *fields: str) -> None:
        """A generated model: its JSON, or its `fields` separated by two spaces (`-` for a missing one)."""
        document = obj.to_dict()
        self.emit(document, "  ".join(str(document.get(name, "-")) for name in fields))

    def binary(self) -> BinaryIO | None:
        """stdout's bytes, for file content; None when there is no stdout."""
        if self.out is None:
            return None
        with self.guard():
            self.out.flush()
        return getattr(self.out, "buffer", None)

    def close(self) -> None:
        """Flush what is buffered, so a reader that left shows here and not at interpreter exit."""
        if self.out is not None:
            with self.guard():
                self.out.flush()
