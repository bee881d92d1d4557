"""The class and module names openapi-python-client 0.29.1 gives to a spec's schemas and operations.

The change report needs them to tell which changes touch what the overlay imports. The rules mirror
the generator's (title or key, prefixed by the parent class or operation for inline schemas, which are
named `body` and `response_<status>` at the top of an operation; `_type_N` for union members, `_item`
for array items); a test checks them against the committed `generated/` tree.
"""

import re
from typing import Any

from openai_files_spec._tree import Node, Where, operations

DELIMITERS = ". _-"


def pascal(value: str) -> str:
    words = _words(value)
    return "".join(word if word.isupper() else word.capitalize() for word in words)


def snake(value: str) -> str:
    return "_".join(_words(value)).lower()


def _words(value: str) -> list[str]:
    value = "".join(c for c in value if c.isidentifier() or c.isdecimal() or c in DELIMITERS)
    if any(c.isupper() for c in value):
        value = " ".join(re.split("([A-Z]?[a-z]+)", value))
    return re.findall(rf"[^{re.escape(DELIMITERS)}]+", value)


def operation_module(operation: Node) -> str:
    """`api/<tag>/<operation>` as the generator lays it out."""
    tags = operation.get("tags") or ["default"]
    return f"{snake(str(tags[0]))}/{snake(str(operation.get('operationId', '')))}"


def class_names(spec: Node) -> dict[Where, str]:
    """The generated class of every schema that gets one, by the schema's location."""
    found: dict[Where, str] = {}
    for key, schema in (spec.get("components", {}).get("schemas") or {}).items():
        _visit(schema, str(schema.get("title") or key), "", ("components", "schemas", key), found)
    for path, method, operation in operations(spec):
        endpoint = str(operation.get("operationId", ""))
        where: Where = ("paths", path, method)
        for index, parameter in enumerate(operation.get("parameters") or ()):
            schema = parameter.get("schema") or {}
            _visit(
                schema, str(parameter.get("name")), endpoint, (*where, "parameters", index, "schema"), found
            )
        content = (operation.get("requestBody") or {}).get("content") or {}
        for media, body in content.items():
            _visit(
                body.get("schema") or {},
                "body",
                endpoint,
                (*where, "requestBody", "content", media, "schema"),
                found,
            )
        for status, response in (operation.get("responses") or {}).items():
            for media, body in (response.get("content") or {}).items():
                _visit(
                    body.get("schema") or {},
                    f"response_{status}",
                    endpoint,
                    (*where, "responses", str(status), "content", media, "schema"),
                    found,
                )
    return found


def _visit(node: Any, name: str, parent: str, where: Where, found: dict[Where, str]) -> None:
    if not isinstance(node, dict) or "$ref" in node:
        return
    own = str(node.get("title") or name)
    class_name = pascal(f"{pascal(parent)}{pascal(own)}" if parent else own)
    if "enum" in node:
        found[where] = class_name
    for union in ("anyOf", "oneOf"):
        for index, member in enumerate(node.get(union) or ()):
            title = member.get("title") if isinstance(member, dict) else None
            subscript = title if title and title != node.get("title") else f"type_{index}"
            _visit(member, f"{name}_{subscript}", parent, (*where, union, index), found)
    if node.get("type") == "array":
        _visit(node.get("items"), f"{name}_item", parent, (*where, "items"), found)
    if "properties" in node or node.get("type") == "object":
        found[where] = class_name
        for field, schema in (node.get("properties") or {}).items():
            _visit(schema, str(field), class_name, (*where, "properties", str(field)), found)
