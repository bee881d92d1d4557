"""The connection pool's limits as a user sets them: `limits.max_connections` calls on the wire at once,
and a call that finds none free waits at most `timeout.pool` before a timeout (httpx's documented rule).
`AsyncClient` holds its own permit per request in flight (`AsyncClient._permit`); these tests check that
the rule holds with it, and with httpx's pool alone in `Client`, over HTTP against the emulator.
"""

from __future__ import annotations

import asyncio
import io
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from openai_files import APITimeoutError, AsyncClient, Client
from openai_files_emulator import EmulatorServer

from .conftest import open_client, resolve


async def both(client: Client | AsyncClient, file_id: str, count: int) -> list[Any]:
    """`count` retrieves at once (threads for `Client`, tasks for `AsyncClient`); each result or error."""
    if isinstance(client, AsyncClient):
        return list(
            await asyncio.gather(
                *(client.files.retrieve(file_id) for _ in range(count)), return_exceptions=True
            )
        )

    def one(_: int) -> Any:
        try:
            return client.files.retrieve(file_id)
        except Exception as exc:
            return exc

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


@pytest.mark.anyio
async def test_with_one_connection_a_second_call_times_out_after_the_pool_timeout(
    kind: str, fresh_emulator: EmulatorServer
) -> None:
    """One connection, every call answered after 1 s, 0.2 s to wait for a connection, no retry: of two
    calls at once, one is answered and the other ends in a timeout."""
    async with open_client(kind, api_key=fresh_emulator.api_key, base_url=fresh_emulator.base_url) as setup:
        file_id = (
            await resolve(setup.files.create(io.BytesIO(b'{"n": 1}\n'), purpose="batch", filename="a.jsonl"))
        ).id
    fresh_emulator.faults.set(latency=1.0)
    async with open_client(
        kind,
        api_key=fresh_emulator.api_key,
        base_url=fresh_emulator.base_url,
        limits=httpx.Limits(max_connections=1),
        timeout=httpx.Timeout(10.0, pool=0.2),
        max_retries=0,
    ) as client:
        outcomes = await both(client, file_id, 2)

    answered = [o for o in outcomes if getattr(o, "id", None) == file_id]
    timed_out = [o for o in outcomes if isinstance(o, APITimeoutError)]
    assert (len(answered), len(timed_out)) == (1, 1), outcomes


@pytest.mark.anyio
async def test_more_calls_than_connections_are_all_answered(
    kind: str, fresh_emulator: EmulatorServer
) -> None:
    """40 calls at once through 2 connections: each waits its turn, none is lost or refused."""
    async with open_client(
        kind,
        api_key=fresh_emulator.api_key,
        base_url=fresh_emulator.base_url,
        limits=httpx.Limits(max_connections=2, max_keepalive_connections=2),
    ) as client:
        file_id = (
            await resolve(client.files.create(io.BytesIO(b'{"n": 1}\n'), purpose="batch", filename="a.jsonl"))
        ).id
        outcomes = await both(client, file_id, 40)

    assert [getattr(o, "id", o) for o in outcomes] == [file_id] * 40
