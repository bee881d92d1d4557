"""The command line in-process against the emulator: output, --json, exit codes, one-line errors."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from openai_files import Client
from openai_files._cli import main
from openai_files_emulator import EmulatorServer

from .conftest import write_requests


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["--timeout", "10", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_files_commands(env: EmulatorServer, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    source = tmp_path / "data.jsonl"
    source.write_bytes(b'{"x": 1}\n' * 1000)
    code, out, err = run(capsys, "--json", "upload", str(source), "--purpose", "batch")
    assert code == 0, err
    stored = json.loads(out)
    assert stored["bytes"] == 9000 and stored["filename"] == "data.jsonl"
    assert "upload [" in err  # the progress bar went to stderr
    code, out, _ = run(capsys, "files", "ls")
    assert code == 0 and out.split()[:5] == [stored["id"], "data.jsonl", "9000", "batch", "processed"]
    code, out, _ = run(capsys, "--json", "files", "get", stored["id"])
    assert json.loads(out)["id"] == stored["id"]
    target = tmp_path / "back.jsonl"
    code, out, err = run(capsys, "files", "download", stored["id"], str(target))
    assert code == 0 and target.read_bytes() == source.read_bytes() and "download [" in err
    code, out, _ = run(capsys, "--json", "files", "rm", stored["id"])
    assert code == 0 and json.loads(out)["deleted"] is True


@pytest.mark.parametrize("flag", [[], ["--md5"]])
def test_upload_sends_an_md5_when_asked(
    env: EmulatorServer,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    flag: list[str],
) -> None:
    source = tmp_path / "data.jsonl"
    source.write_bytes(b'{"x": 1}\n' * 1000)
    sent: list[str | None] = []
    complete = env.emulator.uploads.complete

    def recording(upload_id: str, part_ids: list[str], md5: str | None) -> object:
        sent.append(md5)
        return complete(upload_id, part_ids, md5)

    monkeypatch.setattr(env.emulator.uploads, "complete", recording)
    code, _, err = run(capsys, "upload", str(source), "--purpose", "batch", *flag)
    assert code == 0, err
    assert sent == [hashlib.md5(source.read_bytes()).hexdigest() if flag else None]


def test_batch_commands(env: EmulatorServer, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    source = write_requests(tmp_path / "in.jsonl", 3)
    code, out, err = run(capsys, "--json", "batches", "create", str(source), "--metadata", "k=v")
    assert code == 0, err
    batch_id = json.loads(out)["id"]
    code, out, err = run(capsys, "--json", "batches", "wait", batch_id, "--poll", "0.01", "--max-wait", "30")
    assert code == 0 and json.loads(out)["status"] == "completed" and "completed" in err
    code, out, _ = run(capsys, "batches", "results", batch_id)
    assert sorted(json.loads(line)["custom_id"] for line in out.splitlines()) == ["req-0", "req-1", "req-2"]
    code, out, _ = run(capsys, "batches", "ls", "--limit", "5")
    assert code == 0 and out.split()[:2] == [batch_id, "completed"]
    code, _, err = run(capsys, "batches", "cancel", batch_id)
    assert code == 1 and err.count("\n") == 1 and "can no longer be cancelled" in err


def test_exit_codes_and_one_line_errors(
    env: EmulatorServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(capsys, "files", "get", "file-missing")
    assert (
        (code, out) == (4, "")
        and err.startswith("openai-files: error: 404 Not Found")
        and err.count("\n") == 1
    )
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{}\n")
    code, _, err = run(capsys, "batches", "create", str(bad))
    assert code == 2 and "line 1" in err and "Traceback" not in err
    code, _, err = run(capsys, "--debug", "files", "get", "file-missing")
    assert code == 4 and "Traceback" in err
    env.faults.set(script=("503",))
    code, _, err = run(capsys, "--max-retries", "0", "files", "ls")
    assert code == 5 and "503" in err
    code, _, err = run(capsys, "--no-progress", "batches", "wait", "batch_missing")
    assert code == 4


def test_missing_key_exits_3(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    code, _, err = run(capsys, "files", "ls")
    assert code == 3 and "OPENAI_API_KEY" in err


def test_python_dash_m_entry_point(env: EmulatorServer) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "openai_files", "--json", "files", "ls"],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["batches", "create", "in.jsonl", "--metadata", "novalue"],
            "argument --metadata: expected KEY=VALUE",
        ),
        (["files", "ls", "--limit", "-1"], "argument -n/--limit: must be 1 or more, got '-1'"),
        (["files", "ls", "--timeout", "-1"], "argument --timeout: must be more than 0 seconds"),
        (["--timeout", "nan", "files", "ls"], "argument --timeout: must be a finite number"),
        (["files", "ls", "--timeout", "inf"], "argument --timeout: must be a finite number"),
        (["files", "ls", "--max-retries", "1.5"], "argument --max-retries: not a whole number"),
        (["upload", "in.jsonl", "--purpose", "batch", "--part-size", "0"], "must be more than 0 and at most"),
        (["upload", "in.jsonl", "--purpose", "batch", "--part-size", "100"], "at most 64 MiB, got '100'"),
        (
            ["upload", "in.jsonl", "--purpose", "batch", "--concurrency", "0"],
            "argument --concurrency: must be 1",
        ),
        (["batches", "wait", "batch_x", "--poll", "-1"], "argument --poll: must be more than 0 seconds"),
        (["batches", "wait", "batch_x", "--max-wait", "inf"], "argument --max-wait: must be a finite number"),
        (["files", "lss"], "invalid choice: 'lss'"),
        (["files"], "required: COMMAND"),
    ],
)
def test_bad_flags_are_one_line_and_exit_2_before_any_request(
    argv: list[str],
    message: str,
    env: EmulatorServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.chdir(tmp_path)
    env.faults.set(script=("500",) * 5)  # any request would show as a 5xx, not a usage error
    with pytest.raises(SystemExit) as exited:
        main(argv)
    out, err = capsys.readouterr()
    assert (exited.value.code, out) == (2, "")
    assert err.startswith("openai-files: error: ") and err.count("\n") == 1 and message in err


def _mixed_models(path: Path, count: int) -> Path:
    """`count` chat requests, the first to one model and every other to a second."""
    with path.open("w") as out:
        for n in range(count):
            body = {
                "model": "gpt-4o-mini" if n == 0 else "gpt-4o",
                "messages": [{"role": "user", "content": "hi"}],
            }
            out.write(
                json.dumps(
                    {"custom_id": f"r{n}", "method": "POST", "url": "/v1/chat/completions", "body": body}
                )
            )
            out.write("\n")
    return path


def test_batches_create_refuses_two_models_naming_the_line_and_jobs_submit(
    env: EmulatorServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Issue 21: the service fails such a batch (`mismatched_model`); the local check says so first."""
    source = _mixed_models(tmp_path / "mixed.jsonl", 3)
    code, out, err = run(capsys, "batches", "create", str(source))
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "line 2" in err and "'gpt-4o'" in err and "'gpt-4o-mini'" in err and "jobs submit" in err
    assert env.emulator.requests.recent() == []  # nothing sent, nothing stored


def test_a_failed_batch_prints_each_distinct_error_once_with_its_count(
    env: EmulatorServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A batch the service failed on 100 lines of one error: one line for it, not 100."""
    source = _mixed_models(tmp_path / "mixed.jsonl", 101)
    with Client(timeout=10) as client:  # `batches.create` takes a stored file as it is
        stored = client.files.create(source, purpose="batch")
        batch = client.batches.create(stored.id, endpoint="/v1/chat/completions")
    code, _, err = run(capsys, "batches", "wait", batch.id, "--poll", "0.01", "--max-wait", "30")
    assert code == 6
    reasons = [line for line in err.splitlines() if f"batch {batch.id} failed" in line]
    assert len(reasons) == 2, err  # the error once, then the request counts
    assert "100 times, lines 2, 3, 4, 5, 6 and 95 more: mismatched_model:" in reasons[0]
    code, _, err = run(capsys, "batches", "get", batch.id)
    assert code == 0 and err.count("mismatched_model") == 1  # shown, not judged (the exit-code table)
