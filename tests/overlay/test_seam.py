"""The public seam: `client.call` and `client.stream` run any generated operation through the overlay's
transport, sync and async; the overlay's own groups use nothing else; signatures refuse typos at once."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import io
from pathlib import Path

import pytest

import openai_files
from openai_files import (
    APIError,
    AsyncClient,
    Client,
    NotFoundError,
    OpenAIFile,
)
from openai_files._batch_jobs import AsyncBatchJobs, BatchJobs
from openai_files._batches import AsyncBatches, Batches
from openai_files._files import AsyncFiles, Files
from openai_files._generated import CreateFileRequest, CreateFileRequestPurpose, File
from openai_files._uploads import AsyncUploads, Uploads
from openai_files_api.api.files import create_file, download_file, list_files, retrieve_file
from openai_files_api.models import ListFilesResponse
from openai_files_emulator import EmulatorServer

from .conftest import open_client, resolve
from .stub_server import raw_response, serving
from .test_errors_http import attempts

OVERLAY = Path(__file__).resolve().parents[2] / "overlay" / "openai_files"


def _client_private_names() -> set[str]:
    """Every private method and attribute of the clients (dunders aside)."""
    names: set[str] = set()
    with Client(api_key="sk-test", base_url="http://127.0.0.1:9/v1") as client:
        names |= set(vars(client))
    for cls in (Client, AsyncClient):
        for klass in cls.__mro__[:-1]:
            names |= set(vars(klass))
    return {n for n in names if n.startswith("_") and not n.startswith("__")}


def test_the_overlay_calls_no_private_member_of_the_client_from_outside_it() -> None:
    private = _client_private_names()
    assert {"_send", "_http", "_settings", "_prepare"} <= private  # what a resource group must not reach
    offenders = []
    for path in sorted(OVERLAY.rglob("*.py")):
        if path.name == "_client.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            on_self = isinstance(node, ast.Attribute) and ast.unparse(node.value) == "self"
            if isinstance(node, ast.Attribute) and node.attr in private and not on_self:
                offenders.append(f"{path.relative_to(OVERLAY)}:{node.lineno} .{node.attr}")
    assert offenders == []


@pytest.mark.anyio
async def test_call_retries_an_operation_and_returns_its_model(
    any_client: Client | AsyncClient, fresh_emulator: EmulatorServer
) -> None:
    body = CreateFileRequest(
        file=File(payload=io.BytesIO(b"abc"), file_name="a.txt"), purpose=CreateFileRequestPurpose.USER_DATA
    )
    fresh_emulator.faults.set(script=("503", "503"), retry_after=0.01, paths=("/v1/files",))
    stored = await resolve(any_client.call(create_file, body=body))
    assert isinstance(stored, OpenAIFile) and stored.bytes_ == 3
    assert fresh_emulator.faults.injected == 2
    sent = attempts(fresh_emulator, "POST", "/v1/files")
    assert len(sent) == 3 and len({h["idempotency-key"] for h in sent}) == 1  # one key, repeated
    fresh_emulator.faults.set(script=("429",), retry_after=0.01)
    page = await resolve(any_client.call(list_files, limit=1))
    assert isinstance(page, ListFilesResponse) and [f.id for f in page.data] == [stored.id]
    function = retrieve_file.sync if isinstance(any_client, Client) else retrieve_file.asyncio
    assert (await resolve(any_client.call(function, stored.id))).id == stored.id


@pytest.mark.anyio
async def test_call_raises_typed_errors_with_the_request_id(any_client: Client | AsyncClient) -> None:
    with pytest.raises(NotFoundError) as missing:
        await resolve(any_client.call(retrieve_file, "file-nope"))
    assert missing.value.request_id and missing.value.param == "file_id"
    with pytest.raises(TypeError, match="not a generated operation"):
        await resolve(any_client.call(len, "x"))  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="not a generated operation"):
        await resolve(
            any_client.call(retrieve_file.sync_detailed, "file-nope")
        )  # returns a Response, not a model


@pytest.mark.anyio
async def test_an_answer_that_does_not_match_the_spec_is_an_api_error(kind: str) -> None:
    """A 2xx body missing required fields, and a 2xx status the operation does not declare."""
    replies = iter([raw_response(200, b'{"id": "file-1"}'), raw_response(204)])
    with serving(lambda seen: next(replies)) as stub:
        async with open_client(kind, api_key="sk-test", base_url=stub.base_url, max_retries=0) as c:
            with pytest.raises(APIError, match=r"does not match the spec .*KeyError"):
                await resolve(c.call(retrieve_file, "file-1"))
            with pytest.raises(APIError, match="status 204 is no success of retrieve_file"):
                await resolve(c.call(retrieve_file, "file-1"))


def test_stream_hands_over_the_body_unread(client: Client) -> None:
    stored = client.files.create(io.BytesIO(b"x" * 100_000), purpose="user_data", filename="s.bin")
    with client.stream(download_file, stored.id) as response:
        assert not response.is_closed
        assert sum(len(chunk) for chunk in response.iter_bytes(4096)) == 100_000
    assert response.is_closed


@pytest.mark.anyio
async def test_async_stream(fresh_emulator: EmulatorServer) -> None:
    async with AsyncClient(api_key=fresh_emulator.api_key, base_url=fresh_emulator.base_url, timeout=10) as c:
        stored = await c.files.create(io.BytesIO(b"y" * 5000), purpose="user_data", filename="s.bin")
        async with c.stream(download_file, stored.id) as response:
            assert b"".join([chunk async for chunk in response.aiter_bytes()]) == b"y" * 5000


def test_a_misspelt_argument_fails_at_once_naming_it(client: Client, tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="api_kye"):
        Client(api_kye="sk-test")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="api_kye"):
        AsyncClient(api_kye="sk-test")  # type: ignore[call-arg]
    path = tmp_path / "a.jsonl"
    path.write_text("{}\n")
    with pytest.raises(TypeError, match="concurency"):
        client.uploads.upload_file(path, purpose="batch", concurency=2)  # type: ignore[call-arg]
    assert list(client.files.list()) == []


PUBLIC_CLASSES = (Client, AsyncClient, Files, AsyncFiles, Uploads, AsyncUploads, Batches, AsyncBatches)


EXPORTED_CLASSES = [
    cls
    for cls in (getattr(openai_files, name) for name in openai_files.__all__)
    if inspect.isclass(cls)
    and cls.__module__.startswith("openai_files.")  # the overlay's own, not the generated models
    and not issubclass(cls, BaseException)
    and not getattr(cls, "_is_protocol", False)
]


@pytest.mark.parametrize(
    "cls", [*PUBLIC_CLASSES, BatchJobs, AsyncBatchJobs, *EXPORTED_CLASSES], ids=lambda c: c.__name__
)
def test_every_public_method_has_a_docstring(cls: type) -> None:
    undocumented = []
    for name, member in vars(cls).items():
        function = member.fget if isinstance(member, property) else getattr(member, "__func__", member)
        generated_init = name == "__init__" and dataclasses.is_dataclass(cls)
        if (name.startswith("_") and name != "__init__") or not callable(function) or generated_init:
            continue
        if not (inspect.getdoc(function) or "").strip():
            undocumented.append(name)
    assert undocumented == []


@pytest.mark.parametrize("cls", PUBLIC_CLASSES, ids=lambda c: c.__name__)
def test_public_methods_take_no_catch_all_keywords(cls: type) -> None:
    """Explicit keyword arguments only (the seam's operation arguments aside), so a typo is a TypeError."""
    catch_all = [
        name
        for name, member in vars(cls).items()
        if callable(member)
        and not name.startswith("_")
        and name not in ("call", "call_once", "stream")
        and any(
            p.kind is inspect.Parameter.VAR_KEYWORD for p in inspect.signature(member).parameters.values()
        )
    ]
    assert catch_all == []
    assert not any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in inspect.signature(cls.__init__).parameters.values()
    )
