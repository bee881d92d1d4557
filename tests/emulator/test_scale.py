"""Scale: the largest batch the service takes, with memory that does not grow with it, and 100 clients
at once; kept small enough for the suite (heavier runs: bench/emulator_ingest.py)."""

from __future__ import annotations

import json
import threading
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from openai_files_emulator import EmulatorServer

from .conftest import TIMEOUT, jsonl, upload_file
from .test_batches import CHAT, create_batch, request

LINES = 50_000
MiB = 1024 * 1024


def test_a_50000_line_batch_in_bounded_memory(api: httpx.Client) -> None:
    content = b"".join(
        b'{"custom_id": "r%d", "method": "POST", "url": "/v1/chat/completions", '
        b'"body": {"model": "gpt-x", "messages": [{"role": "user", "content": "hello %d"}]}}\n' % (i, i)
        for i in range(LINES)
    )
    batch = create_batch(api, content)
    tracemalloc.start()
    try:
        statuses = [api.get(f"/batches/{batch['id']}", timeout=120).json()["status"] for _ in range(3)]
        done = api.get(f"/batches/{batch['id']}", timeout=120).json()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert statuses == ["in_progress", "finalizing", "completed"] and done["status"] == "completed"
    assert done["request_counts"] == {"total": LINES, "completed": LINES, "failed": 0}
    output = api.get(f"/files/{done['output_file_id']}").json()
    # The input is 8 MB and the output more than three times that; neither is ever held whole.
    assert output["bytes"] > 3 * len(content) > 20 * MiB
    assert peak < 12 * MiB, f"peak {peak / MiB:.1f} MiB"
    count, last = 0, b""
    with api.stream("GET", f"/files/{done['output_file_id']}/content") as response:
        for line in response.iter_lines():
            count, last = count + 1, line.encode()
    assert count == LINES and json.loads(last)["custom_id"] == f"r{LINES - 1}"


CLIENTS = 100


def test_100_concurrent_clients_get_no_5xx(fresh_emulator: EmulatorServer) -> None:
    statuses: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(CLIENTS, timeout=60)

    def session(index: int) -> dict[str, Any]:
        with httpx.Client(
            base_url=fresh_emulator.base_url,
            headers={"Authorization": f"Bearer {fresh_emulator.api_key}"},
            timeout=TIMEOUT,
        ) as client:
            start.wait()  # every client connects and sends at once
            seen = []
            source = upload_file(client, jsonl(request(f"c{index}")))
            seen.append(client.get(f"/files/{source['id']}/content"))
            seen.append(client.get("/files", params={"limit": 5}))
            created = client.post(
                "/batches", json={"input_file_id": source["id"], "endpoint": CHAT, "completion_window": "24h"}
            )
            seen.append(created)
            seen.append(client.get(f"/batches/{created.json()['id']}"))
            with lock:
                statuses.extend(r.status_code for r in seen)
            return {"file": source["id"], "content": seen[0].content}

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        results = list(pool.map(session, range(CLIENTS)))
    assert len(statuses) == 4 * CLIENTS and set(statuses) == {200}
    assert len({r["file"] for r in results}) == CLIENTS
    assert all(json.loads(r["content"])["custom_id"] == f"c{i}" for i, r in enumerate(results))
    assert (
        len(
            fresh_emulator.emulator.files.list(purpose="batch", limit=10_000, order="asc", after=None)["data"]
        )
        == CLIENTS
    )
