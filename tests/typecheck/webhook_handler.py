"""User-style code on the webhooks API: `make lint` runs `mypy --strict` over it (it is not run).

`unwrap` returns a union that narrows with `isinstance` to the generated models, without a cast.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import assert_type

from openai_files.webhooks import (
    UnknownWebhookEvent,
    WebhookBatchCompleted,
    WebhookBatchFailed,
    WebhookEvent,
    WebhookReceiver,
    batch_id_of,
    receiver,
    unwrap,
)


def handle(body: bytes, headers: Mapping[str, str]) -> str | None:
    event = unwrap(body, headers, "whsec_c2VjcmV0")
    assert_type(event, WebhookEvent)
    if isinstance(event, WebhookBatchCompleted):
        assert_type(event.data.id, str)
        return event.data.id
    if isinstance(event, WebhookBatchFailed):
        return f"failed: {event.data.id}"
    if isinstance(event, UnknownWebhookEvent):
        assert_type(event.type, str)
        return None
    return batch_id_of(event)


async def on_event(event: WebhookEvent) -> None:
    print(batch_id_of(event))


app: WebhookReceiver = receiver("whsec_c2VjcmV0", on_event)
