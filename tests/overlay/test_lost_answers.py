"""A creating POST (or a cancel) whose answer is lost after the emulator handled it: the client's
retry repeats the Idempotency-Key, the emulator answers it from its idempotency store, and exactly
one object exists. Sync and async clients, one body; the `drop_response` fault loses the answer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from openai_files import AsyncClient, Client, TransferConfig
from openai_files_emulator import EmulatorServer

from .conftest import collect, resolve, write_requests

Made = tuple[str, list[str]]
"""(the id the client returned, the ids of that kind the emulator holds afterwards)."""
Operation = Callable[[Client | AsyncClient, EmulatorServer, Path], Awaitable[Made]]


def lose_next_answer(server: EmulatorServer, path: str) -> None:
    """The next POST to `path` (an fnmatch pattern) is handled in full, then its answer is lost."""
    server.faults.set(script=("drop_response",), paths=(path,), methods=("POST",))


async def stored_file(client: Client | AsyncClient, server: EmulatorServer, tmp_path: Path) -> Made:
    lose_next_answer(server, "/v1/files")
    created = await resolve(client.files.create(write_requests(tmp_path / "in.jsonl", 2), purpose="batch"))
    return created.id, [f.id for f in await collect(client.files.list())]


async def upload(client: Client | AsyncClient, server: EmulatorServer, tmp_path: Path) -> Made:
    lose_next_answer(server, "/v1/uploads")
    created = await resolve(
        client.uploads.create(filename="a.jsonl", purpose="batch", bytes=3, mime_type="application/jsonl")
    )
    return created.id, server.emulator.uploads.ids()


async def part(client: Client | AsyncClient, server: EmulatorServer, tmp_path: Path) -> Made:
    pending = await resolve(
        client.uploads.create(filename="a.jsonl", purpose="batch", bytes=3, mime_type="application/jsonl")
    )
    lose_next_answer(server, "/v1/uploads/*/parts")
    added = await resolve(client.uploads.add_part(pending.id, b"{}\n"))
    return added.id, list(server.emulator.uploads.get(pending.id).parts)


async def completion(client: Client | AsyncClient, server: EmulatorServer, tmp_path: Path) -> Made:
    pending = await resolve(
        client.uploads.create(filename="a.jsonl", purpose="batch", bytes=3, mime_type="application/jsonl")
    )
    added = await resolve(client.uploads.add_part(pending.id, b"{}\n"))
    lose_next_answer(server, "/v1/uploads/*/complete")
    completed = await resolve(client.uploads.complete(pending.id, [added.id]))
    assert completed.status == "completed" and completed.file is not None
    return completed.file.id, [f.id for f in await collect(client.files.list())]


async def batch(client: Client | AsyncClient, server: EmulatorServer, tmp_path: Path) -> Made:
    source = await resolve(client.files.create(write_requests(tmp_path / "in.jsonl", 2), purpose="batch"))
    lose_next_answer(server, "/v1/batches")
    created = await resolve(client.batches.create(source.id, endpoint="/v1/chat/completions"))
    return created.id, [b.id for b in await collect(client.batches.list())]


async def upload_cancel(client: Client | AsyncClient, server: EmulatorServer, tmp_path: Path) -> Made:
    """Not a creation, but a repeated cancel would be refused (the Upload is no longer pending)."""
    pending = await resolve(
        client.uploads.create(filename="a.jsonl", purpose="batch", bytes=3, mime_type="application/jsonl")
    )
    lose_next_answer(server, "/v1/uploads/*/cancel")
    cancelled = await resolve(client.uploads.cancel(pending.id))
    assert cancelled.status == "cancelled"
    return cancelled.id, server.emulator.uploads.ids()


@pytest.mark.anyio
@pytest.mark.parametrize(
    "operation", [stored_file, upload, part, completion, batch, upload_cancel], ids=lambda op: op.__name__
)
async def test_a_lost_answer_is_retried_into_one_object(
    any_client: Client | AsyncClient, fresh_emulator: EmulatorServer, tmp_path: Path, operation: Operation
) -> None:
    returned, held = await operation(any_client, fresh_emulator, tmp_path)
    assert fresh_emulator.faults.injected == 1  # the first answer really was lost
    assert held == [returned]
    lost_and_retried = [
        r.headers["idempotency-key"]
        for r in fresh_emulator.emulator.requests.recent()
        if r.method == "POST"
        and fresh_emulator.faults.matches(fresh_emulator.faults.config, r.method, r.path)
    ]
    assert len(lost_and_retried) == 2 and len(set(lost_and_retried)) == 1


@pytest.mark.anyio
async def test_an_upload_whose_every_answer_is_lost_once_makes_one_file(
    any_client: Client | AsyncClient, fresh_emulator: EmulatorServer, tmp_path: Path
) -> None:
    """create, both parts and complete each lose their first answer; the engine's retries end in one
    Upload of two parts and one File of the right bytes."""
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"0123456789" * 10)
    fresh_emulator.faults.set(script=("drop_response", "ok") * 4, methods=("POST",))
    upload = await resolve(
        any_client.uploads.upload_file(
            path,
            purpose="batch",
            part_size=60,
            concurrency=1,
            config=TransferConfig(journal_dir=tmp_path / "j"),
        )
    )
    assert fresh_emulator.faults.injected == 4
    assert upload.status == "completed" and upload.file is not None
    assert fresh_emulator.emulator.uploads.ids() == [upload.id]
    assert [f.id for f in await collect(any_client.files.list())] == [upload.file.id]
    assert await resolve(any_client.files.content(upload.file.id)) == path.read_bytes()
