"""A result record read back (`JobResult.from_record`) is the `JobResult` its fields make, whichever way
it is built: the usual record past `__init__`, any other through it. No server: records are text."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from openai_files import JobResult

LINE = {"id": "batch_req_1", "custom_id": "a", "response": {"status_code": 200, "body": {"ok": True}}}
USUAL = {
    "custom_id": "a",
    "status": "succeeded",
    "status_code": 200,
    "attempts": 1,
    "batch_id": "batch_1",
    "error": None,
    "line": LINE,
}


@pytest.mark.parametrize(
    "fields",
    [
        USUAL,
        {**USUAL, "from_cache": True},
        {**USUAL, "duplicate_of": "b", "status": "failed", "error": {"code": "x", "message": "y"}},
    ],
    ids=["usual", "from-cache", "duplicate"],
)
def test_a_record_reads_back_as_the_result_its_fields_make(fields: dict[str, Any]) -> None:
    read = JobResult.from_record(json.dumps(fields))
    made = JobResult(**fields)
    assert read == made
    assert repr(read) == repr(made)
    assert dataclasses.asdict(read) == {"from_cache": False, "duplicate_of": None, **fields}
    assert read.body == {"ok": True}
    with pytest.raises(dataclasses.FrozenInstanceError):
        read.status = "failed"  # type: ignore[misc]


@pytest.mark.parametrize(
    "fields",
    [{**USUAL, "surplus": 1}, {k: v for k, v in USUAL.items() if k != "attempts"}, [1, 2]],
    ids=["unknown-field", "missing-field", "not-an-object"],
)
def test_a_record_that_is_not_a_result_is_refused(fields: Any) -> None:
    with pytest.raises(TypeError):
        JobResult.from_record(json.dumps(fields))
