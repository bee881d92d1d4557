"""Batch jobs and batches under what a heavy user's faulty run met (issue 19's further findings).

Each test sets up one finding against the emulator over real HTTP and checks the documented outcome.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from openai_files import APIStatusError, Client, JobConfig
from openai_files._batch_jobs.drivers import drive_sync
from openai_files._batch_jobs.effects import AnyEffect, CreateBatch, Store
from openai_files._batch_jobs.store import create_job, open_job
from openai_files._cli import main
from openai_files_emulator import EmulatorServer

from .test_batch_jobs import request, small_config, write_job


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run the command line in-process: its exit code, stdout and stderr."""
    try:
        code = main(["--timeout", "10", *argv])
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def _line(**changes: Any) -> str:
    return json.dumps({**request(2, model="gpt-4o-mini"), **changes})


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (_line(body={"model": "gpt-4o-mini", "temperature": float("nan")}), "NaN is not a JSON number"),
        (_line(body={"model": "gpt-4o-mini", "temperature": float("inf")}), "Infinity is not a JSON number"),
        (_line(body={"model": "gpt-4o-mini", "input": "a\udc00b"}), "\\\\udc00 is a lone surrogate"),
        (_line(custom_id="r\ud800"), "\\\\ud800 is a lone surrogate"),
    ],
)
@pytest.mark.parametrize("command", ["jobs submit --state-dir STATE", "batches create"])
def test_non_standard_json_is_refused_naming_the_line(
    env: EmulatorServer,
    client: Client,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    bad: str,
    message: str,
    command: str,
) -> None:
    """Python's json writes NaN, Infinity and (escaped) lone surrogates and reads them back; standard
    JSON has none, so the service would fail the whole batch: refused before any byte is sent."""
    source = write_job(tmp_path / "in.jsonl", 5, models=("gpt-4o-mini",))
    lines = source.read_text().splitlines()
    lines[2] = bad
    source.write_text("\n".join(lines) + "\n")
    argv = command.replace("STATE", str(tmp_path / "state")).split()
    code, out, err = cli(capsys, *argv[:2], str(source), *argv[2:])
    assert code == 2, err
    assert err.count("\n") == 1 and "line 3: " in err and message.replace("\\\\", "\\") in err, err
    assert out == ""
    assert list(client.files.list()) == []
    assert not (tmp_path / "state").exists() or not any((tmp_path / "state").iterdir())


class Killed(BaseException):
    """The process dying at a call: nothing after it runs, what the manifest holds stays."""


def _drive_until_killed(client: Client, effect: type[AnyEffect], job_id: str, config: JobConfig) -> None:
    """Drive the job until it is about to perform its first `effect`, and die there."""

    def die(next_effect: AnyEffect) -> None:
        if isinstance(next_effect, effect):
            raise Killed(effect.__name__)

    manifest, core = open_job(job_id, config.state_dir, drive=True)
    with closing(manifest), pytest.raises(Killed):
        drive_sync(client, core.run(), before=die)


def test_same_job_id_in_two_state_directories_keeps_to_its_own(client: Client, tmp_path: Path) -> None:
    """Job B runs under the same id from another state directory; job A, killed before its upload and
    again before its batch create, recovers without taking B's batch or deleting B's input file."""
    source = write_job(tmp_path / "in.jsonl", 30, models=("gpt-4o-mini",))
    a, b = (small_config(tmp_path, state_dir=tmp_path / name) for name in ("a", "b"))
    client.batch_jobs.submit(source, job_id="same", config=b)  # B's batch runs, its input file stored
    b_files = {f.id for f in client.files.list()}
    b_batches = {batch.id for batch in client.batches.list()}
    assert len(b_files) == len(b_batches) == 1

    manifest, _ = create_job(source, endpoint=None, job_id="same", config=a, estimator=None)
    manifest.close()
    _drive_until_killed(client, Store, "same", a)  # A dies while uploading its shard
    _drive_until_killed(client, CreateBatch, "same", a)  # ... then while creating its batch
    a_status = client.batch_jobs.wait("same", state_dir=a.state_dir, timeout=60)
    b_status = client.batch_jobs.wait("same", state_dir=b.state_dir, timeout=60)

    for status, config in ((a_status, a), (b_status, b)):
        assert status.requests == {"total": 30, "succeeded": 30, "failed": 0, "cancelled": 0, "pending": 0}
        results = list(client.batch_jobs.results("same", state_dir=config.state_dir))
        assert {(r.status, r.attempts) for r in results} == {("succeeded", 1)}
    a_ids = {r.batch_id for r in client.batch_jobs.results("same", state_dir=a.state_dir)}
    b_ids = {r.batch_id for r in client.batch_jobs.results("same", state_dir=b.state_dir)}
    assert b_ids == b_batches and len(a_ids) == 1 and not a_ids & b_ids  # each job kept to its own batch
    assert len(list(client.batches.list())) == 2


FAST_CLOCK_CHILD = """
import os, signal, sys, time
_real = time.time
time.time = lambda: _real() + 700  # this machine's clock runs 700 s ahead of the service's
from pathlib import Path
import httpx
from openai_files import Client, JobConfig

class DiesAfterCreate(httpx.HTTPTransport):
    def handle_request(self, request):
        response = super().handle_request(request)
        if request.method == "POST" and request.url.path.endswith("/batches"):
            response.read()
            os.kill(os.getpid(), signal.SIGKILL)  # the batch exists; the job has not recorded it
        return response

base_url, api_key, state_dir, source, kill = sys.argv[1:]
config = JobConfig(poll_interval=0.01, max_poll_interval=0.02, state_dir=Path(state_dir))
transport = DiesAfterCreate() if kill == "kill" else None
with Client(api_key=api_key, base_url=base_url, timeout=10.0, transport=transport) as client:
    client.batch_jobs.run(Path(source), job_id="skew", config=config)
"""


def test_a_fast_client_clock_does_not_run_a_shard_twice(
    client: Client, fresh_emulator: EmulatorServer, tmp_path: Path
) -> None:
    """Killed right after its batch was created, a job whose machine's clock is 700 s fast finds that
    batch again on rerun: reconciliation goes by the service's times, not this machine's."""
    source = write_job(tmp_path / "in.jsonl", 20, models=("gpt-4o-mini",))
    argv = [sys.executable, "-c", FAST_CLOCK_CHILD, fresh_emulator.base_url, fresh_emulator.api_key]
    argv += [str(tmp_path / "state"), str(source)]
    assert subprocess.run([*argv, "kill"], timeout=60, check=False).returncode == -signal.SIGKILL
    assert len(list(client.batches.list())) == 1
    assert subprocess.run([*argv, "rerun"], timeout=60, check=False).returncode == 0
    assert len(list(client.batches.list())) == 1  # the shard ran once
    results = list(client.batch_jobs.results("skew", state_dir=tmp_path / "state"))
    assert [r.custom_id for r in results] == [f"r{n}" for n in range(20)]
    assert {(r.status, r.attempts) for r in results} == {("succeeded", 1)}


def test_a_batch_the_service_lost_is_resubmitted(
    client: Client, fresh_emulator: EmulatorServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A batch that answers 404 poll after poll is gone: its requests go in a new batch, and a warning
    says so, instead of polling it forever."""
    source = write_job(tmp_path / "in.jsonl", 20, models=("gpt-4o-mini",))
    config = small_config(tmp_path)
    lost = client.batch_jobs.submit(source, job_id="lost", config=config).batches[0]["batch_id"]
    fresh_emulator.faults.set(script=("404",) * 100, paths=(f"/v1/batches/{lost}",), methods=("GET",))
    with caplog.at_level("WARNING", logger="openai_files.batch_jobs"):
        status = client.batch_jobs.wait("lost", state_dir=config.state_dir, timeout=30)
    assert status.requests == {"total": 20, "succeeded": 20, "failed": 0, "cancelled": 0, "pending": 0}
    results = list(client.batch_jobs.results("lost", state_dir=config.state_dir))
    assert [r.custom_id for r in results] == [f"r{n}" for n in range(20)]
    assert {(r.status, r.attempts) for r in results} == {("succeeded", 1)}
    again = {r.batch_id for r in results}
    assert len(again) == 1 and lost not in again
    assert {b.id for b in client.batches.list()} == {lost, *again}
    assert [r.levelname for r in caplog.records if lost in r.getMessage()] == ["WARNING"]
    assert "go again in a new batch" in caplog.text


def test_batches_create_waits_out_the_file_lag(
    env: EmulatorServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The service may not see a just-stored file for a while and refuses the batch meanwhile (400 on
    `input_file_id`); `batches create` tries again as the job runner does, instead of failing at once."""
    env.batch_settings.set(file_lag=3.0)  # a new file stays unseen up to 3 s: retries after 1 s and 2 s
    source = write_job(tmp_path / "in.jsonl", 3, models=("gpt-4o-mini",))
    code, out, err = cli(capsys, "--json", "batches", "create", str(source))
    assert code == 0, err
    assert json.loads(out)["status"] == "validating"
    creates = [r for r in env.emulator.requests.recent() if (r.method, r.path) == ("POST", "/v1/batches")]
    assert len(creates) >= 2  # refused first (unless the seeded lag fell under the few ms of the upload)


def _read_only(path: Path, *, on: bool) -> None:
    """Make a folder read-only, even for root (immutable: root's permission checks pass every mode)."""
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i" if on else "-i", str(path)], check=True, timeout=10)
    else:
        path.chmod(0o555 if on else 0o755)


def test_a_read_only_state_directory_serves_status_results_and_ls(
    client: Client, env: EmulatorServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Reading a job writes nothing: `jobs status`, `results` and `ls` work where the state directory
    may not be written."""
    config = small_config(tmp_path)
    source = write_job(tmp_path / "in.jsonl", 10, models=("gpt-4o-mini",))
    client.batch_jobs.run(source, job_id="ro", config=config, timeout=30)
    folders = (config.state_dir / "ro", config.state_dir)
    kept = sorted(p.name for p in folders[0].iterdir())
    for folder in folders:
        _read_only(folder, on=True)
    try:
        state = ["--state-dir", str(config.state_dir)]
        outputs = []
        for command in (["status", "ro"], ["results", "ro"], ["ls"]):
            code, out, err = cli(capsys, "jobs", *command, *state)
            assert (code, err) == (0, ""), command
            outputs.append(out)
        assert sorted(p.name for p in folders[0].iterdir()) == kept  # nothing made beside the manifest
    finally:
        for folder in folders:
            _read_only(folder, on=False)
    assert outputs[0].split()[:3] == ["job", "ro", "finished"]
    assert [json.loads(line)["custom_id"] for line in outputs[1].splitlines()] == [f"r{n}" for n in range(10)]
    assert outputs[2].split()[:2] == ["ro", "finished"]


@pytest.mark.parametrize("where", ["stdout on a full disk", "a read-only state directory"])
def test_local_disk_errors_have_their_own_exit_code(
    client: Client, env: EmulatorServer, tmp_path: Path, where: str
) -> None:
    """A disk that is full or may not be written exits 8, not 1 (the service refused): the README's
    exit-code table. /dev/full fails every write with ENOSPC."""
    if where == "stdout on a full disk":
        stored = client.files.create(b'{"a": 1}\n', purpose="batch", filename="a.jsonl")
        command = ["files", "content", stored.id]
    else:
        state = tmp_path / "state"
        state.mkdir()
        _read_only(state, on=True)
        command = ["jobs", "submit", str(write_job(tmp_path / "in.jsonl", 3)), "--state-dir", str(state)]
    try:
        with Path("/dev/full").open("w") as full:
            done = subprocess.run(
                [sys.executable, "-m", "openai_files", *command],
                stdout=full if where.startswith("stdout") else subprocess.DEVNULL,
                stderr=subprocess.PIPE, text=True, timeout=60, check=False,
            )  # fmt: skip
    finally:
        if where != "stdout on a full disk":
            _read_only(tmp_path / "state", on=False)
    assert done.returncode == 8, done.stderr
    assert done.stderr.count("\n") == 1 and "error:" in done.stderr
    if where != "stdout on a full disk":
        assert list(client.files.list()) == []  # refused before anything was sent


def test_a_shard_over_the_token_quota_on_its_own_is_split(
    client: Client, fresh_emulator: EmulatorServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """With the default config (no token budget), one shard of 40 requests is over the model's quota
    while nothing else runs: resubmitting it could never pass, so it is split (and said) until the
    halves fit, instead of being resubmitted forever."""
    source = write_job(tmp_path / "in.jsonl", 40, models=("gpt-4o-mini",))
    size = source.stat().st_size
    fresh_emulator.batch_settings.set(default_token_limit=size // 4 // 3)  # ~4 bytes a token: a third fits
    config = small_config(tmp_path, max_shard_requests=50_000, max_shard_bytes=200_000_000)
    with caplog.at_level("WARNING", logger="openai_files.batch_jobs"):
        status = client.batch_jobs.run(source, job_id="big", config=config, timeout=60)
    assert status.requests == {"total": 40, "succeeded": 40, "failed": 0, "cancelled": 0, "pending": 0}
    results = list(client.batch_jobs.results("big", state_dir=config.state_dir))
    assert [r.custom_id for r in results] == [f"r{n}" for n in range(40)]
    assert {(r.status, r.attempts) for r in results} == {("succeeded", 1)}  # a refusal is not an attempt
    batches = [b.to_dict() for b in client.batches.list()]
    refused = [b for b in batches if b["status"] == "failed"]
    assert refused and {b["errors"]["data"][0]["code"] for b in refused} == {"token_limit_exceeded"}
    assert len({r.batch_id for r in results}) >= 3  # no more than a third went in one batch
    assert "over the enqueued-token quota of gpt-4o-mini on its own: split into shards" in caplog.text


UPLOAD_CHILD = """
import json, os, signal, sys
from pathlib import Path
import httpx
from openai_files import Client, JobConfig

base_url, api_key, state_dir, source, mode = sys.argv[1:]
# A shell's background job (`.ci/run &`) ignores SIGINT and this child inherits that: give SIGINT the
# default a terminal's foreground job has, so the Ctrl-C below is one.
signal.signal(signal.SIGINT, signal.default_int_handler)

class Interrupted(httpx.HTTPTransport):
    def handle_request(self, request):
        path = request.url.path
        if mode == "kill in a part" and path.endswith("/parts"):
            os.kill(os.getpid(), signal.SIGKILL)  # the Upload is open, its part not sent
        response = super().handle_request(request)
        if request.method == "POST" and path.endswith("/v1/uploads"):
            response.read()
            print(json.loads(response.content)["id"], flush=True)
            if mode == "SIGINT after create":
                os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C the moment the Upload exists
        return response

config = JobConfig(poll_interval=0.01, max_poll_interval=0.02, single_request_below=64 * 1024,
                   state_dir=Path(state_dir))
transport = None if mode == "rerun" else Interrupted()
with Client(api_key=api_key, base_url=base_url, timeout=10.0, transport=transport) as client:
    client.batch_jobs.run(Path(source), job_id="parts", config=config)
"""


@pytest.mark.parametrize("mode", ["kill in a part", "SIGINT after create"])
def test_an_upload_an_interrupted_store_left_open_is_cancelled_by_the_rerun(
    client: Client, fresh_emulator: EmulatorServer, tmp_path: Path, mode: str
) -> None:
    """A shard over `single_request_below` goes as Upload parts, journaled in the job's folder: SIGKILL
    mid-part, or Ctrl-C right after the Upload is created, leaves it open; the rerun cancels it."""
    source = tmp_path / "in.jsonl"
    source.write_text(
        "".join(json.dumps(request(n, model="gpt-4o-mini", text="x" * 900)) + "\n" for n in range(100))
    )
    assert source.stat().st_size > 64 * 1024
    argv = [sys.executable, "-c", UPLOAD_CHILD, fresh_emulator.base_url, fresh_emulator.api_key]
    argv += [str(tmp_path / "state"), str(source)]
    first = subprocess.run([*argv, mode], capture_output=True, text=True, timeout=60, check=False)
    assert first.returncode != 0, first.stderr
    (opened,) = first.stdout.split()
    assert subprocess.run([*argv, "rerun"], timeout=60, check=False).returncode == 0
    with pytest.raises(APIStatusError):  # no longer pending: cancelled (a pending one would be now)
        client.uploads.cancel(opened)
    results = list(client.batch_jobs.results("parts", state_dir=tmp_path / "state"))
    assert [r.custom_id for r in results] == [f"r{n}" for n in range(100)]
    assert {(r.status, r.attempts) for r in results} == {("succeeded", 1)}
