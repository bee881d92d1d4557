"""The retry policy on its own: which outcomes retry, and how long it waits."""

from __future__ import annotations

import email.utils

import httpx
import pytest

from openai_files._errors import APIConnectionError, error_from_response
from openai_files._retry import RetryPolicy, is_retryable_exception, is_retryable_status, retry_after


def response(status: int, **headers: str) -> httpx.Response:
    return httpx.Response(status, headers=headers, request=httpx.Request("GET", "http://127.0.0.1/v1/files"))


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (408, True),
        (409, True),
        (429, True),
        (500, True),
        (503, True),
        (400, False),
        (401, False),
        (404, False),
        (422, False),
        (302, False),
    ],
)
def test_retryable_statuses(status: int, expected: bool) -> None:
    assert is_retryable_status(status) is expected


def test_retryable_exceptions() -> None:
    assert is_retryable_exception(httpx.ConnectError("refused"))
    assert is_retryable_exception(httpx.ReadTimeout("slow"))
    assert is_retryable_exception(httpx.RemoteProtocolError("closed"))
    assert not is_retryable_exception(httpx.UnsupportedProtocol("ftp"))


def test_retry_after_headers() -> None:
    assert retry_after({"retry-after-ms": "250"}) == 0.25
    assert retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    assert retry_after({"retry-after": "3"}) == 3.0
    assert retry_after({"retry-after": "soon"}) is None
    assert retry_after({}) is None
    date = email.utils.formatdate(1_000_010.0, usegmt=True)
    assert retry_after({"retry-after": date}, now=1_000_000.0) == pytest.approx(10.0)


def test_backoff_grows_with_jitter_and_cap() -> None:
    policy = RetryPolicy(max_retries=10, initial_delay=0.5, max_delay=4.0, jitter=0.25)
    for n, ceiling in [(0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0), (6, 4.0)]:
        delays = {policy.backoff(n) for _ in range(50)}
        assert all(0.75 * ceiling <= d <= ceiling for d in delays)
        assert len(delays) > 1  # jittered


def test_next_delay_decisions() -> None:
    policy = RetryPolicy(max_retries=2, max_retry_after=5.0)
    assert policy.next_delay(0, response(429, **{"retry-after-ms": "100"})) == 0.1
    assert policy.next_delay(0, response(503, **{"retry-after": "60"})) <= 0.5  # too long: backoff instead
    assert policy.next_delay(0, None) is not None
    assert policy.next_delay(2, response(500)) is None  # budget spent
    assert policy.next_delay(0, response(400)) is None
    assert policy.next_delay(0, response(400, **{"x-should-retry": "true"})) is not None
    assert policy.next_delay(0, response(500, **{"x-should-retry": "false"})) is None


def _raised(error: Exception, cause: Exception | None = None) -> Exception:
    """`error` as the client raises it: a transport failure `from` httpx's exception."""
    try:
        raise error from cause
    except Exception as raised:
        return raised


def test_a_part_error_is_retried_as_its_response_would_be() -> None:
    """The transfer engine retries a part from the typed error of one attempt: the same rules as a
    response (status, `x-should-retry`, `retry-after`), and connection errors as httpx's cause says."""
    policy = RetryPolicy(max_retries=2, jitter=0.0)
    redact = str
    unavailable = error_from_response(response(503, **{"retry-after": "1.5"}), redact=redact)
    assert policy.delay_after(unavailable, 0) == 1.5
    assert policy.delay_after(unavailable, 2) is None  # the retries are spent
    assert policy.delay_after(error_from_response(response(400), redact=redact), 0) is None
    refused = error_from_response(response(503, **{"x-should-retry": "false"}), redact=redact)
    assert policy.delay_after(refused, 0) is None
    asked = error_from_response(response(400, **{"x-should-retry": "true"}), redact=redact)
    assert policy.delay_after(asked, 1) == 1.0  # backoff: 0.5 s doubled once
    lost = _raised(APIConnectionError("reset", method="POST", url="u"), httpx.ConnectError("refused"))
    assert policy.delay_after(lost, 0) == 0.5
    bad_url = _raised(APIConnectionError("ftp", method="POST", url="u"), httpx.UnsupportedProtocol("ftp"))
    assert policy.delay_after(bad_url, 0) is None
    assert policy.delay_after(RuntimeError("not the service's"), 0) is None
