"""A canary API key never shows in anything the client or the command line emits, at any log level.

The emulator masks keys itself, so a stub "proxy" quotes the caller's key back everywhere it can: an
HTML error page, an error envelope's message, param and code, the `x-request-id` header, and the
status line (which h11 quotes in its own error message). Then every string the client, its errors
(tracebacks included) and the command line produce, with debug logging on, is searched for the key.
"""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest

import openai_files
from openai_files import APIConnectionError, APIStatusError, AuthenticationError, InternalServerError
from openai_files._cli import main
from openai_files_emulator import EmulatorConfig, EmulatorServer

from .conftest import open_client, resolve, write_requests
from .stub_server import Seen, Stub, raw_response, serving

CANARY = "sk-canary-7f3a9c1e5b2d4086aa11"


def quote_the_key(seen: Seen) -> bytes:
    """The reply of a proxy that repeats the Authorization header it got, chosen by the file id asked."""
    auth = seen.headers.get("authorization", "")
    key = auth.removeprefix("Bearer ")
    if "/file-garbled" in seen.path:
        return f"HTTP/1.1 {auth}\r\n\r\n".encode()
    if "/file-envelope" in seen.path:
        envelope = {"message": f"Incorrect API key provided: {key}", "type": "x", "param": key, "code": key}
        return raw_response(401, json.dumps({"error": envelope}).encode(), x_request_id=key)
    page = f"<html>upstream refused Authorization: {auth}</html>".encode()
    return raw_response(503, page, content_type="text/html", x_request_id=f"req-{key}")


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
    for text in [*texts, caplog.text]:
        assert CANARY not in text


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
    for text in (out, err, caplog.text):
        assert CANARY not in text


def test_cli_process_debug_output(proxy: Stub) -> None:
    """The console as a user sees it: the CLI's own logging setup, stderr and stdout of a real process."""
    env = {**os.environ, "OPENAI_API_KEY": CANARY, "OPENAI_BASE_URL": proxy.base_url}
    done = subprocess.run(
        [sys.executable, "-m", "openai_files", "--debug", "files", "get", "file-html"],
        env=env,
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 5
    assert "DEBUG httpcore" in done.stderr and "retrying" in done.stderr and "[redacted]" in done.stderr
    assert CANARY not in done.stdout + done.stderr


def test_async_client_repr_and_uploads_error(locked: EmulatorServer) -> None:
    client = openai_files.AsyncClient(api_key=CANARY, base_url=locked.base_url)
    assert CANARY not in repr(client) + repr(client.generated)
    sync = openai_files.Client(api_key=CANARY, base_url=locked.base_url, max_retries=0)
    with sync, pytest.raises(APIStatusError) as caught:
        sync.files.create(io.BytesIO(b"x"), purpose="user_data", filename="x")
    assert caught.value.status_code == 401
    for text in everything_about(caught.value):
        assert CANARY not in text
