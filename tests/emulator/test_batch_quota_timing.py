"""The time-paced enqueued-token quota holds whenever a batch is polled, as the service's does."""

from __future__ import annotations

import json

import httpx

from openai_files_emulator import EmulatorServer

from .test_batches import create_batch, request

STAGE = 10.0


def _lines(prefix: str, count: int) -> bytes:
    text = "x" * 300
    rows = [
        request(f"{prefix}{n}", body={"model": "gpt-x", "messages": [{"content": text}]})
        for n in range(count)
    ]
    return "".join(json.dumps(row) + "\n" for row in rows).encode()


def test_a_batch_polled_late_is_held_to_the_quota_of_its_time(
    fresh_emulator: EmulatorServer, api: httpx.Client
) -> None:
    """B is created while A runs and together they are over the quota, so B fails validation, even when
    nobody looks at B until A has long completed and released its tokens."""
    first, second = _lines("a", 4), _lines("b", 4)
    limit = (len(first) + len(second)) // 4 - 50  # bytes / 4 per token (README): either fits, not both
    assert len(first) // 4 < limit and len(second) // 4 < limit
    fresh_emulator.batch_settings.set(pace="time", stage_seconds=STAGE, token_limits={"gpt-x": limit})
    a = create_batch(api, first)
    fresh_emulator.clock.advance(STAGE)  # A validated: in progress, its tokens enqueued
    b = create_batch(api, second)
    fresh_emulator.clock.advance(10 * STAGE)  # B validated while A ran; then A completed
    assert api.get(f"/batches/{a['id']}").json()["status"] == "completed"
    late = api.get(f"/batches/{b['id']}").json()
    assert late["status"] == "failed"
    assert [e["code"] for e in late["errors"]["data"]] == ["token_limit_exceeded"]
