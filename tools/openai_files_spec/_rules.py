"""The service's rules both the client and the emulator enforce, read from `openapi.yaml` as data.

`make generate` writes them to `generated/openai_files_api/service_rules.json`; the client reads that file
through its seam and the emulator reads it without importing the generated package, so the two enforce
one list of purposes (Files and Uploads apart), batch endpoints, completion windows, expiry range and size
limits, and neither can drift from the spec. Choices and the expiry range are the spec's enums and
bounds; the size limits, which the spec states only in prose, are read from the sentences of our
`openapi.yaml` that state them (a summary or description kept across vendoring), in MB (10^6 bytes),
MiB (2^20), GB or GiB. A rule the spec does not state is left out with a warning (a trial spec may be
partial); the client and the emulator then fail at import, naming it.
"""

import json
import re
from collections.abc import Callable
from typing import Any

from openai_files_spec._tree import Node, operations
from openai_files_spec._yamlio import SpecError

UNITS = {"MB": 10**6, "MiB": 2**20, "GB": 10**9, "GiB": 2**30}
SIZE = r"(\d[\d,]*) (MB|MiB|GB|GiB)"
EMBEDDING_INPUTS = r"embeddings batch [^.]*?([\d,]+) inputs"


def service_rules(spec: Node) -> tuple[dict[str, Any], list[str]]:
    """The rules as plain JSON values, and why each rule the spec does not state is missing."""
    schemas = spec.get("components", {}).get("schemas", {})

    def batch_input() -> str:
        return str(_at(schemas, "CreateBatchRequest", "properties", "input_file_id", "description"))

    def seconds(keyword: str) -> int:
        return _integer(_at(schemas, "FileExpirationAfter", "properties", "seconds"), keyword)

    readers: dict[str, Callable[[], object]] = {
        "file_purposes": lambda: _enum(schemas, "CreateFileRequest", "purpose"),
        "upload_purposes": lambda: _enum(schemas, "CreateUploadRequest", "purpose"),
        "batch_endpoints": lambda: _enum(schemas, "CreateBatchRequest", "endpoint"),
        "completion_windows": lambda: _enum(schemas, "CreateBatchRequest", "completion_window"),
        "min_expiry_seconds": lambda: seconds("minimum"),
        "max_expiry_seconds": lambda: seconds("maximum"),
        "max_file_bytes": lambda: _size(_summary(spec, "createFile"), "createFile summary"),
        "max_upload_bytes": lambda: _size(_summary(spec, "createUpload"), "createUpload summary"),
        "max_part_bytes": lambda: _size(_summary(spec, "addUploadPart"), "addUploadPart summary"),
        "max_batch_requests": lambda: _count(batch_input(), r"at most ([\d,]+) requests", "batch requests"),
        "max_batch_bytes": lambda: _size(batch_input(), "CreateBatchRequest.input_file_id"),
        "max_embedding_inputs": lambda: _count(batch_input(), EMBEDDING_INPUTS, "embedding inputs"),
    }
    rules, missing = {}, []
    for name, read in readers.items():
        try:
            rules[name] = read()
        except SpecError as exc:
            missing.append(f"{name}: {exc}")
    return rules, missing


def rules_json(rules: dict[str, Any]) -> str:
    """The rules as the file `make generate` writes: sorted keys, one trailing newline."""
    return json.dumps(rules, indent=2, sort_keys=True) + "\n"


def _at(node: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(node, dict) or key not in node:
            raise SpecError(f"the spec has no {'.'.join(keys)}, which the service rules are read from")
        node = node[key]
    return node


def _enum(schemas: Node, schema: str, field: str) -> list[str]:
    values = _at(schemas, schema, "properties", field, "enum")
    return [str(value) for value in values]


def _integer(node: Node, keyword: str) -> int:
    value = _at(node, keyword)
    if not isinstance(value, int) or isinstance(value, bool):
        raise SpecError(f"FileExpirationAfter.seconds {keyword} must be an integer, got {value!r}")
    return value


def _summary(spec: Node, operation_id: str) -> str:
    for _, _, operation in operations(spec):
        if operation.get("operationId") == operation_id:
            return str(operation.get("summary", ""))
    raise SpecError(f"the spec has no operation {operation_id}, whose summary states a size limit")


def _size(text: str, where: str) -> int:
    found = re.search(SIZE, text)
    if found is None:
        raise SpecError(f"{where} states no size limit ('N MB', 'N MiB', 'N GB' or 'N GiB'): {text!r}")
    return int(found.group(1).replace(",", "")) * UNITS[found.group(2)]


def _count(text: str, pattern: str, what: str) -> int:
    found = re.search(pattern, text)
    if found is None:
        raise SpecError(f"CreateBatchRequest.input_file_id states no limit of {what}: {text!r}")
    return int(found.group(1).replace(",", ""))
