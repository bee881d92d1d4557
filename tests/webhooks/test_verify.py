"""Verification against the Standard Webhooks reference signer: it signs, ours accepts; the rest raises."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks.webhooks import Webhook
from starlette.datastructures import Headers

from openai_files.webhooks import (
    BatchEvent,
    UnknownWebhookEvent,
    WebhookBatchCancelled,
    WebhookBatchCompleted,
    WebhookBatchExpired,
    WebhookBatchFailed,
    WebhookVerificationError,
    unwrap,
    verify,
)

SECRET = "whsec_" + base64.b64encode(b"a test secret of 32 bytes, exact").decode()
OTHER = "whsec_" + base64.b64encode(b"another secret, also of 32 bytes").decode()
BODY = json.dumps(
    {
        "id": "evt_1",
        "object": "event",
        "type": "batch.completed",
        "created_at": 1719168000,
        "data": {"id": "b_1"},
    }
)


def signed(
    body: str = BODY, *, secret: str = SECRET, at: datetime | None = None, msg_id: str = "msg_1"
) -> dict[str, str]:
    """Headers as the reference library signs them."""
    when = at or datetime.now(tz=UTC)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(when.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id=msg_id, timestamp=when, data=body),
    }


def test_reference_signed_event_verifies_and_unwraps_typed() -> None:
    headers = signed()
    verify(BODY, headers, SECRET)
    event = unwrap(BODY.encode(), headers, SECRET)
    assert isinstance(event, WebhookBatchCompleted)
    assert (event.id, event.type_, event.created_at, event.data.id) == (
        "evt_1",
        "batch.completed",
        1719168000,
        "b_1",
    )


@pytest.mark.parametrize(
    ("kind", "model"),
    [
        ("batch.failed", WebhookBatchFailed),
        ("batch.expired", WebhookBatchExpired),
        ("batch.cancelled", WebhookBatchCancelled),
    ],
)
def test_each_batch_event_type_has_its_model(kind: str, model: type[BatchEvent]) -> None:
    body = BODY.replace("batch.completed", kind)
    event = unwrap(body, signed(body), SECRET)
    assert isinstance(event, model)
    assert (event.type_, event.data.id) == (kind, "b_1")


def test_unknown_event_type_parses_as_generic_event() -> None:
    body = json.dumps(
        {"id": "evt_9", "type": "video.completed", "created_at": 5, "data": {"id": "v_1"}, "x": 1}
    )
    event = unwrap(body, signed(body), SECRET)
    assert isinstance(event, UnknownWebhookEvent)
    assert (event.id, event.type, event.created_at, event.data, event.raw["x"]) == (
        "evt_9",
        "video.completed",
        5,
        {"id": "v_1"},
        1,
    )


def test_any_of_several_signatures_may_match_during_key_rotation() -> None:
    old = signed(secret=OTHER)["webhook-signature"]
    headers = signed()
    headers["webhook-signature"] = f"v2,abc {old} {headers['webhook-signature']}"
    verify(BODY, headers, SECRET)


def test_headers_are_read_case_insensitively_from_any_mapping() -> None:
    headers = {k.title(): v for k, v in signed().items()}
    verify(BODY, headers, SECRET)
    verify(BODY, Headers(headers=headers), SECRET)


def test_secret_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_WEBHOOK_SECRET", SECRET)
    verify(BODY, signed())
    monkeypatch.delenv("OPENAI_WEBHOOK_SECRET")
    with pytest.raises(WebhookVerificationError) as caught:
        verify(BODY, signed())
    assert caught.value.check == "secret"


def _failure(payload: str, headers: dict[str, str], secret: str = SECRET) -> WebhookVerificationError:
    with pytest.raises(WebhookVerificationError) as caught:
        unwrap(payload, headers, secret)
    for text in (str(caught.value), repr(caught.value)):
        for form in (SECRET, SECRET.removeprefix("whsec_"), base64.b64decode(SECRET[6:]).decode()):
            assert form not in text
    return caught.value


def test_tampered_body_raises_signature() -> None:
    error = _failure(BODY.replace("b_1", "b_2"), signed())
    assert error.check == "signature"
    assert "matches" in str(error)


def test_wrong_secret_raises_signature() -> None:
    assert _failure(BODY, signed(), OTHER).check == "signature"


@pytest.mark.parametrize("offset", [-301, 301])
def test_timestamp_outside_tolerance_raises_timestamp(offset: int) -> None:
    at = datetime.now(tz=UTC) + timedelta(seconds=offset)
    error = _failure(BODY, signed(at=at))
    assert error.check == "timestamp"
    assert "300 s tolerance" in str(error)


def test_tolerance_is_adjustable() -> None:
    at = datetime.now(tz=UTC) - timedelta(seconds=600)
    verify(BODY, signed(at=at), SECRET, tolerance=900)


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_missing_header_raises_header(missing: str) -> None:
    headers = signed()
    del headers[missing]
    error = _failure(BODY, headers)
    assert error.check == "header"
    assert missing in str(error)


def test_non_integer_timestamp_and_broken_secret_each_say_so() -> None:
    headers = signed() | {"webhook-timestamp": "soon"}
    assert _failure(BODY, headers).check == "timestamp"
    assert _failure(BODY, signed(), "whsec_not*base64!").check == "secret"


def test_verified_body_that_is_no_event_raises_payload() -> None:
    body = json.dumps({"type": "batch.completed"})
    assert _failure(body, signed(body)).check == "payload"
