"""A job's results as rows of plain columns, for a spreadsheet or a data frame: one row per `custom_id`.

Read leniently from each response body: the model it names, its token counts (`prompt_tokens` /
`completion_tokens`, or `input_tokens` / `output_tokens`), and the text where the endpoint answers with
one (chat completions, completions, responses); a column the body does not have is empty.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .outcome import JobResult

COLUMNS = (
    "custom_id",
    "status",
    "status_code",
    "model",
    "input_tokens",
    "output_tokens",
    "from_cache",
    "duplicate_of",
    "error",
    "text",
)


def result_row(result: JobResult) -> dict[str, Any]:
    """The `COLUMNS` of one result; `error` as `code: message` (JSON for an error of another shape)."""
    body = result.body if isinstance(result.body, Mapping) else {}
    found = body.get("usage")
    usage: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    model = body.get("model")
    return {
        "custom_id": result.custom_id,
        "status": result.status,
        "status_code": result.status_code,
        "model": model if isinstance(model, str) else None,
        "input_tokens": _count(usage, "prompt_tokens", "input_tokens"),
        "output_tokens": _count(usage, "completion_tokens", "output_tokens"),
        "from_cache": result.from_cache,
        "duplicate_of": result.duplicate_of,
        "error": _error(result.error),
        "text": _text(body),
    }


def _count(usage: Mapping[str, Any], *names: str) -> int | None:
    for name in names:
        value = usage.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def _error(error: Any) -> str | None:
    if error is None:
        return None
    if isinstance(error, Mapping) and isinstance(error.get("message"), str):
        return f"{error.get('code') or error.get('type') or 'error'}: {error['message']}"
    return json.dumps(error)


def _text(body: Mapping[str, Any]) -> str | None:
    """The answer's text: a chat completion's message, a completion's text, a response's output text."""
    choices = body.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], Mapping):
        message = choices[0].get("message")
        content = message.get("content") if isinstance(message, Mapping) else choices[0].get("text")
        return content if isinstance(content, str) else None
    output = body.get("output")
    if isinstance(output, list):
        parts = [
            part["text"]
            for item in output
            if isinstance(item, Mapping) and isinstance(item.get("content"), list)
            for part in item["content"]
            if isinstance(part, Mapping)
            and part.get("type") == "output_text"
            and isinstance(part.get("text"), str)
        ]
        return "".join(parts) if parts else None
    return None
