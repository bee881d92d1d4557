"""The receiver: mounted in Starlette, fed by the emulator under faults; served by `listen`; the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from standardwebhooks.webhooks import Webhook
from starlette.applications import Starlette
from starlette.routing import Mount

from openai_files.webhooks import WebhookEvent, WebhookVerificationError, batch_id_of, listen, receiver
from openai_files_emulator import EmulatorServer

from .conftest import SECRET, WAIT, AsgiServer, start_batch, wait_for_outcomes

BODY = json.dumps({"id": "evt_1", "type": "batch.failed", "created_at": 1, "data": {"id": "batch_9"}})


def reference_signed(body: str = BODY, msg_id: str = "msg_1") -> dict[str, str]:
    now = datetime.now(tz=UTC)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(SECRET).sign(msg_id=msg_id, timestamp=now, data=body),
        "content-type": "application/json",
    }


def wait_until(done: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT
    while not done():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_mounted_receiver_gets_each_emulator_event_once_under_duplicates_and_bad_signatures(
    fresh_emulator: EmulatorServer, serve_asgi: Callable[[Any], AsgiServer]
) -> None:
    got: list[WebhookEvent] = []

    async def on_event(event: WebhookEvent) -> None:
        got.append(event)

    app = Starlette(routes=[Mount("/hooks/openai", app=receiver(SECRET, on_event))])
    server = serve_asgi(app)
    fresh_emulator.batch_settings.set(pace="time", stage_seconds=0.05)
    fresh_emulator.webhooks.set(
        urls=(f"{server.url}/hooks/openai/",),
        secret=SECRET,
        retry_base=0.05,
        duplicate_rate=1.0,
        wrong_signature_rate=1.0,
    )
    batch_ids = {start_batch(fresh_emulator) for _ in range(3)}

    # per event: two copies, each refused once (wrong signature), then answered 200: 12 attempts
    outcomes = wait_for_outcomes(fresh_emulator, 12)

    assert sorted(outcomes) == ["webhook 200"] * 6 + ["webhook 400"] * 6
    wait_until(lambda: len(got) >= 3)
    time.sleep(0.2)  # no late repeat slips through
    assert sorted(batch_id_of(event) or "" for event in got) == sorted(batch_ids)
    assert {type(event).__name__ for event in got} == {"WebhookBatchCompleted"}


def test_listen_serves_without_a_framework_and_answers_each_case() -> None:
    got: list[WebhookEvent] = []
    hooks = receiver(SECRET, got.append)
    inbox = hooks.subscribe()
    server = listen(hooks, port=0)
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        with httpx.Client(timeout=10.0) as client:
            first = client.post(url, content=BODY, headers=reference_signed())
            again = client.post(url, content=BODY, headers=reference_signed())
            tampered = client.post(
                url, content=BODY.replace("batch_9", "batch_8"), headers=reference_signed()
            )
            unsigned = client.post(url, content=BODY, headers={"webhook-id": "m", "webhook-timestamp": "1"})
    finally:
        server.shutdown()
        server.server_close()
    assert (first.status_code, first.json()) == (200, {"received": True})
    assert (again.status_code, again.json()) == (200, {"received": True, "duplicate": True})
    assert tampered.status_code == 400 and tampered.json()["error"]["check"] == "signature"
    assert unsigned.status_code == 400 and unsigned.json()["error"]["check"] == "header"
    assert [batch_id_of(event) for event in got] == ["batch_9"]
    assert [batch_id_of(event) for event in inbox.take(0)] == ["batch_9"]


def test_a_receiver_without_a_secret_is_refused_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_WEBHOOK_SECRET", raising=False)
    with pytest.raises(WebhookVerificationError) as caught:
        receiver(None, print)
    assert caught.value.check == "secret"


def test_cli_listen_prints_json_lines_and_forwards(serve_asgi: Callable[[Any], AsgiServer]) -> None:
    forwarded: list[WebhookEvent] = []
    target = serve_asgi(receiver(SECRET, forwarded.append))
    env = {**os.environ, "OPENAI_WEBHOOK_SECRET": SECRET}
    command = [sys.executable, "-m", "openai_files", "webhooks", "listen", "--port", "0", "--json"]
    process = subprocess.Popen(
        [*command, "--forward-to", target.url],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None and process.stdout is not None
        banner = process.stderr.readline()
        port = int(banner.split("http://127.0.0.1:")[1].split("/")[0])
        with httpx.Client(timeout=10.0) as client:
            for _ in range(2):  # the repeat is dropped
                assert client.post(
                    f"http://127.0.0.1:{port}/", content=BODY, headers=reference_signed()
                ).is_success
        line = process.stdout.readline()
        wait_until(lambda: len(forwarded) == 1)
    finally:
        process.terminate()
        process.wait(timeout=WAIT)
    assert json.loads(line) == json.loads(BODY)
    assert batch_id_of(forwarded[0]) == "batch_9"


def test_cli_listen_without_secret_exits_2() -> None:
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_WEBHOOK_SECRET"}
    done = subprocess.run(
        [sys.executable, "-m", "openai_files", "webhooks", "listen", "--port", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=WAIT * 3,
        check=False,
    )
    assert done.returncode == 2
    assert "OPENAI_WEBHOOK_SECRET" in done.stderr and len(done.stderr.strip().splitlines()) == 1
