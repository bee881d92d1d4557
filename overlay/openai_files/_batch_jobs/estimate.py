"""How many tokens a request will count against its model's enqueued-token quota, estimated up front.

The service counts a batch's input tokens against the organisation's queue when the batch is created,
with the model's own tokenizer. The client has no tokenizer, so the default overestimates on purpose:
one token per 3 bytes of the request line (tokenizers average about 4 bytes of English per token), plus
any output cap the request sets. Pass your own (a tokenizer, a per-model table) as `estimator=`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

TokenEstimator = Callable[[Mapping[str, Any], int], int]
"""Called with (the request as parsed, its JSONL line's size in bytes); returns estimated tokens."""

OUTPUT_CAPS = ("max_tokens", "max_completion_tokens", "max_output_tokens")
_ANY_CAP = frozenset(OUTPUT_CAPS)
"""One C-level pass over the body's keys tells the usual body, which sets none, from one that sets one."""
_MAPPINGS = (dict, Mapping)
"""`dict` first: its check is a few times cheaper than the `Mapping` ABC's, and nearly every body is one."""


def output_cap(request: Mapping[str, Any]) -> int:
    """The most output tokens the request's body allows (its `max_tokens`-like field), 0 when it sets none."""
    body = request.get("body")
    if isinstance(body, _MAPPINGS) and not _ANY_CAP.isdisjoint(body):
        for name in OUTPUT_CAPS:
            if name in body:
                value = body[name]
                return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0
    return 0


def conservative_estimate(request: Mapping[str, Any], line_bytes: int) -> int:
    """The default estimator: `line_bytes / 3`, rounded up, plus the body's output cap if it has one."""
    return -(-line_bytes // 3) + output_cap(request)
