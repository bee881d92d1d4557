"""Batch jobs and batches under what a heavy user's faulty run met (issue 19's further findings).

Each test sets up one finding against the emulator over real HTTP and checks the documented outcome.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from openai_files import Client
from openai_files._cli import main
from openai_files_emulator import EmulatorServer

from .test_batch_jobs import request, write_job


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
