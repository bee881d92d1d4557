"""The service's rules as `make generate` wrote them from openapi.yaml, the same file the client reads.

`generated/openai_files_api/service_rules.json` ships in the same wheel as the emulator; it is read as a
file found by the package's import spec, which does not import the generated (client) package. So the
purposes (Files and Uploads apart), batch endpoints, completion windows, expiry range and size limits
the emulator enforces are the client's, both from the spec.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

RULES_PACKAGE = "openai_files_api"
RULES_FILE = "service_rules.json"


def _load() -> dict[str, Any]:
    spec = importlib.util.find_spec(RULES_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f"{RULES_PACKAGE} is not installed: the emulator reads {RULES_FILE} from it")
    folder = Path(next(iter(spec.submodule_search_locations)))
    rules: dict[str, Any] = json.loads((folder / RULES_FILE).read_text(encoding="utf-8"))
    return rules


_RULES = _load()
FILE_PURPOSES: tuple[str, ...] = tuple(_RULES["file_purposes"])
"""What `POST /files` takes."""
UPLOAD_PURPOSES: tuple[str, ...] = tuple(_RULES["upload_purposes"])
"""What `POST /uploads` takes: fewer than `POST /files` (no `user_data`, no `evals`)."""
BATCH_ENDPOINTS: tuple[str, ...] = tuple(_RULES["batch_endpoints"])
COMPLETION_WINDOWS: tuple[str, ...] = tuple(_RULES["completion_windows"])
MIN_EXPIRY_SECONDS: int = _RULES["min_expiry_seconds"]
MAX_EXPIRY_SECONDS: int = _RULES["max_expiry_seconds"]
MAX_FILE_BYTES: int = _RULES["max_file_bytes"]
MAX_UPLOAD_BYTES: int = _RULES["max_upload_bytes"]
MAX_PART_BYTES: int = _RULES["max_part_bytes"]
MAX_BATCH_REQUESTS: int = _RULES["max_batch_requests"]
MAX_BATCH_BYTES: int = _RULES["max_batch_bytes"]
MAX_EMBEDDING_INPUTS: int = _RULES["max_embedding_inputs"]
