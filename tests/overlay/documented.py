"""Serving documented responses from a stub: each operation of a spec answers with a body given for it.

The tests of the reading policy share this: `test_documented_responses` serves upstream's own examples
(read from ../shared/upstream/, never copied here), `test_reading_policy` our fixtures of the same
shapes. `calls` lists every overlay method that returns each operation's response, one body for both
clients (through `resolve` and `collect`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

from openai_files import AsyncClient, Client

from .conftest import resolve, write_requests
from .stub_server import Seen, raw_response

Call = Callable[[Client | AsyncClient, Path], Awaitable[Any]]
"""An overlay method run on a client; returns what the caller reads (a model, or a list of them)."""
PAGE_ITEMS = 3
"""A documented list may say `has_more` for ever; a test reads this many items of it, no more."""


def route(bodies: Mapping[tuple[str, str], object]) -> Callable[[Seen], bytes]:
    """A stub reply: the body given for (method, path template) of the request, else a 404 envelope."""
    patterns = [
        (method.upper(), re.compile("^/v1" + re.sub(r"\{[^}]+\}", "[^/?]+", path) + r"(\?.*)?$"), body)
        for (method, path), body in bodies.items()
    ]

    def reply(seen: Seen) -> bytes:
        for method, pattern, body in patterns:
            if seen.method == method and pattern.match(seen.path):
                return raw_response(200, json.dumps(body).encode(), content_type="application/json")
        missing = {
            "error": {"message": "no body", "type": "invalid_request_error", "param": None, "code": None}
        }
        return raw_response(404, json.dumps(missing).encode(), content_type="application/json")

    return reply


async def _first(items: Any) -> list[Any]:
    """The first `PAGE_ITEMS` items of a sync or async pager."""
    taken: list[Any] = []
    if hasattr(items, "__aiter__"):
        async for item in items:
            taken.append(item)
            if len(taken) == PAGE_ITEMS:
                break
        return taken
    for item in items:
        taken.append(item)
        if len(taken) == PAGE_ITEMS:
            break
    return taken


def _input(tmp_path: Path) -> Path:
    return write_requests(tmp_path / "in.jsonl", 1)


CALLS: dict[str, list[tuple[str, Call]]] = {
    "createBatch": [
        (
            "batches.create",
            lambda c, _: resolve(c.batches.create("file-abc123", endpoint="/v1/chat/completions")),
        ),
        ("batches.create_from_file", lambda c, p: resolve(c.batches.create_from_file(_input(p)))),
    ],
    "listBatches": [("batches.list", lambda c, _: _first(c.batches.list(limit=2)))],
    "retrieveBatch": [
        ("batches.retrieve", lambda c, _: resolve(c.batches.retrieve("batch_abc123"))),
        ("batches.wait", lambda c, _: resolve(c.batches.wait("batch_abc123", timeout=0))),
    ],
    "cancelBatch": [("batches.cancel", lambda c, _: resolve(c.batches.cancel("batch_abc123")))],
    "listFiles": [("files.list", lambda c, _: _first(c.files.list()))],
    "createFile": [("files.create", lambda c, p: resolve(c.files.create(_input(p), purpose="batch")))],
    "deleteFile": [("files.delete", lambda c, _: resolve(c.files.delete("file-abc123")))],
    "retrieveFile": [("files.retrieve", lambda c, _: resolve(c.files.retrieve("file-abc123")))],
    "createUpload": [
        (
            "uploads.create",
            lambda c, _: resolve(
                c.uploads.create(filename="a.jsonl", purpose="batch", bytes=3, mime_type="application/jsonl")
            ),
        )
    ],
    "addUploadPart": [
        ("uploads.add_part", lambda c, _: resolve(c.uploads.add_part("upload_abc123", b"{}\n")))
    ],
    "completeUpload": [
        ("uploads.complete", lambda c, _: resolve(c.uploads.complete("upload_abc123", ["part_def456"]))),
        ("uploads.upload_file", lambda c, p: resolve(c.uploads.upload_file(_input(p), purpose="batch"))),
    ],
    "cancelUpload": [("uploads.cancel", lambda c, _: resolve(c.uploads.cancel("upload_abc123")))],
}


def wire(read: Any) -> Any:
    """What the caller read, back in wire form: a model's `to_dict`, a list of them item by item."""
    if isinstance(read, list):
        return [wire(item) for item in read]
    return read.to_dict()


def assert_read_as_sent(read: Any, sent: Any) -> None:
    """Every non-null value the service sent is what the caller reads (nested objects, unknown fields
    and unknown enum values included); a list is read item by item up to `PAGE_ITEMS`."""
    if isinstance(read, list):
        items = sent["data"]  # the stub answers every page alike: page after page repeats them
        assert len(read) >= min(len(items), PAGE_ITEMS)
        for index, got in enumerate(read):
            assert_read_as_sent(got, items[index % len(items)])
        return
    got = wire(read)
    for key, value in sent.items():
        if value is not None and value != "":
            assert got.get(key) == value, key
