"""Error mapping and retries over real HTTP; the emulator injects the faults and counts them."""

from __future__ import annotations

import io
import socket
from collections.abc import Iterator

import pytest

from openai_files import (
    APIConnectionError,
    APITimeoutError,
    AsyncClient,
    AuthenticationError,
    BadRequestError,
    Client,
    InternalServerError,
    NotFoundError,
    RateLimitError,
)
from openai_files_emulator import EmulatorConfig, EmulatorServer


@pytest.fixture(scope="module")
def locked() -> Iterator[EmulatorServer]:
    """An emulator that accepts one key only."""
    with EmulatorServer(EmulatorConfig(api_keys=frozenset({"sk-the-right-one"}))) as server:
        yield server


def test_status_classes_map_over_http(client: Client, locked: EmulatorServer) -> None:
    with pytest.raises(NotFoundError, match=r"^404 Not Found: ") as missing:
        client.files.retrieve("file-nope")
    assert missing.value.request_id and missing.value.type == "invalid_request_error"
    with pytest.raises(BadRequestError) as bad:
        client.batches.create("file-nope", endpoint="/v1/chat/completions")
    assert bad.value.param == "input_file_id"
    wrong = Client(api_key="sk-wrong", base_url=locked.base_url, timeout=10.0)
    with pytest.raises(AuthenticationError) as denied:
        wrong.files.retrieve("file-x")
    assert denied.value.status_code == 401 and "sk-wrong" not in str(denied.value)


def test_injected_429_and_5xx_are_retried(client: Client, fresh_emulator: EmulatorServer) -> None:
    stored = client.files.create(io.BytesIO(b"x"), purpose="user_data", filename="x")
    before = fresh_emulator.faults.injected
    fresh_emulator.faults.set(script=("429", "500", "503"), retry_after=0.01, paths=("/v1/files/*",))
    assert client.with_options(max_retries=3).files.retrieve(stored.id).id == stored.id
    assert fresh_emulator.faults.injected - before == 3  # three refused attempts, then the fourth succeeded


def test_retries_give_up_with_the_last_error(client: Client, fresh_emulator: EmulatorServer) -> None:
    before = fresh_emulator.faults.injected
    fresh_emulator.faults.set(script=("502", "502", "502"), paths=("/v1/files",))
    with pytest.raises(InternalServerError) as caught:
        client.with_options(max_retries=1).files.list().first_page()
    assert caught.value.status_code == 502
    assert fresh_emulator.faults.injected - before == 2  # one attempt and one retry, no more
    fresh_emulator.faults.set(script=("429",), retry_after=0.01)
    with pytest.raises(RateLimitError):
        client.with_options(max_retries=0).files.list().first_page()


def test_dropped_upload_is_retried_and_stored_once(client: Client, fresh_emulator: EmulatorServer) -> None:
    before = fresh_emulator.faults.injected
    fresh_emulator.faults.set(script=("drop",), paths=("/v1/files",), methods=("POST",))
    stored = client.files.create(io.BytesIO(b"a" * 100_000), purpose="user_data", filename="a.txt")
    assert fresh_emulator.faults.injected - before == 1
    assert [f.id for f in client.files.list()] == [stored.id]
    assert client.files.content(stored.id) == b"a" * 100_000


def test_timeout_and_refused_connection(fresh_emulator: EmulatorServer) -> None:
    fresh_emulator.faults.set(latency=1.0)
    slow = Client(api_key="sk-x", base_url=fresh_emulator.base_url, timeout=0.2, max_retries=0)
    with pytest.raises(APITimeoutError):
        slow.files.list().first_page()
    fresh_emulator.faults.clear()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    refused = Client(api_key="sk-x", base_url=f"http://127.0.0.1:{port}/v1", timeout=2.0, max_retries=0)
    with pytest.raises(APIConnectionError, match=r"127\.0\.0\.1"):
        refused.files.retrieve("file-1")


@pytest.mark.anyio
async def test_async_retries_and_mapping(aclient: AsyncClient, fresh_emulator: EmulatorServer) -> None:
    stored = await aclient.files.create(io.BytesIO(b"x"), purpose="user_data", filename="x")
    before = fresh_emulator.faults.injected
    fresh_emulator.faults.set(script=("429", "503"), retry_after=0.01, paths=("/v1/files/*",))
    assert (await aclient.files.retrieve(stored.id)).id == stored.id
    assert fresh_emulator.faults.injected - before == 2
    fresh_emulator.faults.clear()
    with pytest.raises(NotFoundError):
        await aclient.batches.retrieve("batch_missing")
