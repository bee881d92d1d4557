"""The `batches` resource group, plus local checks of input files, waiting, and joined results."""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import math
import os
import re
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NamedTuple, TypeGuard

import anyio

from . import _rules as rules
from ._docs import docs_from
from ._download import aiter_lines, iter_lines
from ._errors import (
    APIError,
    APIStatusError,
    BatchInputError,
    BatchNotFinishedError,
    InvalidInputError,
    NotFoundError,
    WaitTimeoutError,
)
from ._files import Source, expiry
from ._generated import (
    UNSET,
    Batch,
    BatchFileExpirationAfter,
    BatchFileExpirationAfterAnchor,
    BatchStatus,
    CreateBatchRequest,
    CreateBatchRequestCompletionWindow,
    CreateBatchRequestEndpoint,
    ListBatchesResponse,
    MetadataType0,
    Unset,
    cancel_batch,
    create_batch,
    delete_file,
    list_batches,
    retrieve_batch,
)
from ._jsonl import NonStandardJSON, read_line
from ._lost_answers import Search, batch_search, tag
from ._pagination import AsyncPager, Page, SyncPager
from ._retry import file_lag_delays, is_file_lag, is_refusal
from ._rules import BatchEndpoint, CompletionWindow
from ._transfer.config import TransferConfig

if TYPE_CHECKING:
    from ._client import AsyncClient, Client

__all__ = [
    "TERMINAL_STATUSES",
    "AsyncBatches",
    "BatchResult",
    "BatchSource",
    "Batches",
    "CheckedBatchInput",
    "check_batch_input",
]

TERMINAL_STATUSES = frozenset(
    {BatchStatus.COMPLETED, BatchStatus.FAILED, BatchStatus.EXPIRED, BatchStatus.CANCELLED}
)
BatchProgress = Callable[[Batch], None]
log = logging.getLogger("openai_files")


BatchSource = str | os.PathLike[str] | IO[bytes] | Iterable[Mapping[str, Any]]
"""A batch's input: a JSONL path, a binary file object reading JSONL, or request dicts in order."""
SPOOL_BYTES = 8 * 1024 * 1024
"""Input that is not a path is written to a temporary file that stays in memory up to this size."""


class CheckedBatchInput(NamedTuple):
    """What `check_batch_input` found: the endpoint every line calls, and how many requests there are."""

    endpoint: str
    requests: int


class _InputCheck:
    """The checks of a whole input, line after line: each line as `check_line` has it, unique
    `custom_id`s, one model (every body that names a `model` names the first one: the service fails a
    batch of two with `mismatched_model`), and the service's limits on requests and bytes, and on the
    inputs of an embeddings batch."""

    def __init__(self, endpoint: str | None) -> None:
        if endpoint is not None:
            rules.choice(endpoint, CreateBatchRequestEndpoint, param="endpoint")
        self.endpoint = endpoint
        self.requests = 0
        self._bytes = 0
        self._seen: set[str] = set()
        self._first_model: tuple[str, int] | None = None
        self._inputs = 0

    def lines(self, source: BatchSource) -> Iterator[bytes]:
        """The source's lines, each checked before it is handed on (blank lines are dropped)."""
        for number, raw in _numbered(source):
            if not raw.strip():
                continue
            self._bytes += len(raw)
            if self._bytes > rules.MAX_BATCH_BYTES:
                raise InvalidInputError(
                    f"line {number}: the input is over the {rules.MAX_BATCH_BYTES} bytes a batch input "
                    "file may hold",
                    param="path",
                )
            if self.requests == rules.MAX_BATCH_REQUESTS:
                raise BatchInputError(
                    f"a batch input file may hold at most {rules.MAX_BATCH_REQUESTS} requests", line=number
                )
            request, self.endpoint = check_line(raw, line=number, endpoint=self.endpoint)
            custom_id = request["custom_id"]
            if custom_id in self._seen:
                raise BatchInputError(f"custom_id {custom_id!r} is used twice", line=number)
            self._seen.add(custom_id)
            self._first_model = _one_model(request, self._first_model, line=number)
            if self.endpoint == "/v1/embeddings":
                self._inputs = _embedding_inputs(request, self._inputs, line=number)
            self.requests += 1
            yield raw if raw.endswith(b"\n") else raw + b"\n"

    def result(self, source: BatchSource) -> CheckedBatchInput:
        if self.endpoint is None or self.requests == 0:
            raise InvalidInputError(f"{_describe(source)}: holds no requests", param="path")
        return CheckedBatchInput(self.endpoint, self.requests)


def _describe(source: BatchSource) -> str:
    return str(source) if isinstance(source, str | os.PathLike) else "the input"


def _numbered(source: BatchSource) -> Iterator[tuple[int, bytes]]:
    """(1-based line number, the line's bytes) of a path, a binary file object or request dicts."""
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        if not path.is_file() or not os.access(path, os.R_OK):
            raise InvalidInputError(f"{path}: not a readable file", param="path")
        size = path.stat().st_size
        if size > rules.MAX_BATCH_BYTES:
            raise InvalidInputError(
                f"{path}: {size} bytes is over the {rules.MAX_BATCH_BYTES} bytes a batch input file may hold",
                param="path",
            )
        with path.open("rb") as lines:
            yield from enumerate(lines, start=1)
    elif hasattr(source, "read"):
        for number, raw in enumerate(source, start=1):
            if not isinstance(raw, bytes):
                raise InvalidInputError("a file object must be opened in binary mode ('rb')", param="path")
            yield number, raw
    else:
        for number, request in enumerate(source, start=1):
            try:
                yield number, json.dumps(request, ensure_ascii=False, allow_nan=False).encode()
            except (TypeError, ValueError) as error:  # UnicodeEncodeError: a lone surrogate
                raise BatchInputError(f"not serialisable as JSON in UTF-8 ({error})", line=number) from None


def check_batch_input(source: BatchSource, *, endpoint: str | None = None) -> CheckedBatchInput:
    """Every local check of a batch's input, with nothing sent: what `batches.create_from_file` and
    `openai-files batches check` run before anything leaves the machine.

    Args:
        source: a JSONL path, a binary file object (read to its end) or an iterable of request dicts.
        endpoint: the endpoint every line must call; default the first line's `url`.

    Returns:
        The endpoint and the number of requests.

    Raises:
        BatchInputError: a line the service would refuse (`.line` names it): not JSON, not a request of
            the shape the service takes, another endpoint, a `custom_id` used twice, a second model, one
            request too many.
        InvalidInputError: an unreadable, empty or too large input, or a bad `endpoint`.
    """
    check = _InputCheck(endpoint)
    for _ in check.lines(source):
        pass
    return check.result(source)


def _prepared(
    source: BatchSource, endpoint: str | None, cleanup: contextlib.ExitStack
) -> tuple[Source, str | None, CheckedBatchInput]:
    """What to store for `source` once checked, its name, and what the check found. A path is stored as
    it is; other input is written to a temporary file (in memory up to `SPOOL_BYTES`, then on disk) that
    `cleanup` closes."""
    if isinstance(source, str | os.PathLike):
        return source, None, check_batch_input(source, endpoint=endpoint)
    check = _InputCheck(endpoint)
    spool = cleanup.enter_context(tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES))  # noqa: SIM115 (closed by cleanup)
    spool.writelines(check.lines(source))
    spool.seek(0)
    return spool, _spool_name(source), check.result(source)


def _spool_name(source: BatchSource) -> str:
    name = getattr(source, "name", None)
    return Path(name).name if isinstance(name, str) and Path(name).name else "batch_input.jsonl"


def _embedding_inputs(request: dict[str, Any], so_far: int, *, line: int) -> int:
    """The inputs of an embeddings batch up to this line; `BatchInputError` once they pass what one
    batch may hold."""
    total = so_far + rules.embedding_inputs(request["body"])
    if total > rules.MAX_EMBEDDING_INPUTS:
        raise BatchInputError(
            f"an embeddings batch holds at most {rules.MAX_EMBEDDING_INPUTS} inputs across its requests, "
            f"and this line brings it to {total}",
            line=line,
        )
    return total


def _one_model(
    request: dict[str, Any], first: tuple[str, int] | None, *, line: int
) -> tuple[str, int] | None:
    """The batch's model and the line that named it first; `BatchInputError` for a line naming another."""
    model = request["body"].get("model")
    if not isinstance(model, str):
        return first
    if first is None:
        return model, line
    if model != first[0]:
        raise BatchInputError(
            f"model {model!r} differs from {first[0]!r} on line {first[1]}: a batch runs one model; "
            "`openai-files jobs submit` (client.batch_jobs.submit) splits a file by model",
            line=line,
        )
    return first


def check_line(raw: bytes | str, *, line: int, endpoint: str | None) -> tuple[dict[str, Any], str]:
    """Parse one JSONL line and check it as the service would; return (request, endpoint).

    The line must be standard JSON: no NaN or Infinity, no lone surrogate (`"\\ud800"` names no
    character, so no UTF-8 request can carry it). The request must be a JSON object with a non-empty
    string `custom_id`, `method` POST, a `url` equal to `endpoint` (when None, the line's own url, which
    must be a batch endpoint) and an object `body`. Raises `BatchInputError` naming `line`. Uniqueness of
    `custom_id` is the caller's to check.
    """
    try:
        request, by_msgspec = read_line(raw, strict=True)
    except NonStandardJSON as error:
        raise BatchInputError(f"not standard JSON: {error}", line=line) from None
    except ValueError:
        raise BatchInputError("not valid JSON", line=line) from None
    except RecursionError:
        raise BatchInputError("JSON nested too deeply to read", line=line) from None
    if not by_msgspec and (isinstance(raw, str) or (raw.find(b"\\") >= 0 and _SURROGATE_ESCAPE.search(raw))):
        _check_unicode(request, line=line)
    return request, check_request(request, line=line, endpoint=endpoint)


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
"""In bytes, only a `\\ud800`-`\\udfff` escape can bring a lone surrogate into a parsed line (bytes that
encode one are not UTF-8 and fail to parse); lines without such an escape skip the check, as do lines
msgspec read (it refuses every lone surrogate). A line with no backslash at all is passed over by one
`find`, which is a `memchr` and a few times quicker than the search."""


def _check_unicode(request: Any, *, line: int) -> None:
    """Refuse a request holding a lone surrogate: the service cannot read it, and no UTF-8 can carry it."""
    try:
        json.dumps(request, ensure_ascii=False).encode()
    except UnicodeEncodeError as error:
        code = ord(error.object[error.start])
        raise BatchInputError(
            f"\\u{code:04x} is a lone surrogate, not a character; the service refuses it", line=line
        ) from None


def check_request(request: Any, *, line: int, endpoint: str | None) -> str:
    """`check_line` for an already parsed request; returns the endpoint."""
    if not isinstance(request, dict):
        raise BatchInputError("not a JSON object", line=line)
    custom_id = request.get("custom_id")
    if not isinstance(custom_id, str) or not custom_id:
        raise BatchInputError("custom_id must be a non-empty string", line=line)
    method = request.get("method")
    if method != "POST":
        raise BatchInputError(f"method must be POST, got {method!r}", line=line)
    url = request.get("url")
    endpoint = endpoint or url
    if endpoint not in rules.BATCH_ENDPOINTS:
        raise BatchInputError(f"url {url!r} is not a batch endpoint", line=line)
    if url != endpoint:
        raise BatchInputError(f"url {url!r} differs from endpoint {endpoint}", line=line)
    if not isinstance(request.get("body"), dict):
        raise BatchInputError("body must be a JSON object", line=line)
    return endpoint


def create_body(
    input_file_id: str,
    endpoint: str,
    completion_window: str,
    metadata: Mapping[str, str] | None,
    output_expires_after_seconds: int | None,
) -> CreateBatchRequest:
    """The body of `POST /batches`, every argument checked (`InvalidInputError` naming it)."""
    expires = expiry(output_expires_after_seconds, param="output_expires_after_seconds")
    pairs = rules.metadata(metadata)
    return CreateBatchRequest(
        input_file_id=input_file_id,
        endpoint=rules.choice(endpoint, CreateBatchRequestEndpoint, param="endpoint"),
        completion_window=rules.choice(
            completion_window, CreateBatchRequestCompletionWindow, param="completion_window"
        ),
        metadata=None if pairs is None else MetadataType0.from_dict(pairs),
        output_expires_after=None
        if expires is None
        else BatchFileExpirationAfter(
            anchor=BatchFileExpirationAfterAnchor.CREATED_AT, seconds=expires.seconds
        ),
    )


def _page(response: ListBatchesResponse) -> Page[Batch]:
    return Page(response.data, response.has_more, response.first_id, response.last_id)


def _cursor(after: str | None) -> str | Unset:
    return UNSET if after is None else after


def _page_size(limit: int | None) -> int | Unset:
    """`limit` checked when `list` is called rather than when the first page is fetched."""
    checked = rules.page_size(limit, rules.MAX_BATCHES_PAGE)
    return UNSET if checked is None else checked


class _Poll:
    """The wait schedule both clients share: growing intervals, a deadline, a progress callback."""

    def __init__(
        self, timeout: float, interval: float, max_interval: float, on_progress: BatchProgress | None
    ) -> None:
        _seconds(timeout, "timeout", zero=True)
        _seconds(interval, "poll_interval")
        _seconds(max_interval, "max_poll_interval")
        self._deadline = time.monotonic() + timeout
        self._timeout = timeout
        self._interval = interval
        self._max_interval = max_interval
        self._on_progress = on_progress

    def next_sleep(self, batch: Batch) -> float | None:
        """Seconds to sleep before the next retrieve, or None when `batch` is terminal."""
        if self._on_progress is not None:
            self._on_progress(batch)
        if batch.status in TERMINAL_STATUSES:
            return None
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise WaitTimeoutError(
                f"batch {batch.id} still {batch.status} after {self._timeout:g}s (it keeps running)"
            )
        sleep = min(self._interval, remaining)
        self._interval = min(self._interval * 1.5, self._max_interval)
        return sleep


def _seconds(value: float, param: str, *, zero: bool = False) -> None:
    """Refuse a wait that is negative, not a number or endless, before the first request."""
    low_ok = value >= 0 if zero else value > 0
    if isinstance(value, bool) or not isinstance(value, int | float) or not (low_ok and math.isfinite(value)):
        bound = ">= 0" if zero else "> 0"
        raise InvalidInputError(
            f"{param} must be a finite number of seconds {bound}, got {value!r}", param=param
        )


def _batch_id(batch: Batch | str) -> str:
    """A batch's id, from the batch or the id itself: every method that takes a batch takes either."""
    return batch if isinstance(batch, str) else batch.id


def _ended(batch: Batch | str) -> TypeGuard[Batch]:
    """A batch object that has ended: its results can be read without asking again (an id, or a batch
    object from before it ended, is retrieved first)."""
    return not isinstance(batch, str) and batch.status in TERMINAL_STATUSES


def _finished(batch: Batch) -> Batch:
    """`batch` once it ended; results of a running batch are not final, so asking for them is an error."""
    if batch.status not in TERMINAL_STATUSES:
        raise BatchNotFinishedError(batch_id=batch.id, status=str(batch.status))
    return batch


def _refused(error: Exception) -> bool:
    """The service refused the batch (a final 4xx): no batch exists, so its input file serves nothing."""
    return isinstance(error, APIStatusError) and is_refusal(error.status_code)


@dataclass(frozen=True)
class BatchResult:
    """One request's outcome, joined to its `custom_id`, from the output or the error file."""

    custom_id: str
    status_code: int | None
    body: Any
    error: Any
    request_id: str | None

    @property
    def ok(self) -> bool:
        """True when the request got a 2xx answer and no error."""
        return self.error is None and self.status_code is not None and 200 <= self.status_code < 300

    @classmethod
    def from_line(cls, line: str) -> BatchResult:
        """One line of an output or error file; `ValueError` or `KeyError` for a line of neither shape."""
        record = json.loads(line)
        response = record.get("response") or {}
        return cls(
            custom_id=record["custom_id"],
            status_code=response.get("status_code"),
            body=response.get("body"),
            error=record.get("error"),
            request_id=response.get("request_id"),
        )


def _result_files(batch: Batch) -> list[str]:
    return [f for f in (batch.output_file_id, batch.error_file_id) if f is not None]


class Batches:
    """Batches: `create`, `create_from_file`, `retrieve`, `list`, `cancel`, `wait`, `results`."""

    def __init__(self, client: Client) -> None:
        """The group on `client`; reach it as `client.batches`."""
        self._client = client

    def create(
        self,
        input_file_id: str,
        *,
        endpoint: BatchEndpoint,
        completion_window: CompletionWindow = "24h",
        metadata: Mapping[str, str] | None = None,
        output_expires_after_seconds: int | None = None,
    ) -> Batch:
        """Start a batch over a stored JSONL file (purpose `batch`).

        The service may not see a file stored a moment ago: such a refusal is tried again, 1 s later,
        then 2, 4, 8 and 16 s (as batch jobs do), while the Files API has the file.

        Args:
            input_file_id: the stored input file.
            endpoint: the endpoint every request line calls, e.g. `"/v1/chat/completions"`.
            completion_window: how long the batch may take; the service offers `"24h"`.
            metadata: up to 16 string pairs kept with the batch. With room for one more, the client adds
                `openai_files_create`: a token by which a batch whose answer was lost is found again
                rather than started twice.
            output_expires_after_seconds: lifetime of the output and error files (3600 to 2592000).

        Returns:
            The batch, usually `validating`.

        Raises:
            InvalidInputError: a bad endpoint, window or expiry (`.param` names it), before sending.
            UnconfirmedCreateError: the answer was lost and several batches could be the one it made (or
                looking failed); nothing was sent again.
            APIError: as `Client.call`.
        """
        body = create_body(input_file_id, endpoint, completion_window, metadata, output_expires_after_seconds)
        return self._create(body)

    def _create(self, body: CreateBatchRequest) -> Batch:
        """`POST /batches`, again after a refusal for an input file that the Files API has but batches do
        not see yet (`is_file_lag`); a file the Files API does not know either fails at once. An attempt
        whose answer is lost is looked for (by a token in the batch's metadata) before it is repeated."""
        token = tag(body)
        delays = iter(file_lag_delays())
        while True:
            search = batch_search(body, token, time.time())
            try:
                created: Batch = self._client.call_once(
                    create_batch, functools.partial(self._find, search), body=body
                )
                return created
            except APIStatusError as error:
                delay = (
                    next(delays, None) if is_file_lag(error) and self._stored(body.input_file_id) else None
                )
                if delay is None:
                    raise
                log.info("creating the batch again in %.1fs: %s", delay, error)
                time.sleep(delay)

    def _find(self, search: Search[Batch]) -> Batch | None:
        """The batch a create whose answer was lost made, from the recent ones (see `_lost_answers`)."""
        try:
            for batch in self.list(limit=rules.MAX_BATCHES_PAGE):
                if not search.add(batch):
                    break
        except APIError as error:
            raise search.failed(error) from error
        return search.result()

    def _stored(self, file_id: str) -> bool:
        """False when the Files API does not know `file_id` either: a wrong id, not a file not seen yet."""
        try:
            self._client.files.retrieve(file_id)
        except NotFoundError:
            return False
        return True

    def create_from_file(
        self,
        source: BatchSource,
        *,
        endpoint: BatchEndpoint | None = None,
        metadata: Mapping[str, str] | None = None,
        output_expires_after_seconds: int | None = None,
        config: TransferConfig | None = None,
    ) -> Batch:
        """Check a batch's input locally, store it with purpose `batch`, and start a batch over it.

        A path travels as `files.create` sends it: a large one in parallel Upload parts. A file object or
        request dicts are checked as they are written to a temporary file (in memory up to 8 MiB, then on
        disk), which is then sent as one request.

        Args:
            source: a JSONL path, a binary file object reading JSONL, or an iterable of request dicts
                (`custom_id`, `method`, `url`, `body`).
            endpoint: the endpoint of every line; default the first line's `url`.
            metadata: as `create`.
            output_expires_after_seconds: as `create`.
            config: tunes the Upload parts of a large file (`TransferConfig`).

        Returns:
            The batch.

        Raises:
            BatchInputError: a line the service would refuse (`.line` says which), before anything is sent.
            InvalidInputError: an unreadable, empty or too large file, or a bad argument.
            APIError: as `Client.call`; a batch the service refuses takes the stored input file with it.
        """
        with contextlib.ExitStack() as cleanup:
            upload, name, checked = _prepared(source, endpoint, cleanup)
            # Every argument is checked before the file is stored, so a bad one leaves nothing behind.
            body = create_body("", checked.endpoint, "24h", metadata, output_expires_after_seconds)
            body.input_file_id = self._client.files.create(
                upload, purpose="batch", filename=name, config=config
            ).id
        try:
            return self._create(body)
        except Exception as error:
            if _refused(error):
                self._discard(body.input_file_id)
            raise

    def _discard(self, file_id: str) -> None:
        """Delete the input file of a refused batch; a failure is logged: the refusal is what matters."""
        try:
            self._client.call(delete_file, file_id)
        except Exception as exc:
            log.warning("could not delete input file %s of a refused batch: %r", file_id, exc)

    def retrieve(self, batch: Batch | str) -> Batch:
        """A batch's current state (`batch`: the batch or its id). Raises `NotFoundError` for an unknown
        id (see `Client.call`)."""
        return self._client.call(retrieve_batch, _batch_id(batch))

    def cancel(self, batch: Batch | str) -> Batch:
        """Ask the service to stop a batch (`batch`: the batch or its id): `cancelling`, then `cancelled`.
        Raises as `Client.call`."""
        return self._client.call(cancel_batch, _batch_id(batch))

    def list(self, *, limit: int | None = None, after: str | None = None) -> SyncPager[Batch]:
        """Every batch, newest first, fetched a page at a time as you iterate.

        Args:
            limit: the page size, 1 to 100.
            after: start after this batch id (a cursor from an earlier listing).

        Returns:
            A pager (see `Files.list`).

        Raises:
            InvalidInputError: a bad `limit`, at this call; iterating raises as `Client.call`.
        """
        size = _page_size(limit)
        return SyncPager(
            lambda cursor: _page(self._client.call(list_batches, limit=size, after=_cursor(cursor or after)))
        )

    def wait(
        self,
        batch: Batch | str,
        *,
        timeout: float = 24 * 3600,
        poll_interval: float = 1.0,
        max_poll_interval: float = 30.0,
        on_progress: BatchProgress | None = None,
    ) -> Batch:
        """Poll until the batch is completed, failed, expired or cancelled.

        Args:
            batch: the batch, or its id.
            timeout: seconds to wait in all.
            poll_interval: the first wait between polls; it grows up to `max_poll_interval`.
            max_poll_interval: the longest wait between polls.
            on_progress: called with the batch after every poll.

        Returns:
            The batch in its final status (check `status`: only `completed` has every result).

        Raises:
            WaitTimeoutError: `timeout` passed first; the batch keeps going on the server.
            APIError: as `Client.call`.
        """
        poll = _Poll(timeout, poll_interval, max_poll_interval, on_progress)
        batch_id = _batch_id(batch)
        while True:
            polled = self.retrieve(batch_id)
            sleep = poll.next_sleep(polled)
            if sleep is None:
                return polled
            time.sleep(sleep)

    def results(self, batch: Batch | str) -> Iterator[BatchResult]:
        """Every request's result, streamed from the output file, then the error file.

        Args:
            batch: the batch, or its id (retrieved first unless it is a batch object that has ended).

        Returns:
            An iterator of `BatchResult`, one per request line the service answered.

        Raises:
            BatchNotFinishedError: the batch has not ended (at the first item): its results are not final.
            APIError: as `Client.call`, also while iterating.
        """
        finished = _finished(batch if _ended(batch) else self.retrieve(batch))
        for file_id in _result_files(finished):
            for line in iter_lines(self._client, file_id):
                if line.strip():
                    yield BatchResult.from_line(line)


@docs_from(Batches)
class AsyncBatches:
    """The asyncio twin of `Batches`."""

    def __init__(self, client: AsyncClient) -> None:
        """The group on `client`; reach it as `client.batches`."""
        self._client = client

    async def create(
        self,
        input_file_id: str,
        *,
        endpoint: BatchEndpoint,
        completion_window: CompletionWindow = "24h",
        metadata: Mapping[str, str] | None = None,
        output_expires_after_seconds: int | None = None,
    ) -> Batch:
        """See `Batches.create`."""
        body = create_body(input_file_id, endpoint, completion_window, metadata, output_expires_after_seconds)
        return await self._create(body)

    async def _create(self, body: CreateBatchRequest) -> Batch:
        """See `Batches._create`."""
        token = tag(body)
        delays = iter(file_lag_delays())
        while True:
            search = batch_search(body, token, time.time())
            try:
                created: Batch = await self._client.call_once(
                    create_batch, functools.partial(self._find, search), body=body
                )
                return created
            except APIStatusError as error:
                lag = is_file_lag(error) and await self._stored(body.input_file_id)
                delay = next(delays, None) if lag else None
                if delay is None:
                    raise
                log.info("creating the batch again in %.1fs: %s", delay, error)
                await anyio.sleep(delay)

    async def _find(self, search: Search[Batch]) -> Batch | None:
        """See `Batches._find`."""
        try:
            async for batch in self.list(limit=rules.MAX_BATCHES_PAGE):
                if not search.add(batch):
                    break
        except APIError as error:
            raise search.failed(error) from error
        return search.result()

    async def _stored(self, file_id: str) -> bool:
        """See `Batches._stored`."""
        try:
            await self._client.files.retrieve(file_id)
        except NotFoundError:
            return False
        return True

    async def create_from_file(
        self,
        source: BatchSource,
        *,
        endpoint: BatchEndpoint | None = None,
        metadata: Mapping[str, str] | None = None,
        output_expires_after_seconds: int | None = None,
        config: TransferConfig | None = None,
    ) -> Batch:
        """See `Batches.create_from_file`; the local check runs in a worker thread."""
        with contextlib.ExitStack() as cleanup:
            upload, name, checked = await anyio.to_thread.run_sync(_prepared, source, endpoint, cleanup)
            body = create_body("", checked.endpoint, "24h", metadata, output_expires_after_seconds)
            body.input_file_id = (
                await self._client.files.create(upload, purpose="batch", filename=name, config=config)
            ).id
        try:
            return await self._create(body)
        except Exception as error:
            if _refused(error):
                await self._discard(body.input_file_id)
            raise

    async def _discard(self, file_id: str) -> None:
        """See `Batches._discard`."""
        try:
            await self._client.call(delete_file, file_id)
        except Exception as exc:
            log.warning("could not delete input file %s of a refused batch: %r", file_id, exc)

    async def retrieve(self, batch: Batch | str) -> Batch:
        """See `Batches.retrieve`."""
        return await self._client.call(retrieve_batch, _batch_id(batch))

    async def cancel(self, batch: Batch | str) -> Batch:
        """See `Batches.cancel`."""
        return await self._client.call(cancel_batch, _batch_id(batch))

    def list(self, *, limit: int | None = None, after: str | None = None) -> AsyncPager[Batch]:
        """See `Batches.list`; iterate with `async for`."""
        size = _page_size(limit)

        async def fetch(cursor: str | None) -> Page[Batch]:
            return _page(await self._client.call(list_batches, limit=size, after=_cursor(cursor or after)))

        return AsyncPager(fetch)

    async def wait(
        self,
        batch: Batch | str,
        *,
        timeout: float = 24 * 3600,
        poll_interval: float = 1.0,
        max_poll_interval: float = 30.0,
        on_progress: BatchProgress | None = None,
    ) -> Batch:
        """See `Batches.wait`."""
        poll = _Poll(timeout, poll_interval, max_poll_interval, on_progress)
        batch_id = _batch_id(batch)
        while True:
            polled = await self.retrieve(batch_id)
            sleep = poll.next_sleep(polled)
            if sleep is None:
                return polled
            await anyio.sleep(sleep)

    async def results(self, batch: Batch | str) -> AsyncIterator[BatchResult]:
        """See `Batches.results`; iterate with `async for`."""
        finished = _finished(batch if _ended(batch) else await self.retrieve(batch))
        for file_id in _result_files(finished):
            async for line in aiter_lines(self._client, file_id):
                if line.strip():
                    yield BatchResult.from_line(line)
