"""What a schema puts on the wire, whatever the document calls it.

Upstream moves schemas between inline objects and named components from release to release; the
bytes a client sends and reads stay the same. `wire_form` resolves every reference and drops what
only names or describes (titles, prose, `x-` extensions), so two schemas with equal forms accept and
produce the same JSON, however they are spelled.
"""

from typing import Any

from openai_files_spec._tree import NAME_MAPS, VALUE_KEYWORDS, Node

SCHEMA_REF = "#/components/schemas/"
# Keywords that change a generated name or a docstring, never a byte on the wire.
NAMING_ONLY = frozenset(
    {"title", "description", "summary", "deprecated", "example", "examples", "externalDocs"}
)


def schema_ref(node: Any) -> str | None:
    """The component name a `{$ref: '#/components/schemas/<name>'}` node points at, else None."""
    target = node.get("$ref") if isinstance(node, dict) else None
    if isinstance(target, str) and target.startswith(SCHEMA_REF):
        return target[len(SCHEMA_REF) :]
    return None


def resolved(node: Any, schemas: Node) -> Any:
    """`node`, or the component it refers to (following chains of references)."""
    seen: set[str] = set()
    while (name := schema_ref(node)) is not None and name not in seen:
        seen.add(name)
        node = schemas.get(name)
    return node


def wire_form(node: Any, schemas: Node) -> Any:
    """`node` with references resolved and naming-only keys dropped; order-free where JSON is."""
    return _form(node, schemas, frozenset())


def _form(node: Any, schemas: Node, seen: frozenset[str]) -> Any:
    if isinstance(node, list):
        return [_form(item, schemas, seen) for item in node]
    if not isinstance(node, dict):
        return node
    name = schema_ref(node)
    if name is not None:
        if name in seen:  # a recursive schema: equal once the same name recurs at the same place
            return {"$recursive": name}
        rest = {key: value for key, value in node.items() if key != "$ref"}
        target = _form(schemas.get(name), schemas, seen | {name})
        return {**target, **_form(rest, schemas, seen)} if isinstance(target, dict) else target
    form: Node = {}
    for key, value in node.items():
        if key in NAMING_ONLY or key.startswith("x-"):
            continue
        if key in ("enum", "required") and isinstance(value, list):
            form[key] = sorted(value, key=repr)
        elif key in VALUE_KEYWORDS:
            form[key] = value
        elif key in NAME_MAPS and isinstance(value, dict):
            form[key] = {field: _form(schema, schemas, seen) for field, schema in value.items()}
        else:
            form[key] = _form(value, schemas, seen)
    return form


def kind(node: Any, schemas: Node) -> str:
    """What sort of schema `node` is, references resolved: `object`, `enum of string`, `anyOf`..."""
    node = resolved(node, schemas)
    if not isinstance(node, dict):
        return "none"
    for union in ("anyOf", "oneOf", "allOf"):
        if union in node:
            return union
    declared = node.get("type", "object" if "properties" in node else "any")
    return f"enum of {declared}" if "enum" in node else str(declared)
