"""Standard Webhooks signatures, as OpenAI sends them: checked here, before any byte of a payload is trusted.

The scheme (https://www.standardwebhooks.com): the sender puts `webhook-id`, `webhook-timestamp` (Unix
seconds) and `webhook-signature` on the request; the signature header holds one or more space-separated
`v1,<base64 HMAC-SHA256>` entries (several during a key rotation), each computed over
`<id>.<timestamp>.<raw body>` with the secret. A `whsec_` secret is base64 after its prefix; any other
secret is used as its UTF-8 bytes, as the official SDK does. The timestamp bounds replays: one further than
`tolerance` seconds from now, either way, is refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import time
from collections.abc import Mapping

from .._errors import OpenAIFilesError

__all__ = ["SECRET_ENV", "WebhookVerificationError", "header", "secret_from", "verify"]

SECRET_ENV = "OPENAI_WEBHOOK_SECRET"
SECRET_PREFIX = "whsec_"
ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
SIGNATURE_VERSION = "v1"


class WebhookVerificationError(OpenAIFilesError, ValueError):
    """A webhook request is not provably from the holder of the secret; do not act on it.

    `check` names what failed: `"secret"` (none given, or not valid base64 after `whsec_`), `"header"`
    (a `webhook-*` header is missing), `"timestamp"` (not an integer, or outside the tolerance),
    `"signature"` (no `v1` signature matches) or `"payload"` (verified, but not an event object). The
    message says which, and never quotes the secret.
    """

    def __init__(self, message: str, *, check: str) -> None:
        super().__init__(message)
        self.check = check


def secret_from(secret: str | None) -> bytes:
    """The HMAC key for `secret`, or for `OPENAI_WEBHOOK_SECRET` when it is None.

    Raises WebhookVerificationError (`check="secret"`) when there is none or its base64 is broken.
    """
    given = secret if secret is not None else os.environ.get(SECRET_ENV) or None
    if not given:
        raise WebhookVerificationError(f"no webhook secret: pass secret= or set {SECRET_ENV}", check="secret")
    if not given.startswith(SECRET_PREFIX):
        return given.encode()
    encoded = given.removeprefix(SECRET_PREFIX)
    try:  # padding is optional in Standard Webhooks secrets
        return base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise WebhookVerificationError(
            f"the webhook secret is not valid base64 after its {SECRET_PREFIX!r} prefix", check="secret"
        ) from None


def header(headers: Mapping[str, str], name: str) -> str:
    """The value of `name` in `headers`, whatever the case of its key; raises WebhookVerificationError."""
    value = headers.get(name)
    if value is None:
        value = next((v for k, v in headers.items() if k.lower() == name), None)
    if not value:
        raise WebhookVerificationError(f"the {name} header is missing", check="header")
    return value


def sign(key: bytes, *, webhook_id: str, timestamp: str, body: bytes) -> str:
    """The base64 `v1` signature of one request (without the `v1,` prefix)."""
    signed = b".".join((webhook_id.encode(), timestamp.encode(), body))
    return base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def verify(
    payload: bytes | str,
    headers: Mapping[str, str],
    secret: str | None = None,
    *,
    tolerance: int = 300,
) -> None:
    """Check that `payload` (the raw request body) was signed with `secret` within `tolerance` seconds.

    `headers` is any mapping of the request's headers (a dict, Starlette's or Django's headers), read
    case-insensitively. `secret` defaults to `OPENAI_WEBHOOK_SECRET`. The same function serves sync and
    async code: it does no I/O. Returns nothing; raises WebhookVerificationError naming the failed check.
    """
    key = secret_from(secret)
    webhook_id = header(headers, ID_HEADER)
    timestamp = header(headers, TIMESTAMP_HEADER)
    signatures = header(headers, SIGNATURE_HEADER)
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise WebhookVerificationError(
            f"the {TIMESTAMP_HEADER} header is not a Unix time in seconds", check="timestamp"
        ) from None
    skew = int(time.time()) - sent_at
    if abs(skew) > tolerance:
        when = "old" if skew > 0 else "far in the future"
        raise WebhookVerificationError(
            f"the {TIMESTAMP_HEADER} is {abs(skew)} s {when}, beyond the {tolerance} s tolerance",
            check="timestamp",
        )
    body = payload.encode() if isinstance(payload, str) else payload
    expected = sign(key, webhook_id=webhook_id, timestamp=timestamp, body=body).encode()
    candidates = [
        entry.partition(",")[2].encode()
        for entry in signatures.split()
        if entry.partition(",")[0] == SIGNATURE_VERSION
    ]
    # Every candidate is compared, in constant time each, so the time taken says nothing of which matched.
    matched = [hmac.compare_digest(expected, candidate) for candidate in candidates]
    if not any(matched):
        raise WebhookVerificationError(
            f"no {SIGNATURE_VERSION} signature in the {SIGNATURE_HEADER} header matches the payload "
            f"({len(candidates)} given): wrong secret, or the body was changed",
            check="signature",
        )
