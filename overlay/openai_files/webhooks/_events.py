"""Webhook events as typed objects: the batch events' generated models, and a generic one for the rest.

The service may add event types at any time; one this client does not know parses as an
`UnknownWebhookEvent` (its fields kept as sent) rather than failing, so a receiver keeps acknowledging.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from .._generated import WebhookBatchCancelled, WebhookBatchCompleted, WebhookBatchExpired, WebhookBatchFailed
from ._signature import WebhookVerificationError, verify

__all__ = ["BatchEvent", "UnknownWebhookEvent", "WebhookEvent", "batch_id_of", "parse_event", "unwrap"]

BatchEvent: TypeAlias = (
    WebhookBatchCompleted | WebhookBatchFailed | WebhookBatchExpired | WebhookBatchCancelled
)

BATCH_EVENTS: dict[str, type[BatchEvent]] = {
    "batch.completed": WebhookBatchCompleted,
    "batch.failed": WebhookBatchFailed,
    "batch.expired": WebhookBatchExpired,
    "batch.cancelled": WebhookBatchCancelled,
}


@dataclass(frozen=True)
class UnknownWebhookEvent:
    """An event of a type this client has no model for: `type`, `id`, and everything else as sent."""

    id: str
    type: str
    created_at: int | None
    data: Mapping[str, Any]
    raw: Mapping[str, Any] = field(repr=False)


WebhookEvent: TypeAlias = BatchEvent | UnknownWebhookEvent


def parse_event(payload: bytes | str) -> WebhookEvent:
    """The event in a verified payload; raises WebhookVerificationError (`check="payload"`) if none."""
    try:
        document = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        raise WebhookVerificationError("the webhook payload is not JSON", check="payload") from None
    kind = document.get("type") if isinstance(document, dict) else None
    if not isinstance(kind, str) or not isinstance(document.get("id"), str):
        raise WebhookVerificationError(
            "the webhook payload is not an event object (no string `id` and `type`)", check="payload"
        )
    model = BATCH_EVENTS.get(kind)
    if model is None:
        created = document.get("created_at")
        data = document.get("data")
        return UnknownWebhookEvent(
            id=document["id"],
            type=kind,
            created_at=created if isinstance(created, int) else None,
            data=data if isinstance(data, dict) else {},
            raw=document,
        )
    try:
        return model.from_dict(document)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise WebhookVerificationError(
            f"the {kind} event lacks a field its schema requires ({type(exc).__name__}: {exc})",
            check="payload",
        ) from None


def unwrap(
    payload: bytes | str,
    headers: Mapping[str, str],
    secret: str | None = None,
    *,
    tolerance: int = 300,
) -> WebhookEvent:
    """Verify a webhook request (see `verify`) and return its event.

    Returns a `WebhookBatchCompleted`, `WebhookBatchFailed`, `WebhookBatchExpired` or
    `WebhookBatchCancelled`, or an `UnknownWebhookEvent` for any other type. Raises
    WebhookVerificationError when a check fails, or when the verified body is not an event.
    """
    verify(payload, headers, secret, tolerance=tolerance)
    return parse_event(payload)


def batch_id_of(event: WebhookEvent) -> str | None:
    """The batch a batch event is about; None for any other event."""
    if isinstance(event, UnknownWebhookEvent):
        return None
    return event.data.id
