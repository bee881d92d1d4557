"""Webhooks: verify and parse the events the service POSTs when a batch ends.

`verify(payload, headers, secret)` checks a request's Standard Webhooks signature; `unwrap(...)` also
returns its event, typed. The secret defaults to `OPENAI_WEBHOOK_SECRET`. Both are plain functions that do
no I/O, so sync and async code call them alike.
"""

from ._events import BatchEvent, UnknownWebhookEvent, WebhookEvent, batch_id_of, unwrap
from ._signature import SECRET_ENV, WebhookVerificationError, verify

__all__ = [
    "SECRET_ENV",
    "BatchEvent",
    "UnknownWebhookEvent",
    "WebhookEvent",
    "WebhookVerificationError",
    "batch_id_of",
    "unwrap",
    "verify",
]
