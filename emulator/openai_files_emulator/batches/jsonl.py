"""Reading a batch input file and writing its stand-in results, line by line, never whole.

Stand-in responses are a pure function of (batch id, custom_id, endpoint, body), so two runs with
the same seed give byte-identical output files.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from ..rules import MAX_BATCH_REQUESTS
from ..wire import parse_json
from . import bodies, script
from .script import Script
from .settings import BatchConfig

MAX_REPORTED_ERRORS = 100
# Endpoints whose requests the stand-in refuses without a model, to fill the error file realistically.
MODEL_OPTIONAL = frozenset({"/v1/moderations"})
ABANDONED = {
    "batch_expired": "This request could not be executed before the completion window expired.",
    "batch_cancelled": "This request was not executed because the batch was cancelled.",
}
LINE_ERRORS = {
    400: ("invalid_request_error", None, "The request was refused (a per-request outcome of the emulator)."),
    429: ("requests", "rate_limit_exceeded", "Rate limit reached (a per-request outcome of the emulator)."),
}


def estimated_tokens(raw: bytes) -> int:
    """A request's input tokens, estimated as its JSONL line's length in bytes divided by 4, at least 1.

    The one estimator: the enqueued-token quota counts it and `usage` reports it.
    """
    return max(1, len(raw) // 4)


@dataclass
class Validation:
    total: int = 0
    tokens: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    model: str | None = None
    model_line: int = 0

    def fail(self, line: int | None, code: str, message: str, param: str | None = None) -> None:
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append({"code": code, "message": message, "param": param, "line": line})


@dataclass
class Outcome:
    """What a batch's answered requests came to so far."""

    completed: int = 0
    failed: int = 0
    input_tokens: int = 0
    cached_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    answered: int = 0
    offset: int = 0
    """Where in the input file the first unanswered request starts."""


def lines_from(blocks: Iterable[bytes], offset: int = 0) -> Iterator[tuple[int, int, bytes]]:
    """The non-blank lines of a byte stream that starts at `offset`: (line number, end offset, line).

    Line numbers count from the stream's start, blank lines included; one line is held at a time,
    and a line longer than a block is scanned once (the carried part is known to hold no newline).
    """
    number, base, pending = 0, offset, bytearray()
    for block in blocks:
        scanned = len(pending)
        pending += block
        start = 0
        while (end := pending.find(b"\n", max(start, scanned))) != -1:
            number += 1
            if pending[start:end].strip():
                yield number, base + end + 1, bytes(pending[start : end + 1])
            start = end + 1
        del pending[:start]
        base += start
    if pending.strip():
        yield number + 1, base + len(pending), bytes(pending)


def validate(lines: Iterable[tuple[int, int, bytes]], endpoint: str, config: BatchConfig) -> Validation:
    """Check every line the way the service does before it starts a batch."""
    result = Validation()
    seen: set[str] = set()
    inputs = 0
    for number, _, raw in lines:
        result.total += 1
        result.tokens += estimated_tokens(raw)
        try:
            request = parse_json(raw)
        except ValueError:
            result.fail(number, "invalid_json_line", "This line is not parseable as valid JSON.")
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
            continue
        if endpoint == "/v1/embeddings":
            inputs += bodies.inputs_of(body)
        if isinstance(model := body.get("model"), str):
            if result.model is None:
                result.model, result.model_line = model, number
            elif config.one_model and model != result.model:
                result.fail(
                    number,
                    "mismatched_model",
                    f"A batch holds requests to one model: this line names '{model}', "
                    f"the batch '{result.model}' (line {result.model_line}).",
                    "body.model",
                )
    if result.total == 0:
        result.fail(None, "empty_file", "The input file holds no requests.")
    elif result.total > MAX_BATCH_REQUESTS:
        result.fail(None, "too_many_requests", f"A batch holds at most {MAX_BATCH_REQUESTS} requests.")
    elif inputs > config.max_embedding_inputs:
        result.fail(
            None,
            "too_many_inputs",
            f"An embeddings batch holds at most {config.max_embedding_inputs} inputs across its requests; "
            f"this one holds {inputs}.",
        )
    return result


@dataclass(frozen=True)
class Batch:
    """What answering a batch's requests depends on."""

    id: str
    endpoint: str
    created_at: int
    config: BatchConfig
    script: Script | None = None


def execute(
    lines: Iterable[tuple[int, int, bytes]], count: int, batch: Batch, outcome: Outcome, *,
    output: BinaryIO, errors: BinaryIO,
) -> None:  # fmt: skip
    """Answer the next `count` (already validated) requests, appending to the output and error files."""
    for _, end, raw in lines:
        if count <= 0:
            return
        count -= 1
        line, succeeded = answer(raw, batch, outcome)
        (output if succeeded else errors).write(json.dumps(line).encode() + b"\n")
        outcome.completed += succeeded
        outcome.failed += not succeeded
        outcome.answered += 1
        outcome.offset = end


def abandon(
    lines: Iterable[tuple[int, int, bytes]], batch: Batch, code: str, outcome: Outcome, errors: BinaryIO
) -> None:
    """Every request not answered yet goes to the error file with `code` (batch_expired, batch_cancelled)."""
    for _, end, raw in lines:
        custom_id = json.loads(raw)["custom_id"]
        line = {
            "id": f"batch_req_{_digest(batch.id, custom_id)[:32]}",
            "custom_id": custom_id,
            "response": None,
            "error": {"code": code, "message": ABANDONED[code]},
        }
        errors.write(json.dumps(line).encode() + b"\n")
        outcome.failed += 1
        outcome.offset = end


def answer(raw: bytes, batch: Batch, outcome: Outcome) -> tuple[dict[str, Any], bool]:
    """One request's result line and whether it belongs in the output file (else the error file)."""
    request = json.loads(raw)
    custom_id, body = request["custom_id"], request["body"]
    digest = _digest(batch.id, custom_id)
    line: dict[str, Any] = {"id": f"batch_req_{digest[:32]}", "custom_id": custom_id, "error": None}
    request_id = f"req_{digest[32:64]}"
    scripted = None if batch.script is None else script.lookup(batch.script, request)
    if scripted is not None:
        if scripted.error is not None:
            line["response"], line["error"] = None, dict(scripted.error)
        else:
            status, body = scripted.status, scripted.body
            line["response"] = {"status_code": status, "request_id": request_id, "body": body}
        return line, scripted.succeeded
    model = body.get("model")
    if not isinstance(model, str) and batch.endpoint not in MODEL_OPTIONAL:
        message = "The request body has no 'model'."
        line["response"] = _refusal(400, request_id, message, param="model")
        return line, False
    config = batch.config
    draw = config.draw(batch.id, custom_id)
    if draw < config.line_error_rate + config.line_status_rate:
        pick = config.draw("status", batch.id, custom_id)
        status = config.line_statuses[int(pick * len(config.line_statuses))]
        line["response"] = _refusal(status, request_id)
        return line, draw >= config.line_error_rate
    prompt = estimated_tokens(raw)
    tokens = bodies.Tokens(prompt, int(prompt * config.cached_fraction), config.reasoning_tokens)
    line["response"] = {
        "status_code": 200,
        "request_id": request_id,
        "body": bodies.stand_in(
            batch.endpoint,
            body,
            model=str(model or "omni-moderation-latest"),
            custom_id=custom_id,
            digest=digest,
            created=batch.created_at,
            tokens=tokens,
        ),
    }
    outcome.input_tokens += tokens.prompt
    outcome.cached_tokens += tokens.cached
    outcome.output_tokens += tokens.output
    outcome.reasoning_tokens += tokens.reasoning
    return line, True


def _digest(batch_id: str, custom_id: str) -> str:
    return hashlib.sha256(f"{batch_id}\0{custom_id}".encode()).hexdigest()


def _refusal(
    status: int, request_id: str, message: str | None = None, param: str | None = None
) -> dict[str, Any]:
    kind, code, default = LINE_ERRORS.get(
        status, ("server_error", None, "The server had an error (a per-request outcome of the emulator).")
    )
    error = {"message": message or default, "type": kind, "param": param, "code": code}
    return {"status_code": status, "request_id": request_id, "body": {"error": error}}
