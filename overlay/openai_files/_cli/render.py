"""What the command line prints: objects as one line or JSON Lines, and the exit code for each failure."""

from __future__ import annotations

import contextlib
import datetime
import errno
import json
import sqlite3
import sys
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO, Protocol, TextIO

from .. import (
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    BatchNotFinishedError,
    ConfigurationError,
    CostLimitError,
    IncompleteDownloadError,
    InvalidInputError,
    JobNotFinishedError,
    JobNotFoundError,
    JobStateError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    WaitTimeoutError,
)
from .terminal import OutputClosed, is_terminal

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_AUTH = 3
EXIT_NOT_FOUND = 4
EXIT_UNAVAILABLE = 5
EXIT_BATCH_UNSUCCESSFUL = 6
EXIT_WAIT_TIMEOUT = 7
EXIT_LOCAL = 8
EXIT_OVER_COST = 9
EXIT_INTERRUPTED = 130  # 128 + SIGINT
EXIT_OUTPUT_CLOSED = 141  # 128 + SIGPIPE
EXIT_TERMINATED = 143  # 128 + SIGTERM

# The one table of exit codes: `openai-files --help` prints it and the README's table must read the same
# (tests/overlay/test_cli_user.py). Commands that show something (`get`, `status`, `ls`, `cancel`) exit 0
# once they showed it, whatever state it is in; 6 is for the commands that need a finished batch or job.
EXIT_TABLE: tuple[tuple[int, str], ...] = (
    (EXIT_OK, "done"),
    (EXIT_ERROR, "the service refused the request for another reason"),
    (EXIT_USAGE, "bad arguments, settings or local input, found before anything was sent: fix the command"),
    (EXIT_AUTH, "authentication: no key, an unusable key, or a key the service refused"),
    (EXIT_NOT_FOUND, "not found: no such file, batch, Upload, job or journal"),
    (
        EXIT_UNAVAILABLE,
        "unavailable: rate limit, 5xx, timeout, no connection, a download cut short; try again",
    ),
    (
        EXIT_BATCH_UNSUCCESSFUL,
        "a batch or job did not complete (failed, expired, cancelled, some requests failed) or has not "
        "ended: from `wait`, `run`, `results` and `jobs rm`",
    ),
    (EXIT_WAIT_TIMEOUT, "`wait` or `run` ran out of time (--max-wait); the batch or job keeps going"),
    (EXIT_LOCAL, "a local file or disk failed: no space left, no permission, a read-only or missing folder"),
    (
        EXIT_OVER_COST,
        "a batch job's estimated cost is above --max-cost (`jobs submit`, `jobs run`): nothing sent",
    ),
    (EXIT_INTERRUPTED, "interrupted by Ctrl-C"),
    (EXIT_OUTPUT_CLOSED, "stdout closed early (`| head`)"),
    (EXIT_TERMINATED, "terminated by SIGTERM"),
)


def exit_table() -> str:
    """The table as `--help` shows it: one code a line."""
    return "\n".join(f"  {code:>3}  {meaning}" for code, meaning in EXIT_TABLE)


class UsageError(Exception):
    """A command line that cannot work as given; exits 2."""


# Which error ends in which code: the first class that matches wins.
EXIT_CODES: tuple[tuple[type[BaseException], int], ...] = (
    (JobNotFoundError, EXIT_NOT_FOUND),
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
    (CostLimitError, EXIT_OVER_COST),
    (JobNotFinishedError, EXIT_BATCH_UNSUCCESSFUL),
    (BatchNotFinishedError, EXIT_BATCH_UNSUCCESSFUL),
    (JobStateError, EXIT_LOCAL),  # a job's results file cut or missing
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


Column = tuple[str, Callable[[dict[str, Any]], object]]
"""A column of a listing: its header and how to read its value off an object's JSON."""


def field(name: str, header: str | None = None) -> Column:
    """The JSON field `name` as it is (`-` when missing or null)."""
    return (header or name, lambda document: document.get(name))


def when(name: str, header: str | None = None) -> Column:
    """A Unix time field as UTC, `2026-12-07T16:55:38Z`."""

    def read(document: dict[str, Any]) -> object:
        value = document.get(name)
        if not isinstance(value, int | float):
            return None
        return datetime.datetime.fromtimestamp(value, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    return (header or name.removesuffix("_at"), read)


class Printer:
    """stdout for people (one line per object) or for scripts (`--json`: JSON Lines, one object a line).

    Lists print one object per line in both forms, so `| head` and `jq -c` work alike on every command.
    A closed stdout raises `OutputClosed`.
    """

    def __init__(self, *, as_json: bool, out: TextIO | None = None) -> None:
        self.as_json = as_json
        self.out = out if out is not None else sys.stdout
        self._headed = False

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

    def model(self, obj: Model, columns: tuple[Column, ...]) -> None:
        """A generated model: its JSON, or its `columns` separated by two spaces (`-` for a missing one),
        under a header row the first time when stdout is a terminal."""
        document = obj.to_dict()
        if not self.as_json and not self._headed and is_terminal(self.out):
            self.line("  ".join(header.upper() for header, _ in columns))
        self._headed = True
        values = (read(document) for _, read in columns)
        self.emit(document, "  ".join("-" if value is None else str(value) for value in values))

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
