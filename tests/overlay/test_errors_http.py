"""The client's wire behaviour over real HTTP, sync and async: error mapping for every status class,
retries under injected faults (counted at the emulator), Idempotency-Key, headers, timeouts,
redirects and bodies cut short. The emulator injects the faults; a stub server does what it cannot.
"""

from __future__ import annotations

import io
import socket
from pathlib import Path

import pytest

from openai_files import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AsyncClient,
    AuthenticationError,
    BadRequestError,
    Client,
    ConflictError,
    IncompleteDownloadError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
)
from openai_files_emulator import EmulatorServer

from .conftest import collect, open_client, resolve
from .stub_server import Seen, raw_response, serving, stored_file

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


def attempts(emulator: EmulatorServer, method: str, path: str) -> list[dict[str, str]]:
    """The headers of every request the emulator saw for `method path`, faulted ones included."""
    return [r.headers for r in emulator.emulator.requests.recent() if (r.method, r.path) == (method, path)]


@pytest.mark.anyio
@pytest.mark.parametrize(("status", "cls"), STATUS_CLASSES)
async def test_each_status_class_maps_to_its_error(
    any_client: Client | AsyncClient, fresh_emulator: EmulatorServer, status: int, cls: type[APIStatusError]
) -> None:
    fresh_emulator.faults.set(script=(str(status),), retry_after=0.01)
    with pytest.raises(cls) as caught:
        await resolve(any_client.with_options(max_retries=0).files.retrieve("file-1"))
    error = caught.value
    assert type(error) is cls and error.status_code == status
    assert error.request_id is not None and error.request_id.startswith("req_")
    assert "injected" in error.message and error.type
    line = str(error)
    assert line.startswith(f"{status} ") and error.request_id in line and "\n" not in line
    assert len(attempts(fresh_emulator, "GET", "/v1/files/file-1")) == 1


@pytest.mark.anyio
async def test_envelope_fields_of_real_refusals(any_client: Client | AsyncClient) -> None:
    with pytest.raises(NotFoundError, match=r"^404 Not Found: ") as missing:
        await resolve(any_client.files.retrieve("file-nope"))
    assert (missing.value.type, missing.value.param) == ("invalid_request_error", "file_id")
    with pytest.raises(BadRequestError) as bad:
        await resolve(any_client.batches.create("file-nope", endpoint="/v1/chat/completions"))
    assert bad.value.param == "input_file_id"


@pytest.mark.anyio
async def test_injected_429_and_5xx_are_retried_with_one_idempotency_key(
    any_client: Client | AsyncClient, fresh_emulator: EmulatorServer
) -> None:
    fresh_emulator.faults.set(script=("429", "503"), retry_after=0.01, paths=("/v1/files",))
    stored = await resolve(any_client.files.create(io.BytesIO(b"abc"), purpose="user_data", filename="a.txt"))
    assert fresh_emulator.faults.injected == 2  # two refused attempts, then the third succeeded
    sent = attempts(fresh_emulator, "POST", "/v1/files")
    assert len(sent) == 3 and len({h["idempotency-key"] for h in sent}) == 1
    assert await resolve(any_client.files.content(stored.id)) == b"abc"  # the body was replayed whole
    await resolve(any_client.files.create(io.BytesIO(b"d"), purpose="user_data", filename="d.txt"))
    assert len({h["idempotency-key"] for h in attempts(fresh_emulator, "POST", "/v1/files")}) == 2
    assert all("idempotency-key" not in h for h in attempts(fresh_emulator, "GET", f"/v1/files/{stored.id}"))


@pytest.mark.anyio
async def test_retries_give_up_with_the_last_error(
    any_client: Client | AsyncClient, fresh_emulator: EmulatorServer
) -> None:
    fresh_emulator.faults.set(script=("502", "502", "502"), paths=("/v1/files",))
    with pytest.raises(InternalServerError) as caught:
        await resolve(any_client.with_options(max_retries=1).files.list().first_page())
    assert caught.value.status_code == 502
    assert fresh_emulator.faults.injected == 2  # one attempt and one retry, no more
    assert any_client.max_retries == 2  # with_options changed only the copy


@pytest.mark.anyio
async def test_non_seekable_body_is_sent_once(
    any_client: Client | AsyncClient, fresh_emulator: EmulatorServer
) -> None:
    class Pipe(io.RawIOBase):
        def __init__(self) -> None:
            self.left = b"once"

        def readable(self) -> bool:
            return True

        def seekable(self) -> bool:
            return False

        def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
            size = len(self.left[: len(buffer)])
            buffer[:size], self.left = self.left[:size], self.left[size:]
            return size

    fresh_emulator.faults.set(script=("503",), paths=("/v1/files",))
    with pytest.raises(InternalServerError):
        await resolve(any_client.files.create(Pipe(), purpose="user_data", filename="p"))
    assert len(attempts(fresh_emulator, "POST", "/v1/files")) == 1  # a retry would send a truncated body


@pytest.mark.anyio
async def test_dropped_upload_is_retried_and_stored_once(
    any_client: Client | AsyncClient, fresh_emulator: EmulatorServer
) -> None:
    fresh_emulator.faults.set(script=("drop",), paths=("/v1/files",), methods=("POST",))
    payload = b"a" * 100_000
    stored = await resolve(any_client.files.create(io.BytesIO(payload), purpose="user_data", filename="a"))
    assert fresh_emulator.faults.injected == 1
    assert [f.id for f in await collect(any_client.files.list())] == [stored.id]
    assert await resolve(any_client.files.content(stored.id)) == payload


@pytest.mark.anyio
async def test_identity_headers(kind: str, fresh_emulator: EmulatorServer) -> None:
    options = {"organization": "org-1", "project": "proj-1", "max_retries": 0}
    async with open_client(
        kind, api_key=fresh_emulator.api_key, base_url=fresh_emulator.base_url, **options
    ) as client:
        await resolve(client.files.list().first_page())
    (headers,) = attempts(fresh_emulator, "GET", "/v1/files")
    assert (headers["openai-organization"], headers["openai-project"]) == ("org-1", "proj-1")
    assert headers["user-agent"].startswith("openai-files/")


@pytest.mark.anyio
async def test_timeout_and_refused_connection(kind: str, fresh_emulator: EmulatorServer) -> None:
    fresh_emulator.faults.set(latency=1.0)
    async with open_client(
        kind, api_key="sk-x", base_url=fresh_emulator.base_url, timeout=0.2, max_retries=0
    ) as slow:
        with pytest.raises(APITimeoutError):
            await resolve(slow.files.list().first_page())
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    refused = f"http://127.0.0.1:{port}/v1"
    async with open_client(kind, api_key="sk-x", base_url=refused, timeout=2.0, max_retries=0) as client:
        with pytest.raises(APIConnectionError, match=r"GET http://127\.0\.0\.1:\d+/v1/files/file-1"):
            await resolve(client.files.retrieve("file-1"))


@pytest.mark.anyio
async def test_proxy_html_error_page_still_maps(kind: str) -> None:
    page = b"<html><h1>Bad gateway</h1></html>"
    with serving(lambda seen: raw_response(502, page, content_type="text/html")) as proxy:
        async with open_client(kind, api_key="sk-x", base_url=proxy.base_url, max_retries=0) as client:
            with pytest.raises(InternalServerError) as caught:
                await resolve(client.files.retrieve("file-1"))
    assert caught.value.error is None and "Bad gateway" in str(caught.value)


@pytest.mark.anyio
async def test_redirect_to_another_host_carries_no_key(kind: str) -> None:
    with serving(lambda seen: raw_response(200, b"{}")) as elsewhere:
        port = elsewhere.base_url.rsplit(":", 1)[1].split("/")[0]
        target = f"http://localhost:{port}/v1/files/file-1"
        with serving(lambda seen: raw_response(307, location=target)) as origin:
            async with open_client(kind, api_key="sk-secret", base_url=origin.base_url) as client:
                with pytest.raises(APIStatusError) as caught:
                    await resolve(client.files.retrieve("file-1"))
    assert caught.value.status_code == 307
    assert [s.headers["authorization"] for s in origin.seen] == ["Bearer sk-secret"]
    assert elsewhere.seen == []  # not followed at all, so no other host ever sees the key


@pytest.mark.anyio
async def test_body_cut_short_leaves_no_file(kind: str, tmp_path: Path) -> None:
    """The server announces 10 bytes, sends 5 and closes: the error says so, nothing is written."""
    target = tmp_path / "out.bin"

    def reply(seen: Seen) -> bytes:
        if seen.path.endswith("/content"):
            return raw_response(200, b"12345", length=10)
        return stored_file("file-1", 10)

    with serving(reply) as short:
        async with open_client(kind, api_key="sk-x", base_url=short.base_url, max_retries=0) as client:
            with pytest.raises(IncompleteDownloadError, match="5 bytes, expected 10"):
                await resolve(client.files.download("file-1", target))
    assert list(tmp_path.iterdir()) == []


def _ends_with_the_connection(body: bytes) -> bytes:
    """An answer whose body is framed by closing the connection (no length announced), so a cut one looks
    whole to HTTP."""
    return b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n" + body


@pytest.mark.anyio
async def test_json_body_cut_short_is_retried_not_parsed(kind: str) -> None:
    """A retrieve and a list page whose JSON stops mid-document (`Unterminated string`) are lost answers:
    tried again, and with no retry left a connection error (try again later), not a parse error."""
    document = stored_file("file-1", 7).partition(b"\r\n\r\n")[2]
    page = (
        b'{"object": "list", "data": ['
        + document
        + b'], "first_id": "file-1", "last_id": "file-1", "has_more": false}'
    )
    answers = iter(
        [
            _ends_with_the_connection(document[:40]),  # mid-string
            _ends_with_the_connection(document),
            _ends_with_the_connection(page[: len(page) - 30]),  # between two fields
            _ends_with_the_connection(page),
            _ends_with_the_connection(document[:-1]),  # the closing brace
        ]
    )
    with serving(lambda seen: next(answers)) as stub:
        async with open_client(kind, api_key="sk-x", base_url=stub.base_url, max_retries=1) as client:
            assert (await resolve(client.files.retrieve("file-1"))).bytes_ == 7
            assert [f.id for f in await collect(client.files.list())] == ["file-1"]
            with pytest.raises(APIConnectionError, match="cut short"):
                await resolve(client.with_options(max_retries=0).files.retrieve("file-1"))
    assert len(stub.seen) == 5
