"""The `openai-files` console script as people run it: in pipes, on a terminal, in log files, with typos.

Every test runs the installed console script in a child process against the emulator: pipes through
`| head`, a pseudo-terminal (`pty`) where a terminal matters, plain pipes elsewhere.
"""

from __future__ import annotations

import itertools
import json
import os
import pty
import re
import signal
import subprocess
import sys
import threading
from importlib import metadata
from pathlib import Path
from typing import Any

import httpx
import pytest

from openai_files import Client
from openai_files._cli import GROUPS
from openai_files._cli.parser import build_parser
from openai_files_emulator import EmulatorServer
from openai_files_emulator.__main__ import parser as emulator_parser

from .conftest import write_requests

BIN = Path(sys.executable).parent
CLI = str(BIN / "openai-files")
TIMEOUT = 60


@pytest.fixture
def env(fresh_emulator: EmulatorServer, tmp_path: Path) -> dict[str, str]:
    """The child's environment: the emulator's key and URL, a private journal folder, no NO_COLOR."""
    variables = {
        **os.environ,
        "OPENAI_API_KEY": fresh_emulator.api_key,
        "OPENAI_BASE_URL": fresh_emulator.base_url,
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    variables.pop("NO_COLOR", None)
    return variables


def run(env: dict[str, str], *argv: str | bytes, **options: Any) -> subprocess.CompletedProcess[str]:
    """The console script with `argv`; stdout and stderr captured as text (plain pipes)."""
    options.setdefault("stdout", subprocess.PIPE)
    options.setdefault("stderr", subprocess.PIPE)
    return subprocess.run(
        [CLI, "--timeout", "10", *argv], env=env, text=True, check=False, timeout=TIMEOUT, **options
    )


def shell(env: dict[str, str], pipeline: str) -> subprocess.CompletedProcess[str]:
    """A bash pipeline whose last line of stdout is `PIPESTATUS`, so the CLI's own exit code is seen."""
    script = f'{pipeline}; echo "status=${{PIPESTATUS[*]}}"'
    return subprocess.run(
        ["bash", "-c", script], env={**env, "PATH": f"{BIN}:{env['PATH']}"}, text=True,
        capture_output=True, check=False, timeout=TIMEOUT,
    )  # fmt: skip


def stored(client: Client, tmp_path: Path, size: int, name: str = "data.jsonl") -> str:
    source = tmp_path / name
    source.write_bytes(b'{"n": 1}\n' * (size // 9) + b"x" * (size % 9))
    return client.files.create(source, purpose="batch").id


class Terminal:
    """A child whose stderr is a pseudo-terminal, read all along (a full terminal would stall the child)."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self._master, slave = pty.openpty()
        # A shell's background job (`.ci/run &`) ignores SIGINT, and a child inherits that: give the
        # child SIGINT's default, as a terminal's foreground job has, so Python turns it into Ctrl-C.
        ignored = signal.getsignal(signal.SIGINT) == signal.SIG_IGN
        if ignored:
            signal.signal(signal.SIGINT, signal.default_int_handler)
        try:
            self.process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=slave, text=True)
        finally:
            if ignored:
                signal.signal(signal.SIGINT, signal.SIG_IGN)
        os.close(slave)
        self.seen = b""
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self._master, 65536)
            except OSError:  # EIO: every holder of the terminal's other end has closed it
                chunk = b""
            with self._changed:
                self.seen += chunk
                self._changed.notify_all()
            if not chunk:
                return

    def read_until(self, marker: bytes) -> None:
        with self._changed:
            if not self._changed.wait_for(lambda: marker in self.seen, timeout=TIMEOUT):
                raise AssertionError(f"{marker!r} never appeared; saw {self.seen!r}")

    def rest(self) -> tuple[int, str, str]:
        """Wait for the child; its exit code, stdout, and everything drawn on the terminal."""
        out, _ = self.process.communicate(timeout=TIMEOUT)
        self._reader.join(timeout=TIMEOUT)
        os.close(self._master)
        return self.process.returncode, out, self.seen.decode()


def on_terminal(env: dict[str, str], *argv: str) -> tuple[int, str, str]:
    terminal = Terminal([CLI, "--timeout", "10", *argv], env)
    return terminal.rest()


def said_kept_once(said: str, upload_id: str, word: str = "interrupted") -> None:
    """The Upload kept for resume is named once, on the one line that ends the run, with what to do next."""
    kept = rf"kept Upload {upload_id} for resume \(\d+ of \d+ parts sent\)"
    last = said.splitlines()[-1]
    assert re.fullmatch(rf"{word}: {kept}; rerun the same command to send the rest", last), said
    assert said.count("kept Upload") == 1, said


# Pipes and terminals


def test_a_closed_stdout_ends_the_command_quietly(
    env: dict[str, str], client: Client, tmp_path: Path
) -> None:
    big = stored(client, tmp_path, 1 << 20)  # more than a pipe holds: the write after `head` left fails
    for _ in range(3):
        stored(client, tmp_path, 10)
    done = shell(env, f"openai-files files content {big} | head -c 10 >/dev/null")
    assert (done.stdout, done.stderr) == ("status=141 0\n", "")
    done = shell(env, "openai-files files ls | head -1")
    lines = done.stdout.splitlines()
    assert len(lines) == 2 and lines[0].startswith("file-") and done.stderr == ""
    assert lines[1] in ("status=0 0", "status=141 0")  # 141 when the reader left before the last write


def upload_args(tmp_path: Path, size: int = 3 << 20) -> list[str]:
    source = tmp_path / "big.jsonl"
    source.write_bytes(os.urandom(size // 2).hex().encode())
    return ["upload", str(source), "--purpose", "batch", "--part-size", "0.5", "--concurrency", "2"]


def redraws(drawn: str) -> list[list[str]]:
    """Each line of a terminal's output, split into the states a `\\r` redraw went through."""
    return [line.split("\r") for line in drawn.replace("\r\n", "\n").split("\n")]


def test_progress_on_a_terminal_is_redrawn_in_place(
    env: dict[str, str], fresh_emulator: EmulatorServer, tmp_path: Path
) -> None:
    fresh_emulator.faults.set(latency=0.05)  # several redraws, 0.1 s apart
    code, out, drawn = on_terminal(env, *upload_args(tmp_path))
    assert code == 0 and json.loads(run(env, "files", "ls", "--json").stdout)["bytes"] == 3 << 20
    assert out.startswith("file-")
    bar = next(line for line in redraws(drawn) if any(s.startswith("upload [") for s in line))
    states = [s for s in bar if s]
    assert len(states) >= 2 and "100.0%" in states[-1] and "parts 6/6" in states[-1]
    # each redraw covers the one before it, so no tail of a longer line survives ("parts 5/55")
    assert all(len(after) >= len(before.rstrip()) for before, after in itertools.pairwise(states))


def test_progress_in_a_pipe_or_log_is_one_final_line(env: dict[str, str], tmp_path: Path) -> None:
    done = run(env, *upload_args(tmp_path))
    assert done.returncode == 0 and "\r" not in done.stderr
    assert re.fullmatch(r"upload \[#{30}\] 100\.0% .* parts 6/6\n", done.stderr)
    log = tmp_path / "log.txt"
    with log.open("w") as handle:
        done = run(env, "files", "download", json.loads(run(env, "--json", "files", "ls").stdout)["id"],
                   str(tmp_path / "copy"), stderr=handle)  # fmt: skip
    assert done.returncode == 0 and log.read_text().startswith("download [") and "\r" not in log.read_text()
    done = run(env, "--no-progress", *upload_args(tmp_path))
    assert (done.returncode, done.stderr) == (0, "")


@pytest.fixture
def created_uploads(fresh_emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids of the Uploads the emulator creates during the test."""
    backend = fresh_emulator.emulator.uploads
    create = backend.create
    ids: list[str] = []

    def recording(**kwargs: Any) -> Any:
        upload = create(**kwargs)
        ids.append(upload.id)
        return upload

    monkeypatch.setattr(backend, "create", recording)
    return ids


@pytest.mark.parametrize(
    ("stop", "code", "word"), [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")]
)
def test_ctrl_c_and_sigterm_cancel_the_upload_and_say_so_on_a_line_of_its_own(
    stop: signal.Signals,
    code: int,
    word: str,
    env: dict[str, str],
    fresh_emulator: EmulatorServer,
    created_uploads: list[str],
    tmp_path: Path,
) -> None:
    fresh_emulator.faults.set(bandwidth=256 * 1024, paths=("/v1/uploads/*/parts",))
    terminal = Terminal([CLI, *upload_args(tmp_path, 8 << 20)], env)
    terminal.read_until(b"upload [")
    terminal.process.send_signal(stop)
    exit_code, out, drawn = terminal.rest()
    assert (exit_code, out) == (code, "")
    assert re.search(rf"parts \d+/16 *\r?\n{word}\r?\n", drawn), drawn  # the bar's line was ended first
    (upload_id,) = created_uploads
    assert fresh_emulator.emulator.uploads.get(upload_id).status == "cancelled"


def test_sigterm_with_resume_keeps_the_upload_for_the_next_run(
    env: dict[str, str], fresh_emulator: EmulatorServer, created_uploads: list[str], tmp_path: Path
) -> None:
    fresh_emulator.faults.set(bandwidth=256 * 1024, paths=("/v1/uploads/*/parts",))
    terminal = Terminal([CLI, *upload_args(tmp_path, 8 << 20), "--resume"], env)
    terminal.read_until(b"upload [")
    terminal.process.send_signal(signal.SIGTERM)
    exit_code, _, drawn = terminal.rest()
    (upload_id,) = created_uploads
    assert exit_code == 143
    said_kept_once(drawn.replace("\r\n", "\n"), upload_id, "terminated")
    assert fresh_emulator.emulator.uploads.get(upload_id).status == "pending"
    journals = run(env, "--json", "uploads", "journals", "ls")
    (journal,) = [json.loads(line) for line in journals.stdout.splitlines()]
    assert journal["upload_id"] == upload_id and journal["parts"] == 16 and Path(journal["journal"]).exists()
    cancelled = run(env, "uploads", "cancel", upload_id)
    assert cancelled.returncode == 0 and cancelled.stdout.split()[:2] == [upload_id, "cancelled"]
    assert not Path(journal["journal"]).exists()
    assert fresh_emulator.emulator.uploads.get(upload_id).status == "cancelled"


def test_journals_rm(env: dict[str, str], tmp_path: Path) -> None:
    folder = tmp_path / "cache" / "openai-files" / "uploads"
    folder.mkdir(parents=True)
    for n in (1, 2):
        (folder / f"{n}.json").write_text(json.dumps({
            "upload_id": f"upload_{n}", "expires_at": 2_000_000_000, "part_size": 4,
            "fingerprint": {"size": 10, "mtime_ns": 0, "content": "x"}, "parts": {"0": "part_a"},
        }))  # fmt: skip
    listed = run(env, "uploads", "journals", "ls")
    assert [line.split()[:3] for line in listed.stdout.splitlines()] == [
        ["upload_1", "parts", "1/3"], ["upload_2", "parts", "1/3"]
    ]  # fmt: skip
    assert run(env, "uploads", "journals", "rm", "upload_1").stdout == f"removed {folder / '1.json'}\n"
    missing = run(env, "uploads", "journals", "rm", "upload_1")
    assert (
        missing.returncode == 4 and missing.stderr == "openai-files: error: no journal for Upload upload_1\n"
    )
    assert run(env, "--json", "uploads", "journals", "rm", "--all").returncode == 0
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("no_color", [False, True])
def test_errors_are_red_on_a_terminal_unless_no_color(env: dict[str, str], no_color: bool) -> None:
    if no_color:
        env["NO_COLOR"] = "1"
    code, out, drawn = on_terminal(env, "files", "get", "file-missing")
    assert (code, out) == (4, "")
    assert ("\x1b[31merror:\x1b[0m" in drawn) is not no_color and ("\x1b" in drawn) is not no_color


def test_a_closed_stderr_never_fails_a_transfer(env: dict[str, str], tmp_path: Path) -> None:
    args = upload_args(tmp_path)
    done = shell(env, f"openai-files --json {' '.join(args)} 2>&-")
    document, status = done.stdout.splitlines()
    assert status == "status=0" and json.loads(document)["status"] == "processed"
    target = tmp_path / "copy.jsonl"
    done = shell(env, f"openai-files files download {json.loads(document)['id']} {target} 2>&-")
    assert done.stdout.endswith("status=0\n") and target.read_bytes() == Path(args[1]).read_bytes()


# Flags where people put them, help and versions


def test_global_options_after_the_command(env: dict[str, str], client: Client, tmp_path: Path) -> None:
    file_id = stored(client, tmp_path, 20)
    done = run(env, "files", "ls", "--json", "--max-retries", "0")
    assert done.returncode == 0 and json.loads(done.stdout)["id"] == file_id
    batch = json.loads(
        run(env, "batches", "create", str(write_requests(tmp_path / "in.jsonl", 2)), "--json").stdout
    )
    done = run(env, "batches", "wait", batch["id"], "--poll", "0.05", "--max-wait", "30", "--timeout", "5",
               "--json", "--no-progress")  # fmt: skip
    assert (done.returncode, json.loads(done.stdout)["status"], done.stderr) == (0, "completed", "")


def test_every_command_and_argument_has_a_help_line() -> None:
    missing: list[str] = []

    def walk(parser: Any, path: str) -> None:
        for action in parser._actions:
            if action.choices is not None and hasattr(action, "_choices_actions"):
                helps = {choice.dest: choice.help for choice in action._choices_actions}
                for name, sub in action.choices.items():
                    if name not in helps and any(action.choices[other] is sub for other in helps):
                        continue  # an alias (`list` for `ls`): its command was walked under its name
                    if not helps.get(name):
                        missing.append(f"{path} {name}")
                    walk(sub, f"{path} {name}")
            elif not action.help:
                missing.append(f"{path} {'/'.join(action.option_strings) or action.dest}")

    walk(build_parser(GROUPS), "openai-files")
    walk(emulator_parser(), "openai-files-emulator")
    assert missing == []


def test_help_and_version_from_the_console(env: dict[str, str]) -> None:
    version = metadata.version("openai-files")
    assert run(env, "--version").stdout == f"openai-files {version}\n"
    emulator = subprocess.run(
        [str(BIN / "openai-files-emulator"), "--version"], capture_output=True, text=True, timeout=TIMEOUT,
        check=False,
    )  # fmt: skip
    assert emulator.stdout == f"openai-files-emulator {version}\n"
    listing = run(env, "files", "--help").stdout
    assert all(
        re.search(rf"^    {name}( \(\w+\))?  ", listing, re.MULTILINE)
        for name in ("create", "ls", "get", "rm", "download", "content")
    )


def test_the_emulator_says_which_base_url_to_use(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [str(BIN / "openai-files-emulator"), "--port", "0", "--log-level", "warning"],
        stderr=subprocess.PIPE, text=True, env={**os.environ, "TMPDIR": str(tmp_path)},
    )  # fmt: skip
    try:
        assert process.stderr is not None
        first = process.stderr.readline()
        said = re.fullmatch(
            r"openai-files-emulator: serving OPENAI_BASE_URL=(http://127\.0\.0\.1:(\d+)/v1)\n", first
        )
        assert said is not None and int(said[2]) > 0, first
        # The port printed is the one it listens on (0 took a free one).
        health = said[1].removesuffix("/v1") + "/__emulator__/health"
        assert httpx.get(health, timeout=TIMEOUT).status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=TIMEOUT)


# Missing commands and clear outcomes


def failed_batch(client: Client, tmp_path: Path) -> str:
    """A batch the service fails in validation: its lines' url is not the batch's endpoint."""
    source = write_requests(tmp_path / "embeddings.jsonl", 2, endpoint="/v1/embeddings")
    file_id = client.files.create(source, purpose="batch").id
    batch = client.batches.create(input_file_id=file_id, endpoint="/v1/chat/completions")
    client.batches.wait(batch.id, poll_interval=0.05, timeout=30)
    return batch.id


def test_batches_get_and_wait_say_why_a_batch_failed(
    env: dict[str, str], client: Client, tmp_path: Path
) -> None:
    batch_id = failed_batch(client, tmp_path)
    # `get` showed what it was asked for (exit 0); `wait` judges the outcome (exit 6: see the exit table).
    for argv, code in (
        (["batches", "get", batch_id], 0),
        (["batches", "wait", batch_id, "--poll", "0.05"], 6),
    ):
        done = run(env, "--no-progress", *argv)
        assert done.returncode == code and done.stdout.split()[:2] == [batch_id, "failed"]
        assert done.stderr.startswith(
            f"openai-files: batch {batch_id} failed: 2 times, lines 1, 2: mismatched_url: "
        )
        assert "Traceback" not in done.stderr


def test_files_content_download_to_stdout_and_into_a_folder(
    env: dict[str, str], client: Client, tmp_path: Path
) -> None:
    file_id = stored(client, tmp_path, 1000, name="named.jsonl")
    body = (tmp_path / "named.jsonl").read_text()
    assert run(env, "files", "content", file_id).stdout == body
    assert run(env, "files", "download", file_id, "-").stdout == body
    folder = tmp_path / "into"
    folder.mkdir()
    for target in (str(folder), f"{folder}/"):
        done = run(env, "--no-progress", "files", "download", file_id, target)
        assert done.stdout == f"{folder / 'named.jsonl'}  1000\n"
        assert (folder / "named.jsonl").read_text() == body


def test_files_rm_says_what_was_deleted(env: dict[str, str], client: Client, tmp_path: Path) -> None:
    file_id = stored(client, tmp_path, 10)
    assert run(env, "files", "rm", file_id).stdout == f"deleted {file_id}\n"
    assert run(env, "files", "get", file_id).returncode == 4


def test_lists_are_json_lines(env: dict[str, str], client: Client, tmp_path: Path) -> None:
    ids = {stored(client, tmp_path, 10 + n) for n in range(3)}
    batch = client.batches.create_from_file(write_requests(tmp_path / "in.jsonl", 2))
    for argv, key, expected in (
        (["files", "ls"], "id", ids),
        (["batches", "ls"], "id", {batch.id}),
    ):
        lines = run(env, "--json", *argv).stdout.splitlines()
        assert {json.loads(line)[key] for line in lines} >= expected and len(lines) == len(
            {json.loads(line)[key] for line in lines}
        )


# Exit codes and one-line messages


def test_a_bad_flag_is_one_line_and_exit_2_before_any_request(
    env: dict[str, str], fresh_emulator: EmulatorServer, tmp_path: Path
) -> None:
    """The console's view; `test_cli.py` runs every bad flag in-process."""
    fresh_emulator.faults.set(script=("500",) * 5)  # any request would show as a 5xx, not a usage error
    done = run(env, "upload", "in.jsonl", "--purpose", "batch", "--part-size", "inf", cwd=tmp_path)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        "openai-files: error: argument --part-size: must be a finite number, got 'inf' "
        "(see: openai-files upload --help)\n"
    )


def test_bad_settings_and_names_exit_with_their_documented_codes(env: dict[str, str], tmp_path: Path) -> None:
    cases: list[tuple[dict[str, str], list[str | bytes], int, str]] = [
        ({"OPENAI_BASE_URL": "::::"}, ["files", "ls"], 2, "base URL"),
        ({"OPENAI_API_KEY": "sk-caf\u00e9-key"}, ["files", "ls"], 3, "non-ASCII"),
        ({"OPENAI_API_KEY": ""}, ["files", "ls"], 3, "no API key"),
        ({}, ["upload", os.fsencode(str(tmp_path)) + b"/\xff.jsonl", "--purpose", "batch"], 2, "UTF-8"),
    ]
    for changes, argv, code, message in cases:
        done = run({**env, **changes}, *argv)
        assert (done.returncode, done.stdout) == (code, ""), done.stderr
        assert done.stderr.count("\n") == 1 and message in done.stderr and "Traceback" not in done.stderr


def test_a_download_cut_short_exits_5(
    env: dict[str, str], client: Client, fresh_emulator: EmulatorServer, tmp_path: Path
) -> None:
    file_id = stored(client, tmp_path, 100_000)
    fresh_emulator.faults.set(cut_rate=1.0, paths=("/v1/files/*/content",))
    done = run(env, "--max-retries", "0", "--no-progress", "files", "download", file_id, str(tmp_path / "x"))
    assert done.returncode == 5 and done.stderr.count("\n") == 1, done.stderr
    assert not (tmp_path / "x").exists()


def test_jobs_status_watch_draws_each_model_on_a_terminal_only(
    env: dict[str, str], client: Client, tmp_path: Path
) -> None:
    from openai_files import JobConfig  # noqa: PLC0415

    from .test_batch_jobs import write_job  # noqa: PLC0415

    state = tmp_path / "jobs"
    source = write_job(tmp_path / "in.jsonl", 300, models=("gpt-4o-mini", "gpt-4o"))
    config = JobConfig(max_shard_requests=100, poll_interval=0.01, token_budget=50_000, state_dir=state)
    client.batch_jobs.run(source, job_id="w", config=config, timeout=60)
    code, out, drawn = on_terminal(env, "jobs", "status", "w", "--watch", "0.1", "--state-dir", str(state))
    assert code == 0, drawn
    assert out.startswith("job       w  finished")  # the status, once the view ended
    frame = drawn.split("\x1b[H\x1b[2J")[-1]
    # 150 requests a model, all done; nothing enqueued any more, against the budget given
    for model in ("gpt-4o", "gpt-4o-mini"):
        line = next(text for text in frame.splitlines() if text.startswith(model + " "))
        assert "done 150/150 (0 failed)" in line and "batches 0" in line and "enqueued 0/50000" in line
    piped = run(env, "jobs", "status", "w", "--watch", "--state-dir", str(state))
    assert piped.returncode == 2 and "--watch draws on a terminal" in piped.stderr
