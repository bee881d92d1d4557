"""`openai-files jobs ...` in-process against the emulator: submit, status, wait, results, cancel, ls."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from openai_files._cli import GROUPS, main
from openai_files._cli.parser import build_parser
from openai_files_emulator import EmulatorServer

from .test_batch_jobs import request, write_job


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """The exit code, stdout and stderr; a refused flag exits from argparse, which counts the same."""
    try:
        code = main(["--timeout", "10", *argv])
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_submit_wait_results(
    env: EmulatorServer, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = write_job(tmp_path / "in.jsonl", 400)
    state = ["--state-dir", str(tmp_path / "state")]
    code, out, err = run(
        capsys, "--json", "jobs", "submit", str(source), "--job-id", "cli", "--max-shard-requests", "50",
        "--poll", "0.01", "--token-budget", "100000", "--token-budget", "gpt-4o=3000", *state,
    )  # fmt: skip
    assert code == 0, err
    submitted = json.loads(out)
    assert submitted["job_id"] == "cli" and submitted["requests"]["total"] == 400
    assert sum(b["model"] == "gpt-4o" for b in submitted["batches"]) == 1  # its budget holds one shard

    monkeypatch.delenv("OPENAI_API_KEY")  # reading a job's state needs no key
    code, out, err = run(capsys, "jobs", "status", "cli", *state)
    assert code == 0, err
    assert out.splitlines()[0].split() == ["job", "cli", "running", "/v1/chat/completions"]
    assert out.splitlines()[1].startswith("requests  total 400")
    code, out, err = run(capsys, "jobs", "results", "cli", *state)
    assert code == 6 and "has not finished" in err and err.count("\n") == 1
    monkeypatch.setenv("OPENAI_API_KEY", env.api_key)

    code, out, err = run(capsys, "--json", "jobs", "wait", "cli", "--max-wait", "60", *state)
    assert code == 0, err
    assert json.loads(out)["requests"]["succeeded"] == 400
    assert "job cli [" in err and "100.0%" in err  # the progress bar
    code, out, _ = run(capsys, "jobs", "results", "cli", *state)
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["custom_id"] for r in records] == [f"r{n}" for n in range(400)]
    assert {(r["status"], r["status_code"], r["attempts"]) for r in records} == {("succeeded", 200, 1)}
    code, out, _ = run(capsys, "jobs", "ls", *state)
    assert out.split() == ["cli", "finished", "400/400", "done", "0", "failed"]


def test_wait_exit_code_and_cancel(
    env: EmulatorServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    state = ["--state-dir", str(tmp_path / "state")]
    source = tmp_path / "in.jsonl"
    source.write_text(
        "".join(json.dumps(request(n, model=None if n == 3 else "m")) + "\n" for n in range(20))
    )
    code, _, err = run(capsys, "jobs", "submit", str(source), "--job-id", "f", "--poll", "0.01", *state)
    assert code == 0, err
    code, out, _ = run(capsys, "--no-progress", "jobs", "wait", "f", *state)
    assert code == 6 and "failed 1" in out  # one request failed: the job did not fully succeed
    code, _, err = run(capsys, "jobs", "submit", str(source), "--job-id", "g", *state)
    assert code == 0, err
    code, out, err = run(capsys, "--json", "jobs", "cancel", "g", *state)
    assert code == 0 and json.loads(out)["state"] == "cancelled"  # cancel did what it was asked
    code, _, err = run(capsys, "jobs", "results", "g", *state)
    assert code == 0, err  # a cancelled job has every request's final result


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--token-budget", "=5"], "expected N or MODEL=N"),
        (["--token-budget", "m=0"], "must be 1 or more"),
        (["--max-shard-mb", "500"], "at most 200 MB"),
        (["--job-id", "../escape"], "job id '../escape' must be"),
    ],
)
def test_bad_flags_are_one_line_and_exit_2(
    env: EmulatorServer, capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str], message: str
) -> None:
    source = write_job(tmp_path / "in.jsonl", 3)
    code, _, err = run(capsys, "jobs", "submit", str(source), "--state-dir", str(tmp_path), *argv)
    assert code == 2 and message in err and err.count("\n") == 1


def test_every_jobs_command_and_argument_has_help() -> None:
    parser = build_parser(GROUPS)
    jobs = _subparsers(parser)["jobs"]
    commands = _subparsers(jobs)
    assert set(commands) == {
        "plan", "submit", "run", "wait", "status", "results", "cancel", "ls", "list", "rm", "delete"
    }  # fmt: skip
    for name, command in commands.items():
        assert command.description, name
        for action in command._actions:
            assert action.help, (name, action.dest)


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError("no subcommands")


def test_results_as_csv_one_row_per_request_in_input_order(
    env: EmulatorServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import csv  # noqa: PLC0415 - this test alone reads CSV

    env.batch_settings.set(line_status_rate=0.2, line_statuses=(400,), seed=5)
    source = write_job(tmp_path / "in.jsonl", 60)
    state = ["--state-dir", str(tmp_path / "state")]
    code, _, err = run(
        capsys, "--no-progress", "jobs", "run", str(source), "--job-id", "t", "--poll", "0.01", *state
    )
    assert code == 6, err  # some requests were refused with 400
    code, out, _ = run(capsys, "jobs", "results", "t", *state)
    records = [json.loads(line) for line in out.splitlines()]
    target = tmp_path / "out.csv"
    code, out, err = run(capsys, "jobs", "results", "t", "--format", "csv", "--output", str(target), *state)
    assert (code, out) == (0, ""), err
    with target.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["custom_id"] for r in rows] == [r["custom_id"] for r in records] == [f"r{n}" for n in range(60)]
    assert {r["status"] for r in rows} == {"succeeded", "failed"}
    for row, record in zip(rows, records, strict=True):
        assert (row["status"], row["status_code"]) == (record["status"], str(record["status_code"]))
        body = record["body"]
        if record["status"] == "succeeded":
            assert row["text"] == body["choices"][0]["message"]["content"] and row["model"] == body["model"]
            assert row["input_tokens"] == str(body["usage"]["prompt_tokens"])
            assert row["output_tokens"] == str(body["usage"]["completion_tokens"]) and row["error"] == ""
        else:
            assert row["error"].endswith(record["error"]["message"]) and row["text"] == ""
    assert not list(tmp_path.glob("*.part"))
