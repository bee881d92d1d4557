"""The known upstream defects, each fixed by a named transformation.

Each fix rewrites the sliced spec in place and returns one line per change it made; an empty list
means upstream no longer has the defect. They run in the order of `FIXES`. A fix is given our current
spec too (None on a first vendoring); only `stable-names` reads it.
"""

import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from openai_files_spec._examples import example_evidence
from openai_files_spec._stable_names import stable_names
from openai_files_spec._tree import Node, describe, keyword_nodes, operations
from openai_files_spec._webhooks import event_titles

ERROR_RESPONSE = "#/components/responses/ErrorResponse"
ERROR_SCHEMA = "#/components/schemas/ErrorResponse"
# Extensions the generator reads; every other `x-` key is upstream tooling metadata.
KEPT_EXTENSIONS = frozenset({"x-enum-varnames"})
UPSTREAM_ONLY = frozenset({"example", "examples", "externalDocs"})


@dataclass(frozen=True)
class Fix:
    name: str
    defect: str
    apply: Callable[[Node, Node | None], list[str]]  # (upstream slice, our current spec) -> changes


def drop_upstream_extras(spec: Node) -> list[str]:
    removed: Counter[str] = Counter()
    for _, node in keyword_nodes(spec):
        for key in [k for k in node if _upstream_only(k)]:
            del node[key]
            removed[key] += 1
    if not removed:
        return []
    counts = ", ".join(f"{key} x{count}" for key, count in sorted(removed.items()))
    return [f"removed {removed.total()} upstream-only keys ({counts})"]


def _upstream_only(key: str) -> bool:
    return key in UPSTREAM_ONLY or (key.startswith("x-") and key not in KEPT_EXTENSIONS)


def nullable_refs(spec: Node) -> list[str]:
    changes = []
    for where, node in keyword_nodes(spec):
        target = _nullable_ref(node)
        if target is None:
            continue
        marker = node.pop("allOf", [{}])[-1]
        node.pop("$ref", None)
        node.pop("nullable", None)
        if "description" in marker:
            node.setdefault("description", marker["description"])
        node["anyOf"] = [{"$ref": target}, {"type": "null"}]
        changes.append(
            f"{describe(where)}: nullable {target.rsplit('/', 1)[-1]} written as anyOf [$ref, null]"
        )
    return changes


def _nullable_ref(node: Node) -> str | None:
    """The `$ref` of a 3.0-style nullable reference, which the generator reads as not nullable."""
    if "$ref" in node and node.get("nullable") is True:
        return str(node["$ref"])
    members = node.get("allOf")
    if not isinstance(members, list) or len(members) != 2:
        return None
    first, second = members
    nullable_only = second.get("nullable") is True and not set(second) - {"nullable", "description", "title"}
    if set(first) == {"$ref"} and nullable_only:
        return str(first["$ref"])
    return None


def binary_downloads(spec: Node) -> list[str]:
    changes = []
    for path, method, operation in operations(spec):
        for status, response in (operation.get("responses") or {}).items():
            content = response.get("content") or {}
            if str(status).startswith("2") and len(content) == 1 and _json_string(content):
                response["content"] = {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                }
                changes.append(
                    f"{method.upper()} {path} {status}: a JSON string body declared as"
                    " application/octet-stream binary (the body is the file's raw bytes)"
                )
    return changes


def _json_string(content: Node) -> bool:
    ((media, body),) = content.items()
    schema = body.get("schema") or {}
    return media.startswith("application/json") and schema == {"type": "string"}


def error_responses(spec: Node) -> list[str]:
    changes = []
    fixed = 0
    for _, _, operation in operations(spec):
        responses = operation.setdefault("responses", {})
        missing = [s for s in ("4XX", "5XX") if s not in responses and "default" not in responses]
        for status in missing:
            responses[status] = {"$ref": ERROR_RESPONSE}
        fixed += bool(missing)
    if fixed:
        changes.append(f"declared 4XX/5XX error responses on {fixed} operations")
    components = spec.setdefault("components", {})
    if fixed and "ErrorResponse" not in components.get("responses", {}):
        components.setdefault("responses", {})["ErrorResponse"] = {
            "description": "The request failed; the body says why.",
            "content": {"application/json": {"schema": {"$ref": ERROR_SCHEMA}}},
        }
        changes.append("added components.responses.ErrorResponse")
    schemas = components.setdefault("schemas", {})
    for name, schema in ERROR_SCHEMAS.items():
        if fixed and name not in schemas:
            schemas[name] = schema
            changes.append(f"added the {name} schema")
    return changes


ERROR_SCHEMAS: dict[str, Node] = {
    "Error": {
        "type": "object",
        "description": "What went wrong, as the service words it.",
        "properties": {
            "code": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            "message": {"type": "string"},
            "param": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            "type": {"type": "string"},
        },
        "required": ["type", "message", "param", "code"],
    },
    "ErrorResponse": {
        "type": "object",
        "description": "The envelope of every error the service returns.",
        "properties": {"error": {"$ref": "#/components/schemas/Error"}},
        "required": ["error"],
    },
}

# A field the service echoes back must accept every value a request may send.
ECHOED_ENUMS = {
    ("OpenAIFile", "purpose"): (("CreateFileRequest", "purpose"), ("CreateUploadRequest", "purpose")),
}


def enum_gaps(spec: Node) -> list[str]:
    schemas = spec.get("components", {}).get("schemas", {})
    changes = []
    for (model, field), sources in ECHOED_ENUMS.items():
        target = schemas.get(model, {}).get("properties", {}).get(field, {})
        if "enum" not in target:
            continue
        for source_model, source_field in sources:
            source = schemas.get(source_model, {}).get("properties", {}).get(source_field, {})
            missing = [v for v in source.get("enum", ()) if v not in target["enum"]]
            target["enum"].extend(missing)
            if missing:
                changes.append(
                    f"{model}.{field}: added {', '.join(map(str, missing))}"
                    f" (accepted by {source_model}.{source_field})"
                )
    return changes


def page_cursors(spec: Node) -> list[str]:
    changes = []
    for name, schema in spec.get("components", {}).get("schemas", {}).items():
        fields = schema.get("properties") or {}
        if "data" not in fields or "has_more" not in fields:
            continue
        for cursor in ("first_id", "last_id"):
            field = fields.get(cursor)
            if (
                field is not None
                and field.get("type") == "string"
                and not set(field) - {"type", "description"}
            ):
                del field["type"]
                field["anyOf"] = [{"type": "string"}, {"type": "null"}]
                changes.append(f"{name}.{cursor}: string or null (an empty page has no cursor)")
    return changes


def duplicate_titles(spec: Node) -> list[str]:
    schemas = spec.get("components", {}).get("schemas", {})
    by_name: defaultdict[str, list[str]] = defaultdict(list)
    for key, schema in schemas.items():
        by_name[_comparable(schema.get("title") or key)].append(key)
    changes = []
    for keys in by_name.values():
        titled = [key for key in keys if "title" in schemas[key]]
        if len(keys) < 2 or not titled:
            continue
        titles = sorted({str(schemas[key].pop("title")) for key in titled})
        changes.append(
            f"{', '.join(titled)}: dropped the title {' / '.join(map(repr, titles))}, which made"
            f" {' and '.join(keys)} one generated class; each is now named after its key"
        )
    return changes


def _comparable(name: str) -> str:
    """Names the generator turns into the same class compare equal."""
    return re.sub(r"[^0-9a-z]", "", name.lower())


def _upstream_only_fix(fix: Callable[[Node], list[str]]) -> Callable[[Node, Node | None], list[str]]:
    """A fix that reads only the upstream slice."""
    return lambda spec, _ours: fix(spec)


FIXES = (
    Fix(
        "example-evidence",
        "fields upstream's own examples show as null or leave out, typed never-null or required",
        _upstream_only_fix(example_evidence),
    ),
    Fix(
        "drop-upstream-extras",
        "SDK and docs metadata (x-oaiMeta, x-stainless-*, examples)",
        _upstream_only_fix(drop_upstream_extras),
    ),
    Fix(
        "nullable-refs",
        "3.0-style nullable references parse as not nullable",
        _upstream_only_fix(nullable_refs),
    ),
    Fix(
        "duplicate-titles",
        "shared titles make the generator drop models",
        _upstream_only_fix(duplicate_titles),
    ),
    Fix(
        "webhook-titles",
        "webhook payloads titled by event type name their classes after it",
        _upstream_only_fix(event_titles),
    ),
    Fix("stable-names", "schemas moved between inline and named rename generated classes", stable_names),
    Fix("binary-downloads", "file content declared as a JSON string", _upstream_only_fix(binary_downloads)),
    Fix(
        "error-responses", "no error responses, so errors are not parsed", _upstream_only_fix(error_responses)
    ),
    Fix("enum-gaps", "echoed enums that lack values the requests accept", _upstream_only_fix(enum_gaps)),
    Fix(
        "page-cursors",
        "list cursors declared as strings, but null on an empty page",
        _upstream_only_fix(page_cursors),
    ),
)
