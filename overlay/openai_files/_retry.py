"""When to retry a request and how long to wait first, without doing any I/O.

The sync and async clients run the same loop around `RetryPolicy.next_delay`; the upload engine calls it
per part. Retried: connection errors and timeouts, 408, 409 (a lock held by a concurrent request), 429 and
every 5xx, and a successful JSON answer whose body does not parse (cut short though its framing looked
whole: what a lost connection leaves, never what the service sends). A server's `x-should-retry` header
overrides the status, and `retry-after-ms` / `retry-after` replace the computed backoff when they ask
for a sane wait.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass

import httpx

from ._errors import APIConnectionError, APIStatusError, retry_after, should_retry

__all__ = [
    "FILE_LAG_DELAY",
    "FILE_LAG_RETRIES",
    "FoundAgain",
    "RetryPolicy",
    "answer_lost",
    "file_lag_delays",
    "is_file_lag",
    "is_refusal",
    "is_retryable_exception",
    "is_retryable_status",
    "retry_after",
    "unreadable_json",
]

RETRYABLE_STATUSES = frozenset({408, 409, 429})


def is_retryable_status(status: int) -> bool:
    return status in RETRYABLE_STATUSES or status >= 500


def is_refusal(status: int) -> bool:
    """A 4xx that a retry would only repeat: the request itself is refused."""
    return 400 <= status < 500 and not is_retryable_status(status)


FILE_LAG_RETRIES = 5
"""How often a batch refused for an input file the service does not see yet is created again."""
FILE_LAG_DELAY = 1.0
"""Seconds before the first of those retries, doubled each time: 31 s in all."""


def is_file_lag(error: BaseException) -> bool:
    """`POST /batches` refused for its input file: 400 or 404 naming `input_file_id`.

    A file stored a moment ago may not be visible to batches yet (eventual consistency), so the create
    is worth trying again, `FILE_LAG_RETRIES` times; an id that never existed fails the same way, later.
    Nothing was created, so trying again cannot make a second batch.
    """
    return (
        isinstance(error, APIStatusError)
        and error.status_code in (400, 404)
        and error.param == "input_file_id"
    )


def file_lag_delays(retries: int = FILE_LAG_RETRIES, first: float = FILE_LAG_DELAY) -> list[float]:
    """The waits before each retry of a create refused by `is_file_lag`: `first`, doubled each time."""
    return [first * 2**n for n in range(retries)]


def is_retryable_exception(exc: BaseException) -> bool:
    """Transport failures that may succeed on a new attempt; a malformed URL never will."""
    return isinstance(exc, httpx.TimeoutException | httpx.NetworkError | httpx.RemoteProtocolError)


def answer_lost(failure: httpx.TransportError | httpx.Response) -> bool:
    """Whether a failed attempt may have been handled all the same: its answer, not its request, was lost.

    A connection never made (or a pool slot never had) sent nothing; 408, 409 and 429 say the request was
    not taken. Anything else (a cut or timed-out answer, a 5xx) leaves it open."""
    if isinstance(failure, httpx.Response):
        return failure.status_code >= 500
    return not isinstance(failure, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)


class FoundAgain(Exception):
    """Ends a call whose lost answer was found again: `value` is what the lost attempt made."""

    def __init__(self, value: object) -> None:
        super().__init__("found again")
        self.value = value


def unreadable_json(response: httpx.Response) -> httpx.RemoteProtocolError | None:
    """The transport error a read 2xx body labelled JSON (or not labelled) amounts to when it does not
    parse, e.g. `Unterminated string`: the answer was cut; None for a body that parses or is not JSON."""
    kind = response.headers.get("content-type", "").lower()
    if ("json" not in kind) if kind else not response.content:
        return None
    try:
        json.loads(response.content)
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
        detail = f"response body cut short or garbled ({exc})"
        return httpx.RemoteProtocolError(detail, request=response.request)
    return None


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, capped; a server's retry-after above `max_retry_after` is ignored."""

    max_retries: int = 2
    initial_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0
    jitter: float = 0.25

    def backoff(self, retries_done: int) -> float:
        """initial * 2**n, capped, minus up to `jitter` of itself so that clients spread out."""
        base = min(self.initial_delay * 2.0**retries_done, self.max_delay)
        return base * (1 - self.jitter * random.random())

    def next_delay(self, retries_done: int, response: httpx.Response | None) -> float | None:
        """Seconds to wait before the next attempt, or None to give up.

        `response` is None after a retryable connection error.
        """
        if response is None:
            return self._delay(retries_done, True, None)
        should = should_retry(response.headers)
        retryable = is_retryable_status(response.status_code) if should is None else should
        return self._delay(retries_done, retryable, retry_after(response.headers))

    def delay_after(self, error: BaseException, retries_done: int) -> float | None:
        """`next_delay` for an error the client raised after one attempt: how the transfer engine
        retries a part itself, its wait cut short when the transfer is aborted."""
        if isinstance(error, APIStatusError):
            should = error.should_retry
            retryable = is_retryable_status(error.status_code) if should is None else should
            return self._delay(retries_done, retryable, error.retry_after)
        cause = error.__cause__  # the client raises a transport failure from httpx's error
        retryable = isinstance(error, APIConnectionError) and is_retryable_exception(cause or error)
        return self._delay(retries_done, retryable, None)

    def _delay(self, retries_done: int, retryable: bool, asked: float | None) -> float | None:
        if retries_done >= self.max_retries or not retryable:
            return None
        if asked is not None and asked <= self.max_retry_after:
            return asked
        return self.backoff(retries_done)
