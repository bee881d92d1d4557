"""A creating POST (or a cancel) whose answer is lost after the emulator handled it.

By default the emulator ignores Idempotency-Key, as nothing public says the service honours it: the
client finds what the lost attempt made before it repeats anything (a batch by the token in its
metadata, a file by name, size and purpose, an Upload's File likewise), and says so with a typed error
when it cannot tell. With the emulator's idempotency store on, a repeat with the same key is answered
from the store. Sync and async clients, one body; the `drop_response` fault loses the answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest

from openai_files import AsyncClient, Client, TransferConfig, UnconfirmedCreateError
from openai_files_emulator import EmulatorServer

from .conftest import collect, resolve, write_requests

Made = tuple[str, list[str]]
"""(the id the client returned, the ids of that kind the emulator holds afterwards)."""
Operation = Callable[[Client | AsyncClient, EmulatorServer, Path], Awaitable[Made]]


@pytest.fixture
def idempotency_store(fresh_emulator: EmulatorServer) -> Iterator[EmulatorServer]:
    """The emulator with its Idempotency-Key store on (a setting; `reset` turns it off again)."""
    fresh_emulator.emulator.idempotency.enabled = True
    yield fresh_emulator


def lose_next_answer(server: EmulatorServer, path: str) -> None:
    """The next POST to `path` (an fnmatch pattern) is handled in full, then its answer is lost."""
    server.faults.set(script=("drop_response",), paths=(path,), methods=("POST",))


def posts_to(server: EmulatorServer) -> list[str]:
    """The Idempotency-Key of each POST the emulator got on the path its faults are set for."""
    return [
        r.headers["idempotency-key"]
        for r in server.emulator.requests.recent()
        if r.method == "POST" and server.faults.matches(server.faults.config, r.method, r.path)
    ]


async def stored_file(client: Client | AsyncClient, server: EmulatorServer, tmp_path: Path) -> Made:
    lose_next_answer(server, "/v1/files")
    created = await resolve(client.files.create(write_requests(tmp_path / "in.jsonl", 2), purpose="batch"))
    return created.id, [f.id for f in await collect(client.files.list())]


async def batch(client: Client | AsyncClient, server: EmulatorServer, tmp_path: Path) -> Made:
    source = await resolve(client.files.create(write_requests(tmp_path / "in.jsonl", 2), purpose="batch"))
    lose_next_answer(server, "/v1/batches")
    created = await resolve(client.batches.create(source.id, endpoint="/v1/chat/completions"))
    return created.id, [b.id for b in await collect(client.batches.list())]


async def uploaded_file(client: Client | AsyncClient, server: EmulatorServer, tmp_path: Path) -> Made:
    """`upload_file` whose complete loses its answer: the File it made is found by name and size."""
    lose_next_answer(server, "/v1/uploads/*/complete")
    path = write_requests(tmp_path / "in.jsonl", 2)
    upload = await resolve(client.uploads.upload_file(path, purpose="batch", config=_journal(tmp_path)))
    assert upload.status == "completed" and upload.file is not None
    assert await resolve(client.files.content(upload.file.id)) == path.read_bytes()
    return upload.file.id, [f.id for f in await collect(client.files.list())]


def _journal(tmp_path: Path) -> TransferConfig:
    return TransferConfig(journal_dir=tmp_path / "j")


@pytest.mark.anyio
@pytest.mark.parametrize("operation", [stored_file, batch, uploaded_file], ids=lambda op: op.__name__)
async def test_a_lost_answer_is_found_again_without_the_store(
    any_client: Client | AsyncClient, fresh_emulator: EmulatorServer, tmp_path: Path, operation: Operation
) -> None:
    assert not fresh_emulator.emulator.idempotency.enabled  # the default
    returned, held = await operation(any_client, fresh_emulator, tmp_path)
    assert fresh_emulator.faults.injected == 1  # the first answer really was lost
    assert held == [returned]
    assert len(posts_to(fresh_emulator)) == 1  # found, not sent again; the key was still sent


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
    "operation",
    [upload, part, completion, upload_cancel],
    ids=lambda op: op.__name__,
)
async def test_with_the_store_a_lost_answer_is_retried_into_one_object(
    any_client: Client | AsyncClient, idempotency_store: EmulatorServer, tmp_path: Path, operation: Operation
) -> None:
    """The store on: each low-level Uploads call (the API lists neither Uploads nor parts, so nothing
    can be looked for) is repeated under its key and answered from the store."""
    returned, held = await operation(any_client, idempotency_store, tmp_path)
    assert idempotency_store.faults.injected == 1
    assert held == [returned]
    lost_and_retried = posts_to(idempotency_store)
    assert len(lost_and_retried) == 2 and len(set(lost_and_retried)) == 1


@pytest.mark.anyio
async def test_an_upload_whose_every_answer_is_lost_once_makes_one_file(
    any_client: Client | AsyncClient, fresh_emulator: EmulatorServer, tmp_path: Path
) -> None:
    """create, both parts and complete each lose their first answer, the store off; the engine's retries
    end in one File of the right bytes. A lost create or part cannot be looked for (the API lists
    neither): its repeat leaves a pending Upload or an unused part behind, which never becomes a file."""
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"0123456789" * 10)
    fresh_emulator.faults.set(script=("drop_response", "ok") * 4, methods=("POST",))
    upload = await resolve(
        any_client.uploads.upload_file(
            path, purpose="batch", part_size=60, concurrency=1, config=_journal(tmp_path)
        )
    )
    assert fresh_emulator.faults.injected == 4
    assert upload.status == "completed" and upload.file is not None
    uploads = [fresh_emulator.emulator.uploads.get(i) for i in fresh_emulator.emulator.uploads.ids()]
    assert [u.id for u in uploads if u.status != "pending"] == [upload.id]
    assert [f.id for f in await collect(any_client.files.list())] == [upload.file.id]
    assert await resolve(any_client.files.content(upload.file.id)) == path.read_bytes()


@pytest.mark.anyio
async def test_when_it_cannot_tell_it_says_so_and_sends_nothing_again(
    any_client: Client | AsyncClient, fresh_emulator: EmulatorServer, tmp_path: Path
) -> None:
    """Two files of the same name, size and purpose made a moment ago, then a create whose answer is lost:
    any of the three could be the one it made, so the client names them rather than guess or store a
    fourth."""
    path = write_requests(tmp_path / "in.jsonl", 2)
    earlier = [(await resolve(any_client.files.create(path, purpose="batch"))).id for _ in range(2)]
    lose_next_answer(fresh_emulator, "/v1/files")
    with pytest.raises(UnconfirmedCreateError) as raised:
        await resolve(any_client.files.create(path, purpose="batch"))
    held = [f.id for f in await collect(any_client.files.list())]
    assert len(held) == 3 and set(earlier) < set(held)
    assert sorted(raised.value.candidates) == sorted(held)
    assert len(posts_to(fresh_emulator)) == 3  # the two earlier, and the lost one, not sent again


@pytest.mark.anyio
async def test_a_batch_with_full_metadata_is_found_by_its_input_file_unless_another_uses_it(
    any_client: Client | AsyncClient, fresh_emulator: EmulatorServer, tmp_path: Path
) -> None:
    """16 metadata pairs leave no room for the token: the batch is looked for by input file and endpoint.
    Alone over its file it is found; beside another batch over the same file, the client cannot tell."""
    full = {f"k{n}": "v" for n in range(16)}
    source = await resolve(any_client.files.create(write_requests(tmp_path / "in.jsonl", 2), purpose="batch"))
    lose_next_answer(fresh_emulator, "/v1/batches")
    first = await resolve(
        any_client.batches.create(source.id, endpoint="/v1/chat/completions", metadata=full)
    )
    assert [b.id for b in await collect(any_client.batches.list())] == [first.id]
    lose_next_answer(fresh_emulator, "/v1/batches")
    with pytest.raises(UnconfirmedCreateError) as raised:
        await resolve(any_client.batches.create(source.id, endpoint="/v1/chat/completions", metadata=full))
    held = [b.id for b in await collect(any_client.batches.list())]
    assert len(held) == 2 and sorted(raised.value.candidates) == sorted(held)


@pytest.mark.anyio
async def test_after_a_5xx_it_looks_first_then_sends_again_when_nothing_was_made(
    any_client: Client | AsyncClient, fresh_emulator: EmulatorServer, tmp_path: Path
) -> None:
    """A 5xx may come after the work was done, so the client looks before repeating; the emulator's 503
    comes before any work, so the look finds nothing and the create goes again: one batch."""
    source = await resolve(any_client.files.create(write_requests(tmp_path / "in.jsonl", 2), purpose="batch"))
    fresh_emulator.faults.set(script=("503",), retry_after=0.01, paths=("/v1/batches",), methods=("POST",))
    created = await resolve(any_client.batches.create(source.id, endpoint="/v1/chat/completions"))
    calls = [(r.method, r.path) for r in fresh_emulator.emulator.requests.recent() if r.path == "/v1/batches"]
    assert calls == [("POST", "/v1/batches"), ("GET", "/v1/batches"), ("POST", "/v1/batches")]
    assert [b.id for b in await collect(any_client.batches.list())] == [created.id]
