"""Walking an OpenAPI document without mistaking names for keywords.

In `properties`, `paths`, `schemas` and the like, keys are names chosen by the spec's author: a field
may be called `description` or `example`. Every rewrite in this package goes through `keyword_nodes`
so that it only ever touches real keywords.
"""

from collections.abc import Iterator
from typing import Any

# Mappings whose keys are names; their values are keyword mappings again.
NAME_MAPS = frozenset(
    {
        "properties",
        "patternProperties",
        "$defs",
        "definitions",
        "paths",
        "schemas",
        "responses",
        "parameters",
        "requestBodies",
        "content",
        "headers",
        "securitySchemes",
        "encoding",
        "callbacks",
        "links",
        "variables",
        "webhooks",
        "mapping",
    }
)

Node = dict[str, Any]
Where = tuple[str | int, ...]


def keyword_nodes(node: Any, where: Where = ()) -> Iterator[tuple[Where, Node]]:
    """Every mapping in `node` whose keys are keywords, with its location, outermost first."""
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from keyword_nodes(item, (*where, index))
    elif isinstance(node, dict):
        yield where, node
        for key, value in node.items():
            if key in NAME_MAPS and isinstance(value, dict):
                for name, named in value.items():
                    yield from keyword_nodes(named, (*where, key, str(name)))
            elif key not in VALUE_KEYWORDS:
                yield from keyword_nodes(value, (*where, key))


# Keywords whose values are data, never schemas or other keyword mappings.
VALUE_KEYWORDS = frozenset({"enum", "const", "default", "example", "examples", "required"})


def describe(where: Where) -> str:
    """A short, readable location: `Upload.file`, `GET /files/{file_id}/content 200`."""
    if where[:2] == ("components", "schemas") and len(where) > 2:
        head, rest, sep = str(where[2]), where[3:], "."
    elif where[:1] == ("paths",) and len(where) > 2:
        head, rest, sep = f"{str(where[2]).upper()} {where[1]}", where[3:], " "
    else:
        head, rest, sep = "", where, "."
    text = head
    for part in rest:
        if part not in ("properties", "responses"):
            text += f"[{part}]" if isinstance(part, int) else f"{sep}{part}"
    return text.lstrip(sep) or "(top level)"


def refs(node: Any) -> Iterator[str]:
    """Every `$ref` target in `node`."""
    for _, keywords in keyword_nodes(node):
        target = keywords.get("$ref")
        if isinstance(target, str):
            yield target


def ref_name(target: str) -> str:
    """`#/components/schemas/Batch` -> `Batch`."""
    return target.rsplit("/", 1)[-1]


def operations(spec: Node) -> Iterator[tuple[str, str, Node]]:
    """(path, method, operation) for every operation, in document order."""
    for path, item in (spec.get("paths") or {}).items():
        for method, operation in item.items():
            if method in HTTP_METHODS and isinstance(operation, dict):
                yield path, method, operation


HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
