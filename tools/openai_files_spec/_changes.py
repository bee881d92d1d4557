"""What changed between the current spec and the vendored one, and whether it breaks the overlay.

A *wire* change alters what is sent or read: an operation, parameter, field, type or enum value added
or removed, something newly required. A *naming-only* change leaves the wire format as it was: a
component added or removed, a place that now refers to a component where it was inline (or the
reverse, or to another one) with the same schema there, a generated class gone. A change is *risky*
when code that uses the changed item may stop working: something removed, a type changed, a field or
parameter newly required (or no longer guaranteed), an enum value gone, a generated class no longer
there. A risky change *breaks the overlay* when the item belongs to a class or operation module that
`overlay/openai_files/_generated.py` imports.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from openai_files_spec._names import class_names, operation_module
from openai_files_spec._tree import Node, Where, describe, operations, ref_name
from openai_files_spec._wire import wire_form

# Whether an old and a new schema put the same bytes on the wire (references resolved in each spec).
SameWire = Callable[[Any, Any], bool]


@dataclass(frozen=True)
class Change:
    sign: str  # "+" added, "-" removed, "~" changed
    text: str
    risky: bool
    owner: str  # the generated class or operation module the change belongs to, "" if none
    wire: bool = True  # False: only names changed, the wire format is the same


@dataclass(frozen=True)
class Usage:
    """What the overlay imports from the generated package."""

    classes: frozenset[str]
    modules: frozenset[str]  # "files/create_file"

    def uses(self, owner: str) -> bool:
        return owner in self.classes or owner in self.modules


def compare(old: Node, new: Node) -> list[Change]:
    old_schemas = old.get("components", {}).get("schemas") or {}
    new_schemas = new.get("components", {}).get("schemas") or {}

    def same(before: Any, after: Any) -> bool:
        return bool(wire_form(before, old_schemas) == wire_form(after, new_schemas))

    changes = _compare_operations(old, new, same)
    owners = class_names(old)
    generated = set(class_names(new).values())
    for key in old_schemas.keys() | new_schemas.keys():
        where: Where = ("components", "schemas", key)
        if key not in new_schemas:
            owner = owners.get(where, "")  # risky when its class is gone, not merely its component
            changes.append(Change("-", f"schema {key}", bool(owner) and owner not in generated, owner, False))
        elif key not in old_schemas:
            changes.append(Change("+", f"schema {key}", False, "", wire=False))
        else:
            changes += _compare_schema(where, old_schemas[key], new_schemas[key], owners=owners, same=same)
    vanished = set(owners.values()) - generated - {c.owner for c in changes if c.risky}
    changes += [Change("-", f"generated class {name}", True, name, wire=False) for name in sorted(vanished)]
    return sorted(changes, key=lambda c: (not c.text.startswith("operation"), c.text))


def _compare_operations(old: Node, new: Node, same: SameWire) -> list[Change]:
    before = {operation_module(op): (path, method, op) for path, method, op in operations(old)}
    after = {operation_module(op): (path, method, op) for path, method, op in operations(new)}
    changes = []
    for module in before.keys() - after.keys():
        path, method, _ = before[module]
        changes.append(Change("-", f"operation {module} ({method.upper()} {path})", True, module))
    for module in after.keys() - before.keys():
        path, method, _ = after[module]
        changes.append(Change("+", f"operation {module} ({method.upper()} {path})", False, module))
    for module in before.keys() & after.keys():
        old_operation, new_operation = before[module][2], after[module][2]
        changes += _compare_parameters(module, old_operation, new_operation, same)
        old_body, new_body = old_operation.get("requestBody") or {}, new_operation.get("requestBody") or {}
        body_before, body_after = _content_shape(old_body, "none"), _content_shape(new_body, "none")
        if body_before != body_after:
            naming = _same_content(old_body, new_body, same)
            changes.append(_retyped(f"{module} request body", body_before, body_after, module, naming))
        changes += _compare_responses(module, old_operation, new_operation, same)
    return changes


def _retyped(label: str, before: str, after: str, owner: str, naming: bool) -> Change:
    """A place whose type reads differently: naming-only when the wire format is the same."""
    if naming:
        return Change("~", f"{label}: {before} -> {after}, the same on the wire", False, owner, wire=False)
    return Change("~", f"{label}: {before} -> {after}", True, owner)


def _compare_responses(module: str, old: Node, new: Node, same: SameWire) -> list[Change]:
    old_responses = {str(status): response for status, response in (old.get("responses") or {}).items()}
    new_responses = {str(status): response for status, response in (new.get("responses") or {}).items()}
    before, after = _response_shapes(old_responses), _response_shapes(new_responses)
    changes = []
    if added := [f"{status} ({after[status]})" for status in after if status not in before]:
        changes.append(Change("~", f"{module} responses added: {_listed(added)}", False, module))
    if removed := [status for status in before if status not in after]:
        changes.append(Change("~", f"{module} responses removed: {_listed(removed)}", True, module))
    for status in before.keys() & after.keys():
        if before[status] != after[status]:
            naming = _same_content(old_responses[status], new_responses[status], same)
            changes.append(
                _retyped(f"{module} response {status}", before[status], after[status], module, naming)
            )
    return changes


def _response_shapes(responses: Node) -> dict[str, str]:
    return {
        status: ref_name(str(response["$ref"])) if "$ref" in response else _content_shape(response, "no body")
        for status, response in responses.items()
    }


def _same_content(old: Node, new: Node, same: SameWire) -> bool:
    """Two inline bodies with the same media types, each with the same schema on the wire."""
    if "$ref" in old or "$ref" in new:
        return False
    before, after = old.get("content") or {}, new.get("content") or {}
    return before.keys() == after.keys() and all(
        same(before[media].get("schema"), after[media].get("schema")) for media in before
    )


def _compare_parameters(module: str, old: Node, new: Node, same: SameWire) -> list[Change]:
    before = {(p.get("in"), p.get("name")): p for p in old.get("parameters") or ()}
    after = {(p.get("in"), p.get("name")): p for p in new.get("parameters") or ()}
    changes = []
    for key in before.keys() - after.keys():
        changes.append(Change("-", f"{module} parameter {key[1]}", True, module))
    for key in after.keys() - before.keys():
        required = bool(after[key].get("required"))
        label = "required parameter" if required else "parameter"
        changes.append(Change("+", f"{module} {label} {key[1]}", required, module))
    for key in before.keys() & after.keys():
        old_schema, new_schema = before[key].get("schema"), after[key].get("schema")
        if shape(old_schema) != shape(new_schema):
            naming = same(old_schema, new_schema)
            changes.append(
                _retyped(f"{module} parameter {key[1]}", shape(old_schema), shape(new_schema), module, naming)
            )
        if after[key].get("required") and not before[key].get("required"):
            changes.append(Change("~", f"{module} parameter {key[1]} is now required", True, module))
    return changes


def _content_shape(holder: Node, empty: str) -> str:
    """A request body's or response's media types and their schemas' shapes, in one phrase."""
    content = holder.get("content") or {}
    return ", ".join(f"{media} {shape(body.get('schema'))}" for media, body in content.items()) or empty


def _compare_schema(
    where: Where, old: Node, new: Node, *, owners: dict[Where, str], same: SameWire, outer: str = ""
) -> list[Change]:
    """Changes within one schema; `outer` owns them when the schema has no class of its own."""
    name, owner = describe(where), owners.get(where, outer)
    if shape(old) != shape(new):
        return [_retyped(name, shape(old), shape(new), owner, same(old, new))]
    changes = []
    old_values, new_values = old.get("enum") or [], new.get("enum") or []
    if added := [v for v in new_values if v not in old_values]:
        changes.append(Change("~", f"{name}: enum values added: {_listed(added)}", False, owner))
    if removed := [v for v in old_values if v not in new_values]:
        changes.append(Change("~", f"{name}: enum values removed: {_listed(removed)}", True, owner))
    changes += _compare_fields(where, old, new, owners=owners, owner=owner, same=same)
    for keyword in ("anyOf", "oneOf", "allOf"):
        for index, (before, after) in enumerate(
            zip(old.get(keyword) or (), new.get(keyword) or (), strict=False)
        ):
            changes += _compare_schema(
                (*where, keyword, index), before, after, owners=owners, same=same, outer=owner
            )
    if isinstance(old.get("items"), dict) and isinstance(new.get("items"), dict):
        changes += _compare_schema(
            (*where, "items"), old["items"], new["items"], owners=owners, same=same, outer=owner
        )
    return changes


def _compare_fields(
    where: Where, old: Node, new: Node, *, owners: dict[Where, str], owner: str, same: SameWire
) -> list[Change]:
    name = describe(where)
    before, after = old.get("properties") or {}, new.get("properties") or {}
    was_required, now_required = set(old.get("required") or ()), set(new.get("required") or ())
    changes = []
    for field in before.keys() - after.keys():
        changes.append(Change("-", f"field {name}.{field}", True, owner))
    for field in after.keys() - before.keys():
        required = field in now_required
        label = "required field" if required else "field"
        changes.append(Change("+", f"{label} {name}.{field}", required, owner))
    for field in before.keys() & after.keys():
        if (field in now_required) != (field in was_required):
            state = "now required" if field in now_required else "no longer required"
            changes.append(Change("~", f"{name}.{field} is {state}", True, owner))
        changes += _compare_schema(
            (*where, "properties", field), before[field], after[field], owners=owners, same=same, outer=owner
        )
    return changes


def shape(schema: Any) -> str:
    """A schema's type in one short phrase: `OpenAIFile | null`, `array of string`, `integer (int64)`."""
    if not isinstance(schema, dict):
        return "none"
    if "$ref" in schema:
        return ref_name(str(schema["$ref"]))
    for keyword, joiner in (("anyOf", " | "), ("oneOf", " | "), ("allOf", " & ")):
        if keyword in schema:
            return joiner.join(shape(member) for member in schema[keyword])
    kind = schema.get("type", "object" if "properties" in schema else "any")
    text = " | ".join(map(str, kind)) if isinstance(kind, list) else str(kind)
    if text == "array":
        return f"array of {shape(schema.get('items'))}"
    return f"{text} ({schema['format']})" if "format" in schema else text


def _listed(values: list[Any]) -> str:
    return ", ".join(map(str, values))


def render(changes: list[Change], usage: Usage) -> list[str]:
    lines = []
    for change in changes:
        line = f"{change.sign} {change.text}"
        if change.risky and usage.uses(change.owner):
            line += f"   <- BREAKS the overlay (it uses {change.owner})"
        lines.append(line)
    return lines


def breaking(changes: list[Change], usage: Usage) -> list[Change]:
    return [c for c in changes if c.risky and usage.uses(c.owner)]
