"""Upstream-shaped specs built from ours: the defects put back, and small YAML patches on top."""

import copy
from pathlib import Path
from typing import Any

import yaml

from openai_files_spec._tree import Node, keyword_nodes, operations

FIXTURES = Path(__file__).parent / "fixtures"
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


def write(spec: Node, path: Path) -> Path:
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path
