"""A canary API key never shows in anything the client or the command line emits, at any log level.

The emulator masks keys itself, so a stub "proxy" quotes the caller's key back everywhere it can, and
in every escaped form (JSON, `repr`, percent-encoded, HTML): an HTML error page, an error envelope's
message, param and code, the `x-request-id` header, and the status line (which h11 quotes in its own
error message). The canary holds characters that those forms write differently. Then every string the
client, its errors (tracebacks included) and the command line produce, with debug logging on, is
searched for the key in each form, and for its random core.

Keys that cannot travel in a header (CR, LF, tab, non-ASCII) are refused when the client is made, by
every command, with a message that does not quote them; a trailing newline is dropped; a one-letter key
is not a secret and garbles nothing.
"""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import traceback
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

import openai_files
from openai_files import (
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    ConfigurationError,
    InternalServerError,
)
from openai_files._cli import main
from openai_files_emulator import EmulatorConfig, EmulatorServer

from .conftest import open_client, resolve, write_requests
from .stub_server import Seen, Stub, raw_response, serving

CORE = "7f3a9c1e5b2d4086aa11"
CANARY = f'sk-canary/{CORE[:6]}"+={CORE[6:12]}\\{CORE[12:]}'  # / " + = \ escape differently per form


def forms_of(key: str) -> set[str]:
    """The key as a server, a formatter or a logger may write it."""
    return {
        key,
        repr(key)[1:-1],
        ascii(key)[1:-1],
        repr(key.encode())[2:-1],
        json.dumps(key)[1:-1],
        json.dumps(key, ensure_ascii=False)[1:-1],
        json.dumps(json.dumps(key))[3:-3],
        urllib.parse.quote(key, safe=""),
        urllib.parse.quote(key, safe="").lower(),
        urllib.parse.quote_plus(key),
        "".join(f"&#{ord(c)};" for c in key),
    }


def assert_no_key(texts: list[str], key: str = CANARY, core: str = CORE) -> None:
    for text in texts:
        assert core not in text
        for form in forms_of(key):
            assert form not in text


def quote_the_key(seen: Seen) -> bytes:
    """The reply of a proxy that repeats the Authorization header it got, chosen by the file id asked."""
    auth = seen.headers.get("authorization", "")
    key = auth.removeprefix("Bearer ")
    if "/file-garbled" in seen.path:
        return f"HTTP/1.1 {auth}\r\n\r\n".encode()
    if "/file-envelope" in seen.path:
        quoted = " ".join(sorted(forms_of(key)))
        envelope = {
            "message": f"Incorrect API key provided: {quoted}",
            "type": "x",
            "param": key,
            "code": key,
        }
        return raw_response(401, json.dumps({"error": envelope}).encode(), x_request_id=key)
    page = f"<html>upstream refused Authorization: {auth} {' '.join(sorted(forms_of(key)))}</html>"
    return raw_response(503, page.encode(), content_type="text/html", x_request_id=f"req-{key}")


@pytest.fixture(scope="module")
def proxy() -> Iterator[Stub]:
    with serving(quote_the_key) as stub:
        yield stub


@pytest.fixture(scope="module")
def locked() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorConfig(api_keys=frozenset({"sk-not-the-canary"}))) as server:
        yield server


def everything_about(error: BaseException) -> list[str]:
    return [str(error), repr(error), repr(vars(error)), "".join(traceback.format_exception(error))]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("file_id", "cls"),
    [
        ("file-html", InternalServerError),
        ("file-envelope", AuthenticationError),
        ("file-garbled", APIConnectionError),
    ],
)
async def test_errors_logs_and_objects_never_hold_the_key(
    kind: str,
    proxy: Stub,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
    file_id: str,
    cls: type[Exception],
) -> None:
    caplog.set_level(logging.DEBUG)  # the root logger: ours, httpx's and httpcore's, every level
    texts: list[str] = []
    async with open_client(kind, api_key=CANARY, base_url=proxy.base_url, max_retries=1) as client:
        texts += [repr(client), str(client), repr(client.generated), repr(client.with_options(max_retries=0))]
        files = client.files
        for call in (lambda: files.retrieve(file_id), lambda: files.download(file_id, tmp_path / "out")):
            with pytest.raises(cls) as caught:
                await resolve(call())
            texts += everything_about(caught.value)
    assert proxy.seen[-1].headers["authorization"] == f"Bearer {CANARY}"  # the canary did go out
    assert "[redacted]" in " ".join(texts)  # and came back quoted, scrubbed
    if cls is not AuthenticationError:
        assert "retrying" in caplog.text
    assert_no_key([*texts, caplog.text])


def test_cli_session_with_debug_never_prints_the_key(
    fresh_emulator: EmulatorServer,
    locked: EmulatorServer,
    proxy: Stub,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    """Every command, a retry, each failure kind; --debug for debug logs and scrubbed tracebacks."""
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("OPENAI_API_KEY", CANARY)
    monkeypatch.setenv("OPENAI_BASE_URL", fresh_emulator.base_url)
    source = write_requests(tmp_path / "in.jsonl", 2)
    fresh_emulator.faults.set(script=("429", "500"), retry_after=0.01)  # retry log lines too
    uploaded = main(["--debug", "--json", "upload", str(source), "--purpose", "batch"])
    file_id = json.loads(capsys.readouterr().out)["id"]
    commands = [
        ["files", "ls"],
        ["files", "get", file_id],
        ["files", "download", file_id, str(tmp_path / "copy.jsonl")],
        ["batches", "create", str(source)],
        ["batches", "ls"],
    ]
    codes = [uploaded, *(main(["--debug", "--json", *argv]) for argv in commands)]
    batch_id = json.loads(capsys.readouterr().out.splitlines()[-2])["id"]
    for argv in (["batches", "wait", batch_id, "--poll", "0.01"], ["batches", "results", batch_id]):
        codes.append(main(["--debug", *argv]))
    codes.append(main(["--debug", "batches", "cancel", batch_id]))  # too late: the batch completed
    codes.append(main(["--debug", "files", "rm", file_id]))
    codes.append(main(["--debug", "files", "get", "file-missing"]))
    codes.append(main(["--debug", "--base-url", locked.base_url, "files", "ls"]))
    for file_id in ("file-envelope", "file-html", "file-garbled"):
        codes.append(
            main(["--debug", "--max-retries", "0", "--base-url", proxy.base_url, "files", "get", file_id])
        )
    out, err = capsys.readouterr()
    assert codes == [0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 4, 3, 3, 5, 5], err
    assert "Traceback" in err and "[redacted]" in err and "retrying" in caplog.text
    assert_no_key([out, err, caplog.text])


def _console(key: str, base_url: str, *argv: str) -> subprocess.CompletedProcess[str]:
    """`python -m openai_files --debug ...` in a process of its own, with `key` in its environment."""
    env = {**os.environ, "OPENAI_API_KEY": key, "OPENAI_BASE_URL": base_url}
    return subprocess.run(
        [sys.executable, "-m", "openai_files", "--debug", *argv],
        env=env,
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_cli_process_debug_output(proxy: Stub) -> None:
    """The console as a user sees it: the CLI's own logging setup, stderr and stdout of a real process."""
    done = _console(CANARY, proxy.base_url, "files", "get", "file-html")
    assert done.returncode == 5
    assert "DEBUG httpcore" in done.stderr and "retrying" in done.stderr and "[redacted]" in done.stderr
    assert_no_key([done.stdout, done.stderr])


def test_cli_process_with_a_key_holding_a_line_break(proxy: Stub) -> None:
    """The issue's report: `OPENAI_API_KEY=$'sk-proj-SECRET\\n...'` printed the key in h11's message."""
    broken = f"sk-proj-{CORE[:10]}\n{CORE[10:]}"
    done = _console(broken, proxy.base_url, "files", "ls")
    assert done.returncode == 3
    assert "OPENAI_API_KEY has a control character" in done.stderr
    assert_no_key([done.stdout, done.stderr], broken)
    done = _console(
        CANARY + "\n", proxy.base_url, "files", "get", "file-envelope"
    )  # a trailing one is dropped
    assert done.returncode == 3 and "[redacted]" in done.stderr
    assert_no_key([done.stdout, done.stderr])


def test_async_client_repr_and_uploads_error(locked: EmulatorServer) -> None:
    client = openai_files.AsyncClient(api_key=CANARY, base_url=locked.base_url)
    assert CANARY not in repr(client) + repr(client.generated)
    sync = openai_files.Client(api_key=CANARY, base_url=locked.base_url, max_retries=0)
    with sync, pytest.raises(APIStatusError) as caught:
        sync.files.create(io.BytesIO(b"x"), purpose="user_data", filename="x")
    assert caught.value.status_code == 401
    assert_no_key(everything_about(caught.value))


BAD_KEYS = {
    "LF": f"sk-{CORE[:10]}\n{CORE[10:]}",
    "CR": f"sk-{CORE[:10]}\r{CORE[10:]}",
    "CR at the end": f"sk-{CORE}\r",
    "tab": f"sk-{CORE[:10]}\t{CORE[10:]}",
    "non-ASCII": f"sk-{CORE[:10]}é{CORE[10:]}",
    "space": f"sk-{CORE[:10]} {CORE[10:]}",
}
EVERY_COMMAND = [
    ["upload", "in.jsonl", "--purpose", "batch"],
    ["files", "ls"],
    ["files", "get", "file-x"],
    ["files", "rm", "file-x"],
    ["files", "download", "file-x", "out.jsonl"],
    ["files", "content", "file-x"],
    ["uploads", "cancel", "upload_x"],
    ["batches", "get", "batch_x"],
    ["batches", "create", "in.jsonl"],
    ["batches", "wait", "batch_x"],
    ["batches", "ls"],
    ["batches", "cancel", "batch_x"],
    ["batches", "results", "batch_x"],
]


@pytest.mark.parametrize("shape", sorted(BAD_KEYS))
def test_a_key_that_cannot_be_a_header_is_refused_unquoted_by_every_command(
    shape: str,
    proxy: Stub,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    key = BAD_KEYS[shape]
    caplog.set_level(logging.DEBUG)
    monkeypatch.chdir(tmp_path)
    write_requests(tmp_path / "in.jsonl", 1)
    monkeypatch.setenv("OPENAI_API_KEY", key)
    monkeypatch.setenv("OPENAI_BASE_URL", proxy.base_url)
    requests_before = len(proxy.seen)
    codes = [main(["--debug", *argv]) for argv in EVERY_COMMAND]
    out, err = capsys.readouterr()
    assert codes == [3] * len(EVERY_COMMAND), err  # a key problem is an authentication problem
    assert err.count("openai-files: error: OPENAI_API_KEY has a") == len(EVERY_COMMAND)
    assert len(proxy.seen) == requests_before  # refused before any request
    texts = [out, err, caplog.text]
    for cls in (openai_files.Client, openai_files.AsyncClient):
        with pytest.raises(ConfigurationError) as caught:
            cls(api_key=key, base_url=proxy.base_url)
        texts += everything_about(caught.value)
    assert_no_key(texts, key)


def test_a_key_read_from_a_file_loses_its_trailing_newline(
    fresh_emulator: EmulatorServer,
    proxy: Stub,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`OPENAI_API_KEY=$(cat key)` drops it, `open(key).read()` does not: both must work."""
    for ending in ("\n", "\r\n"):
        monkeypatch.setenv("OPENAI_API_KEY", CANARY + ending)
        monkeypatch.setenv("OPENAI_BASE_URL", fresh_emulator.base_url)
        assert main(["--debug", "files", "ls"]) == 0
        assert (
            main(["--debug", "--max-retries", "0", "--base-url", proxy.base_url, "files", "get", "file-x"])
            == 5
        )
        assert proxy.seen[-1].headers["authorization"] == f"Bearer {CANARY}"
    out, err = capsys.readouterr()
    assert "[redacted]" in err
    assert_no_key([out, err])


def test_a_one_letter_key_is_no_secret_and_garbles_nothing(
    locked: EmulatorServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "k")
    monkeypatch.setenv("OPENAI_BASE_URL", locked.base_url)
    assert main(["files", "ls"]) == 3
    _, err = capsys.readouterr()
    assert "[redacted]" not in err
    assert "key" in err.lower()  # the service's "Incorrect API key" reads as it was sent
