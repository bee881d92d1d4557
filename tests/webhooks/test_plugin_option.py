"""The pytest plugin's webhook options: a user's suite gets the signed events at the URL it names."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from .conftest import SECRET, Sink, events

SUITE = """
import json, os

from openai_files import Client


def test_batch_event_sent(client, fresh_emulator, emulator_env, tmp_path):
    assert os.environ["OPENAI_WEBHOOK_SECRET"] == os.environ["EXPECTED_SECRET"]
    fresh_emulator.batch_settings.set(pace="time", stage_seconds=0.05)
    line = {"custom_id": "a", "method": "POST", "url": "/v1/embeddings", "body": {"model": "m", "input": "x"}}
    (tmp_path / "in.jsonl").write_text(json.dumps(line) + "\\n")
    batch = client.batches.create_from_file(tmp_path / "in.jsonl")
    (tmp_path.parent.parent / "batch_id").write_text(batch.id)
    client.batches.wait(batch.id, timeout=10)
"""


def test_webhook_options_register_the_url_and_secret(tmp_path: Path, sink: Sink) -> None:
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_user.py").write_text(textwrap.dedent(SUITE))
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_WEBHOOK_SECRET"} | {"EXPECTED_SECRET": SECRET}
    options = [
        "--openai-files-emulator-webhook-url",
        sink.url,
        "--openai-files-emulator-webhook-secret",
        SECRET,
    ]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--basetemp={tmp_path / 'bt'}",
            *options,
        ],
        cwd=suite,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0 and "1 passed" in done.stdout, done.stdout[-3000:] + done.stderr[-2000:]
    batch_id = (tmp_path / "batch_id").read_text()
    received = sink.wait_for(lambda seen: len(seen) >= 1)
    assert received[0].verified
    assert [(event["type"], event["data"]["id"]) for event in events(received)] == [
        ("batch.completed", batch_id)
    ]
    assert json.loads(received[0].body)["object"] == "event"
