"""Every exception the overlay raises, in one tree.

    OpenAIFilesError
    ├── ConfigurationError          no API key, or a base URL that is not http(s)
    │   └── MissingExtraError           a feature's optional extra is not installed; `.param` names it
    ├── InvalidInputError           bad local input, caught before any byte is sent (also a ValueError);
    │   │                           `.param` names the argument at fault, as the service's envelope does
    │   ├── BatchInputError             a JSONL batch file line that the service would refuse; `.line`
    │   ├── ServiceMismatchError        a job or upload journal resumed against another service than its own
    │   └── JobNotFoundError            no batch job of that id in the state directory
    ├── FileChangedError            the file changed size or mtime while its parts were being sent
    ├── UnconfirmedUploadError      an interrupted run completed the Upload; its File cannot be identified
    ├── UnconfirmedCreateError      a create's answer was lost and what it made cannot be told apart
    ├── TransferAborted             raised inside a part's body once the upload failed; never retried
    ├── IncompleteDownloadError     the body ended before the size the server announced
    ├── WaitTimeoutError            `batches.wait` ran out of time (also a TimeoutError)
    ├── BatchNotFinishedError       results asked of a batch still running; `.status`
    ├── JobBusyError                another process is driving the batch job
    ├── JobNotFinishedError         results asked of a batch job with requests still pending
    ├── JobStateError               a batch job's local state is damaged; nothing is read from it
    ├── CostLimitError              a batch job's estimated cost is above its `max_cost`; nothing sent
    └── APIError                    anything that went wrong talking to the service; `.method`, `.url`
        ├── APIConnectionError          no usable response: refused, reset, DNS, protocol error
        │   └── APITimeoutError             connect, read, write or pool timeout
        └── APIStatusError              a non-2xx response; `.status_code`, `.error`, `.request_id`
            ├── BadRequestError             400
            ├── AuthenticationError         401
            ├── PermissionDeniedError       403
            ├── NotFoundError               404
            ├── ConflictError               409
            ├── UnprocessableEntityError    422
            ├── RateLimitError              429
            └── InternalServerError         500 and above

Class names follow the official `openai` SDK so that `except openai_files.RateLimitError` reads the same.
No message, attribute or repr holds the API key: the client scrubs every server-provided text before an
error is built, and errors keep no httpx request (whose headers carry the key).
"""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any, ClassVar

import httpx

from ._generated import Error

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "BatchInputError",
    "BatchNotFinishedError",
    "ConfigurationError",
    "ConflictError",
    "FileChangedError",
    "IncompleteDownloadError",
    "InternalServerError",
    "InvalidInputError",
    "JobBusyError",
    "JobNotFinishedError",
    "JobNotFoundError",
    "NotFoundError",
    "OpenAIFilesError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServiceMismatchError",
    "TransferAborted",
    "UnconfirmedCreateError",
    "UnconfirmedUploadError",
    "UnprocessableEntityError",
    "WaitTimeoutError",
    "error_from_response",
]


class OpenAIFilesError(Exception):
    """The root: `except OpenAIFilesError` catches everything this package raises on purpose."""


class ConfigurationError(OpenAIFilesError):
    """The client cannot be built from the given arguments and environment.

    `param` names the setting at fault (`"api_key"`, `"base_url"`, ...), so that a caller such as the
    command line can tell a missing key (an authentication problem) from a malformed URL.
    """

    def __init__(self, message: str, *, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param


class MissingExtraError(ConfigurationError, ImportError):
    """A feature needs an optional extra that is not installed; `param` names the extra (`"parquet"`)."""


class InvalidInputError(OpenAIFilesError, ValueError):
    """An argument or a local file is unusable; nothing was sent.

    One class for every local rule (the rules live in `openai_files._rules`): `param` names the argument at
    fault (`"purpose"`, `"part_size"`, `"file"`, ...), like `param` in the service's own error envelope, and
    the message says what the rule is.
    """

    def __init__(self, message: str, *, param: str | None) -> None:
        super().__init__(message)
        self.param = param


class BatchInputError(InvalidInputError):
    """A line of a batch input file is wrong; `line` is 1-based."""

    def __init__(self, message: str, *, line: int, param: str = "path") -> None:
        super().__init__(f"line {line}: {message}", param=param)
        self.line = line


class ServiceMismatchError(InvalidInputError):
    """A job's manifest or an upload's journal was made against another service than the client's.

    `recorded` and `current` describe both (base URL, and the emulator's instance id where there is
    one); nothing was sent and the state is kept, to be resumed against its own service.
    """

    def __init__(self, message: str, *, recorded: str, current: str) -> None:
        super().__init__(message, param="base_url")
        self.recorded = recorded
        self.current = current


class JobNotFoundError(InvalidInputError):
    """No batch job of that id in the state directory (`.param` is `"job_id"`)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, param="job_id")


class FileChangedError(OpenAIFilesError):
    """The parts would not add up to one consistent file; the Upload was cancelled."""


class UnconfirmedUploadError(OpenAIFilesError):
    """A rerun found the Upload completed by the run it resumes, and no single File it could have made.

    Nothing was stored again; `upload_id` names the Upload, `candidates` the files that match it by
    name, size and time (none or several). The journal is gone, so the next run uploads anew.
    """

    def __init__(self, message: str, *, upload_id: str, candidates: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.upload_id = upload_id
        self.candidates = candidates


class UnconfirmedCreateError(OpenAIFilesError):
    """A create (`files.create`, `batches.create`) whose answer was lost may have made its object, and
    looking for it found several that could be it, or the look failed; nothing was sent again.

    `candidates` holds the ids that match (none when the look failed): check them before creating anew.
    """

    def __init__(self, message: str, *, candidates: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.candidates = candidates


class TransferAborted(OpenAIFilesError):
    """Stops a part's request from inside its body once another part (or the caller) ended the upload."""


class IncompleteDownloadError(OpenAIFilesError):
    """A download ended short (or long) of its announced size; the target was left untouched."""

    def __init__(self, *, expected: int, received: int) -> None:
        super().__init__(f"download ended at {received} bytes, expected {expected}")
        self.expected = expected
        self.received = received


class JobBusyError(OpenAIFilesError):
    """Another process is driving this batch job (submit, wait, run or cancel); one at a time."""


class JobNotFinishedError(OpenAIFilesError):
    """A batch job's results were asked for while some of its requests are still pending."""


class CostLimitError(OpenAIFilesError):
    """A batch job's estimated cost is above the `max_cost` it was given: nothing was sent or kept."""

    def __init__(self, *, cost: float, max_cost: float) -> None:
        super().__init__(
            f"the job's estimated cost, {cost:.4f} USD, is above max_cost {max_cost:.4f} USD: "
            "nothing was sent"
        )
        self.cost = cost
        self.max_cost = max_cost


class JobStateError(OpenAIFilesError):
    """A batch job's local state is damaged (e.g. its results file is shorter than its manifest says):
    nothing is read from it rather than wrong or empty results."""


class WaitTimeoutError(OpenAIFilesError, TimeoutError):
    """A wait for a terminal status gave up; the object itself keeps going on the server."""


class BatchNotFinishedError(OpenAIFilesError):
    """A batch's results were asked for before it ended: none are final yet (`wait` first)."""

    def __init__(self, *, batch_id: str, status: str) -> None:
        super().__init__(f"batch {batch_id} is {status}: its results are not final; wait for it first")
        self.batch_id = batch_id
        self.status = status


class APIError(OpenAIFilesError):
    """A request failed; `method` and `url` say which."""

    def __init__(self, message: str, *, method: str, url: str) -> None:
        super().__init__(message)
        self.method = method
        self.url = url


class APIConnectionError(APIError):
    """No usable response arrived; retried by default."""


class APITimeoutError(APIConnectionError):
    """A connect, read, write or pool timeout; retried by default."""


class APIStatusError(APIError):
    """The service answered with a non-2xx status.

    `error` is the parsed error envelope (`message`, `type_`, `param`, `code`) or None when the body was
    not one (an HTML page from a proxy, say); `body` is the raw text either way, scrubbed of the key.
    """

    status: ClassVar[int | None] = None
    retry_after: float | None = None
    """Seconds the service asked to wait before a retry (`retry-after-ms`, `retry-after`), if it did."""
    should_retry: bool | None = None
    """The service's `x-should-retry` verdict, if it gave one."""

    def __init__(
        self,
        *,
        status_code: int,
        method: str,
        url: str,
        error: Error | None,
        body: str,
        request_id: str | None,
    ) -> None:
        self.status_code = status_code
        self.error = error
        self.body = body
        self.request_id = request_id
        super().__init__(self._one_line(), method=method, url=url)

    @property
    def message(self) -> str:
        if self.error is not None:
            return self.error.message
        return " ".join(self.body.split())[:200]

    @property
    def type(self) -> str | None:
        return self.error.type_ if self.error is not None else None

    @property
    def code(self) -> str | None:
        return self.error.code if self.error is not None else None

    @property
    def param(self) -> str | None:
        return self.error.param if self.error is not None else None

    def _one_line(self) -> str:
        try:
            reason = HTTPStatus(self.status_code).phrase
        except ValueError:
            reason = "HTTP error"
        details = [f"{name}={value}" for name, value in (("type", self.type), ("code", self.code)) if value]
        details += [f"param={self.param}"] if self.param else []
        parts = [f"{self.status_code} {reason}: {self.message or '(empty body)'}"]
        if details:
            parts.append(f"({', '.join(details)})")
        if self.request_id:
            parts.append(f"[request id {self.request_id}]")
        return " ".join(parts)


class BadRequestError(APIStatusError):
    status = 400


class AuthenticationError(APIStatusError):
    status = 401


class PermissionDeniedError(APIStatusError):
    status = 403


class NotFoundError(APIStatusError):
    status = 404


class ConflictError(APIStatusError):
    status = 409


class UnprocessableEntityError(APIStatusError):
    status = 422


class RateLimitError(APIStatusError):
    status = 429


class InternalServerError(APIStatusError):
    """Any 5xx."""


_BY_STATUS: dict[int, type[APIStatusError]] = {
    cls.status: cls
    for cls in (
        BadRequestError,
        AuthenticationError,
        PermissionDeniedError,
        NotFoundError,
        ConflictError,
        UnprocessableEntityError,
        RateLimitError,
    )
    if cls.status is not None
}


def _parse_envelope(body: str) -> Error | None:
    """Read `{"error": {...}}` leniently: a missing `param` or `code` must not hide the message."""
    try:
        document: Any = json.loads(body)
    except ValueError:
        return None
    inner = document.get("error") if isinstance(document, dict) else None
    if not isinstance(inner, dict) or not isinstance(inner.get("message"), str):
        return None
    code, param = inner.get("code"), inner.get("param")
    return Error(
        message=inner["message"],
        type_=str(inner.get("type") or ""),
        code=None if code is None else str(code),
        param=None if param is None else str(param),
    )


def error_from_response(response: httpx.Response, *, redact: Callable[[str], str]) -> APIStatusError:
    """The typed error for a non-2xx response whose body has been read; `redact` scrubs the key out."""
    status = response.status_code
    body = redact(response.text)
    request_id = response.headers.get("x-request-id")
    cls = InternalServerError if status >= 500 else _BY_STATUS.get(status, APIStatusError)
    error = cls(
        status_code=status,
        method=response.request.method,
        url=str(response.request.url),
        error=_parse_envelope(body),
        body=body,
        request_id=None if request_id is None else redact(request_id),
    )
    error.retry_after = retry_after(response.headers)
    error.should_retry = should_retry(response.headers)
    return error


def retry_after(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Seconds the server asked us to wait, from `retry-after-ms`, then `retry-after` (seconds or a date)."""
    millis = headers.get("retry-after-ms")
    if millis is not None:
        try:
            return max(float(millis) / 1000, 0.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - (time.time() if now is None else now), 0.0)


def should_retry(headers: Mapping[str, str]) -> bool | None:
    """The server's `x-should-retry` verdict: True, False, or None when it gave none."""
    return {"true": True, "false": False}.get(headers.get("x-should-retry", ""))
