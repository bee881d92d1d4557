"""Fault injection and the control plane: scripted and seeded faults, drops, latency, bandwidth."""

from __future__ import annotations

import concurrent.futures
import hashlib
import json
import time
from pathlib import Path

import httpx
import openai
import pytest

from openai_files_emulator import Clock, EmulatorServer, FaultConfig

from .conftest import TIMEOUT, assert_error, upload_file


def test_scripted_faults_then_normal_service(api: httpx.Client, fresh_emulator: EmulatorServer) -> None:
    fresh_emulator.faults.set(script=("503", "429", "ok"), retry_after=2.5)
    error = assert_error(api.get("/files"), 503)
    assert error["type"] == "server_error"
    limited = api.get("/files")
    assert assert_error(limited, 429)["type"] == "rate_limit_error"
    assert (limited.headers["retry-after"], limited.headers["retry-after-ms"]) == ("3", "2500")
    assert api.get("/files").status_code == 200
    assert api.get("/files").status_code == 200  # the script is spent and no rate is set
    assert fresh_emulator.faults.injected == 2


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 418, 422, 504])
def test_script_answers_any_error_status(
    api: httpx.Client, fresh_emulator: EmulatorServer, status: int
) -> None:
    fresh_emulator.faults.set(script=(str(status),))
    refused = api.get("/files")
    error = assert_error(refused, status, contains="injected")
    assert error["type"] == ("server_error" if status >= 500 else "invalid_request_error")
    assert api.get("/files").status_code == 200


@pytest.mark.parametrize("action", ["399", "600", "200", "4o4"])
def test_script_refuses_what_is_not_an_error_status(action: str) -> None:
    with pytest.raises(ValueError, match="unknown script actions"):
        FaultConfig(script=(action,))


def test_request_log_keeps_headers_but_not_the_key(api: httpx.Client, fresh_emulator: EmulatorServer) -> None:
    fresh_emulator.faults.set(script=("503",))
    api.get("/files", headers={"Idempotency-Key": "k-1"})
    api.post("/uploads", json={}, headers={"Idempotency-Key": "k-2"})
    seen = fresh_emulator.emulator.requests.recent()
    assert [(r.method, r.path, r.headers["idempotency-key"]) for r in seen] == [
        ("GET", "/v1/files", "k-1"),  # the faulted attempt is logged too
        ("POST", "/v1/uploads", "k-2"),
    ]
    assert all("authorization" not in r.headers for r in seen)
    over_http = httpx.get(f"{fresh_emulator.root_url}/__emulator__/requests", timeout=TIMEOUT).json()["data"]
    assert [r["headers"]["idempotency-key"] for r in over_http] == ["k-1", "k-2"]
    assert fresh_emulator.api_key not in json.dumps(over_http)
    fresh_emulator.reset()
    assert fresh_emulator.emulator.requests.recent() == []


def test_seeded_rates_replay_exactly(api: httpx.Client, fresh_emulator: EmulatorServer) -> None:
    def run() -> list[int]:
        fresh_emulator.faults.set(error_rate=0.3, rate_limit_rate=0.2, seed=42)
        return [api.get("/files").status_code for _ in range(30)]

    first = run()
    assert run() == first
    assert {200, 429} <= set(first) and set(first) & {500, 502, 503}
    fresh_emulator.faults.set(error_rate=0.3, rate_limit_rate=0.2, seed=43)
    assert [api.get("/files").status_code for _ in range(30)] != first


def test_faults_scoped_by_path_and_method(api: httpx.Client, fresh_emulator: EmulatorServer) -> None:
    fresh_emulator.faults.set(error_rate=1.0, paths=("/v1/uploads/*/parts",), methods=("POST",))
    upload = api.post(
        "/uploads", json={"filename": "f", "purpose": "batch", "bytes": 1, "mime_type": "t"}
    ).json()
    assert api.get("/files").status_code == 200
    assert api.post(f"/uploads/{upload['id']}/parts", files={"data": ("u", b"x")}).status_code >= 500


def test_dropped_connection_mid_body(api: httpx.Client, fresh_emulator: EmulatorServer) -> None:
    upload = api.post(
        "/uploads", json={"filename": "f", "purpose": "batch", "bytes": 1, "mime_type": "t"}
    ).json()
    fresh_emulator.faults.set(script=("drop",))
    with pytest.raises(httpx.TransportError):
        api.post(f"/uploads/{upload['id']}/parts", files={"data": ("u", b"x" * 200_000)})
    assert api.post(f"/uploads/{upload['id']}/parts", files={"data": ("u", b"x")}).status_code == 200


def test_latency_inside_a_block_only(api: httpx.Client, fresh_emulator: EmulatorServer) -> None:
    with fresh_emulator.injected(latency=0.2):
        started = time.monotonic()
        api.get("/files")
        assert time.monotonic() - started >= 0.2
    assert not fresh_emulator.faults.config.active


def test_clock_frozen_or_offset() -> None:
    frozen = Clock(start=1_000.0)
    assert frozen.timestamp() == 1_000 and frozen.advance(60) == 1_060.0 and frozen.offset == 60
    frozen.reset()
    assert frozen.now() == 1_000.0
    with pytest.raises(ValueError, match="forward"):
        frozen.advance(-1)
    live = Clock()
    assert abs(live.now() - time.time()) < 5


def test_bandwidth_cap_both_ways(api: httpx.Client, fresh_emulator: EmulatorServer) -> None:
    file_id = upload_file(api, b"x" * 40_000)["id"]
    fresh_emulator.faults.set(bandwidth=200_000)
    started = time.monotonic()
    assert len(api.get(f"/files/{file_id}/content").content) == 40_000
    assert time.monotonic() - started >= 0.18
    started = time.monotonic()
    upload_file(api, b"y" * 40_000)
    assert time.monotonic() - started >= 0.18


def test_admin_endpoints(emulator: EmulatorServer, api: httpx.Client) -> None:
    admin = f"{emulator.root_url}/__emulator__"
    put = httpx.put(f"{admin}/faults", json={"script": ["500"], "error_statuses": [500]}, timeout=TIMEOUT)
    assert put.status_code == 200 and put.json()["script"] == ["500"]
    assert api.get("/files").status_code == 500
    assert httpx.get(f"{admin}/faults", timeout=TIMEOUT).json()["injected"] == 1
    assert httpx.delete(f"{admin}/faults", timeout=TIMEOUT).json() == FaultConfig().to_json()
    for bad in ({"error_rate": 2}, {"script": ["boom"]}, {"nonsense": 1}, {"error_statuses": [404]}):
        assert_error(httpx.put(f"{admin}/faults", json=bad, timeout=TIMEOUT), 400)

    upload = api.post(
        "/uploads", json={"filename": "f", "purpose": "batch", "bytes": 1, "mime_type": "t"}
    ).json()
    before = httpx.get(f"{admin}/clock", timeout=TIMEOUT).json()
    after = httpx.post(f"{admin}/clock/advance", json={"seconds": 3600}, timeout=TIMEOUT).json()
    assert after["offset"] - before["offset"] == 3600
    assert_error(api.post(f"/uploads/{upload['id']}/cancel"), 400, contains="expired")
    assert_error(
        httpx.post(f"{admin}/clock/advance", json={"seconds": -1}, timeout=TIMEOUT), 400, param="seconds"
    )

    assert httpx.post(f"{admin}/reset", timeout=TIMEOUT).status_code == 200
    assert httpx.get(f"{admin}/clock", timeout=TIMEOUT).json()["offset"] == 0
    assert_error(api.post(f"/uploads/{upload['id']}/cancel"), 404)


def test_official_sdk_recovers_through_retries(fresh_emulator: EmulatorServer, tmp_path: Path) -> None:
    """Drops, 5xx and 429 on parts: the SDK retries and the assembled file is still exact."""
    client = openai.OpenAI(
        api_key=fresh_emulator.api_key, base_url=fresh_emulator.base_url, max_retries=2, timeout=10
    )
    data = bytes(range(256)) * 64
    source = tmp_path / "data.bin"
    source.write_bytes(data)
    fresh_emulator.faults.set(
        script=("drop", "ok", "503", "ok", "429"), retry_after=0.05, paths=("/v1/uploads/*",)
    )
    upload = client.uploads.upload_file_chunked(
        file=source,
        mime_type="application/octet-stream",
        purpose="assistants",
        part_size=4096,
        md5=hashlib.md5(data).hexdigest(),
    )
    assert upload.file is not None
    assert client.files.content(upload.file.id).content == data
    assert fresh_emulator.faults.injected == 3


def test_total_bandwidth_is_shared_by_connections(fresh_emulator: EmulatorServer) -> None:
    """Two bodies at once on a 200 kB/s link take at least as long as both bytes need together."""
    fresh_emulator.faults.set(total_bandwidth=200_000)

    def one(index: int) -> None:
        headers = {"Authorization": f"Bearer {fresh_emulator.api_key}"}
        with httpx.Client(base_url=fresh_emulator.base_url, headers=headers, timeout=TIMEOUT) as client:
            upload_file(client, bytes([index]) * 40_000)

    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        list(pool.map(one, range(2)))
    assert time.monotonic() - started >= 0.38
    for bad in (0, -1):
        with pytest.raises(ValueError, match="positive"):
            FaultConfig(total_bandwidth=bad)
