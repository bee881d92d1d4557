"""`Client` and `AsyncClient`: one pooled httpx client, settings, retries, and the resource groups.

Resource groups (`files`, `uploads`, `batches`) are thin classes that take the client in their
constructor and call `client._call(kwargs, Model.from_dict)` or `client._request(kwargs, stream=...)`,
where `kwargs` come from a generated endpoint's `_get_kwargs`. Everything about the wire (headers,
timeouts, retries, Idempotency-Key, error mapping, scrubbing the key) happens here, once.
"""

from __future__ import annotations

import copy
import logging
import time
import uuid
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any, Self, TypeVar, Unpack

import anyio
import httpx

from ._batch_jobs import AsyncBatchJobs, BatchJobs
from ._batches import AsyncBatches, Batches
from ._config import DEFAULT_LIMITS, Settings, SettingsOptions
from ._errors import APIConnectionError, APIError, APITimeoutError, error_from_response
from ._files import AsyncFiles, Files
from ._generated import AuthenticatedClient
from ._log_scrub import scrub_logs_of
from ._retry import RetryPolicy, is_retryable_exception
from ._uploads import AsyncUploads, Uploads

__all__ = ["AsyncClient", "Client"]

T = TypeVar("T")
logger = logging.getLogger("openai_files")


class _Core:
    """What the sync and async clients share: settings, request preparation, retry decisions."""

    _settings: Settings
    _retry: RetryPolicy

    def _setup(self, options: SettingsOptions, limits: httpx.Limits) -> dict[str, Any]:
        """Resolve settings; return the arguments both httpx client classes take."""
        self._configure(Settings.resolve(**options))
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
        self._settings = settings
        self._retry = RetryPolicy(max_retries=settings.max_retries)
        self._generated: AuthenticatedClient | None = None

    @property
    def base_url(self) -> str:
        return self._settings.base_url

    @property
    def max_retries(self) -> int:
        return self._settings.max_retries

    @property
    def timeout(self) -> httpx.Timeout:
        return self._settings.timeout

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, max_retries={self.max_retries})"

    def _with(self, timeout: float | httpx.Timeout | None, max_retries: int | None) -> Self:
        """A copy sharing the connection pool, with other defaults; `Client.with_options` documents it."""
        clone = copy.copy(self)
        clone._configure(self._settings.replace(timeout=timeout, max_retries=max_retries))
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

    def _prepare(self, kwargs: Mapping[str, Any]) -> tuple[dict[str, Any], RetryPolicy]:
        """Arguments for `build_request`, and the retry policy for this call.

        A POST gets an Idempotency-Key that every retry repeats. A body that cannot be replayed (a
        non-seekable stream) is sent once: a retry would send a truncated body.
        """
        prepared = dict(kwargs)
        headers = dict(prepared.get("headers") or {})
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


def _parse(response: httpx.Response, parse: Callable[[Any], T]) -> T:
    """A 2xx body as a generated model; a body that does not fit the spec is an APIError, not a KeyError."""
    try:
        return parse(response.json())
    except (ValueError, KeyError, TypeError) as exc:
        raise APIError(
            f"{response.request.method} {response.request.url}: response does not match the spec ({exc!r})",
            method=response.request.method,
            url=str(response.request.url),
        ) from exc


class Client(_Core):
    """A synchronous client; safe to share between threads.

    Keyword arguments (`SettingsOptions`: api_key, base_url, organization, project, timeout, max_retries,
    verify) override the environment (`OPENAI_API_KEY`, `OPENAI_BASE_URL`, `OPENAI_ORG_ID`,
    `OPENAI_PROJECT_ID`). `transport` lets tests and embedders swap the network (an httpx transport);
    `verify=False` turns TLS verification off and is never the default.
    """

    def __init__(
        self,
        *,
        transport: httpx.BaseTransport | None = None,
        limits: httpx.Limits = DEFAULT_LIMITS,
        **options: Unpack[SettingsOptions],
    ) -> None:
        self._http = httpx.Client(transport=transport, **self._setup(options, limits))
        self._attach()

    def _attach(self) -> None:
        self.files = Files(self)
        self.uploads = Uploads(self)
        self.batches = Batches(self)
        self.batch_jobs = BatchJobs(self)

    def with_options(
        self, *, timeout: float | httpx.Timeout | None = None, max_retries: int | None = None
    ) -> Self:
        """A client for one call or a few: other timeout or retries, same connection pool.

        `client.with_options(max_retries=0).files.retrieve(file_id)`. Close only the original.
        """
        return self._with(timeout, max_retries)

    @property
    def generated(self) -> AuthenticatedClient:
        """The generated layer's client on this connection pool, for `openai_files_api.api.*` functions."""
        return self._generated_client(self._http)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _request(
        self, kwargs: Mapping[str, Any], *, stream: bool = False, pause: Callable[[float], None] | None = None
    ) -> httpx.Response:
        """Send with retries; return a 2xx response (unread if `stream`: the caller closes it) or raise.

        `pause` waits between attempts (default `time.sleep`); the upload engine passes one that ends early
        once the upload failed.
        """
        prepared, policy = self._prepare(kwargs)
        retries = 0
        while True:
            request = self._http.build_request(**prepared)
            try:
                response = self._http.send(request, stream=stream)
            except httpx.TransportError as exc:
                delay = self._delay_after_failure(exc, request, retries, policy)
            else:
                if response.is_success:
                    return response
                response.read()
                response.close()
                delay = self._delay_after_status(response, retries, policy)
            retries += 1
            (pause or time.sleep)(delay)

    def _call(
        self,
        kwargs: Mapping[str, Any],
        parse: Callable[[Any], T],
        pause: Callable[[float], None] | None = None,
    ) -> T:
        return _parse(self._request(kwargs, pause=pause), parse)


class AsyncClient(_Core):
    """The asyncio twin of `Client`, with the same arguments and resource groups."""

    def __init__(
        self,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        limits: httpx.Limits = DEFAULT_LIMITS,
        **options: Unpack[SettingsOptions],
    ) -> None:
        self._http = httpx.AsyncClient(transport=transport, **self._setup(options, limits))
        self._attach()

    def _attach(self) -> None:
        self.files = AsyncFiles(self)
        self.uploads = AsyncUploads(self)
        self.batches = AsyncBatches(self)
        self.batch_jobs = AsyncBatchJobs(self)

    def with_options(
        self, *, timeout: float | httpx.Timeout | None = None, max_retries: int | None = None
    ) -> Self:
        """See `Client.with_options`."""
        return self._with(timeout, max_retries)

    @property
    def generated(self) -> AuthenticatedClient:
        """The generated layer's client on this connection pool, for the `asyncio*` functions."""
        return self._generated_client(self._http)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def _request(self, kwargs: Mapping[str, Any], *, stream: bool = False) -> httpx.Response:
        """See `Client._request`."""
        prepared, policy = self._prepare(kwargs)
        retries = 0
        while True:
            request = self._http.build_request(**prepared)
            try:
                response = await self._http.send(request, stream=stream)
            except httpx.TransportError as exc:
                delay = self._delay_after_failure(exc, request, retries, policy)
            else:
                if response.is_success:
                    return response
                await response.aread()
                await response.aclose()
                delay = self._delay_after_status(response, retries, policy)
            retries += 1
            await anyio.sleep(delay)

    async def _call(self, kwargs: Mapping[str, Any], parse: Callable[[Any], T]) -> T:
        return _parse(await self._request(kwargs), parse)
