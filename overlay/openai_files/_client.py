"""`Client` and `AsyncClient`: one pooled httpx client, settings, retries, and the resource groups.

`call(operation, *args, **kwargs)` and `stream(operation, ...)` are the public seam: they run any generated
operation (a module of `openai_files_api.api`) through the client's transport and return its parsed
success model. Everything about the wire (headers, timeouts, retries with backoff and `retry-after`, the
Idempotency-Key, typed errors with the request id, scrubbing the key) happens here, once. The resource
groups (`files`, `uploads`, `batches`) are thin classes built on `call` and `stream` alone, exactly as a
user's own group would be (README, "Extending").
"""

from __future__ import annotations

import contextlib
import copy
import logging
import ssl
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from types import TracebackType
from typing import Any, ParamSpec, Self, TypeVar, overload

import anyio
import httpx

from ._batch_jobs import AsyncBatchJobs, BatchJobs
from ._batches import AsyncBatches, Batches
from ._config import DEFAULT_LIMITS, Settings, SettingsOptions
from ._docs import docs_from
from ._errors import APIConnectionError, APITimeoutError, error_from_response
from ._files import AsyncFiles, Files
from ._generated import AuthenticatedClient, ErrorResponse, list_batches
from ._log_scrub import scrub_logs_of
from ._operation import Endpoint, Operation
from ._retry import FoundAgain, RetryPolicy, answer_lost, is_retryable_exception, unreadable_json
from ._service import InstanceSeen, ServiceIdentity
from ._uploads import AsyncUploads, Uploads

__all__ = ["AsyncClient", "Client"]

P = ParamSpec("P")
R = TypeVar("R")
Timeout = float | httpx.Timeout | None
logger = logging.getLogger("openai_files")


class _Core:
    """What the sync and async clients share: settings, request preparation, retry decisions."""

    _settings: Settings
    _retry: RetryPolicy

    def _setup(self, options: SettingsOptions, limits: httpx.Limits) -> dict[str, Any]:
        """Resolve settings; return the arguments both httpx client classes take."""
        self._configure(Settings.resolve(**options))
        self._headers: Mapping[str, str] = {}  # added to every request: `with_options(headers=...)`
        self._seen = InstanceSeen()  # shared with the copies `with_options` makes
        scrub_logs_of(self._settings.api_key)
        return {
            "base_url": self._settings.base_url,
            "headers": self._settings.headers(),
            "timeout": self._settings.timeout,
            "verify": self._settings.verify,
            "limits": limits,
            "follow_redirects": False,  # never carry Authorization to whatever host a redirect names
        }

    def _configure(self, settings: Settings) -> None:
        self._settings: Settings = settings
        self._retry = RetryPolicy(max_retries=settings.max_retries)
        self._generated: AuthenticatedClient | None = None

    @property
    def base_url(self) -> str:
        """The service's root URL, e.g. `https://api.openai.com/v1`."""
        return self._settings.base_url

    @property
    def max_retries(self) -> int:
        """Retries per request after the first attempt."""
        return self._settings.max_retries

    @property
    def timeout(self) -> httpx.Timeout:
        """The timeouts of each request (connect, read, write, pool)."""
        return self._settings.timeout

    @property
    def service(self) -> ServiceIdentity:
        """The service as far as answers so far tell: its base URL, and the emulator instance the last
        answer named (None before any answer, and always from the real service). Resumable state
        (job manifests, upload journals) records it; `identify_service` asks when nothing has answered."""
        return ServiceIdentity(self.base_url, self._seen.instance)

    def redact(self, text: str) -> str:
        """`text` with this client's API key replaced by `[redacted]`, for anything that logs or prints it."""
        return self._settings.redact(text)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, max_retries={self.max_retries})"

    def with_options(
        self,
        *,
        timeout: Timeout = None,
        max_retries: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Self:
        """A client for one call or a few, on the same connection pool: `client.with_options(max_retries=0)`.

        Args:
            timeout: replaces the timeout (None keeps it).
            max_retries: replaces the retry budget (None keeps it).
            headers: added to every request of the copy (an `Idempotency-Key` given here replaces the
                one the client would make; `Range` for part of a download).

        Returns:
            A copy sharing this client's connections; close only the original.

        Raises:
            ConfigurationError: a negative `max_retries`.
        """
        clone = copy.copy(self)
        clone._configure(self._settings.replace(timeout=timeout, max_retries=max_retries))
        if headers:
            clone._headers = {**self._headers, **headers}
        clone._attach()
        return clone

    def _attach(self) -> None:
        raise NotImplementedError

    def _generated_client(self, http: httpx.Client | httpx.AsyncClient) -> AuthenticatedClient:
        if self._generated is None:
            generated = AuthenticatedClient(
                base_url=self._settings.base_url, token=self._settings.api_key, timeout=self._settings.timeout
            )
            if isinstance(http, httpx.Client):
                generated.set_httpx_client(http)
            else:
                generated.set_async_httpx_client(http)
            self._generated = generated
        return self._generated

    @property
    def generated(self) -> AuthenticatedClient:
        """The generated layer's own client on this connection pool, for code written against
        `openai_files_api` directly. Its functions get none of this client's retries or typed errors:
        prefer `call`."""
        return self._generated_client(self._http)

    _http: httpx.Client | httpx.AsyncClient

    def _prepare(self, kwargs: Mapping[str, Any]) -> tuple[dict[str, Any], RetryPolicy]:
        """Arguments for `build_request`, and the retry policy for this call.

        A POST gets an Idempotency-Key that every retry repeats. A body that cannot be replayed (a
        non-seekable stream) is sent once: a retry would send a truncated body.
        """
        prepared = dict(kwargs)
        headers = {**(prepared.get("headers") or {}), **self._headers}
        if str(prepared["method"]).upper() == "POST" and not any(
            name.lower() == "idempotency-key" for name in headers
        ):
            headers["Idempotency-Key"] = f"openai-files-{uuid.uuid4()}"
        prepared["headers"] = headers
        prepared.setdefault("timeout", self._settings.timeout)
        policy = self._retry if _replayable(prepared) else RetryPolicy(max_retries=0)
        return prepared, policy

    def _transport_error(self, exc: httpx.TransportError, request: httpx.Request) -> APIConnectionError:
        """The typed error for a transport failure, with the key scrubbed from httpx's message.

        The error is raised `from exc`, and a traceback prints every message down that chain (httpx's,
        httpcore's, h11's, which quote a malformed status line verbatim): those are scrubbed in place.
        """
        link: BaseException | None = exc
        while link is not None:
            link.args = tuple(self._settings.redact(a) if isinstance(a, str) else a for a in link.args)
            link = link.__cause__ or link.__context__
        kind = APITimeoutError if isinstance(exc, httpx.TimeoutException) else APIConnectionError
        detail = self._settings.redact(str(exc) or type(exc).__name__)
        return kind(f"{request.method} {request.url}: {detail}", method=request.method, url=str(request.url))

    def _delay_after_failure(
        self, exc: httpx.TransportError, request: httpx.Request, retries: int, policy: RetryPolicy
    ) -> float:
        """Seconds to wait after a transport error, or raise it as a typed error."""
        delay = policy.next_delay(retries, None) if is_retryable_exception(exc) else None
        if delay is None:
            raise self._transport_error(exc, request) from exc
        logger.info(
            "retrying %s %s in %.2fs after %s", request.method, request.url.path, delay, type(exc).__name__
        )
        return delay

    def _delay_after_status(self, response: httpx.Response, retries: int, policy: RetryPolicy) -> float:
        """Seconds to wait after a non-2xx response whose body was read, or raise it as a typed error."""
        delay = policy.next_delay(retries, response)
        if delay is None:
            raise error_from_response(response, redact=self._settings.redact)
        logger.info(
            "retrying %s %s in %.2fs after status %d (request id %s)",
            response.request.method,
            response.request.url.path,
            delay,
            response.status_code,
            self._settings.redact(response.headers.get("x-request-id", "-")),
        )
        return delay


def _replayable(prepared: Mapping[str, Any]) -> bool:
    payloads = [entry[1][1] for entry in prepared.get("files") or ()]
    if "content" in prepared:
        payloads.append(prepared["content"])
    return all(isinstance(p, bytes | str) or (hasattr(p, "seekable") and p.seekable()) for p in payloads)


class Client(_Core):
    """A synchronous client; safe to share between threads."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        organization: str | None = None,
        project: str | None = None,
        timeout: Timeout = None,
        max_retries: int | None = None,
        verify: bool | str | ssl.SSLContext = True,
        transport: httpx.BaseTransport | None = None,
        limits: httpx.Limits = DEFAULT_LIMITS,
    ) -> None:
        """Build a client; no request is sent until the first call.

        Args:
            api_key: the secret key; default `$OPENAI_API_KEY`. Never shown in a repr, log or error.
            base_url: the service's root; default `$OPENAI_BASE_URL`, else `https://api.openai.com/v1`.
            organization: sent as `OpenAI-Organization`; default `$OPENAI_ORG_ID`.
            project: sent as `OpenAI-Project`; default `$OPENAI_PROJECT_ID`.
            timeout: seconds per network operation, or an `httpx.Timeout`; default 600 s, connect 10 s.
            max_retries: retries per request after the first attempt; default 2.
            verify: TLS verification (a CA bundle path or an `ssl.SSLContext`); `False` is never the default.
            transport: an httpx transport to swap the network (tests, embedding).
            limits: the connection pool's size; default 64 connections, 16 kept alive (README, Benchmarks).

        Raises:
            ConfigurationError: no API key, a base URL that is not http(s), or a negative `max_retries`.
        """
        options = SettingsOptions(
            api_key=api_key,
            base_url=base_url,
            organization=organization,
            project=project,
            timeout=timeout,
            max_retries=max_retries,
            verify=verify,
        )
        self._http: httpx.Client = httpx.Client(transport=transport, **self._setup(options, limits))
        self._attach()

    def _attach(self) -> None:
        self.files = Files(self)
        self.uploads = Uploads(self)
        self.batches = Batches(self)
        self.batch_jobs = BatchJobs(self)

    @overload
    def call(self, operation: Operation[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R: ...
    @overload
    def call(self, operation: Callable[..., R | ErrorResponse | None], /, *args: Any, **kwargs: Any) -> R: ...
    def call(self, operation: Any, /, *args: Any, **kwargs: Any) -> Any:
        """Run a generated operation through this client's transport and return its success model.

        `client.call(retrieve_file, "file-abc")` returns an `OpenAIFile`: retried with backoff (honouring
        `retry-after`) on connection errors, 408, 409, 429 and 5xx, a POST carrying an Idempotency-Key its
        retries repeat, failures raised as typed errors with the request id and no API key in them.

        Args:
            operation: a module of `openai_files_api.api` (e.g. `retrieve_file`): mypy then checks the
                arguments and reads the return type off it. Its `sync` function works too (arguments
                unchecked).
            *args: the operation's own positional arguments (path parameters), as its `sync` takes them.
            **kwargs: its keyword arguments (`body=`, query parameters), without `client`.

        Returns:
            The model a successful response parses into.

        Raises:
            APIStatusError: a subclass per status (`NotFoundError`, `RateLimitError`, ...) once retries end.
            APIConnectionError: no response (`APITimeoutError` for a timeout), once retries end.
            APIError: a successful response that does not match the spec.
            TypeError: `operation` is not a generated operation.
        """
        return self.call_once(operation, None, *args, **kwargs)

    @overload
    def call_once(
        self,
        operation: Operation[P, R],
        find: Callable[[], R | None] | None,
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> R: ...
    @overload
    def call_once(
        self,
        operation: Callable[..., R | ErrorResponse | None],
        find: Callable[[], R | None] | None,
        /,
        *args: Any,
        **kwargs: Any,
    ) -> R: ...
    def call_once(self, operation: Any, find: Callable[[], Any] | None, /, *args: Any, **kwargs: Any) -> Any:
        """`call` for a create that must stay exactly-once without counting on the Idempotency-Key.

        Args:
            operation: as `call`.
            find: before an attempt whose answer may have been lost (cut, timed out, a 5xx) is repeated,
                looks for the object it made: returns it (the call returns it), None when nothing was
                made (the attempt is repeated), or raises when it cannot tell. None: as `call`.
            *args: as `call`.
            **kwargs: as `call`.

        Returns:
            The model a successful response parses into, or what `find` found.

        Raises:
            As `call`, and whatever `find` raises.
        """
        endpoint = Endpoint.of(operation)
        try:
            response = self._send(endpoint.request(*args, **kwargs), find=find)
        except FoundAgain as found:
            return found.value
        return endpoint.parse(response, self.generated, redact=self._settings.redact)

    @contextlib.contextmanager
    def stream(
        self, operation: Operation[P, Any], /, *args: P.args, **kwargs: P.kwargs
    ) -> Iterator[httpx.Response]:
        """Run a generated operation like `call`, but hand over the successful response unread.

        `with client.stream(download_file, file_id) as response: for chunk in response.iter_bytes(): ...`
        The response is closed when the block ends; a connection lost while reading it raises
        `APIConnectionError` (scrubbed of the key), not httpx's error.

        Args:
            operation: a module of `openai_files_api.api`, e.g. `download_file`.
            *args: the operation's positional arguments.
            **kwargs: its keyword arguments, without `client`.

        Returns:
            A context manager yielding the 2xx `httpx.Response`, its body not yet read.

        Raises:
            Like `call`, except that nothing is parsed.
        """
        response = self._send(Endpoint.of(operation).request(*args, **kwargs), stream=True)
        try:
            yield response
        except httpx.TransportError as exc:
            raise self._transport_error(exc, response.request) from exc
        finally:
            response.close()

    def identify_service(self) -> ServiceIdentity:
        """`service`, after one small request (a page of one batch) when nothing has answered yet.

        Raises what `call` raises for that request."""
        if not self._seen.answered:
            self.call(list_batches, limit=1)
        return self.service

    def close(self) -> None:
        """Close the connection pool; the copies made by `with_options` share it."""
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _send(
        self, kwargs: Mapping[str, Any], *, stream: bool = False, find: Callable[[], Any] | None = None
    ) -> httpx.Response:
        """Send with retries; return a 2xx response (unread if `stream`: the caller closes it) or raise.

        A read 2xx body that should be JSON and does not parse was cut: retried as a lost connection.
        Before repeating an attempt whose answer may be lost (`answer_lost`), `find` looks for what it
        made: a result other than None ends the call with `FoundAgain`."""
        prepared, policy = self._prepare(kwargs)
        retries = 0
        while True:
            request = self._http.build_request(**prepared)
            failure: httpx.TransportError | httpx.Response
            try:
                response = self._http.send(request, stream=stream)
            except httpx.TransportError as exc:
                delay, failure = self._delay_after_failure(exc, request, retries, policy), exc
            else:
                garbled = None if stream or not response.is_success else unreadable_json(response)
                if response.is_success and garbled is None:
                    self._seen.note(response)
                    return response
                response.read()
                response.close()
                if garbled is not None:
                    delay, failure = self._delay_after_failure(garbled, request, retries, policy), garbled
                else:
                    delay, failure = self._delay_after_status(response, retries, policy), response
            if find is not None and answer_lost(failure) and (found := find()) is not None:
                raise FoundAgain(found)
            retries += 1
            time.sleep(delay)


@docs_from(Client)
class AsyncClient(_Core):
    """The asyncio twin of `Client`, with the same arguments, resource groups and seam."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        organization: str | None = None,
        project: str | None = None,
        timeout: Timeout = None,
        max_retries: int | None = None,
        verify: bool | str | ssl.SSLContext = True,
        transport: httpx.AsyncBaseTransport | None = None,
        limits: httpx.Limits = DEFAULT_LIMITS,
    ) -> None:
        """See `Client`; `transport` is an async httpx transport here."""
        options = SettingsOptions(
            api_key=api_key,
            base_url=base_url,
            organization=organization,
            project=project,
            timeout=timeout,
            max_retries=max_retries,
            verify=verify,
        )
        self._http: httpx.AsyncClient = httpx.AsyncClient(transport=transport, **self._setup(options, limits))
        permits = limits.max_connections
        self._gate = anyio.Semaphore(permits, fast_acquire=True) if permits else None
        self._attach()

    def _attach(self) -> None:
        self.files = AsyncFiles(self)
        self.uploads = AsyncUploads(self)
        self.batches = AsyncBatches(self)
        self.batch_jobs = AsyncBatchJobs(self)

    @overload
    async def call(self, operation: Operation[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R: ...
    @overload
    async def call(
        self, operation: Callable[..., Awaitable[R | ErrorResponse | None]], /, *args: Any, **kwargs: Any
    ) -> R: ...
    async def call(self, operation: Any, /, *args: Any, **kwargs: Any) -> Any:
        """See `Client.call`; the function form takes the operation's `asyncio` function."""
        return await self.call_once(operation, None, *args, **kwargs)

    @overload
    async def call_once(
        self,
        operation: Operation[P, R],
        find: Callable[[], Awaitable[R | None]] | None,
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> R: ...
    @overload
    async def call_once(
        self,
        operation: Callable[..., Awaitable[R | ErrorResponse | None]],
        find: Callable[[], Awaitable[R | None]] | None,
        /,
        *args: Any,
        **kwargs: Any,
    ) -> R: ...
    async def call_once(
        self, operation: Any, find: Callable[[], Awaitable[Any]] | None, /, *args: Any, **kwargs: Any
    ) -> Any:
        """See `Client.call_once`; `find` is a coroutine function here."""
        endpoint = Endpoint.of(operation)
        try:
            response = await self._send(endpoint.request(*args, **kwargs), find=find)
        except FoundAgain as found:
            return found.value
        return endpoint.parse(response, self.generated, redact=self._settings.redact)

    @contextlib.asynccontextmanager
    async def stream(
        self, operation: Operation[P, Any], /, *args: P.args, **kwargs: P.kwargs
    ) -> AsyncIterator[httpx.Response]:
        """See `Client.stream`: `async with aclient.stream(download_file, file_id) as response: ...`."""
        response = await self._send(Endpoint.of(operation).request(*args, **kwargs), stream=True)
        try:
            yield response
        except httpx.TransportError as exc:
            raise self._transport_error(exc, response.request) from exc
        finally:
            await response.aclose()

    async def identify_service(self) -> ServiceIdentity:
        """`service`, after one small request (a page of one batch) when nothing has answered yet.

        Raises what `call` raises for that request."""
        if not self._seen.answered:
            await self.call(list_batches, limit=1)
        return self.service

    async def aclose(self) -> None:
        """Close the connection pool; the copies made by `with_options` share it."""
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def _send(
        self,
        kwargs: Mapping[str, Any],
        *,
        stream: bool = False,
        find: Callable[[], Awaitable[Any]] | None = None,
    ) -> httpx.Response:
        """See `Client._send`."""
        prepared, policy = self._prepare(kwargs)
        retries = 0
        while True:
            request = self._http.build_request(**prepared)
            failure: httpx.TransportError | httpx.Response
            try:
                async with self._permit(request):
                    response = await self._http.send(request, stream=stream)
            except httpx.TransportError as exc:
                delay, failure = self._delay_after_failure(exc, request, retries, policy), exc
            else:
                garbled = None if stream or not response.is_success else unreadable_json(response)
                if response.is_success and garbled is None:
                    self._seen.note(response)
                    return response
                await response.aread()
                await response.aclose()
                if garbled is not None:
                    delay, failure = self._delay_after_failure(garbled, request, retries, policy), garbled
                else:
                    delay, failure = self._delay_after_status(response, retries, policy), response
            if find is not None and answer_lost(failure) and (found := await find()) is not None:
                raise FoundAgain(found)
            retries += 1
            await anyio.sleep(delay)

    @contextlib.asynccontextmanager
    async def _permit(self, request: httpx.Request) -> AsyncIterator[None]:
        """Hold one of `limits.max_connections` permits while `request` is sent (for a stream, until its
        headers are in).

        httpx's pool (httpcore 1.0) matches every queued request against every connection each time a
        request starts or ends, so 1,000 calls started at once on a new client (no connection open yet, all
        but 64 of them queued) made that walk quadratic, many times slower than the official SDK
        (docs/BENCHMARKS.md, "Small calls", `make bench-calls`). Waiting here instead keeps httpcore's queue
        no longer than the pool. The wait counts against the pool timeout, as httpx's own would, and ends in
        the same retryable `PoolTimeout`. `Client` has no such gate: its calls come from threads, which the
        caller's own pool bounds (the benchmark's 64 threads never fill 64 connections).
        """
        if self._gate is None:
            yield
            return
        try:
            self._gate.acquire_nowait()
        except anyio.WouldBlock:
            with anyio.move_on_after(self._settings.timeout.pool) as waited:
                await self._gate.acquire()
            if waited.cancelled_caught:
                raise _pool_timeout(request) from None
        try:
            yield
        finally:
            self._gate.release()


def _pool_timeout(request: httpx.Request) -> httpx.PoolTimeout:
    """What httpx raises when no connection frees up in time; retried like it."""
    return httpx.PoolTimeout("timed out waiting for a free connection", request=request)
