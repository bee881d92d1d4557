"""The Python API from a user's seat (issue 22): help text, what a method takes, what is public."""

from __future__ import annotations

import ast
import inspect
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import openai_files
from openai_files import (
    AsyncClient,
    Batch,
    BatchInputError,
    Client,
    InvalidInputError,
    check_batch_input,
)
from openai_files import _errors as errors
from openai_files._batch_jobs.resource import AsyncBatchJobs, BatchJobs
from openai_files._batches import AsyncBatches, Batches
from openai_files._files import AsyncFiles, Files
from openai_files._uploads import AsyncUploads, Uploads

from .conftest import collect, resolve

ROOT = Path(__file__).resolve().parents[2]
TWINS = [(AsyncClient, Client), (AsyncFiles, Files), (AsyncUploads, Uploads), (AsyncBatches, Batches),
         (AsyncBatchJobs, BatchJobs)]  # fmt: skip


def request(n: int, model: str = "gpt-4o-mini") -> dict[str, Any]:
    body = {"model": model, "messages": [{"role": "user", "content": f"Say {n}"}]}
    return {"custom_id": f"q{n}", "method": "POST", "url": "/v1/chat/completions", "body": body}


@pytest.mark.parametrize(("async_cls", "sync_cls"), TWINS, ids=[a.__name__ for a, _ in TWINS])
def test_async_methods_have_the_full_docstring_of_their_twin(async_cls: type, sync_cls: type) -> None:
    public = [name for name in vars(async_cls) if not name.startswith("_") and hasattr(sync_cls, name)]
    assert public
    for name in public:
        doc, twin = inspect.getdoc(getattr(async_cls, name)), inspect.getdoc(getattr(sync_cls, name))
        if twin is None or isinstance(inspect.getattr_static(async_cls, name), property):
            continue
        assert doc is not None and doc.startswith(twin), f"{async_cls.__name__}.{name}: {doc!r}"
        assert not doc.startswith("See ")


def test_the_error_tree_lists_every_error_class_under_its_base() -> None:
    """Each class in the tree sits under its direct base, and every exception the package exports is in it."""
    tree = (errors.__doc__ or "").split("\n\n")[1]
    parents: dict[int, str] = {}
    placed: dict[str, str | None] = {}
    for line in tree.splitlines():
        found = re.search(r"(── )?([A-Z]\w+(?:Error|Aborted))\b", line)
        if found is None or not (found[1] or found.start() == 4):
            continue
        depth = found.start(2)
        parents[depth] = found[2]
        placed[found[2]] = next((parents[d] for d in sorted(parents, reverse=True) if d < depth), None)
    exported = {
        name for name in openai_files.__all__
        if isinstance(value := getattr(openai_files, name), type) and issubclass(value, BaseException)
    }  # fmt: skip
    assert exported <= set(placed), exported - set(placed)
    for name, parent in placed.items():
        cls = getattr(errors, name)
        if parent is None:
            assert cls is errors.OpenAIFilesError
        else:
            assert getattr(errors, parent) in cls.__bases__, (name, parent)


def test_the_demo_imports_only_public_names() -> None:
    tree = ast.parse((ROOT / "examples" / "demo.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("openai_files"):
            assert not any(part.startswith("_") for part in node.module.split(".")), node.module
            for alias in node.names:
                assert not alias.name.startswith("_"), alias.name
                if node.module == "openai_files":
                    assert alias.name in openai_files.__all__


def test_check_batch_input_is_public_and_checks_every_kind_of_input(tmp_path: Path) -> None:
    lines = [json.dumps(request(n)) + "\n" for n in range(3)]
    path = tmp_path / "in.jsonl"
    path.write_text("".join(lines))
    expected = ("/v1/chat/completions", 3)
    assert check_batch_input(path) == expected
    assert check_batch_input(io.BytesIO("".join(lines).encode())) == expected
    assert check_batch_input([request(n) for n in range(3)]) == expected
    with pytest.raises(BatchInputError, match="line 2: model 'other'") as caught:
        check_batch_input([request(0), request(1, model="other")])
    assert caught.value.line == 2
    with pytest.raises(BatchInputError, match="line 2: custom_id 'q0' is used twice"):
        check_batch_input(iter([request(0), request(0)]))
    with pytest.raises(BatchInputError, match="line 1: not serialisable as JSON"):
        check_batch_input([{**request(0), "body": {"x": float("nan")}}])
    with pytest.raises(InvalidInputError, match="binary mode"):
        check_batch_input(io.StringIO(lines[0]))  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="holds no requests"):
        check_batch_input([])


@pytest.mark.anyio
async def test_create_from_file_takes_a_path_a_file_object_or_request_dicts(
    any_client: Client | AsyncClient, tmp_path: Path
) -> None:
    def generated() -> Iterator[dict[str, Any]]:  # consumed once: never held as a list
        yield from (request(n) for n in range(3))

    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(request(n)) + "\n" for n in range(3)))
    with path.open("rb") as opened:
        sources: list[tuple[Any, str]] = [
            (path, "in.jsonl"), (opened, "in.jsonl"), (generated(), "batch_input.jsonl")
        ]  # fmt: skip
        for source, name in sources:
            batch = await resolve(any_client.batches.create_from_file(source))
            done = await resolve(any_client.batches.wait(batch, poll_interval=0.05, timeout=30))
            assert done.status == "completed"
            results = await collect(any_client.batches.results(done))
            assert sorted(r.custom_id for r in results) == ["q0", "q1", "q2"] and all(r.ok for r in results)
            stored = await resolve(any_client.files.retrieve(done.input_file_id))
            assert stored.filename == name and stored.bytes_ == path.stat().st_size
    # A bad request dict is refused before anything is stored.
    with pytest.raises(BatchInputError, match="line 2"):
        await resolve(any_client.batches.create_from_file(iter([request(0), {"custom_id": "x"}])))
    assert len(await collect(any_client.files.list(purpose="batch"))) == 3


@pytest.mark.anyio
async def test_every_batch_method_takes_a_batch_or_its_id(
    any_client: Client | AsyncClient, tmp_path: Path
) -> None:
    running: Batch = await resolve(any_client.batches.create_from_file([request(1)]))
    assert (await resolve(any_client.batches.cancel(running))).id == running.id
    batch: Batch = await resolve(any_client.batches.create_from_file([request(0)]))
    for which in (batch, batch.id):
        assert (await resolve(any_client.batches.retrieve(which))).id == batch.id
        assert (await resolve(any_client.batches.wait(which, poll_interval=0.05, timeout=30))).id == batch.id
    assert len(await collect(any_client.batches.results(batch))) == 1  # a stale object: asked again
