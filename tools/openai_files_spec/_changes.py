"""What changed between the current spec and the vendored one, and whether it breaks the overlay.

A change is *risky* when code that uses the changed item may stop working: something removed, a type
changed, a field or parameter newly required (or no longer guaranteed), an enum value gone. A risky
change *breaks the overlay* when the item belongs to a class or operation module that
`overlay/openai_files/_generated.py` imports.
"""

from dataclasses import dataclass
from typing import Any

from openai_files_spec._names import class_names, operation_module
from openai_files_spec._tree import Node, Where, describe, operations, ref_name


@dataclass(frozen=True)
class Change:
    sign: str  # "+" added, "-" removed, "~" changed
    text: str
    risky: bool
    owner: str  # the generated class or operation module the change belongs to, "" if none


@dataclass(frozen=True)
class Usage:
    """What the overlay imports from the generated package."""

    classes: frozenset[str]
    modules: frozenset[str]  # "files/create_file"

    def uses(self, owner: str) -> bool:
        return owner in self.classes or owner in self.modules


def compare(old: Node, new: Node) -> list[Change]:
    changes = _compare_operations(old, new)
    owners = class_names(old)
    old_schemas = old.get("components", {}).get("schemas") or {}
    new_schemas = new.get("components", {}).get("schemas") or {}
    for key in old_schemas.keys() | new_schemas.keys():
        where: Where = ("components", "schemas", key)
        if key not in new_schemas:
            changes.append(Change("-", f"schema {key}", True, owners.get(where, "")))
        elif key not in old_schemas:
            changes.append(Change("+", f"schema {key}", False, ""))
        else:
            changes += _compare_schema(where, old_schemas[key], new_schemas[key], owners)
    vanished = set(owners.values()) - set(class_names(new).values()) - {c.owner for c in changes if c.risky}
    changes += [Change("-", f"generated class {name}", True, name) for name in sorted(vanished)]
    return sorted(changes, key=lambda c: (not c.text.startswith("operation"), c.text))


def _compare_operations(old: Node, new: Node) -> list[Change]:
    before = {operation_module(op): (path, method, op) for path, method, op in operations(old)}
    after = {operation_module(op): (path, method, op) for path, method, op in operations(new)}
    changes = []
    for module in before.keys() - after.keys():
        path, method, _ = before[module]
        changes.append(Change("-", f"operation {module} ({method.upper()} {path})", True, module))
    for module in after.keys() - before.keys():
        path, method, _ = after[module]
        changes.append(Change("+", f"operation {module} ({method.upper()} {path})", False, ""))
    for module in before.keys() & after.keys():
        changes += _compare_parameters(module, before[module][2], after[module][2])
        old_body, new_body = _body_shape(before[module][2]), _body_shape(after[module][2])
        if old_body != new_body:
            changes.append(Change("~", f"{module} request body: {old_body} -> {new_body}", True, module))
        changes += _compare_responses(module, before[module][2], after[module][2])
    return changes


def _compare_responses(module: str, old: Node, new: Node) -> list[Change]:
    before, after = _response_shapes(old), _response_shapes(new)
    changes = []
    if added := [f"{status} ({after[status]})" for status in after if status not in before]:
        changes.append(Change("~", f"{module} responses added: {_listed(added)}", False, module))
    if removed := [status for status in before if status not in after]:
        changes.append(Change("~", f"{module} responses removed: {_listed(removed)}", True, module))
    for status in before.keys() & after.keys():
        if before[status] != after[status]:
            text = f"{module} response {status}: {before[status]} -> {after[status]}"
            changes.append(Change("~", text, True, module))
    return changes


def _response_shapes(operation: Node) -> dict[str, str]:
    shapes = {}
    for status, response in (operation.get("responses") or {}).items():
        if "$ref" in response:
            shapes[str(status)] = ref_name(str(response["$ref"]))
        else:
            content = response.get("content") or {}
            bodies = [f"{media} {shape(body.get('schema'))}" for media, body in content.items()]
            shapes[str(status)] = ", ".join(bodies) or "no body"
    return shapes


def _compare_parameters(module: str, old: Node, new: Node) -> list[Change]:
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
        old_shape, new_shape = shape(before[key].get("schema")), shape(after[key].get("schema"))
        if old_shape != new_shape:
            changes.append(
                Change("~", f"{module} parameter {key[1]}: {old_shape} -> {new_shape}", True, module)
            )
        if after[key].get("required") and not before[key].get("required"):
            changes.append(Change("~", f"{module} parameter {key[1]} is now required", True, module))
    return changes


def _body_shape(operation: Node) -> str:
    content = (operation.get("requestBody") or {}).get("content") or {}
    return ", ".join(f"{media} {shape(body.get('schema'))}" for media, body in content.items()) or "none"


def _compare_schema(
    where: Where, old: Node, new: Node, owners: dict[Where, str], outer: str = ""
) -> list[Change]:
    """Changes within one schema; `outer` owns them when the schema has no class of its own."""
    name, owner = describe(where), owners.get(where, outer)
    if shape(old) != shape(new):
        return [Change("~", f"{name}: {shape(old)} -> {shape(new)}", True, owner)]
    changes = []
    old_values, new_values = old.get("enum") or [], new.get("enum") or []
    if added := [v for v in new_values if v not in old_values]:
        changes.append(Change("~", f"{name}: enum values added: {_listed(added)}", False, owner))
    if removed := [v for v in old_values if v not in new_values]:
        changes.append(Change("~", f"{name}: enum values removed: {_listed(removed)}", True, owner))
    changes += _compare_fields(where, old, new, owners, owner)
    for keyword in ("anyOf", "oneOf", "allOf"):
        for index, (before, after) in enumerate(
            zip(old.get(keyword) or (), new.get(keyword) or (), strict=False)
        ):
            changes += _compare_schema((*where, keyword, index), before, after, owners, owner)
    if isinstance(old.get("items"), dict) and isinstance(new.get("items"), dict):
        changes += _compare_schema((*where, "items"), old["items"], new["items"], owners, owner)
    return changes


def _compare_fields(where: Where, old: Node, new: Node, owners: dict[Where, str], owner: str) -> list[Change]:
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
        changes += _compare_schema((*where, "properties", field), before[field], after[field], owners, owner)
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
