"""The one shape of a result line, for `batches results` and `jobs results` alike, so a `jq` filter
written for one reads the other.

    {"custom_id", "status", "status_code", "body", "error", "request_id", "batch_id", "attempts"}

`status` is `succeeded`, `failed` or `cancelled` (a job's request that never ran); `body` the response
body at the top; `attempts` the batches the request went through (1 for a single batch).
"""

from __future__ import annotations

import json
from typing import Any

from .. import BatchResult, JobResult

__all__ = ["batch_result", "job_result"]


def _line(**fields: Any) -> str:
    return json.dumps(fields, sort_keys=True)


def batch_result(result: BatchResult, *, batch_id: str) -> str:
    """A batch's result as one JSON line."""
    return _line(
        custom_id=result.custom_id,
        status="succeeded" if result.ok else "failed",
        status_code=result.status_code,
        body=result.body,
        error=result.error,
        request_id=result.request_id,
        batch_id=batch_id,
        attempts=1,
    )


def job_result(result: JobResult) -> str:
    """A job's result as one JSON line, shaped as a batch's; `from_cache` and `duplicate_of` only where
    the result was reused (`--cache`, `--dedup`)."""
    response = (result.line or {}).get("response")
    request_id = response.get("request_id") if isinstance(response, dict) else None
    return _line(
        custom_id=result.custom_id,
        status=result.status,
        status_code=result.status_code,
        body=result.body,
        error=result.error,
        request_id=request_id,
        batch_id=result.batch_id,
        attempts=result.attempts,
        **({"from_cache": True} if result.from_cache else {}),
        **({"duplicate_of": result.duplicate_of} if result.duplicate_of is not None else {}),
    )
