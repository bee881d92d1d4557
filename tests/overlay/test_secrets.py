"""A canary API key never shows in anything the client or the command line emits, debug output included."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

import openai_files
from openai_files import AuthenticationError, Client
from openai_files._cli import main
from openai_files_emulator import EmulatorConfig, EmulatorServer

from .conftest import write_requests

CANARY = "sk-canary-7f3a9c1e5b2d4086aa11"


@pytest.fixture(scope="module")
def locked() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorConfig(api_keys=frozenset({"sk-not-the-canary"}))) as server:
        yield server


def test_cli_session_with_debug_never_prints_the_key(
    fresh_emulator: EmulatorServer,
    locked: EmulatorServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("OPENAI_API_KEY", CANARY)
    monkeypatch.setenv("OPENAI_BASE_URL", fresh_emulator.base_url)
    source = write_requests(tmp_path / "in.jsonl", 2)
    fresh_emulator.faults.set(script=("429", "500"), retry_after=0.01)  # retry log lines too
    codes = [main(["--debug", "--json", "upload", str(source), "--purpose", "batch"])]
    codes.append(main(["--debug", "batches", "create", str(source)]))
    codes.append(main(["--debug", "files", "get", "file-missing"]))
    monkeypatch.setenv("OPENAI_BASE_URL", locked.base_url)
    codes.append(main(["--debug", "files", "ls"]))
    out, err = capsys.readouterr()
    assert codes == [0, 0, 4, 3]
    assert "Traceback" in err and "401" in err and "retrying" in caplog.text
    for text in (out, err, caplog.text):
        assert CANARY not in text


def test_objects_and_errors_never_hold_the_key(locked: EmulatorServer) -> None:
    client = Client(api_key=CANARY, base_url=locked.base_url, timeout=10.0, max_retries=0)
    with pytest.raises(AuthenticationError) as caught:
        client.files.create(io.BytesIO(b"x"), purpose="user_data", filename="x")
    error = caught.value
    texts = [str(error), repr(error), repr(vars(error)), repr(client), str(client), repr(client.generated)]
    texts += [
        repr(client._settings),
        repr(client.with_options(max_retries=1)),
        repr(openai_files.AsyncClient(api_key=CANARY, base_url=locked.base_url)),
    ]
    for text in texts:
        assert CANARY not in text
