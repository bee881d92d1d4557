"""Batches: creation checks, input validation, the lifecycle, results, cancel, expiry, listing."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from openai_files_emulator import EmulatorServer
from openai_files_emulator.batches.jsonl import lines_from

from .conftest import assert_error, jsonl, upload_file

CHAT = "/v1/chat/completions"
MAX_POLLS = 10


def request(custom_id: str, **changes: Any) -> dict[str, Any]:
    line = {"custom_id": custom_id, "method": "POST", "url": CHAT, "body": {"model": "gpt-x", "messages": []}}
    return {**line, **changes}


def create_batch(client: httpx.Client, content: bytes, endpoint: str = CHAT, **extra: Any) -> dict[str, Any]:
    source = upload_file(client, content)
    response = client.post(
        "/batches",
        json={"input_file_id": source["id"], "endpoint": endpoint, "completion_window": "24h", **extra},
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def poll(client: httpx.Client, batch_id: str) -> list[dict[str, Any]]:
    seen = []
    for _ in range(MAX_POLLS):
        seen.append(client.get(f"/batches/{batch_id}").json())
        if seen[-1]["status"] in {"completed", "failed", "expired", "cancelled"}:
            return seen
    raise AssertionError(f"batch never finished: {[b['status'] for b in seen]}")


STAGE_TIMES = ("in_progress_at", "finalizing_at", "completed_at", "failed_at", "expired_at", "cancelling_at")


def test_a_new_batch_shows_what_it_lacks_as_null(api: httpx.Client) -> None:
    """As upstream's example answers show a batch: no errors, no files and the times not reached yet are
    null, not left out; `model` and `usage` are left out until known."""
    batch = create_batch(api, jsonl(request("a")))
    assert batch["errors"] is None
    assert batch["output_file_id"] is None and batch["error_file_id"] is None
    assert all(batch[name] is None for name in (*STAGE_TIMES, "cancelled_at"))
    assert "model" not in batch and "usage" not in batch


@pytest.mark.parametrize("empty", [True, False])
def test_absent_file_ids_are_empty_strings_as_a_setting(
    api: httpx.Client, fresh_emulator: EmulatorServer, empty: bool
) -> None:
    """The service has been seen to send "" for a file a batch does not have."""
    fresh_emulator.batch_settings.set(empty_file_ids=empty)
    done = poll(api, create_batch(api, jsonl(request("a")))["id"])[-1]
    assert done["status"] == "completed" and done["output_file_id"].startswith("file-")
    assert done["error_file_id"] == ("" if empty else None)


def test_lifecycle_and_results(api: httpx.Client) -> None:
    content = jsonl(request("a"), request("b", body={"messages": []}), request("c"))
    batch = create_batch(
        api, content, metadata={"run": "1"}, output_expires_after={"anchor": "created_at", "seconds": 3600}
    )
    assert (
        batch["status"] == "validating"
        and batch["id"].startswith("batch_")
        and batch["metadata"] == {"run": "1"}
    )
    assert batch["expires_at"] == batch["created_at"] + 24 * 3600
    seen = poll(api, batch["id"])
    assert [b["status"] for b in seen] == ["in_progress", "finalizing", "completed"]
    assert seen[0]["request_counts"] == {"total": 3, "completed": 0, "failed": 0}
    assert seen[1]["request_counts"] == {"total": 3, "completed": 2, "failed": 1}  # final once finalizing
    done = seen[-1]
    assert done["request_counts"] == {"total": 3, "completed": 2, "failed": 1}
    assert {"in_progress_at", "finalizing_at", "completed_at"} <= set(done) and done["model"] == "gpt-x"
    assert done["usage"]["total_tokens"] == done["usage"]["input_tokens"] + done["usage"]["output_tokens"]
    output_file = api.get(f"/files/{done['output_file_id']}").json()
    assert (
        output_file["purpose"] == "batch_output"
        and output_file["expires_at"] == output_file["created_at"] + 3600
    )
    output = [json.loads(x) for x in api.get(f"/files/{done['output_file_id']}/content").text.splitlines()]
    assert [(x["custom_id"], x["response"]["status_code"]) for x in output] == [("a", 200), ("c", 200)]
    reply = output[0]["response"]["body"]
    assert reply["object"] == "chat.completion" and reply["choices"][0]["message"]["content"]
    errors = [json.loads(x) for x in api.get(f"/files/{done['error_file_id']}/content").text.splitlines()]
    assert [(x["custom_id"], x["response"]["status_code"]) for x in errors] == [("b", 400)]
    assert api.get(f"/batches/{batch['id']}").json() == done  # terminal: no more steps


def test_results_are_deterministic(fresh_emulator: EmulatorServer, api: httpx.Client) -> None:
    """Same input after a reset, same results; only `created` follows the clock, which keeps running."""

    def run() -> list[dict[str, Any]]:
        batch = create_batch(api, jsonl(request("a"), request("b")))
        done = poll(api, batch["id"])[-1]
        lines = [json.loads(x) for x in api.get(f"/files/{done['output_file_id']}/content").text.splitlines()]
        for line in lines:
            assert line["response"]["body"].pop("created") == batch["created_at"]
        return lines

    first = run()
    fresh_emulator.reset()
    assert run() == first


@pytest.mark.parametrize(
    ("lines", "code", "line_number"),
    [
        ([b"not json"], "invalid_json_line", 1),
        ([json.dumps(request("a")).encode(), json.dumps(request("a")).encode()], "duplicate_custom_id", 2),
        ([json.dumps(request("a", url="/v1/embeddings")).encode()], "mismatched_url", 1),
        ([json.dumps(request("a", method="GET")).encode()], "invalid_method", 1),
        ([json.dumps(request("a", body="hi")).encode()], "invalid_body", 1),
        ([json.dumps(request("")).encode()], "missing_custom_id", 1),
        ([b"[1]"], "invalid_json_line", 1),
        ([b"", b"  "], "empty_file", None),
    ],
)
def test_invalid_input_fails_the_batch(
    api: httpx.Client, lines: list[bytes], code: str, line_number: int | None
) -> None:
    batch = create_batch(api, b"\n".join(lines) + b"\n")
    failed = api.get(f"/batches/{batch['id']}").json()
    assert failed["status"] == "failed" and "failed_at" in failed
    error = failed["errors"]["data"][0]
    assert (error["code"], error["line"]) == (code, line_number)
    assert failed["output_file_id"] is None  # as upstream's examples show a batch without one


@pytest.mark.parametrize(
    ("body", "param", "fragment"),
    [
        ({"endpoint": "/v1/audio"}, "endpoint", "not one of"),
        ({"completion_window": "48h"}, "completion_window", "24h"),
        ({"input_file_id": "file-missing"}, "input_file_id", "no file"),
        ({"metadata": {"k": 1}}, "metadata", "string"),
        ({"metadata": {f"k{i}": "v" for i in range(17)}}, "metadata", "16"),
        ({"metadata": {"k" * 65: "v"}}, "metadata", "64"),
        (
            {"output_expires_after": {"anchor": "created_at", "seconds": 1}},
            "output_expires_after.seconds",
            "between",
        ),
        ({"priority": "high"}, "priority", "unrecognized"),
    ],
)
def test_create_refused(api: httpx.Client, body: dict[str, Any], param: str, fragment: str) -> None:
    source = upload_file(api, jsonl(request("a")))
    base = {"input_file_id": source["id"], "endpoint": CHAT, "completion_window": "24h"}
    assert_error(api.post("/batches", json={**base, **body}), 400, param=param, contains=fragment)


def test_create_needs_fields_and_a_batch_file(api: httpx.Client) -> None:
    source = upload_file(api, jsonl(request("a")), purpose="user_data")
    for field in ("input_file_id", "endpoint", "completion_window"):
        body = {"input_file_id": source["id"], "endpoint": CHAT, "completion_window": "24h"}
        del body[field]
        assert_error(api.post("/batches", json=body), 400, param=field, contains="missing")
    body = {"input_file_id": source["id"], "endpoint": CHAT, "completion_window": "24h"}
    assert_error(api.post("/batches", json=body), 400, param="input_file_id", contains="purpose")


def test_input_deleted_before_validation(api: httpx.Client) -> None:
    batch = create_batch(api, jsonl(request("a")))
    api.delete(f"/files/{batch['input_file_id']}")
    failed = api.get(f"/batches/{batch['id']}").json()
    assert failed["status"] == "failed" and failed["errors"]["data"][0]["code"] == "missing_input_file"


def test_cancel(api: httpx.Client) -> None:
    batch = create_batch(api, jsonl(request("a")))
    api.get(f"/batches/{batch['id']}")  # in_progress
    cancelling = api.post(f"/batches/{batch['id']}/cancel").json()
    assert cancelling["status"] == "cancelling" and "cancelling_at" in cancelling
    assert api.post(f"/batches/{batch['id']}/cancel").json()["status"] == "cancelling"  # idempotent
    cancelled = api.get(f"/batches/{batch['id']}").json()
    assert cancelled["status"] == "cancelled" and "cancelled_at" in cancelled
    assert_error(api.post(f"/batches/{batch['id']}/cancel"), 400, param="batch_id", contains="cancelled")
    assert_error(api.post("/batches/batch_nope/cancel"), 404, param="batch_id")
    assert_error(api.get("/batches/batch_nope"), 404, param="batch_id")


def test_cancel_while_finalizing_publishes_every_result(api: httpx.Client) -> None:
    batch = create_batch(api, jsonl(request("a")))
    api.get(f"/batches/{batch['id']}")  # in_progress
    assert api.get(f"/batches/{batch['id']}").json()["status"] == "finalizing"  # all answered
    api.post(f"/batches/{batch['id']}/cancel")
    cancelled = api.get(f"/batches/{batch['id']}").json()

    assert cancelled["status"] == "cancelled" and cancelled["error_file_id"] is None
    assert cancelled["request_counts"] == {"total": 1, "completed": 1, "failed": 0}
    lines = api.get(f"/files/{cancelled['output_file_id']}/content").text.splitlines()
    assert [json.loads(x)["custom_id"] for x in lines] == ["a"]


def test_cancel_while_validating_runs_nothing(api: httpx.Client) -> None:
    batch = create_batch(api, jsonl(request("a")))
    api.post(f"/batches/{batch['id']}/cancel")
    cancelled = api.get(f"/batches/{batch['id']}").json()
    assert cancelled["status"] == "cancelled" and cancelled["request_counts"]["total"] == 0
    assert cancelled["output_file_id"] is None and cancelled["error_file_id"] is None
    assert api.get("/files", params={"purpose": "batch_output"}).json()["data"] == []


def test_expiry_follows_the_clock(api: httpx.Client, fresh_emulator: EmulatorServer) -> None:
    batch = create_batch(api, jsonl(request("a")))
    api.get(f"/batches/{batch['id']}")
    fresh_emulator.clock.advance(24 * 3600)
    expired = api.get(f"/batches/{batch['id']}").json()
    assert expired["status"] == "expired" and "expired_at" in expired


def test_list_newest_first_with_cursor(api: httpx.Client) -> None:
    ids = [create_batch(api, jsonl(request("a")))["id"] for _ in range(3)]
    page = api.get("/batches", params={"limit": 2}).json()
    assert [b["id"] for b in page["data"]] == ids[:0:-1] and page["has_more"] is True
    assert (page["first_id"], page["last_id"], page["object"]) == (ids[2], ids[1], "list")
    rest = api.get("/batches", params={"limit": 2, "after": page["last_id"]}).json()
    assert [b["id"] for b in rest["data"]] == [ids[0]] and rest["has_more"] is False
    assert len(api.get("/batches").json()["data"]) == 3  # default page size 20
    for params, param in (
        ({"limit": 101}, "limit"),
        ({"limit": 0}, "limit"),
        ({"after": "batch_nope"}, "after"),
    ):
        assert_error(api.get("/batches", params=params), 400, param=param)


def test_batch_over_an_upload_whose_parts_split_lines(api: httpx.Client) -> None:
    content = jsonl(request("a"), request("b"), request("c"))
    cuts = [content[:10], content[10 : len(content) // 2], content[len(content) // 2 :]]
    upload = api.post(
        "/uploads",
        json={"filename": "in.jsonl", "purpose": "batch", "bytes": len(content), "mime_type": "text/jsonl"},
    ).json()
    part_ids = [
        api.post(f"/uploads/{upload['id']}/parts", files={"data": ("upload", cut)}).json()["id"]
        for cut in cuts
    ]
    file = api.post(f"/uploads/{upload['id']}/complete", json={"part_ids": part_ids}).json()["file"]
    download = api.get(f"/files/{file['id']}/content")
    assert download.content == content and download.headers["content-length"] == str(len(content))
    batch = api.post(
        "/batches", json={"input_file_id": file["id"], "endpoint": CHAT, "completion_window": "24h"}
    ).json()
    done = poll(api, batch["id"])[-1]
    assert done["request_counts"] == {"total": 3, "completed": 3, "failed": 0}


def test_lines_are_read_with_their_numbers_and_ends_however_the_blocks_fall() -> None:
    data = b'{"a":1}\n\n  \n{"b":2}\r\nlast'
    expected = [(1, 18, b'{"a":1}\n'), (4, 31, b'{"b":2}\r\n'), (5, 35, b"last")]
    for size in range(1, len(data) + 1):
        blocks = [data[i : i + size] for i in range(0, len(data), size)]
        assert list(lines_from(blocks, 10)) == expected, size
