"""Stand-in result bodies shaped per endpoint, as the spec's response schemas have them.

Each is a pure function of the request and ids, so two runs give byte-identical output files. Usage
carries the details the service reports: cached input tokens and reasoning tokens (zero unless the
batch settings say otherwise), and each embedding or moderation input gets its own item.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

STAND_IN_TOKENS = 8
"""Output tokens of every stand-in answer, reasoning tokens aside."""
# A 1x1 transparent PNG: an image result that decodes, in a few bytes.
PIXEL_PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
MODERATION_CATEGORIES = (
    "harassment",
    "harassment/threatening",
    "hate",
    "hate/threatening",
    "illicit",
    "illicit/violent",
    "self-harm",
    "self-harm/instructions",
    "self-harm/intent",
    "sexual",
    "sexual/minors",
    "violence",
    "violence/graphic",
)


@dataclass(frozen=True)
class Tokens:
    """One answered request's token counts."""

    prompt: int
    cached: int
    reasoning: int

    @property
    def output(self) -> int:
        return STAND_IN_TOKENS + self.reasoning


def inputs_of(body: dict[str, Any]) -> int:
    """How many inputs an embeddings or moderations request holds: a string or one token array is one,
    a list of them is as many as it has."""
    value = body.get("input")
    if isinstance(value, list) and value and not all(isinstance(item, int) for item in value):
        return len(value)
    return 1


def stand_in(
    endpoint: str,
    body: dict[str, Any],
    *,
    model: str,
    custom_id: str,
    digest: str,
    created: int,
    tokens: Tokens,
) -> dict[str, Any]:
    """The body the service would answer `body` with on `endpoint`, with stand-in content."""
    text = f"Stand-in response for {custom_id}."
    if endpoint in ("/v1/chat/completions", "/v1/completions"):
        chat = endpoint == "/v1/chat/completions"
        choice: dict[str, Any] = {"index": 0, "finish_reason": "stop", "logprobs": None}
        choice.update({"message": {"role": "assistant", "content": text}} if chat else {"text": text})
        return {
            "id": f"{'chatcmpl' if chat else 'cmpl'}-{digest[:24]}",
            "object": "chat.completion" if chat else "text_completion",
            "created": created,
            "model": model,
            "choices": [choice],
            "usage": _completion_usage(tokens),
        }
    if endpoint == "/v1/responses":
        return _response(digest, created, model, text, tokens)
    if endpoint == "/v1/embeddings":
        count = inputs_of(body)
        return {
            "object": "list",
            "data": [
                {"object": "embedding", "index": i, "embedding": _vector(digest, i)} for i in range(count)
            ],
            "model": model,
            "usage": {"prompt_tokens": tokens.prompt, "total_tokens": tokens.prompt},
        }
    if endpoint == "/v1/moderations":
        result = {
            "flagged": False,
            "categories": dict.fromkeys(MODERATION_CATEGORIES, False),
            "category_scores": dict.fromkeys(MODERATION_CATEGORIES, 0.0),
            "category_applied_input_types": {name: ["text"] for name in MODERATION_CATEGORIES},
        }
        return {"id": f"modr-{digest[:24]}", "model": model, "results": [result] * inputs_of(body)}
    if endpoint in ("/v1/images/generations", "/v1/images/edits"):
        n = body.get("n")
        count = n if isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= 10 else 1
        return {
            "created": created,
            "data": [{"b64_json": PIXEL_PNG} for _ in range(count)],
            "usage": {
                "input_tokens": tokens.prompt,
                "input_tokens_details": {"text_tokens": tokens.prompt, "image_tokens": 0},
                "output_tokens": tokens.output,
                "total_tokens": tokens.prompt + tokens.output,
            },
        }
    return {  # /v1/videos: the video job, done
        "id": f"video_{digest[:32]}",
        "object": "video",
        "model": model,
        "status": "completed",
        "progress": 100,
        "created_at": created,
        "completed_at": created,
    }


def _completion_usage(tokens: Tokens) -> dict[str, Any]:
    return {
        "prompt_tokens": tokens.prompt,
        "completion_tokens": tokens.output,
        "total_tokens": tokens.prompt + tokens.output,
        "prompt_tokens_details": {"cached_tokens": tokens.cached, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": tokens.reasoning,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def _response(digest: str, created: int, model: str, text: str, tokens: Tokens) -> dict[str, Any]:
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
        "usage": usage(tokens.prompt, tokens.cached, tokens.output, tokens.reasoning),
    }


def usage(input_tokens: int, cached: int, output_tokens: int, reasoning: int) -> dict[str, Any]:
    """`usage` as the Responses API and a batch show it."""
    return {
        "input_tokens": input_tokens,
        "input_tokens_details": {"cached_tokens": cached},
        "output_tokens": output_tokens,
        "output_tokens_details": {"reasoning_tokens": reasoning},
        "total_tokens": input_tokens + output_tokens,
    }


def _vector(digest: str, index: int) -> list[float]:
    start = (index * 4) % 32
    rotated = digest[start:] + digest[:start]
    return [int(rotated[i : i + 4], 16) / 65535.0 for i in range(0, 32, 4)]
