"""The service's suite: scripted answers stand in for the model, the emulator for the service."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from review_labels import label_reviews

from openai_files import AsyncClient, Client
from openai_files_emulator import Answer, EmulatorServer

REVIEWS = {"r1": "I love it", "r2": "Broke after a day", "r3": "Love the colour"}


def _model(request: dict[str, Any]) -> dict[str, Any]:
    """What the model answers: `positive` for a review that says love, else `negative`."""
    review = request["body"]["messages"][-1]["content"]
    word = "positive" if "love" in review.lower() else "negative"
    return {"object": "chat.completion", "choices": [{"index": 0, "message": {"content": word}}]}


def _batches_created(server: EmulatorServer) -> int:
    return sum(1 for r in server.emulator.requests.recent() if (r.method, r.path) == ("POST", "/v1/batches"))


def test_each_review_gets_the_models_label(
    client: Client, fresh_emulator: EmulatorServer, tmp_path: Path
) -> None:
    fresh_emulator.batch_settings.script(_model)
    labels = label_reviews(client, REVIEWS, workdir=tmp_path)
    assert labels == {"r1": "positive", "r2": "negative", "r3": "positive"}
    assert _batches_created(fresh_emulator) == 1  # this run sent its own batch, read no old results


def test_a_request_that_keeps_failing_is_labelled_unknown(
    client: Client, fresh_emulator: EmulatorServer, tmp_path: Path
) -> None:
    overloaded = {"error": {"message": "overloaded", "type": "server_error", "param": None, "code": None}}

    def answer(request: dict[str, Any]) -> Answer:
        if request["custom_id"] == "r2":
            return Answer(body=overloaded, status=500)
        return Answer(body=_model(request))

    fresh_emulator.batch_settings.script(answer)
    labels = label_reviews(client, REVIEWS, workdir=tmp_path)
    assert labels == {"r1": "positive", "r2": "unknown", "r3": "positive"}
    assert _batches_created(fresh_emulator) == 3  # r2 was tried in three batches (JobConfig.max_attempts)


def test_an_answer_that_is_not_a_label_is_unknown(
    client: Client, fresh_emulator: EmulatorServer, tmp_path: Path
) -> None:
    fresh_emulator.batch_settings.script({"r1": {"choices": [{"message": {"content": "It depends."}}]}})
    assert label_reviews(client, {"r1": "Meh"}, workdir=tmp_path) == {"r1": "unknown"}


def test_the_command_line_sees_this_tests_job_only(
    client: Client, fresh_emulator: EmulatorServer, tmp_path: Path
) -> None:
    fresh_emulator.batch_settings.script(_model)
    label_reviews(client, REVIEWS, workdir=tmp_path)
    listed = subprocess.run(
        [sys.executable, "-m", "openai_files", "--json", "jobs", "ls"],
        capture_output=True,
        text=True,
        timeout=60,
        env=os.environ,  # the plugin's: this test's state folder, the emulator's URL and key
        check=True,
    )
    jobs = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [(job["job_id"], job["state"]) for job in jobs] == [("nightly", "finished")]


@pytest.mark.anyio
async def test_the_async_client_reaches_the_same_emulator(
    async_client: AsyncClient, fresh_emulator: EmulatorServer, tmp_path: Path
) -> None:
    source = tmp_path / "notes.txt"
    source.write_text("hello")
    stored = await async_client.files.create(source, purpose="user_data")
    assert [f.id async for f in async_client.files.list()] == [stored.id]
