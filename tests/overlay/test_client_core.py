"""The client's wire behaviour: settings, headers, retries, error mapping, secrecy, redirects.

These run against an in-memory httpx transport so each case can script the exact responses; the
emulator-backed tests in this folder cover the same paths over real HTTP.
"""

from __future__ import annotations

import io
import json
import logging
import ssl
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

import openai_files
from openai_files._client import AsyncClient, Client
from openai_files._config import Settings
from openai_files._errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
)
from openai_files._generated import retrieve_file

KEY = "sk-canary-0123456789abcdef"
BASE = "http://127.0.0.1:9/v1"
FILE = {
    "id": "file-1",
    "object": "file",
    "bytes": 3,
    "created_at": 1,
    "filename": "a.jsonl",
    "purpose": "batch",
    "status": "processed",
}

Handler = Callable[[httpx.Request], httpx.Response]


def error_body(message: str, type_: str = "invalid_request_error", code: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "param": None, "code": code}}


def scripted(*responses: httpx.Response | Exception) -> tuple[Handler, list[httpx.Request]]:
    """A handler that replays `responses` in order and records each request it saw."""
    seen: list[httpx.Request] = []
    queue: Iterator[httpx.Response | Exception] = iter(responses)

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        request.read()
        outcome = next(queue)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    return handle, seen


def client_for(handler: Handler, **kwargs: Any) -> Client:
    kwargs.setdefault("max_retries", 2)
    return Client(api_key=KEY, base_url=BASE, transport=httpx.MockTransport(handler), **kwargs)


@pytest.fixture(autouse=True)
def instant_sleep(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    slept: list[float] = []
    monkeypatch.setattr("openai_files._client.time.sleep", slept.append)
    return slept


def test_settings_from_environment() -> None:
    env = {
        "OPENAI_API_KEY": KEY,
        "OPENAI_BASE_URL": "http://127.0.0.1:1234/v1/",
        "OPENAI_ORG_ID": "org-1",
        "OPENAI_PROJECT_ID": "proj-1",
    }
    settings = Settings.resolve(environ=env)
    assert settings.base_url == "http://127.0.0.1:1234/v1"
    headers = settings.headers()
    assert headers["OpenAI-Organization"] == "org-1"
    assert headers["OpenAI-Project"] == "proj-1"
    assert headers["User-Agent"].startswith("openai-files/")
    assert Settings.resolve(api_key="sk-arg", environ=env).api_key == "sk-arg"
    assert Settings.resolve(environ={"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": ""}).base_url.startswith(
        "https://"
    )
    assert KEY not in repr(settings)


@pytest.mark.parametrize(
    ("env", "message"),
    [({}, "no API key"), ({"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": "ftp://x"}, "base URL")],
)
def test_bad_settings_raise_before_any_request(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        Settings.resolve(environ=env)


def test_headers_and_success() -> None:
    handler, seen = scripted(httpx.Response(200, json=FILE))
    with client_for(handler, organization="org-1") as client:
        got = client._call(retrieve_file._get_kwargs("file-1"), openai_files.OpenAIFile.from_dict)
    assert got.id == "file-1"
    (request,) = seen
    assert request.url == f"{BASE}/files/file-1"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.headers["openai-organization"] == "org-1"
    assert request.headers["user-agent"].startswith("openai-files/")
    assert "idempotency-key" not in request.headers  # GETs need none


STATUS_CLASSES = [
    (400, BadRequestError),
    (401, AuthenticationError),
    (403, PermissionDeniedError),
    (404, NotFoundError),
    (409, ConflictError),
    (422, UnprocessableEntityError),
    (429, RateLimitError),
    (500, InternalServerError),
    (503, InternalServerError),
    (418, APIStatusError),
]


@pytest.mark.parametrize(("status", "cls"), STATUS_CLASSES)
def test_each_status_maps_to_its_error(status: int, cls: type[APIStatusError]) -> None:
    reply = httpx.Response(status, json=error_body("nope", code="c1"), headers={"x-request-id": "req_7"})
    handler, seen = scripted(reply)
    client = client_for(handler, max_retries=0)
    with pytest.raises(cls) as caught:
        client._call(retrieve_file._get_kwargs("file-1"), openai_files.OpenAIFile.from_dict)
    error = caught.value
    assert type(error) is cls
    assert (error.status_code, error.message, error.code, error.type, error.request_id) == (
        status,
        "nope",
        "c1",
        "invalid_request_error",
        "req_7",
    )
    assert str(error).startswith(f"{status} ")
    assert "nope" in str(error) and "req_7" in str(error) and "\n" not in str(error)
    assert len(seen) == 1


def test_non_json_error_body_still_maps() -> None:
    handler, _ = scripted(httpx.Response(502, text="<html><h1>Bad gateway</h1></html>"))
    with pytest.raises(InternalServerError) as caught:
        client_for(handler, max_retries=0)._request(retrieve_file._get_kwargs("file-1"))
    assert caught.value.error is None
    assert "Bad gateway" in str(caught.value)


def test_retries_then_succeeds_with_same_idempotency_key(instant_sleep: list[float]) -> None:
    handler, seen = scripted(
        httpx.Response(429, json=error_body("slow down"), headers={"retry-after-ms": "20"}),
        httpx.ConnectError("reset"),
        httpx.Response(200, json=FILE),
    )
    client = client_for(handler)
    kwargs = openai_files._generated.create_file._get_kwargs(
        body=openai_files._generated.CreateFileRequest(
            file=openai_files._generated.File(payload=io.BytesIO(b"abc"), file_name="a.jsonl"),
            purpose=openai_files._generated.CreateFileRequestPurpose.BATCH,
        )
    )
    assert client._call(kwargs, openai_files.OpenAIFile.from_dict).id == "file-1"
    assert len(seen) == 3
    keys = {request.headers["idempotency-key"] for request in seen}
    assert len(keys) == 1
    assert all(b"abc" in request.content for request in seen)  # the body is replayed whole
    assert instant_sleep[0] == 0.02


def test_gives_up_after_max_retries() -> None:
    handler, seen = scripted(*(httpx.Response(500, json=error_body("boom")) for _ in range(4)))
    with pytest.raises(InternalServerError):
        client_for(handler, max_retries=3)._request(retrieve_file._get_kwargs("f"))
    assert len(seen) == 4


def test_with_options_overrides_retries_per_call() -> None:
    handler, seen = scripted(httpx.Response(500, json=error_body("boom")), httpx.Response(200, json=FILE))
    client = client_for(handler, max_retries=5)
    with pytest.raises(InternalServerError):
        client.with_options(max_retries=0)._request(retrieve_file._get_kwargs("f"))
    assert client.max_retries == 5
    assert client._request(retrieve_file._get_kwargs("f")).status_code == 200
    assert len(seen) == 2


def test_non_seekable_body_is_not_retried() -> None:
    class Pipe(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def seekable(self) -> bool:
            return False

        def readinto(self, buffer: Any) -> int:
            return 0

    handler, seen = scripted(httpx.Response(503, json=error_body("busy")), httpx.Response(200, json=FILE))
    kwargs = {"method": "post", "url": "/files", "files": [("file", ("a", Pipe(), None))]}
    with pytest.raises(InternalServerError):
        client_for(handler)._request(kwargs)
    assert len(seen) == 1


@pytest.mark.parametrize(
    ("exc", "cls"),
    [(httpx.ConnectError("refused"), APIConnectionError), (httpx.ReadTimeout("t"), APITimeoutError)],
)
def test_transport_errors_map_after_retries(exc: Exception, cls: type[Exception]) -> None:
    handler, seen = scripted(exc, exc, exc)
    with pytest.raises(cls, match=r"GET http://127\.0\.0\.1:9/v1/files/f"):
        client_for(handler)._request(retrieve_file._get_kwargs("f"))
    assert len(seen) == 3


def test_redirect_is_not_followed_to_another_host() -> None:
    handler, seen = scripted(httpx.Response(307, headers={"location": "http://evil.example/steal"}))
    with pytest.raises(APIStatusError) as caught:
        client_for(handler)._request(retrieve_file._get_kwargs("f"))
    assert caught.value.status_code == 307
    assert [request.url.host for request in seen] == ["127.0.0.1"]


def test_api_key_never_leaks(caplog: pytest.LogCaptureFixture) -> None:
    """A proxy that quotes the key back in a body, a header and a 5xx page: nothing we emit contains it."""
    quoted = json.dumps(error_body(f"Incorrect API key provided: {KEY}. Bearer {KEY}", code=KEY))
    handler, _ = scripted(
        httpx.Response(500, text=f"upstream said Authorization: Bearer {KEY}", headers={"x-request-id": KEY}),
        httpx.ConnectError(f"proxy refused Bearer {KEY}"),
        httpx.Response(401, text=quoted, headers={"x-request-id": f"req-{KEY}"}),
    )
    caplog.set_level(logging.DEBUG)
    client = client_for(handler)
    with pytest.raises(AuthenticationError) as caught:
        client._request(retrieve_file._get_kwargs("f"))
    error = caught.value
    emitted = [
        str(error),
        repr(error),
        error.body,
        str(error.request_id),
        repr(error.error),
        repr(client),
        repr(client.generated),
        repr(client._settings),
        caplog.text,
        str(vars(error)),
    ]
    assert "[redacted]" in error.body
    for text in emitted:
        assert KEY not in text


def test_connection_error_message_is_scrubbed() -> None:
    handler, _ = scripted(httpx.ConnectError(f"refused for {KEY}"))
    with pytest.raises(APIConnectionError) as caught:
        client_for(handler, max_retries=0)._request(retrieve_file._get_kwargs("f"))
    assert KEY not in str(caught.value) and KEY not in repr(caught.value)


@pytest.mark.anyio
async def test_async_client_retries_and_maps(monkeypatch: pytest.MonkeyPatch) -> None:
    async def no_sleep(_: float) -> None:
        return None

    monkeypatch.setattr("openai_files._client.anyio.sleep", no_sleep)
    handler, seen = scripted(httpx.Response(503, json=error_body("busy")), httpx.Response(200, json=FILE))
    async with AsyncClient(
        api_key=KEY, base_url=BASE, transport=httpx.MockTransport(handler), max_retries=1
    ) as client:
        got = await client._call(retrieve_file._get_kwargs("file-1"), openai_files.OpenAIFile.from_dict)
        assert got.id == "file-1"
        handler2, _ = scripted(httpx.Response(404, json=error_body("gone")))
        client._http._transport = httpx.MockTransport(handler2)
        with pytest.raises(NotFoundError, match="gone"):
            await client._request(retrieve_file._get_kwargs("x"))
    assert len(seen) == 2


def test_tls_verification_is_on_unless_turned_off() -> None:
    def context(client: Client) -> ssl.SSLContext:
        return client._http._transport._pool._ssl_context  # type: ignore[attr-defined,no-any-return]

    assert context(Client(api_key=KEY, base_url="https://127.0.0.1/v1")).verify_mode == ssl.CERT_REQUIRED
    assert (
        context(Client(api_key=KEY, base_url="https://127.0.0.1/v1", verify=False)).verify_mode
        == ssl.CERT_NONE
    )
