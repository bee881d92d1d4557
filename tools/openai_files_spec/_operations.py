"""The guard run after generation: every operation of the spec exists, in its four forms, with the two
functions `client.call` builds on (`overlay/openai_files/_operation.py`)."""

from pathlib import Path

from openai_files_spec._names import operation_module
from openai_files_spec._tree import Node, operations

FORMS = ("def sync(", "def sync_detailed(", "async def asyncio(", "async def asyncio_detailed(")
CALLED = ("def request_kwargs(", "def parse_response(")
"""What `client.call` and `client.stream` run of every operation: they build the request and parse it."""


def missing_operations(spec: Node, package: Path, required: frozenset[str] = frozenset()) -> list[str]:
    """What the generated `package` lacks: spec operations, their forms, or modules in `required`."""
    expected = {operation_module(op) for _, _, op in operations(spec)}
    problems = [
        f"{module}: the overlay needs it, but the spec has no such operation"
        for module in sorted(required - expected)
    ]
    for module in sorted(expected):
        source = package / "api" / f"{module}.py"
        if not source.exists():
            problems.append(f"{module}: not generated")
            continue
        text = source.read_text(encoding="utf-8")
        problems += [f"{module}: no `{form[:-1]}`" for form in (*FORMS, *CALLED) if f"\n{form}" not in text]
    return problems
