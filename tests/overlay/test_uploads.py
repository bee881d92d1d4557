"""The Upload resource's own calls over HTTP, sync and async: create, add parts, complete, cancel.

`upload_file`, the engine on top of them, is tested in tests/transfer.
"""

from __future__ import annotations

import hashlib
import io

import pytest

from openai_files import AsyncClient, BadRequestError, Client

from .conftest import resolve


@pytest.mark.anyio
async def test_create_add_parts_complete(any_client: Client | AsyncClient) -> None:
    uploads = any_client.uploads
    upload = await resolve(
        uploads.create(
            filename="two.jsonl", purpose="batch", bytes=6, mime_type="text/jsonl", expires_after_seconds=3600
        )
    )
    assert (upload.status, upload.bytes_, upload.filename) == ("pending", 6, "two.jsonl")
    first = await resolve(uploads.add_part(upload.id, b"abc"))
    second = await resolve(uploads.add_part(upload.id, io.BytesIO(b"def")))
    assert first.upload_id == second.upload_id == upload.id
    with pytest.raises(BadRequestError, match="md5"):
        await resolve(uploads.complete(upload.id, [first.id, second.id], md5="0" * 32))
    done = await resolve(
        uploads.complete(upload.id, [second.id, first.id], md5=hashlib.md5(b"defabc").hexdigest())
    )
    assert done.status == "completed" and done.file is not None
    assert done.file.expires_at == done.file.created_at + 3600
    assert await resolve(any_client.files.content(done.file.id)) == b"defabc"  # in the order named


@pytest.mark.anyio
async def test_cancel_then_no_more_parts(any_client: Client | AsyncClient) -> None:
    uploads = any_client.uploads
    upload = await resolve(uploads.create(filename="c.txt", purpose="batch", bytes=1, mime_type="text/plain"))
    cancelled = await resolve(uploads.cancel(upload.id))
    assert (cancelled.id, cancelled.status) == (upload.id, "cancelled")
    with pytest.raises(BadRequestError):
        await resolve(uploads.add_part(upload.id, b"x"))
