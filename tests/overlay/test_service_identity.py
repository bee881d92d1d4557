"""Resumable state names its service (issue 21, item 1): a job manifest or an upload journal made against
one emulator is refused, naming both, when resumed against another one or the same one after a reset
(whose seeded ids repeat, so old ids would silently name new objects)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from openai_files import AsyncClient, Client, InternalServerError, JobConfig, ServiceMismatchError
from openai_files_emulator import EmulatorServer

from .conftest import write_requests

INSTANCE = "openai-files-emulator-instance"
PART = 64 * 1024


def _posts(server: EmulatorServer) -> list[str]:
    return [s.path for s in server.emulator.requests.recent() if s.method == "POST"]


def test_every_answer_names_the_instance_and_a_reset_draws_a_new_one(fresh_emulator: EmulatorServer) -> None:
    with Client(api_key=fresh_emulator.api_key, base_url=fresh_emulator.base_url, timeout=10) as client:
        response = client.generated.get_httpx_client().get("/files")
        first = response.headers[INSTANCE]
        assert first and client.generated.get_httpx_client().get("/nope").headers[INSTANCE] == first
        fresh_emulator.reset()
        assert client.generated.get_httpx_client().get("/files").headers[INSTANCE] not in ("", first)


def test_a_finished_job_rerun_against_a_reset_emulator_is_refused_naming_both(
    fresh_emulator: EmulatorServer, tmp_path: Path
) -> None:
    """The issue's scenario: a fixed job id and input; the rerun used to pass having sent 0 requests."""
    source = write_requests(tmp_path / "in.jsonl", 3)
    config = JobConfig(state_dir=tmp_path / "jobs", poll_interval=0.01)
    with Client(api_key=fresh_emulator.api_key, base_url=fresh_emulator.base_url, timeout=10) as client:
        assert client.batch_jobs.run(source, job_id="nightly", config=config, timeout=30).state == "finished"
    manifest_service = _recorded(tmp_path / "jobs" / "nightly")
    assert manifest_service["base_url"] == fresh_emulator.base_url and manifest_service["instance"]
    old_instance = manifest_service["instance"]
    fresh_emulator.reset()
    with Client(api_key=fresh_emulator.api_key, base_url=fresh_emulator.base_url, timeout=10) as client:
        with pytest.raises(ServiceMismatchError) as refused:
            client.batch_jobs.run(source, job_id="nightly", config=config, timeout=30)
        with pytest.raises(ServiceMismatchError):
            client.batch_jobs.wait("nightly", state_dir=tmp_path / "jobs", timeout=30)
    message = str(refused.value)
    assert old_instance in message and fresh_emulator.emulator.instance in message
    assert refused.value.recorded != refused.value.current and fresh_emulator.base_url in message
    assert _posts(fresh_emulator) == []  # nothing was sent to the new instance
    assert _recorded(tmp_path / "jobs" / "nightly")["instance"] == old_instance  # the job is kept as it was


def test_a_job_resumed_against_another_server_is_refused(
    fresh_emulator: EmulatorServer, tmp_path: Path
) -> None:
    source = write_requests(tmp_path / "in.jsonl", 2)
    config = JobConfig(state_dir=tmp_path / "jobs", poll_interval=0.01)
    with Client(api_key=fresh_emulator.api_key, base_url=fresh_emulator.base_url, timeout=10) as client:
        client.batch_jobs.submit(source, job_id="j", config=config)
    with EmulatorServer() as other, Client(api_key=other.api_key, base_url=other.base_url, timeout=10) as c:
        with pytest.raises(ServiceMismatchError) as refused:
            c.batch_jobs.wait("j", state_dir=tmp_path / "jobs", timeout=30)
        assert fresh_emulator.base_url in str(refused.value) and other.base_url in str(refused.value)
        assert other.emulator.requests.recent() == []  # refused on the base URL alone, nothing asked
    with Client(api_key=fresh_emulator.api_key, base_url=fresh_emulator.base_url, timeout=10) as client:
        assert client.batch_jobs.wait("j", state_dir=tmp_path / "jobs", timeout=30).state == "finished"


def test_an_upload_journal_resumed_against_a_reset_emulator_is_refused_and_kept(
    fresh_emulator: EmulatorServer, tmp_path: Path
) -> None:
    path = tmp_path / "data.bin"
    path.write_bytes(b"x" * (3 * PART))
    journal = tmp_path / "journal.json"
    with (
        Client(api_key=fresh_emulator.api_key, base_url=fresh_emulator.base_url, timeout=10) as client,
        fresh_emulator.injected(script=("503",), paths=("/v1/uploads/*/complete",)),
        pytest.raises(InternalServerError),
    ):
        client.with_options(max_retries=0).uploads.upload_file(
            path, purpose="batch", part_size=PART, resume=journal
        )
    recorded = json.loads(journal.read_text())["service"]
    assert recorded == {"base_url": fresh_emulator.base_url, "instance": fresh_emulator.emulator.instance}
    fresh_emulator.reset()
    with (
        Client(api_key=fresh_emulator.api_key, base_url=fresh_emulator.base_url, timeout=10) as client,
        pytest.raises(ServiceMismatchError, match=recorded["instance"]),
    ):
        client.uploads.upload_file(path, purpose="batch", part_size=PART, resume=journal)
    assert json.loads(journal.read_text())["service"] == recorded
    assert _posts(fresh_emulator) == []


def _recorded(folder: Path) -> dict[str, str]:
    """The service the job's manifest names, read with sqlite3 as any tool would."""
    db = sqlite3.connect(folder / "manifest.sqlite")
    try:
        (value,) = db.execute("SELECT value FROM meta WHERE key = 'service'").fetchone()
    finally:
        db.close()
    return dict(json.loads(value))


@pytest.mark.anyio
async def test_the_async_client_refuses_a_job_and_a_journal_of_another_instance(
    fresh_emulator: EmulatorServer, tmp_path: Path
) -> None:
    source = write_requests(tmp_path / "in.jsonl", 2)
    config = JobConfig(state_dir=tmp_path / "jobs", poll_interval=0.01)
    path = tmp_path / "data.bin"
    path.write_bytes(b"y" * (2 * PART))
    journal = tmp_path / "journal.json"
    async with AsyncClient(api_key=fresh_emulator.api_key, base_url=fresh_emulator.base_url, timeout=10) as c:
        await c.batch_jobs.run(source, job_id="nightly", config=config, timeout=30)
        with (
            fresh_emulator.injected(script=("503",), paths=("/v1/uploads/*/complete",)),
            pytest.raises(InternalServerError),
        ):
            await c.with_options(max_retries=0).uploads.upload_file(
                path, purpose="batch", part_size=PART, resume=journal
            )
    fresh_emulator.reset()
    async with AsyncClient(api_key=fresh_emulator.api_key, base_url=fresh_emulator.base_url, timeout=10) as c:
        with pytest.raises(ServiceMismatchError, match="emulator instance"):
            await c.batch_jobs.run(source, job_id="nightly", config=config, timeout=30)
        with pytest.raises(ServiceMismatchError, match="upload journal"):
            await c.uploads.upload_file(path, purpose="batch", part_size=PART, resume=journal)
    assert _posts(fresh_emulator) == []
