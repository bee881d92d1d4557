"""Webhooks: verify and parse the events the service POSTs when a batch ends.

`verify(payload, headers, secret)` checks a request's Standard Webhooks signature; `unwrap(...)` also
returns its event, typed. The secret defaults to `OPENAI_WEBHOOK_SECRET`. Both are plain functions that do
no I/O, so sync and async code call them alike. `receiver(secret, on_event)` is an ASGI app that
verifies, answers, drops repeats and hands on each new event; `listen` serves one without a framework.
"""

from .._generated import WebhookBatchCancelled, WebhookBatchCompleted, WebhookBatchExpired, WebhookBatchFailed
from ._events import BatchEvent, UnknownWebhookEvent, WebhookEvent, batch_id_of, unwrap
from ._receiver import EventInbox, WebhookReceiver, listen, receiver
from ._signature import SECRET_ENV, WebhookVerificationError, verify

__all__ = [
    "SECRET_ENV",
    "BatchEvent",
    "EventInbox",
    "UnknownWebhookEvent",
    "WebhookBatchCancelled",
    "WebhookBatchCompleted",
    "WebhookBatchExpired",
    "WebhookBatchFailed",
    "WebhookEvent",
    "WebhookReceiver",
    "WebhookVerificationError",
    "batch_id_of",
    "listen",
    "receiver",
    "unwrap",
    "verify",
]
