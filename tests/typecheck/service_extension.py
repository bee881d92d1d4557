"""User-style code on the public seam, as a service extending the client would write it.

`make lint` runs `mypy --strict` over this file: every `assert_type` below must hold exactly, with no cast,
so the return type of `call` follows from the generated endpoint it is given. It is not run (no emulator):
`tests/overlay/test_seam.py` and the README's "Extending" example exercise the same calls over HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ParamSpec, TypeVar, assert_type

import httpx

from openai_files import AsyncClient, Batch, Client, DeleteFileResponse, OpenAIFile, Operation
from openai_files_api.api.batch import retrieve_batch
from openai_files_api.api.files import delete_file, download_file, list_files, retrieve_file
from openai_files_api.models import ListFilesOrder, ListFilesResponse

P = ParamSpec("P")
R = TypeVar("R")


def logged(client: Client, operation: Operation[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """A helper generic over operations: `Operation[P, R]` carries the arguments and the model through."""
    print("calling", operation)
    return client.call(operation, *args, **kwargs)


class Storage:
    """A resource group of one's own: exactly what the overlay's own groups write."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def oldest(self, purpose: str) -> OpenAIFile | None:
        page = self._client.call(list_files, purpose=purpose, order=ListFilesOrder.ASC, limit=1)
        assert_type(page, ListFilesResponse)
        return page.data[0] if page.data else None

    def drop(self, file_id: str) -> bool:
        return self._client.call(delete_file, file_id).deleted

    def head(self, file_id: str, size: int) -> bytes:
        with self._client.stream(download_file, file_id) as response:
            assert_type(response, httpx.Response)
            chunks: Iterator[bytes] = response.iter_bytes(size)
            return next(chunks, b"")


def sync_types(client: Client) -> None:
    assert_type(client.call(retrieve_file, "file-abc"), OpenAIFile)
    assert_type(client.call(retrieve_file.sync, "file-abc"), OpenAIFile)
    assert_type(client.call(retrieve_batch, "batch_abc"), Batch)
    assert_type(client.call(delete_file, file_id="file-abc"), DeleteFileResponse)
    assert_type(client.with_options(max_retries=5).call(retrieve_file, "file-abc"), OpenAIFile)
    assert_type(logged(client, retrieve_batch, "batch_abc"), Batch)


async def async_types(aclient: AsyncClient) -> None:
    assert_type(await aclient.call(retrieve_file, "file-abc"), OpenAIFile)
    assert_type(await aclient.call(retrieve_file.asyncio, "file-abc"), OpenAIFile)
    async with aclient.stream(download_file, "file-abc") as response:
        assert_type(response, httpx.Response)
