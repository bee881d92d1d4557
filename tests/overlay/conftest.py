"""Fixtures for the overlay's tests."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from openai_files import AsyncClient, Client
from openai_files_emulator import EmulatorServer


@pytest.fixture
def client(fresh_emulator: EmulatorServer) -> Iterator[Client]:
    """A client on an emptied emulator; every call has a 10 s network timeout."""
    with Client(api_key=fresh_emulator.api_key, base_url=fresh_emulator.base_url, timeout=10.0) as c:
        yield c


@pytest.fixture
async def aclient(fresh_emulator: EmulatorServer) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(
        api_key=fresh_emulator.api_key, base_url=fresh_emulator.base_url, timeout=10.0
    ) as c:
        yield c


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
