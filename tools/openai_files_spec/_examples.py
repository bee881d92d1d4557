"""Upstream's own example responses and objects, read as evidence of what the service sends.

Upstream documents each operation with an example response (`x-oaiMeta.examples.response`) and each
object with an example (`x-oaiMeta.example`). Where one of them shows a field as `null` that the schema
types as never null, or leaves out a field the schema requires, the schema is wrong about the service:
the field becomes nullable, or no longer required. The examples are JSON with trailing commas, which
YAML reads; an element written `{ ... }` stands for "more of the same" and is skipped.

This fix must run before `drop-upstream-extras`, which removes the examples.
"""

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import yaml

from openai_files_spec._tree import Node, Where, describe, operations

NULL = {"type": "null"}
# Kept beside `anyOf` when a field becomes nullable: they describe the field, not one of its types.
OUTER_KEYWORDS = ("description", "deprecated", "title")


def example_evidence(spec: Node) -> list[str]:
    schemas = spec.get("components", {}).get("schemas") or {}
    nulls: defaultdict[Where, set[str]] = defaultdict(set)  # field location -> examples showing null
    omitted: defaultdict[tuple[Where, str], set[str]] = defaultdict(set)  # (object, field) -> examples
    for source, schema, where, example in _examples(spec):
        _read(example, schema, where, schemas, source=source, nulls=nulls, omitted=omitted)
    changes = []
    for where, sources in sorted(nulls.items(), key=lambda item: describe(item[0])):
        if _make_nullable(_node_at(spec, where)):
            changes.append(f"{describe(where)}: nullable (null in upstream's example of {_listed(sources)})")
    for (where, name), sources in sorted(
        omitted.items(), key=lambda item: (describe(item[0][0]), item[0][1])
    ):
        required = _node_at(spec, where).get("required")
        if isinstance(required, list) and name in required:
            required.remove(name)
            changes.append(
                f"{describe(where)}.{name}: no longer required (left out of upstream's example of"
                f" {_listed(sources)})"
            )
    return changes


def _examples(spec: Node) -> Iterator[tuple[str, Node, Where, Any]]:
    """(what it exemplifies, its schema, the schema's location, the parsed example) for each example."""
    for path, method, operation in operations(spec):
        meta = operation.get("x-oaiMeta") or {}
        found = meta.get("examples")
        for entry in found if isinstance(found, list) else [found]:
            text = entry.get("response") if isinstance(entry, dict) else None
            schema, where = _success_schema(spec, path, method, operation)
            parsed = _parsed(text)
            if schema is not None and parsed is not None:
                yield str(operation.get("operationId", f"{method} {path}")), schema, where, parsed
    for name, schema in (spec.get("components", {}).get("schemas") or {}).items():
        meta = schema.get("x-oaiMeta") if isinstance(schema, dict) else None
        parsed = _parsed(meta.get("example")) if isinstance(meta, dict) else None
        if parsed is not None:
            yield f"the {name} object", schema, ("components", "schemas", name), parsed


def _success_schema(spec: Node, path: str, method: str, operation: Node) -> tuple[Node | None, Where]:
    for status, response in (operation.get("responses") or {}).items():
        media = (response.get("content") or {}).get("application/json") or {}
        if str(status).startswith("2") and isinstance(media.get("schema"), dict):
            where: Where = ("paths", path, method, "responses", str(status), "content", "application/json")
            return media["schema"], (*where, "schema")
    return None, ()


def _parsed(text: Any) -> Any:
    if not isinstance(text, str):
        return None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return None  # prose or a shell transcript: no evidence either way


def _read(
    value: Any,
    schema: Node,
    where: Where,
    schemas: Node,
    *,
    source: str,
    nulls: defaultdict[Where, set[str]],
    omitted: defaultdict[tuple[Where, str], set[str]],
) -> None:
    """Walk one example value along its schema, noting each null and each missing required field."""
    if "$ref" in schema:
        name = str(schema["$ref"]).rsplit("/", 1)[-1]
        if isinstance(schemas.get(name), dict):
            _read(
                value,
                schemas[name],
                ("components", "schemas", name),
                schemas,
                source=source,
                nulls=nulls,
                omitted=omitted,
            )
        return
    for keyword in ("anyOf", "oneOf", "allOf"):
        for index, member in enumerate(schema.get(keyword) or ()):
            if isinstance(member, dict) and _fits(value, member, schemas):
                _read(
                    value,
                    member,
                    (*where, keyword, index),
                    schemas,
                    source=source,
                    nulls=nulls,
                    omitted=omitted,
                )
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        for item in value:
            if not _placeholder(item):
                _read(
                    item,
                    schema["items"],
                    (*where, "items"),
                    schemas,
                    source=source,
                    nulls=nulls,
                    omitted=omitted,
                )
    fields = schema.get("properties")
    if not isinstance(value, dict) or not isinstance(fields, dict) or _placeholder(value):
        return
    for name in schema.get("required") or ():
        if name not in value:
            omitted[(where, name)].add(source)
    for name, field in fields.items():
        if name not in value or not isinstance(field, dict):
            continue
        if value[name] is None and not _nullable(field, schemas):
            nulls[(*where, "properties", name)].add(source)
        elif value[name] is not None:
            _read(
                value[name],
                field,
                (*where, "properties", name),
                schemas,
                source=source,
                nulls=nulls,
                omitted=omitted,
            )


def _fits(value: Any, member: Node, schemas: Node) -> bool:
    """Whether an anyOf/oneOf member could describe `value` (an object for a dict, a list for a list)."""
    if "$ref" in member:
        member = schemas.get(str(member["$ref"]).rsplit("/", 1)[-1]) or {}
    kind = member.get("type", "object" if "properties" in member else None)
    return (isinstance(value, dict) and kind == "object") or (isinstance(value, list) and kind == "array")


def _placeholder(value: Any) -> bool:
    """`{ ... }` or `...`: an example's "and so on"."""
    return value == "..." or (isinstance(value, dict) and set(value) == {"..."})


def _nullable(field: Node, schemas: Node) -> bool:
    if field.get("nullable") is True or NULL in (field.get("anyOf") or []) + (field.get("oneOf") or []):
        return True
    kind = field.get("type")
    if isinstance(kind, list) and "null" in kind:
        return True
    members = field.get("allOf") or []
    return any(isinstance(m, dict) and m.get("nullable") is True for m in members) or _nullable_target(
        field, schemas
    )


def _nullable_target(field: Node, schemas: Node) -> bool:
    """A reference to a component that itself admits null (such as `Metadata`)."""
    if "$ref" not in field:
        return False
    target = schemas.get(str(field["$ref"]).rsplit("/", 1)[-1])
    return isinstance(target, dict) and NULL in (target.get("anyOf") or []) + (target.get("oneOf") or [])


def _make_nullable(field: Node) -> bool:
    """Rewrite `field` in place as `anyOf: [<its type>, null]`, keeping its description outside."""
    if "allOf" in field:
        return False  # a 3.0-style nullable reference: `nullable-refs` writes it
    outer = {key: field.pop(key) for key in OUTER_KEYWORDS if key in field}
    inner = dict(field)
    field.clear()
    field.update(outer)
    field["anyOf"] = [inner, dict(NULL)]
    return True


def _node_at(spec: Node, where: Where) -> Node:
    node: Any = spec
    for part in where:
        node = node[part]
    result: Node = node
    return result


def _listed(sources: set[str]) -> str:
    return ", ".join(sorted(sources))
