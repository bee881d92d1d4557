"""What one line of a batch's output or error file means for its request, and the job's result records.

The rules heavy users get wrong, in one place: a line is a success only when it has no `error` and its
`response.status_code` is 2xx; 429, 5xx, `batch_expired`, `batch_cancelled` and `output_lost` (a results
file gone from the service) are worth another batch;
anything else is final.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from dataclasses import MISSING, dataclass
from typing import Any, ClassVar, NamedTuple

from .._jsonl import parse_line
from .states import RequestState
from .table import COLUMNS, result_row

RETRYABLE_CODES = frozenset({"batch_expired", "batch_cancelled", "output_lost"})
SUCCEEDED, FAILED, CANCELLED, RETRY = (
    RequestState.SUCCEEDED.value,
    RequestState.FAILED.value,
    RequestState.CANCELLED.value,
    RequestState.RETRY.value,
)
"""The request states an outcome has, as plain strings: used per merged line, where an enum member
would cost a global's lookup ten times over and, bound as an SQL parameter, a failed adapter lookup."""


class Outcome(NamedTuple):
    """One request's fate after one batch: `state` is succeeded, failed, cancelled or retry.

    A named tuple rather than a frozen dataclass: one is made per failed line, and a tuple is made
    several times faster. It names no request, so a success is one shared value per status code."""

    state: str
    status_code: int | None
    error: Any


def _error_of(line: dict[str, Any], status_code: int | None) -> Any:
    """The line's error: its own, else the error envelope of a non-2xx body, else one we name."""
    if line.get("error") is not None:
        return line["error"]
    response = line.get("response")
    body = response.get("body") if isinstance(response, dict) else None
    if isinstance(body, dict) and body.get("error") is not None:
        return body["error"]
    return {"code": "http_status", "message": f"the request was answered with status {status_code}"}


def _retryable(status_code: int | None, error: Any) -> bool:
    code = error.get("code") if isinstance(error, dict) else None
    return status_code == 429 or (status_code is not None and status_code >= 500) or code in RETRYABLE_CODES


def classify_line(line: dict[str, Any], *, last_attempt: bool, cancelling: bool) -> Outcome:
    """The outcome of one parsed output/error line.

    `last_attempt`: a retryable failure is final (failed). `cancelling`: the job is being cancelled, so
    `batch_cancelled` means cancelled and nothing is retried.
    """
    response = line.get("response")
    status = response.get("status_code") if isinstance(response, dict) else None
    status_code = status if isinstance(status, int) and not isinstance(status, bool) else None
    if line.get("error") is None and status_code is not None and 200 <= status_code < 300:
        return _success(status_code)
    error = _error_of(line, status_code)
    return _failure(status_code, error, last_attempt=last_attempt, cancelling=cancelling)


@functools.cache
def _success(status_code: int) -> Outcome:
    """A success's outcome, made once per 2xx code rather than once per merged line."""
    return Outcome(SUCCEEDED, status_code, None)


def missing_outcome(
    batch_status: str,
    batch_error: Any,
    *,
    last_attempt: bool,
    cancelling: bool,
    output_lost: bool = False,
) -> Outcome:
    """The outcome of a request that appears in neither downloaded file of its ended batch (both whole).

    `missing_result` (final) only when every file of the batch was read: when one is gone from the
    service (`output_lost`), its line may have been there, and the request goes to another batch.
    """
    if output_lost:
        error = {"code": "output_lost", "message": "the batch's results file is gone from the service"}
        return _failure(None, error, last_attempt=last_attempt, cancelling=cancelling)
    if batch_status == "failed":
        error = batch_error or {"code": "batch_failed", "message": "the batch failed"}
        return Outcome(FAILED, None, error)
    code = {"expired": "batch_expired", "cancelled": "batch_cancelled"}.get(batch_status, "missing_result")
    error = {"code": code, "message": f"no result for this request in the {batch_status} batch"}
    if code == "missing_result":
        return _failure(None, error, last_attempt=True, cancelling=cancelling)
    return _failure(None, error, last_attempt=last_attempt, cancelling=cancelling)


def _failure(status_code: int | None, error: Any, *, last_attempt: bool, cancelling: bool) -> Outcome:
    code = error.get("code") if isinstance(error, dict) else None
    if cancelling and code == "batch_cancelled":
        return Outcome(CANCELLED, status_code, error)
    if _retryable(status_code, error) and not last_attempt and not cancelling:
        return Outcome(RETRY, status_code, error)
    return Outcome(FAILED, status_code, error)


def _final(state: str) -> str:
    """The status a record shows: one waiting for a retry shows the failure it will keep if none comes."""
    return FAILED if state == RETRY else state


_encode = json.JSONEncoder().encode
"""`json.dumps` with its defaults, without its per-call layers (a third of its time for a `custom_id`)."""


class Records:
    """Result records of one batch's requests as JSON text, in the field order of `JobResult`.

    The service's own line is spliced in as it came, not decoded and encoded again, and the parts every
    record of the batch shares are encoded once: a million records are merged in about the time it takes
    to parse their lines.
    """

    def __init__(self, *, attempts: int, batch_id: str | None) -> None:
        self._shared = f'"attempts": {int(attempts)}, "batch_id": {json.dumps(batch_id)}'

    def __call__(self, custom_id: str, outcome: Outcome, raw_line: str | None) -> str:
        code = "null" if outcome.status_code is None else outcome.status_code  # an int: `classify_line`
        error = "null" if outcome.error is None else json.dumps(outcome.error)
        line = raw_line.strip() if raw_line else "null"
        return (
            f'{{"custom_id": {_encode(custom_id)}, "status": "{_final(outcome.state)}", '
            f'"status_code": {code}, {self._shared}, "error": {error}, "line": {line}}}'
        )


@dataclass(frozen=True)
class JobResult:
    """One request's final result in a job, in input order.

    `status` is succeeded, failed or cancelled; `status_code` the HTTP status the request got (None
    when it never ran); `body` the response body (for a failure too, when the service sent one);
    `error` what went wrong; `attempts` how many batches it went through; `batch_id` the last one;
    `line` the service's own output or error line, as it was. `from_cache`: the result was taken from
    the job's cache (an earlier job's answer to the same request), and this request was not sent;
    `duplicate_of`: the `custom_id` of the identical request of this job whose result this is (dedup).
    """

    custom_id: str
    status: str
    status_code: int | None
    attempts: int
    batch_id: str | None
    error: Any
    line: dict[str, Any] | None
    from_cache: bool = False
    duplicate_of: str | None = None
    COLUMNS: ClassVar[tuple[str, ...]] = COLUMNS
    """The columns of `to_row`, in order (a CSV header)."""

    @property
    def ok(self) -> bool:
        """True when the request succeeded."""
        return self.status == SUCCEEDED

    @property
    def body(self) -> Any:
        """The response body the service returned for the request, or None."""
        response = (self.line or {}).get("response")
        return response.get("body") if isinstance(response, dict) else None

    def to_row(self) -> dict[str, Any]:
        """The result as plain `COLUMNS`, for a spreadsheet or a data frame: `custom_id`, `status`,
        `status_code`, the `model` and token counts the response body names, `from_cache`,
        `duplicate_of`, `error` as `code: message`, and the answer's `text` (None where absent)."""
        return result_row(self)

    @classmethod
    def from_record(cls, text: str) -> JobResult:
        """A result from one JSON line as the job's store writes it.

        The usual record, holding exactly the fields without a default, is set on a new instance's
        `__dict__` as it is, past `__init__`: a frozen dataclass's `__init__` sets each field through
        `object.__setattr__`, costlier than all of reading a record but its parse. Any other record goes to
        `__init__`, which fills defaults and refuses what a call with those arguments would refuse.
        """
        data = parse_line(text)
        if not (isinstance(data, dict) and data.keys() == _REQUIRED):
            return cls(**data)
        result = object.__new__(cls)
        fields = vars(result)
        fields.update(_DEFAULTS)
        fields.update(data)
        return result


_DEFAULTS = {
    field.name: field.default for field in dataclasses.fields(JobResult) if field.default is not MISSING
}
_REQUIRED = frozenset(field.name for field in dataclasses.fields(JobResult)) - _DEFAULTS.keys()
