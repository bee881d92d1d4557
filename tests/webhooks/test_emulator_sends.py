"""The emulator POSTs a signed event when a batch ends: the official SDK verifies it; retries and faults."""

from __future__ import annotations

import itertools

import httpx
import pytest

from openai_files_emulator import EmulatorServer
from openai_files_emulator.__main__ import config_from, parser

from .conftest import SECRET, Sink, api, events, start_batch, wait_for_outcomes


def test_event_sent_when_a_batch_ends_unwraps_with_the_official_sdk(
    hooked: EmulatorServer, sink: Sink
) -> None:
    batch_id = start_batch(hooked)

    (delivery,) = sink.wait_for(lambda seen: len(seen) >= 1)

    event = sink.sdk.webhooks.unwrap(delivery.body, delivery.headers, secret=SECRET)
    assert event.type == "batch.completed"
    assert event.data.id == batch_id
    assert event.id.startswith("evt_") and event.object == "event"
    with api(hooked) as client:
        assert client.get(f"/batches/{batch_id}").json()["status"] == "completed"
    wait_for_outcomes(hooked, 1)  # logged once the answer is in, a moment after the sink saw it
    logged = [seen for seen in hooked.emulator.requests.recent() if seen.outcome is not None]
    assert [(seen.path, seen.outcome, seen.headers["webhook-id"]) for seen in logged] == [
        (sink.url, "webhook 200", delivery.headers["webhook-id"])
    ]


def test_cancelled_batch_sends_batch_cancelled(hooked: EmulatorServer, sink: Sink) -> None:
    hooked.batch_settings.set(pace="time", stage_seconds=0.5)  # long enough to cancel it first
    batch_id = start_batch(hooked)
    with api(hooked) as client:
        assert client.post(f"/batches/{batch_id}/cancel").status_code == 200

    (delivery,) = sink.wait_for(lambda seen: len(seen) >= 1)

    assert (events([delivery])[0]["type"], events([delivery])[0]["data"]) == (
        "batch.cancelled",
        {"id": batch_id},
    )


def test_non_2xx_answers_are_retried_with_the_same_id_and_body(hooked: EmulatorServer, sink: Sink) -> None:
    hooked.webhooks.set(hooked.webhooks.config, retry_base=0.2)
    sink.answers.extend([500, 503])
    start_batch(hooked)

    seen = sink.wait_for(lambda seen: len(seen) >= 3)

    assert len({r.headers["webhook-id"] for r in seen}) == 1
    assert len({r.body for r in seen}) == 1
    outcomes = wait_for_outcomes(hooked, 3)
    assert outcomes == ["webhook 500", "webhook 503", "webhook 200"]
    gaps = [later.at - earlier.at for earlier, later in itertools.pairwise(seen)]
    assert gaps[0] >= 0.2 and gaps[1] >= 0.4  # the backoff doubles from retry_base


def test_an_answer_slower_than_the_timeout_is_retried(hooked: EmulatorServer, sink: Sink) -> None:
    hooked.webhooks.set(hooked.webhooks.config, timeout=0.2)
    sink.stalls.append(1.0)
    start_batch(hooked)

    outcomes = wait_for_outcomes(hooked, 2)

    assert outcomes == ["webhook timeout", "webhook 200"]


def test_refused_connection_is_retried(fresh_emulator: EmulatorServer) -> None:
    fresh_emulator.batch_settings.set(pace="time", stage_seconds=0.05)
    fresh_emulator.webhooks.set(
        urls=("http://127.0.0.1:9/hook",), secret=SECRET, retry_base=0.05, max_attempts=3
    )
    start_batch(fresh_emulator)

    outcomes = wait_for_outcomes(fresh_emulator, 3)

    assert outcomes == ["webhook failed (ConnectError)"] * 3


def test_duplicate_fault_delivers_twice_with_one_webhook_id(hooked: EmulatorServer, sink: Sink) -> None:
    hooked.webhooks.set(hooked.webhooks.config, duplicate_rate=1.0)
    start_batch(hooked)

    seen = sink.wait_for(lambda seen: len(seen) >= 2)

    assert [r.verified for r in seen] == [True, True]
    assert seen[0].headers["webhook-id"] == seen[1].headers["webhook-id"] and seen[0].body == seen[1].body


def test_wrong_signature_fault_fails_verification_then_retry_passes(
    hooked: EmulatorServer, sink: Sink
) -> None:
    hooked.webhooks.set(hooked.webhooks.config, wrong_signature_rate=1.0)
    start_batch(hooked)

    seen = sink.wait_for(lambda seen: len(seen) >= 2)

    assert [r.verified for r in seen[:2]] == [False, True]
    assert wait_for_outcomes(hooked, 2)[:2] == [
        "webhook 400",
        "webhook 200",
    ]


def test_drop_fault_skips_the_first_try_and_delay_holds_it(hooked: EmulatorServer, sink: Sink) -> None:
    hooked.webhooks.set(hooked.webhooks.config, drop_rate=1.0, delay=0.3)
    start_batch(hooked)

    (delivery,) = sink.wait_for(lambda seen: len(seen) >= 1)

    assert delivery.verified
    assert wait_for_outcomes(hooked, 2) == [
        "webhook dropped (fault)",
        "webhook 200",
    ]


def test_control_plane_sets_webhooks_and_never_shows_the_secret(
    fresh_emulator: EmulatorServer, sink: Sink
) -> None:
    with httpx.Client(base_url=fresh_emulator.root_url, timeout=10.0) as plane:
        put = plane.put(
            "/__emulator__/webhooks", json={"urls": [sink.url], "secret": SECRET, "duplicate_rate": 0.5}
        )
        assert put.status_code == 200, put.text
        shown = plane.get("/__emulator__/webhooks").json()
        bad = plane.put("/__emulator__/webhooks", json={"urls": [sink.url], "secret": "plain"})
    assert shown["urls"] == [sink.url] and shown["duplicate_rate"] == 0.5
    assert SECRET not in str(shown) and SECRET[6:] not in str(shown)
    assert bad.status_code == 400 and "plain" not in bad.text
    assert fresh_emulator.webhooks.config.urls == (sink.url,)


@pytest.mark.parametrize("url", ["ftp://x", "127.0.0.1:80"])
def test_a_url_that_is_not_http_is_refused(fresh_emulator: EmulatorServer, url: str) -> None:
    with pytest.raises(ValueError, match="http"):
        fresh_emulator.webhooks.set(urls=(url,), secret=SECRET)


def test_command_line_registers_urls_and_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    args = ["--webhook-url", "http://127.0.0.1:8001/a", "--webhook-url", "http://127.0.0.1:8001/b"]
    config = config_from(parser().parse_args([*args, "--webhook-secret", SECRET]))
    assert config.webhooks.urls == ("http://127.0.0.1:8001/a", "http://127.0.0.1:8001/b")
    assert config.webhooks.secret == SECRET
    assert SECRET not in repr(config)
    monkeypatch.setenv("OPENAI_WEBHOOK_SECRET", SECRET)
    assert config_from(parser().parse_args(args)).webhooks.secret == SECRET


def test_reorder_fault_delivers_events_out_of_their_batches_order(hooked: EmulatorServer, sink: Sink) -> None:
    hooked.webhooks.set(hooked.webhooks.config, reorder_window=1.0, seed=2)
    batch_ids = [start_batch(hooked) for _ in range(5)]

    seen = sink.wait_for(lambda seen: len(seen) >= 5)

    arrived = [event["data"]["id"] for event in events(seen)]
    ended = sorted(batch_ids, key=lambda batch_id: hooked.emulator.batches.get(batch_id).since)
    assert sorted(arrived) == sorted(batch_ids)
    assert arrived != ended
