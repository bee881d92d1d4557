"""The service's harder batch habits: token quota, one model, per-request outcomes, partial
results on expiry and cancel, all-failed batches, time pacing and the file lag; set from a test,
over the control plane and (see test_cli) at start."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from openai_files_emulator import BatchConfig, EmulatorServer

from .conftest import TIMEOUT, assert_error, jsonl, upload_file
from .test_batches import CHAT, create_batch, poll, request


def lines_of(api: httpx.Client, file_id: str | None) -> list[dict[str, Any]]:
    if file_id is None:
        return []
    return [json.loads(x) for x in api.get(f"/files/{file_id}/content").text.splitlines()]


def results(api: httpx.Client, batch: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    return lines_of(api, batch.get("output_file_id")), lines_of(api, batch.get("error_file_id"))


def many(count: int, model: str = "gpt-x") -> bytes:
    return jsonl(*(request(f"r{i}", body={"model": model, "messages": []}) for i in range(count)))


def test_enqueued_token_quota_per_model(api: httpx.Client, fresh_emulator: EmulatorServer) -> None:
    content = many(4)
    estimate = sum(max(1, len(line) // 4) for line in content.splitlines(keepends=True))
    fresh_emulator.batch_settings.set(token_limits={"gpt-x": estimate + estimate // 2})
    first = create_batch(api, content)
    assert api.get(f"/batches/{first['id']}").json()["status"] == "in_progress"  # admitted: tokens held

    second = create_batch(api, content)  # created fine; refused at validation, as the service does
    refused = api.get(f"/batches/{second['id']}").json()
    assert refused["status"] == "failed"
    error = refused["errors"]["data"][0]
    assert error["code"] == "token_limit_exceeded" and "gpt-x" in error["message"]
    assert error["line"] is None
    other_model = create_batch(api, many(4, model="gpt-y"))  # another model's queue is its own
    assert api.get(f"/batches/{other_model['id']}").json()["status"] == "in_progress"

    assert poll(api, first["id"])[-1]["status"] == "completed"  # tokens released
    third = create_batch(api, content)
    assert api.get(f"/batches/{third['id']}").json()["status"] == "in_progress"


def test_quota_counts_batches_still_cancelling_and_frees_cancelled_ones(
    api: httpx.Client, fresh_emulator: EmulatorServer
) -> None:
    fresh_emulator.batch_settings.set(default_token_limit=10**6 // 2, in_progress_steps=3)
    big = jsonl(request("x", body={"model": "m", "input": "y" * 1_900_000}))  # about 475,000 tokens
    first = create_batch(api, big)
    api.get(f"/batches/{first['id']}")
    api.post(f"/batches/{first['id']}/cancel")
    second = create_batch(api, big)
    assert api.get(f"/batches/{second['id']}").json()["errors"]["data"][0]["code"] == "token_limit_exceeded"
    assert api.get(f"/batches/{first['id']}").json()["status"] == "cancelled"
    third = create_batch(api, big)
    assert api.get(f"/batches/{third['id']}").json()["status"] == "in_progress"


def test_one_model_per_batch(api: httpx.Client, fresh_emulator: EmulatorServer) -> None:
    mixed = jsonl(
        request("a"),
        request("b", body={"messages": []}),  # no model: not a mismatch (answered with a 400 later)
        request("c", body={"model": "gpt-y", "messages": []}),
    )
    failed = api.get(f"/batches/{create_batch(api, mixed)['id']}").json()
    assert failed["status"] == "failed"
    error = failed["errors"]["data"][0]
    assert (error["code"], error["line"], error["param"]) == ("mismatched_model", 3, "body.model")
    assert "gpt-y" in error["message"] and "gpt-x" in error["message"]

    fresh_emulator.batch_settings.set(one_model=False)
    done = poll(api, create_batch(api, mixed)["id"])[-1]
    assert done["status"] == "completed"


def test_per_request_outcomes_are_seeded(api: httpx.Client, fresh_emulator: EmulatorServer) -> None:
    def run(seed: int) -> tuple[list[tuple[str, int]], list[tuple[str, int]], dict[str, int]]:
        fresh_emulator.reset()
        fresh_emulator.batch_settings.set(line_status_rate=0.3, line_error_rate=0.2, seed=seed)
        done = poll(api, create_batch(api, many(40))["id"])[-1]
        output, errors = results(api, done)
        return (
            [(x["custom_id"], x["response"]["status_code"]) for x in output],
            [(x["custom_id"], x["response"]["status_code"]) for x in errors],
            done["request_counts"],
        )

    output, errors, counts = run(seed=1)
    assert counts == {"total": 40, "completed": len(output), "failed": len(errors)}
    assert len(output) + len(errors) == 40
    assert {status for _, status in output} - {200} and {status for _, status in output} <= {
        200,
        400,
        429,
        500,
    }
    assert errors and {status for _, status in errors} <= {400, 429, 500}
    assert run(seed=1) == (output, errors, counts)
    assert run(seed=2) != (output, errors, counts)


def test_every_request_failed(api: httpx.Client, fresh_emulator: EmulatorServer) -> None:
    fresh_emulator.batch_settings.set(line_error_rate=1.0)
    done = poll(api, create_batch(api, many(3))["id"])[-1]
    assert done["status"] == "completed" and done["request_counts"] == {
        "total": 3,
        "completed": 0,
        "failed": 3,
    }
    assert done["output_file_id"] is None  # there is no output file
    assert len(lines_of(api, done["error_file_id"])) == 3


@pytest.mark.parametrize("ending", ["cancelled", "expired"])
def test_partial_results(api: httpx.Client, fresh_emulator: EmulatorServer, ending: str) -> None:
    fresh_emulator.batch_settings.set(in_progress_steps=4)
    batch = create_batch(api, many(8))
    assert api.get(f"/batches/{batch['id']}").json()["status"] == "in_progress"
    progress = api.get(f"/batches/{batch['id']}").json()
    assert progress["status"] == "in_progress"
    assert progress["request_counts"] == {"total": 8, "completed": 2, "failed": 0}
    if ending == "cancelled":
        api.post(f"/batches/{batch['id']}/cancel")
    else:
        fresh_emulator.clock.advance(24 * 3600)
    ended = api.get(f"/batches/{batch['id']}").json()
    assert ended["status"] == ending and f"{ending}_at" in ended
    assert ended["request_counts"] == {"total": 8, "completed": 2, "failed": 6}
    output, errors = results(api, ended)
    assert [x["custom_id"] for x in output] == ["r0", "r1"]
    assert [x["custom_id"] for x in errors] == [f"r{i}" for i in range(2, 8)]
    assert all(x["response"] is None and x["error"]["code"] == f"batch_{ending}" for x in errors)
    assert all(x["id"].startswith("batch_req_") and x["error"]["message"] for x in errors)


def test_instant_batches_end_by_themselves_yet_are_answered_as_created(
    api: httpx.Client, fresh_emulator: EmulatorServer
) -> None:
    fresh_emulator.batch_settings.set(pace="instant")
    created = [create_batch(api, many(3)) for _ in range(5)]
    assert [batch["status"] for batch in created] == ["validating"] * 5  # what POST /batches answers
    listed = api.get("/batches", params={"limit": 100}).json()["data"]  # no retrieve has moved them
    assert [(b["status"], b["request_counts"]["completed"]) for b in listed] == [("completed", 3)] * 5


def test_time_pace_follows_the_clock(api: httpx.Client, fresh_emulator: EmulatorServer) -> None:
    fresh_emulator.batch_settings.set(pace="time", stage_seconds=60)
    batch = create_batch(api, many(8))
    url = f"/batches/{batch['id']}"
    assert [api.get(url).json()["status"] for _ in range(3)] == [
        "validating"
    ] * 3  # retrieves alone do not move it
    fresh_emulator.clock.advance(60)
    assert api.get(url).json()["status"] == "in_progress"
    fresh_emulator.clock.advance(30)
    half = api.get(url).json()
    assert half["status"] == "in_progress" and half["request_counts"]["completed"] == 4
    fresh_emulator.clock.advance(30)
    assert api.get(url).json()["status"] == "finalizing"
    fresh_emulator.clock.advance(3600)  # long after: every stage taken at once, at its own time
    done = api.get(url).json()
    assert done["status"] == "completed" and done["request_counts"]["completed"] == 8
    assert done["completed_at"] - done["finalizing_at"] == 60
    assert done["finalizing_at"] - done["in_progress_at"] == 60


def test_a_new_file_is_unknown_to_batches_for_a_seeded_while(
    api: httpx.Client, fresh_emulator: EmulatorServer
) -> None:
    fresh_emulator.batch_settings.set(file_lag=3600, seed=4)
    source = upload_file(api, many(1))
    body = {"input_file_id": source["id"], "endpoint": CHAT, "completion_window": "24h"}
    assert_error(api.post("/batches", json=body), 400, param="input_file_id", contains="no file")
    assert api.get(f"/files/{source['id']}").status_code == 200  # only batch creation lags
    fresh_emulator.clock.advance(3600)  # `file_lag` is the longest a file stays unknown
    assert api.post("/batches", json=body).status_code == 200


def test_behaviour_over_the_control_plane(api: httpx.Client, fresh_emulator: EmulatorServer) -> None:
    admin = f"{fresh_emulator.root_url}/__emulator__/batches"
    assert httpx.get(admin, timeout=TIMEOUT).json() == BatchConfig().to_json()
    put = httpx.put(admin, json={"token_limits": {"gpt-x": 5}, "pace": "retrieve"}, timeout=TIMEOUT)
    assert put.status_code == 200 and put.json()["token_limits"] == {"gpt-x": 5}
    failed = api.get(f"/batches/{create_batch(api, many(2))['id']}").json()
    assert failed["errors"]["data"][0]["code"] == "token_limit_exceeded"
    for bad in (
        '{"token_limits": {"gpt-x": "5"}}',
        '{"token_limits": ["gpt-x"]}',
        '{"line_error_rate": 2}',
        '{"line_statuses": [200]}',
        '{"line_statuses": "429"}',
        '{"pace": "fast"}',
        '{"stage_seconds": -1}',
        '{"in_progress_steps": 1.5}',
        '{"file_lag": 1e999}',
        '{"file_lag": NaN}',
        '{"one_model": 1}',
        '{"nonsense": true}',
    ):
        refused = httpx.put(admin, content=bad, headers={"Content-Type": "application/json"}, timeout=TIMEOUT)
        assert_error(refused, 400)
    assert httpx.get(admin, timeout=TIMEOUT).json()["token_limits"] == {
        "gpt-x": 5
    }  # refusals changed nothing
    assert httpx.delete(admin, timeout=TIMEOUT).json() == BatchConfig().to_json()
