"""Upstream-shaped specs built from ours: the defects put back, and small YAML patches on top."""

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from openai_files_spec._tree import Node, Where, keyword_nodes, operations
from openai_files_spec._wire import SCHEMA_REF

FIXTURES = Path(__file__).parent / "fixtures"
# An upstream refactor that keeps the wire format, applied in place.
Refactor = Callable[[Node], None]
UPSTREAM_WORDS = "Words as upstream wrote them."


def upstream_shaped(ours: Node) -> Node:
    """Our spec as upstream publishes it: other words, upstream metadata, and every known defect."""
    spec = copy.deepcopy(ours)
    for _, node in keyword_nodes(spec):
        node.pop("x-enum-varnames", None)
        for prose in ("summary", "description"):
            if prose in node:
                node[prose] = UPSTREAM_WORDS
    for _, _, operation in operations(spec):
        operation["x-oaiMeta"] = {"name": "docs only"}
        operation["responses"] = {k: v for k, v in operation["responses"].items() if k not in ("4XX", "5XX")}
    del spec["components"]["responses"]
    schemas = spec["components"]["schemas"]
    schemas["FileExpirationAfter"]["title"] = "File expiration policy"
    schemas["BatchFileExpirationAfter"]["title"] = "File expiration policy"
    file = schemas["Upload"]["properties"]["file"]
    file["allOf"] = [file.pop("anyOf")[0], {"nullable": True, "description": file.pop("description")}]
    schemas["OpenAIFile"]["properties"]["purpose"]["enum"].remove("evals")
    for page in ("ListFilesResponse", "ListBatchesResponse"):
        for cursor in ("first_id", "last_id"):
            schemas[page]["properties"][cursor] = {"type": "string", "example": "file-abc"}
    download = spec["paths"]["/files/{file_id}/content"]["get"]["responses"]["200"]
    download["content"] = {"application/json": {"schema": {"type": "string"}}}
    spec["paths"]["/models"] = {"get": {"operationId": "listModels", "tags": ["Models"], "responses": {}}}
    return spec


def patched(spec: Node, patch_name: str) -> Node:
    """`spec` with a fixture patch merged in: mappings merge, anything else replaces, null deletes."""
    patch = yaml.safe_load((FIXTURES / "changes" / patch_name).read_text())
    return _merge_patch(copy.deepcopy(spec), patch)


def _merge_patch(target: Any, patch: Any) -> Any:
    if not (isinstance(target, dict) and isinstance(patch, dict)):
        return patch
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        else:
            target[key] = _merge_patch(target.get(key), value)
    return target


def inline(spec: Node, name: str) -> None:
    """Component `name` written out wherever it is referred to, and removed, as upstream once had it."""
    schema = spec["components"]["schemas"].pop(name)
    for node in [node for _, node in keyword_nodes(spec) if node.get("$ref") == SCHEMA_REF + name]:
        del node["$ref"]
        node.update(copy.deepcopy(schema))


def name_inline(spec: Node, where: Where, name: str) -> None:
    """The inline schema at `where` moved into a new component `name`, as a later release may do."""
    holder = spec
    for key in where[:-1]:
        holder = holder[key]
    spec["components"]["schemas"][name] = holder[where[-1]]
    holder[where[-1]] = {"$ref": SCHEMA_REF + name}


def rename(spec: Node, old: str, new: str) -> None:
    """Component `old` called `new`, references included."""
    schemas = spec["components"]["schemas"]
    schemas[new] = schemas.pop(old)
    for _, node in keyword_nodes(spec):
        if node.get("$ref") == SCHEMA_REF + old:
            node["$ref"] = SCHEMA_REF + new


BATCH = ("components", "schemas", "Batch", "properties")
CREATE_BATCH = ("components", "schemas", "CreateBatchRequest", "properties")


def earlier_batch_release(spec: Node) -> None:
    """Inline -> named: the counts, the error items and the createBatch body inline, as in early 2026."""
    for name in ("BatchRequestCounts", "BatchError", "CreateBatchRequest"):
        inline(spec, name)


def named_objects(spec: Node) -> None:
    """Named -> inline: upstream names objects ours has inline (nested ones too)."""
    name_inline(spec, (*BATCH, "usage", "properties", "input_tokens_details"), "InputTokensDetails")
    name_inline(spec, (*BATCH, "usage"), "BatchUsage")
    name_inline(spec, (*BATCH, "errors"), "BatchErrorList")


def named_enums(spec: Node) -> None:
    """Inline enum -> named enum: upstream gives the enums ours has inline components of their own."""
    name_inline(spec, (*CREATE_BATCH, "endpoint"), "BatchEndpoint")
    name_inline(spec, (*CREATE_BATCH, "completion_window"), "BatchCompletionWindow")
    name_inline(spec, ("components", "schemas", "Upload", "properties", "status"), "UploadStatus")


def renamed_components(spec: Node) -> None:
    """Components renamed with the same structure, two of them merged into one."""
    rename(spec, "BatchRequestCounts", "BatchRequestCountsObject")
    rename(spec, "UploadPart", "UploadPartResource")
    rename(spec, "BatchFileExpirationAfter", "FileExpirationAfter")
    rename(spec, "FileExpirationAfter", "ExpiresAfter")


def inlined_response_and_union(spec: Node) -> None:
    """Inline -> named elsewhere: a response body, and a union used in two places."""
    inline(spec, "DeleteFileResponse")
    inline(spec, "Metadata")


def retitled(spec: Node) -> None:
    """Titles, which name the generated classes, on a component and on an inline object."""
    schemas = spec["components"]["schemas"]
    schemas["BatchRequestCounts"]["title"] = "Request counts"
    schemas["Batch"]["properties"]["errors"]["title"] = "Batch error list"


def write(spec: Node, path: Path) -> Path:
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path
