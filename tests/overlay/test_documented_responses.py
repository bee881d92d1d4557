"""Every response upstream documents is read, through HTTP, by every overlay method that returns it.

Upstream's spec carries an example response for each operation (`x-oaiMeta.examples.response`) and an
example of each object (`x-oaiMeta.example`). They are read from ../shared/upstream/ (never copied into
the repository), parsed as YAML (they are JSON with trailing commas), their `{ ... }` "and so on"
elements dropped, and served as JSON by a stub server. An object's example is served as the answer of
each operation that returns that object. `test_reading_policy` covers the same shapes with our own
fixtures, for a clone without ../shared.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from openai_files import AsyncClient, Client

from .conftest import open_client
from .documented import CALLS, Call, assert_read_as_sent, route
from .stub_server import serving

ROOT = Path(__file__).resolve().parents[2]
UPSTREAMS = sorted((ROOT.parent / "shared" / "upstream").glob("openai-openapi-*.yaml"))
pytestmark = pytest.mark.skipif(not UPSTREAMS, reason="../shared/upstream/ is absent")


def _parsed(text: Any) -> Any:
    """An example as the service would send it: `{ ... }` placeholders dropped from lists."""
    value = yaml.safe_load(text) if isinstance(text, str) else None
    return _without_placeholders(value)


def _without_placeholders(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_placeholders(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_placeholders(v) for v in value if v != "..." and v != {"...": None}]
    return value


Route = tuple[str, str]
"""(method, path template), as the spec names an operation."""


def _documented() -> tuple[dict[Route, Any], list[tuple[str, str, Route, Any]]]:
    """Each operation's own example by route, and every (source, operationId, route, body) to serve."""
    if not UPSTREAMS:
        return {}, []
    spec = yaml.safe_load(UPSTREAMS[-1].read_text(encoding="utf-8"))
    own: dict[Route, Any] = {}
    served: list[tuple[str, str, Route, Any]] = []
    returning: dict[str, list[tuple[str, Route]]] = {}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or operation.get("operationId") not in CALLS:
                continue
            name, where = operation["operationId"], (method, path)
            examples = (operation.get("x-oaiMeta") or {}).get("examples")
            for example in examples if isinstance(examples, list) else [examples]:
                body = _parsed(example.get("response") if isinstance(example, dict) else None)
                if isinstance(body, dict):
                    own.setdefault(where, body)
                    served.append((f"{name} response", name, where, body))
            media = ((operation["responses"].get("200") or {}).get("content") or {}).get("application/json")
            ref = str(((media or {}).get("schema") or {}).get("$ref", "")).rsplit("/", 1)[-1]
            returning.setdefault(ref, []).append((name, where))
    for schema_name, operations in returning.items():
        schema = spec["components"]["schemas"].get(schema_name) or {}
        body = _parsed((schema.get("x-oaiMeta") or {}).get("example"))
        if isinstance(body, dict):
            served += [(f"the {schema_name} object", name, where, body) for name, where in operations]
    return own, served


OWN, SERVED = _documented()
CASES = [
    pytest.param(where, body, call, id=f"{source} via {method}")
    for source, operation, where, body in SERVED
    for method, call in CALLS[operation]
]


def test_every_operation_of_ours_has_a_documented_answer() -> None:
    """12 of the 13 operations document a response (a file's content is raw bytes); each is served."""
    assert {operation for _, operation, _, _ in SERVED} == set(CALLS)


@pytest.mark.anyio
@pytest.mark.parametrize(("where", "body", "call"), CASES)
async def test_a_documented_answer_is_read(
    kind: str, tmp_path: Path, where: Route, body: Any, call: Call
) -> None:
    """The operation under test answers `body`; every other one its own example."""
    with serving(route({**OWN, where: body})) as stub:
        client: Client | AsyncClient
        async with open_client(kind, api_key="sk-test-documented", base_url=stub.base_url) as client:
            read = await call(client, tmp_path)
    assert_read_as_sent(read, body)
