"""Fixtures for the overlay's tests."""

from __future__ import annotations

import contextlib
import inspect
import json
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from openai_files import AsyncClient, Client
from openai_files_emulator import EmulatorServer

T = TypeVar("T")


@pytest.fixture
def client(fresh_emulator: EmulatorServer) -> Iterator[Client]:
    """A client on an emptied emulator; every call has a 10 s network timeout."""
    with Client(api_key=fresh_emulator.api_key, base_url=fresh_emulator.base_url, timeout=10.0) as c:
        yield c


@contextlib.asynccontextmanager
async def open_client(kind: str, **options: Any) -> AsyncIterator[Client | AsyncClient]:
    """A `Client` ("sync") or an `AsyncClient` ("async"), with a 10 s network timeout by default."""
    options.setdefault("timeout", 10.0)
    if kind == "sync":
        with Client(**options) as sync:
            yield sync
    else:
        async with AsyncClient(**options) as async_:
            yield async_


@pytest.fixture
def env(fresh_emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> EmulatorServer:
    """An emptied emulator whose key and URL are in the environment, as the command line reads them."""
    monkeypatch.setenv("OPENAI_API_KEY", fresh_emulator.api_key)
    monkeypatch.setenv("OPENAI_BASE_URL", fresh_emulator.base_url)
    return fresh_emulator


@pytest.fixture(params=["sync", "async"])
def kind(request: pytest.FixtureRequest) -> str:
    """Runs a test once with each client flavour; pair it with `open_client`, `resolve` and `collect`."""
    return str(request.param)


@pytest.fixture
async def any_client(kind: str, fresh_emulator: EmulatorServer) -> AsyncIterator[Client | AsyncClient]:
    """`client` or `aclient` by `kind`: one test body checks both, awaiting through `resolve`."""
    async with open_client(kind, api_key=fresh_emulator.api_key, base_url=fresh_emulator.base_url) as c:
        yield c


async def resolve(value: T | Awaitable[T]) -> T:
    """A sync method's result as it is, an async one's awaited."""
    return await value if inspect.isawaitable(value) else value


async def collect(items: Iterable[T] | AsyncIterable[T]) -> list[T]:
    """Every item of a sync or async iterable (pagers, their pages, batch results)."""
    if isinstance(items, AsyncIterable):
        return [item async for item in items]
    return list(items)


def write_requests(
    path: Path, count: int, *, endpoint: str = "/v1/chat/completions", model: bool = True
) -> Path:
    """A JSONL batch input of `count` small chat requests."""
    with path.open("w") as out:
        for n in range(count):
            body: dict[str, object] = {"messages": [{"role": "user", "content": f"hello {n}"}]}
            if model:
                body["model"] = "gpt-4o-mini"
            out.write(
                json.dumps({"custom_id": f"req-{n}", "method": "POST", "url": endpoint, "body": body}) + "\n"
            )
    return path
