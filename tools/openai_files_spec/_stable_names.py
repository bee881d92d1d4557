"""The `stable-names` fix: a schema we already name keeps its name, wherever upstream moved it.

The generator names a class after the component it comes from, or after its place when it is inline
(`Batch.request_counts` -> `BatchRequestCounts`, the body of createBatch -> `CreateBatchBody`).
Upstream moves schemas between the two from release to release without changing the wire format,
which would rename the classes users import. This fix walks our `openapi.yaml` and the upstream
slice side by side, place by place, and gives each place the form ours has:

- ours refers to component N, upstream is inline there (an object, an array item, a request body,
  an enum): the inline schema becomes component N again (hoisted);
- ours refers to N, upstream to another component M (a rename): the place refers to N, a copy of M;
- ours is inline, upstream refers to a component M it introduced: M is written inline again;
- a schema at the same place in both has another `title` (which names its class): ours is kept.

Only schemas of the same kind trade places (object for object, string enum for string enum). Where
upstream still has its own N and it differs from what sits at the place, nothing moves: the change
report lists it as a real change. What a moved schema holds is compared field for field by the change
report, which lists every difference under the kept name as a wire change.
"""

import copy
from typing import Any

from openai_files_spec._tree import Node, Where, describe, operations, ref_name, refs
from openai_files_spec._wire import SCHEMA_REF, kind, schema_ref, wire_form

# A place to settle: where it is, our schema there, and the upstream mapping (or list) holding theirs.
Slot = tuple[Where, Any, Any, str | int]


def stable_names(spec: Node, ours: Node | None) -> list[str]:
    """Give upstream's schemas our names, place by place; one line per place changed.

    `spec` (the upstream slice) is rewritten in place; `ours` is our current spec, None for a first
    vendoring (then there is no name to keep).
    """
    our_schemas = ((ours or {}).get("components") or {}).get("schemas") or {}
    schemas = (spec.get("components") or {}).get("schemas")
    if not our_schemas or schemas is None:
        return []
    renamer = _Renamer(our_schemas, schemas)
    renamer.pending += _operation_slots(ours or {}, spec)
    renamer.pending += [
        (("components", "schemas", key), our_schemas[key], schemas, key)
        for key in our_schemas
        if key in schemas
    ]
    changes = renamer.run()
    # Upstream's names for what moved go, unless still used elsewhere: later fixes must not see them.
    for name in renamer.left - {ref_name(target) for target in refs(spec)}:
        del schemas[name]
    return changes


class _Renamer:
    def __init__(self, our_schemas: Node, schemas: Node) -> None:
        self.ours = our_schemas
        self.schemas = schemas
        self.pending: list[Slot] = []
        self.changes: list[str] = []
        self.left: set[str] = set()  # upstream components a place no longer refers to

    def run(self) -> list[str]:
        while self.pending:
            self._settle(*self.pending.pop())
        return sorted(self.changes)

    def _settle(self, where: Where, mine: Any, holder: Any, key: str | int) -> None:
        theirs = holder[key]
        if not isinstance(mine, dict) or not isinstance(theirs, dict):
            return
        our_name, their_name = schema_ref(mine), schema_ref(theirs)
        if our_name is not None and our_name != their_name and our_name in self.ours:
            self._refer(where, our_name, holder, key)
        elif our_name is None and their_name is not None:
            self._inline(where, mine, their_name, holder, key)
        elif our_name is None:
            if theirs.get("title") != mine.get("title"):
                self.changes.append(f"{describe(where)}: title {_titled(theirs)} -> {_titled(mine)}, as ours")
                _keep_title(theirs, mine)
            self.pending += _children(where, mine, theirs)

    def _refer(self, where: Where, name: str, holder: Any, key: str | int) -> None:
        """Ours refers to `name` here: make upstream's schema at this place that component."""
        theirs = holder[key]
        was = schema_ref(theirs) or f"inline {kind(theirs, self.schemas)}"
        if name in self.schemas:
            if wire_form(self.schemas[name], self.schemas) != wire_form(theirs, self.schemas):
                return  # upstream's own `name` is something else: a real change, for the report
        elif kind(self.ours[name], self.ours) == kind(theirs, self.schemas):
            moved = copy.deepcopy(self.schemas[was]) if schema_ref(theirs) else theirs
            _keep_title(moved, self.ours[name])
            self.schemas[name] = moved
            self.pending.append((("components", "schemas", name), self.ours[name], self.schemas, name))
        else:
            return
        if schema_ref(theirs):
            self.left.add(was)
        holder[key] = {"$ref": SCHEMA_REF + name}
        self.changes.append(f"{describe(where)}: upstream's {was} is {name} again")

    def _inline(self, where: Where, mine: Node, name: str, holder: Any, key: str | int) -> None:
        """Ours is inline here, upstream refers to component `name`: write it inline again."""
        target = self.schemas.get(name)
        if target is None or kind(mine, self.ours) != kind(target, self.schemas):
            return
        extra = {k: v for k, v in holder[key].items() if k != "$ref"}
        inlined = copy.deepcopy(target) | extra
        _keep_title(inlined, mine)
        holder[key] = inlined
        self.left.add(name)
        self.changes.append(f"{describe(where)}: upstream's {name} written inline again, as ours")
        self.pending.append((where, mine, holder, key))


def _keep_title(moved: Node, mine: Node) -> None:
    """A title names the generated class, so a moved schema takes ours (or none, as ours)."""
    if "title" in mine:
        moved["title"] = mine["title"]
    else:
        moved.pop("title", None)


def _titled(schema: Node) -> str:
    return repr(schema["title"]) if "title" in schema else "none"


def _children(where: Where, mine: Node, theirs: Node) -> list[Slot]:
    """The places inside two inline schemas that both have: fields, items, union members."""
    slots: list[Slot] = []
    ours_fields, their_fields = mine.get("properties"), theirs.get("properties")
    if isinstance(ours_fields, dict) and isinstance(their_fields, dict):
        slots += [
            ((*where, "properties", field), ours_fields[field], their_fields, field)
            for field in ours_fields
            if field in their_fields
        ]
    for keyword in ("items", "additionalProperties", "not"):
        if isinstance(mine.get(keyword), dict) and isinstance(theirs.get(keyword), dict):
            slots.append(((*where, keyword), mine[keyword], theirs, keyword))
    for union in ("anyOf", "oneOf", "allOf"):
        ours_members, their_members = mine.get(union), theirs.get(union)
        if isinstance(ours_members, list) and isinstance(their_members, list):
            slots += [
                ((*where, union, index), member, their_members, index)
                for index, member in enumerate(ours_members[: len(their_members)])
            ]
    return slots


def _operation_slots(ours: Node, spec: Node) -> list[Slot]:
    """The schemas of parameters, request bodies and responses of operations both specs have."""
    theirs = {(path, method): operation for path, method, operation in operations(spec)}
    slots: list[Slot] = []
    for path, method, mine in operations(ours):
        other = theirs.get((path, method))
        if other is None:
            continue
        where: Where = ("paths", path, method)
        their_parameters = {(p.get("in"), p.get("name")): p for p in other.get("parameters") or ()}
        for index, parameter in enumerate(mine.get("parameters") or ()):
            match = their_parameters.get((parameter.get("in"), parameter.get("name")))
            if match is not None and "schema" in match:
                slots.append(((*where, "parameters", index), parameter.get("schema"), match, "schema"))
        slots += _content_slots((*where, "request body"), mine.get("requestBody"), other.get("requestBody"))
        their_responses = other.get("responses") or {}
        for status, response in (mine.get("responses") or {}).items():
            slots += _content_slots((*where, status), response, their_responses.get(status))
    return slots


def _content_slots(where: Where, mine: Any, theirs: Any) -> list[Slot]:
    if not isinstance(mine, dict) or not isinstance(theirs, dict):
        return []
    ours_content, their_content = mine.get("content") or {}, theirs.get("content") or {}
    return [
        ((*where, media), body.get("schema"), their_content[media], "schema")
        for media, body in ours_content.items()
        if isinstance(their_content.get(media), dict) and "schema" in their_content[media]
    ]
