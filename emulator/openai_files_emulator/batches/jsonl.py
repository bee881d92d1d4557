"""Reading a batch input file and writing its stand-in results, line by line, never whole.

Stand-in responses are a pure function of (batch id, custom_id, endpoint, body), so two runs with
the same seed give byte-identical output files.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from ..blobs import SpoolFile

MAX_REQUESTS = 50_000
MAX_REPORTED_ERRORS = 100
# Endpoints whose requests the stand-in refuses without a model, to fill the error file realistically.
MODEL_OPTIONAL = frozenset({"/v1/moderations"})


@dataclass
class Validation:
    total: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    model: str | None = None

    def fail(self, line: int, code: str, message: str, param: str | None = None) -> None:
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append({"code": code, "message": message, "param": param, "line": line})


@dataclass
class Outcome:
    completed: int = 0
    failed: int = 0
    input_tokens: int = 0
    output_tokens: int = 0


def _lines(source: BinaryIO) -> Iterator[tuple[int, bytes]]:
    with source:
        for number, raw in enumerate(source, start=1):
            if raw.strip():
                yield number, raw


def validate(source: BinaryIO, endpoint: str) -> Validation:
    """Check every line the way the service does before it starts a batch."""
    result = Validation()
    seen: set[str] = set()
    for number, raw in _lines(source):
        result.total += 1
        try:
            request = json.loads(raw)
        except ValueError:
            result.fail(number, "invalid_json_line", "This line is not valid JSON.")
            continue
        if not isinstance(request, dict):
            result.fail(number, "invalid_json_line", "Each line must be a JSON object.")
            continue
        custom_id = request.get("custom_id")
        if not isinstance(custom_id, str) or not custom_id:
            result.fail(
                number, "missing_custom_id", "Each request needs a non-empty string 'custom_id'.", "custom_id"
            )
        elif custom_id in seen:
            result.fail(
                number, "duplicate_custom_id", f"The custom_id '{custom_id}' is used twice.", "custom_id"
            )
        else:
            seen.add(custom_id)
        if request.get("method") != "POST":
            result.fail(number, "invalid_method", "The only supported method is POST.", "method")
        if request.get("url") != endpoint:
            result.fail(number, "mismatched_url", f"The url must equal the batch endpoint {endpoint}.", "url")
        body = request.get("body")
        if not isinstance(body, dict):
            result.fail(number, "invalid_body", "Each request needs a JSON object 'body'.", "body")
        elif result.model is None and isinstance(body.get("model"), str):
            result.model = body["model"]
    if result.total == 0:
        result.fail(0, "empty_file", "The input file holds no requests.")
    elif result.total > MAX_REQUESTS:
        result.fail(0, "too_many_requests", f"A batch holds at most {MAX_REQUESTS} requests.")
    return result


def execute(
    source: BinaryIO, *, batch_id: str, endpoint: str, created_at: int, output: SpoolFile, errors: SpoolFile
) -> Outcome:
    """Answer every (already validated) request, writing output and error lines as it goes."""
    outcome = Outcome()
    for _, raw in _lines(source):
        request = json.loads(raw)
        custom_id, body = request["custom_id"], request["body"]
        digest = hashlib.sha256(f"{batch_id}\0{custom_id}".encode()).hexdigest()
        line: dict[str, Any] = {"id": f"batch_req_{digest[:32]}", "custom_id": custom_id, "error": None}
        model = body.get("model")
        if not isinstance(model, str) and endpoint not in MODEL_OPTIONAL:
            line["response"] = {
                "status_code": 400,
                "request_id": f"req_{digest[32:64]}",
                "body": {
                    "error": {
                        "message": "The request body has no 'model'.",
                        "type": "invalid_request_error",
                        "param": "model",
                        "code": None,
                    }
                },
            }
            outcome.failed += 1
            errors.write(json.dumps(line).encode() + b"\n")
            continue
        prompt_tokens = max(1, len(raw) // 4)
        line["response"] = {
            "status_code": 200,
            "request_id": f"req_{digest[32:64]}",
            "body": stand_in(
                endpoint,
                model=str(model or "omni-moderation-latest"),
                custom_id=custom_id,
                digest=digest,
                created=created_at,
                prompt_tokens=prompt_tokens,
            ),
        }
        outcome.completed += 1
        outcome.input_tokens += prompt_tokens
        outcome.output_tokens += STAND_IN_TOKENS
        output.write(json.dumps(line).encode() + b"\n")
    return outcome


STAND_IN_TOKENS = 8


def stand_in(
    endpoint: str, *, model: str, custom_id: str, digest: str, created: int, prompt_tokens: int
) -> dict[str, Any]:
    text = f"Stand-in response for {custom_id}."
    usage = {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": STAND_IN_TOKENS,
        "total_tokens": prompt_tokens + STAND_IN_TOKENS,
    }
    if endpoint == "/v1/chat/completions":
        return {
            "id": f"chatcmpl-{digest[:24]}",
            "object": "chat.completion",
            "created": created,
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop",
                    "logprobs": None,
                }
            ],
            "usage": usage,
        }
    if endpoint == "/v1/completions":
        return {
            "id": f"cmpl-{digest[:24]}",
            "object": "text_completion",
            "created": created,
            "model": model,
            "choices": [{"index": 0, "text": text, "finish_reason": "stop", "logprobs": None}],
            "usage": usage,
        }
    if endpoint == "/v1/embeddings":
        vector = [int(digest[i : i + 4], 16) / 65535.0 for i in range(0, 32, 4)]
        return {
            "object": "list",
            "data": [{"object": "embedding", "index": 0, "embedding": vector}],
            "model": model,
            "usage": {"prompt_tokens": prompt_tokens, "total_tokens": prompt_tokens},
        }
    if endpoint == "/v1/responses":
        return {
            "id": f"resp_{digest[:32]}",
            "object": "response",
            "created_at": created,
            "status": "completed",
            "model": model,
            "output": [
                {
                    "type": "message",
                    "id": f"msg_{digest[:32]}",
                    "role": "assistant",
                    "status": "completed",
                    "content": [{"type": "output_text", "text": text, "annotations": []}],
                }
            ],
            "usage": {
                "input_tokens": prompt_tokens,
                "output_tokens": STAND_IN_TOKENS,
                "total_tokens": prompt_tokens + STAND_IN_TOKENS,
            },
        }
    if endpoint == "/v1/moderations":
        return {
            "id": f"modr-{digest[:24]}",
            "model": model,
            "results": [{"flagged": False, "categories": {}, "category_scores": {}}],
        }
    return {
        "object": "emulator.stand_in",
        "created": created,
        "model": model,
        "endpoint": endpoint,
        "text": text,
    }
