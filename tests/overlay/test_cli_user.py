"""The command line from a user's seat (issue 22), through the installed console script.

Each test runs `openai-files` in a child process against the emulator, as someone typing it would.
"""

from __future__ import annotations

import json
import os
import pty
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import openai_files_console
from openai_files import Client
from openai_files._cli.render import EXIT_INTERRUPTED, EXIT_TABLE, EXIT_TERMINATED
from openai_files_emulator import EmulatorServer

from .conftest import write_requests
from .test_cli_console import CLI, TIMEOUT, env, run, said_kept_once

__all__ = ["env"]  # the console tests' fixture: the child's environment for the emulator

README = Path(__file__).resolve().parents[2] / "README.md"


def one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.stderr.startswith("openai-files: error: ") and done.stderr.count("\n") == 1, done.stderr
    return done.stderr


# The exit codes


def test_the_readme_and_help_show_the_one_exit_code_table(env: dict[str, str]) -> None:
    """README's table and `--help` are the table in render.py, row for row."""
    rows = re.findall(r"^\| (\d+) \| (.+) \|$", README.read_text(), re.MULTILINE)
    assert [(int(code), meaning.replace("\\|", "|")) for code, meaning in rows] == list(EXIT_TABLE)
    shown = run(env, "--help").stdout
    for code, meaning in EXIT_TABLE:
        assert f"{code:>3}  {meaning}" in " ".join(shown.split("\n  "))  # help wraps no epilog line


def test_exit_codes_of_commands_that_show_and_commands_that_judge(
    env: dict[str, str], tmp_path: Path
) -> None:
    state = ["--state-dir", str(tmp_path / "state")]
    assert run(env, "jobs", "status", "nope", *state).returncode == 4  # not found, as `files get nope`
    assert run(env, "files", "get", "file-nope").returncode == 4
    source = tmp_path / "in.jsonl"
    lines = [json.loads(line) for line in write_requests(tmp_path / "ok.jsonl", 3).read_text().splitlines()]
    del lines[1]["body"]["model"]  # the emulator fails a request without a model
    source.write_text("".join(json.dumps(line) + "\n" for line in lines))
    ran = run(env, "--no-progress", "jobs", "run", str(source), "--job-id", "j", "--poll", "0.01", *state)
    assert ran.returncode == 6, ran.stderr  # a request failed: the command that waited says so
    assert run(env, "jobs", "status", "j", *state).returncode == 0  # shown: status judges nothing
    assert run(env, "jobs", "results", "j", *state).returncode == 0


# Any purpose, check without sending, short flags, aliases


def test_files_create_takes_every_purpose_and_upload_the_uploads_ones(
    env: dict[str, str], tmp_path: Path
) -> None:
    data = tmp_path / "notes.txt"
    data.write_text("some notes\n")
    for purpose in ("user_data", "evals", "batch"):
        done = run(env, "--json", "files", "create", str(data), "-p", purpose)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["purpose"] == purpose
    refused = run(env, "upload", str(data), "-p", "user_data")
    message = one_error_line(refused)  # the library's own words, as everywhere (test_rules.py)
    assert refused.returncode == 2 and "purpose must be one of assistants, batch" in message
    assert "`files create` takes every purpose" in " ".join(run(env, "upload", "--help").stdout.split())
    sent = run(env, "--json", "--no-progress", "upload", str(data), "-p", "assistants")
    assert sent.returncode == 0 and json.loads(sent.stdout)["purpose"] == "assistants"


def test_files_ls_refuses_an_unknown_purpose(env: dict[str, str]) -> None:
    done = run(env, "files", "ls", "--purpose", "bogus")
    assert done.returncode == 2 and "argument -p/--purpose: invalid choice: 'bogus'" in one_error_line(done)
    assert done.stdout == ""


def test_list_and_delete_are_aliases(env: dict[str, str], client: Client, tmp_path: Path) -> None:
    source = write_requests(tmp_path / "in.jsonl", 1)
    file_id = client.files.create(source, purpose="batch").id
    listed = run(env, "files", "list")
    assert listed.returncode == 0 and listed.stdout.split()[0] == file_id
    deleted = run(env, "files", "delete", file_id)
    assert (deleted.returncode, deleted.stdout) == (0, f"deleted {file_id}\n")
    assert run(env, "batches", "list").returncode == 0


def test_batches_check_runs_every_local_check_and_sends_nothing(env: dict[str, str], tmp_path: Path) -> None:
    # No key and a URL where nothing listens: any request would fail with 3 or 5.
    offline = {**env, "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}
    offline.pop("OPENAI_API_KEY")
    source = write_requests(tmp_path / "in.jsonl", 3)
    done = run(offline, "batches", "check", str(source))
    assert (done.returncode, done.stdout) == (0, f"{source}: 3 requests for /v1/chat/completions, ok\n")
    checked = json.loads(run(offline, "--json", "batches", "check", str(source)).stdout)
    assert checked == {"path": str(source), "endpoint": "/v1/chat/completions", "requests": 3}
    lines = source.read_text().splitlines()
    source.write_text("\n".join([lines[0], lines[0]]) + "\n")  # the same custom_id twice
    done = run(offline, "batches", "check", str(source))
    assert done.returncode == 2 and "line 2: custom_id 'req-0' is used twice" in one_error_line(done)
    done = run(offline, "batches", "check", str(source), "--endpoint", "/v1/embeddings")
    assert done.returncode == 2 and "line 1:" in one_error_line(done)


# Jobs


def test_jobs_run_then_rm_forgets_the_job_and_deletes_its_files(
    env: dict[str, str], client: Client, tmp_path: Path
) -> None:
    state = ["--state-dir", str(tmp_path / "state")]
    source = write_requests(tmp_path / "in.jsonl", 4)
    ran = run(env, "--no-progress", "jobs", "run", str(source), "--job-id", "r", "--poll", "0.01", *state)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.splitlines()[0].split()[:3] == ["job", "r", "finished"]
    outputs = {f.id for f in client.files.list(purpose="batch_output")}
    assert outputs
    removed = run(env, "--json", "jobs", "rm", "r", "--delete-files", *state)
    assert removed.returncode == 0, removed.stderr
    assert set(json.loads(removed.stdout)["deleted_files"]) == outputs
    assert not {f.id for f in client.files.list(purpose="batch_output")} & outputs
    assert not (tmp_path / "state" / "r").exists()
    assert run(env, "jobs", "status", "r", *state).returncode == 4


def test_jobs_rm_refuses_a_job_still_running(env: dict[str, str], tmp_path: Path) -> None:
    state = ["--state-dir", str(tmp_path / "state")]
    source = write_requests(tmp_path / "in.jsonl", 2)
    assert run(env, "jobs", "submit", str(source), "--job-id", "s", *state).returncode == 0
    refused = run(env, "jobs", "rm", "s", *state)
    assert refused.returncode == 6 and "has not finished" in one_error_line(refused)
    assert (tmp_path / "state" / "s").is_dir()


def test_batches_results_and_jobs_results_have_one_shape(
    env: dict[str, str], client: Client, tmp_path: Path
) -> None:
    source = write_requests(tmp_path / "in.jsonl", 3)
    batch = client.batches.create_from_file(source)
    client.batches.wait(batch, poll_interval=0.05, timeout=30)
    from_batch = [json.loads(line) for line in run(env, "batches", "results", batch.id).stdout.splitlines()]
    state = ["--state-dir", str(tmp_path / "state")]
    ran = run(env, "--no-progress", "jobs", "run", str(source), "--job-id", "o", "--poll", "0.01", *state)
    assert ran.returncode == 0, ran.stderr
    from_job = [json.loads(line) for line in run(env, "jobs", "results", "o", *state).stdout.splitlines()]
    keys = {"custom_id", "status", "status_code", "body", "error", "request_id", "batch_id", "attempts"}
    assert len(from_batch) == len(from_job) == 3
    for a, b in zip(sorted(from_batch, key=lambda r: r["custom_id"]), from_job, strict=True):
        assert set(a) == set(b) == keys
        assert a["custom_id"] == b["custom_id"] and a["status"] == b["status"] == "succeeded"
        assert a["status_code"] == b["status_code"] == 200
        assert a["body"]["object"] == b["body"]["object"] == "chat.completion"  # body at the top in both


# What people expect of gh or aws


def test_listings_show_counts_and_times_and_filter(
    env: dict[str, str], client: Client, tmp_path: Path
) -> None:
    made = []
    for n in range(3):
        source = tmp_path / f"f{n}.jsonl"
        source.write_text(f'{{"n": {n}}}\n')
        made.append(client.files.create(source, purpose="batch" if n < 2 else "user_data"))
        time.sleep(1.05)  # creation times one second apart
    times = [f.created_at for f in made]
    ids = [f.id for f in made]

    def listed(*argv: str) -> list[str]:
        done = run(env, "files", "ls", *argv)
        assert done.returncode == 0, done.stderr
        return [line.split()[0] for line in done.stdout.splitlines()]

    assert listed() == ids[::-1]
    assert listed("--order", "asc") == ids
    assert listed("-p", "user_data") == ids[2:]
    assert listed("--after", ids[2]) == ids[1::-1]
    assert listed("--created-after", str(times[1])) == ids[:0:-1]
    assert listed("--created-before", str(times[1]), "--order", "asc") == ids[:1]
    utc = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(times[1]))
    assert listed("--created-after", utc, "--created-before", utc.replace("Z", "+00:00")) == []
    assert listed("--created-after", utc, "-n", "1") == [ids[2]]
    row = run(env, "files", "get", ids[0]).stdout.split()
    assert row == [
        ids[0],
        "f0.jsonl",
        "9",
        "batch",
        "processed",
        time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(times[0])),
    ]
    bad = run(env, "files", "ls", "--created-after", "the day after never")
    assert bad.returncode == 2 and "not a date or time" in one_error_line(bad)

    batch = client.batches.create_from_file(write_requests(tmp_path / "in.jsonl", 2))
    client.batches.wait(batch, poll_interval=0.05, timeout=30)
    shown = run(env, "batches", "ls", "--status", "completed").stdout.split()
    assert shown[:5] == [batch.id, "completed", "/v1/chat/completions", "2/2", "0"]
    assert run(env, "batches", "ls", "--status", "failed").stdout == ""


def test_a_header_row_only_on_a_terminal(env: dict[str, str], client: Client, tmp_path: Path) -> None:
    source = write_requests(tmp_path / "in.jsonl", 1)
    file_id = client.files.create(source, purpose="batch").id
    master, slave = pty.openpty()
    process = subprocess.Popen([CLI, "files", "ls"], env=env, stdout=slave, stderr=subprocess.PIPE)
    os.close(slave)
    seen = b""
    while chunk := _read(master):
        seen += chunk
    assert process.wait(timeout=TIMEOUT) == 0
    os.close(master)
    header, row = seen.decode().splitlines()
    assert header.split() == ["ID", "FILENAME", "BYTES", "PURPOSE", "STATUS", "CREATED"]
    assert row.split()[0] == file_id
    assert run(env, "files", "ls").stdout.split()[0] == file_id  # no header in a pipe


def _read(fd: int) -> bytes:
    try:
        return os.read(fd, 65536)
    except OSError:  # EIO: the child closed its end
        return b""


def test_no_carriage_returns_when_stderr_is_a_file(env: dict[str, str], tmp_path: Path) -> None:
    state = ["--state-dir", str(tmp_path / "state")]
    source = write_requests(tmp_path / "in.jsonl", 40)
    log = tmp_path / "log"
    with log.open("w") as stderr:
        ran = run(env, "jobs", "run", str(source), "--job-id", "w", "--poll", "0.01", *state, stderr=stderr)
    assert ran.returncode == 0
    written = log.read_text()
    assert "\r" not in written and re.fullmatch(r"job w \[#+\] 100\.0% requests 40/40 .*\n", written)


def test_verbose_says_what_is_done_between_quiet_and_debug(
    env: dict[str, str], fresh_emulator: EmulatorServer
) -> None:
    fresh_emulator.faults.set(script=("503",))
    quiet = run(env, "files", "ls")
    assert (quiet.returncode, quiet.stderr) == (0, "")
    fresh_emulator.faults.set(script=("503",))
    verbose = run(env, "-v", "files", "ls")
    said = verbose.stderr.splitlines()
    assert verbose.returncode == 0 and len(said) == 3, said  # each request, and the retry between them
    assert said[0].startswith("HTTP Request: GET ") and said[0].endswith(' 503 Service Unavailable"')
    assert re.fullmatch(r"retrying GET /v1/files in [\d.]+s after status 503 .*", said[1])
    fresh_emulator.faults.set(script=("503",))
    debug = run(env, "--debug", "files", "ls")
    assert debug.stderr.count("\n") > verbose.stderr.count("\n")


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_shell_completion_is_written_from_the_parser(env: dict[str, str], shell: str) -> None:
    done = run(env, "completion", shell)
    assert done.returncode == 0 and "openai-files" in done.stdout
    for word in ("upload", "files", "batches", "jobs", "--purpose", "--created-after", "user_data"):
        assert word in done.stdout, word
    if shell == "bash":
        checked = subprocess.run(
            ["bash", "-n"], input=done.stdout, text=True, capture_output=True, check=False
        )
        assert checked.returncode == 0, checked.stderr


# Messages


def test_a_missing_key_names_the_variable_and_the_flag(env: dict[str, str], tmp_path: Path) -> None:
    without = {k: v for k, v in env.items() if k != "OPENAI_API_KEY"}
    done = run(without, "files", "ls")
    message = one_error_line(done)
    assert done.returncode == 3 and "OPENAI_API_KEY" in message and "--api-key-file" in message
    key_file = tmp_path / "key"
    key_file.write_text(env["OPENAI_API_KEY"] + "\n")
    assert run(without, "--api-key-file", str(key_file), "files", "ls").returncode == 0
    missing = run(without, "--api-key-file", str(tmp_path / "nope"), "files", "ls")
    assert missing.returncode == 3 and "No such file" in one_error_line(missing)


def test_a_base_url_without_v1_gets_a_hint(env: dict[str, str]) -> None:
    root = env["OPENAI_BASE_URL"].removesuffix("/v1")
    done = run({**env, "OPENAI_BASE_URL": root}, "files", "ls")
    assert done.returncode == 4 and "does not end in /v1" in one_error_line(done)
    assert "does not end in /v1" not in run(env, "files", "get", "file-nope").stderr


# Ctrl-C


def _interruptible(argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    """The console script with SIGINT's default handler, as a terminal's foreground job has it (a
    background job's children inherit an ignored SIGINT); stderr is a pipe."""
    ignored = signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    if ignored:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    finally:
        if ignored:
            signal.signal(signal.SIGINT, signal.SIG_IGN)


LOADING = ("anyio", "httpx", "openai_files_api", "openai_files._batches", "openai_files._cli.parser")
"""Modules the command loads before it runs: an interrupt is sent as one of them has just loaded."""


def _wait_for(condition: Callable[[], bool], process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        assert time.monotonic() < deadline and process.poll() is None, "the upload ended first"
        time.sleep(0.005)


# Run as `python -c`: a Ctrl-C raised inside a weakref callback while the command line loads, where
# Python cannot let it rise ("Exception ignored in ..."); then the console script's `main`.
SWALLOWED_CTRL_C = """
import builtins, sys, weakref
import openai_files_console

class Dropped: ...
refs, load = [], builtins.__import__

def ctrl_c(ref):
    raise KeyboardInterrupt

def importing(name, *args, **kwargs):
    if name == "openai_files._cli":
        builtins.__import__ = load
        dropped = Dropped()
        refs.append(weakref.ref(dropped, ctrl_c))
        del dropped
    return load(name, *args, **kwargs)

builtins.__import__ = importing
sys.argv = ["openai-files", "--version"]
sys.exit(openai_files_console.main())
"""


def test_a_ctrl_c_python_swallows_while_the_command_line_loads_still_ends_it(env: dict[str, str]) -> None:
    """The interrupt lands where Python can only report it (a weakref callback); the command still ends
    with its one line and exit 130 rather than running on (here `--version` would print and exit 0)."""
    done = subprocess.run(
        [sys.executable, "-c", SWALLOWED_CTRL_C],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert (done.returncode, done.stdout, done.stderr) == (EXIT_INTERRUPTED, "", "interrupted\n")


def test_ctrl_c_at_20_seeded_moments_of_an_upload_ends_it_within_a_second(
    env: dict[str, str], fresh_emulator: EmulatorServer, tmp_path: Path
) -> None:
    """Five moments while the package loads, five from the first request (the Upload being created),
    ten while parts are on a slowed link; odd runs journal for `--resume`. Each run ends within 1 s of
    the signal with one line and exit 130, its Upload cancelled, or kept pending with a journal under
    `--resume` (that line then names it and says how to go on)."""
    fresh_emulator.faults.set(bandwidth=128 * 1024, paths=("/v1/uploads/*/parts",))
    source = tmp_path / "big.jsonl"
    source.write_bytes(b'{"n": 1}\n' * ((8 << 20) // 9))
    uploads = fresh_emulator.emulator.uploads
    seen = fresh_emulator.emulator.requests
    journals = tmp_path / "cache" / "openai-files" / "uploads"
    rng = random.Random(22)
    kept_runs = 0
    for run_number in range(20):
        resume = run_number % 2 == 1
        before = set(uploads.ids())
        argv = [CLI, "upload", str(source), "-p", "batch", *(["--resume"] if resume else [])]
        if run_number < 5:  # while loading: `-X importtime` names each module on stderr as it loads
            process = _interruptible(argv, {**env, "PYTHONPROFILEIMPORTTIME": "1"})
            assert process.stderr is not None
            wanted = rng.choice(LOADING).encode()
            while (line := process.stderr.readline()).split(b"|")[-1].strip() != wanted:
                assert line, "the command ended before it loaded"
        else:
            process = _interruptible(argv, env)
            if run_number < 10:
                _wait_for(lambda: bool(seen.recent()), process)
                time.sleep(rng.uniform(0.0, 0.3))
            else:
                _wait_for(lambda: any(r.path.endswith("/parts") for r in seen.recent()), process)
                time.sleep(rng.uniform(0.0, 1.5))
        assert process.poll() is None, "the upload ended before the interrupt"
        sent = time.monotonic()
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=TIMEOUT)
        took = time.monotonic() - sent
        said = err.decode()
        last = said.splitlines()[-1]
        assert process.returncode == 130 and last.startswith("interrupted"), said[-2000:]
        if run_number >= 5:  # (before, stderr also holds the import times)
            assert said == last + "\n", said[-2000:]  # one line, whatever happened to the Upload
        assert "Traceback" not in said and took < 1.0, (run_number, took, said[-2000:])
        created = set(uploads.ids()) - before
        for upload_id in created:
            status = uploads.get(upload_id).status
            if resume:
                kept = [path for path in journals.glob("*.json") if upload_id in path.read_text()]
                assert status == "pending" and kept and "KeyboardInterrupt" not in said, said
                said_kept_once(said, upload_id)
                kept_runs += 1
            else:
                assert status == "cancelled", (run_number, said)
        if not (resume and created):
            assert last == "interrupted", said[-2000:]
        shutil.rmtree(journals, ignore_errors=True)  # the next --resume run starts a new Upload
        seen.clear()
    assert kept_runs >= 3  # the seeded moments include Uploads kept under --resume


def test_the_entry_point_exits_with_the_table_codes() -> None:
    """The console entry cannot load the table before the package: its two codes must be the table's."""
    assert (openai_files_console.EXIT_INTERRUPTED, openai_files_console.EXIT_TERMINATED) == (
        EXIT_INTERRUPTED,
        EXIT_TERMINATED,
    )
