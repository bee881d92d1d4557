"""The command line's downloads under cut and lost answers: `files content`, `files download` and
`batches results` print or save the whole file and exit 0, or fail with one line and save nothing."""

from __future__ import annotations

import io
import json
import random
from pathlib import Path

import pytest

from openai_files import Client
from openai_files._cli import main
from openai_files_emulator import EmulatorServer

from .conftest import write_requests

CONTENT = "/v1/files/*/content"


def run(capsysbinary: pytest.CaptureFixture[bytes], *argv: str) -> tuple[int, bytes, str]:
    code = main(["--timeout", "10", "--no-progress", *argv])
    out, err = capsysbinary.readouterr()
    return code, out, err.decode()


def test_files_content_and_download_survive_cut_and_lost_answers(
    env: EmulatorServer, client: Client, capsysbinary: pytest.CaptureFixture[bytes], tmp_path: Path
) -> None:
    data = random.Random(4).randbytes(50_000)
    file_id = client.files.create(io.BytesIO(data), purpose="batch", filename="d.bin").id
    env.faults.set(script=("drop_response", "cut", "drop_response", "cut"), seed=5, paths=(CONTENT,))
    code, out, err = run(capsysbinary, "files", "content", file_id)
    assert (code, err) == (0, "") and out == data
    env.faults.set(script=("cut", "drop_response", "cut"), seed=6, paths=(CONTENT,))
    code, _, err = run(capsysbinary, "files", "download", file_id, str(tmp_path / "d.bin"))
    assert code == 0, err
    assert (tmp_path / "d.bin").read_bytes() == data


def test_a_download_that_never_completes_exits_5_and_saves_nothing(
    env: EmulatorServer, client: Client, capsysbinary: pytest.CaptureFixture[bytes], tmp_path: Path
) -> None:
    file_id = client.files.create(io.BytesIO(b"x" * 20_000), purpose="batch", filename="d.bin").id
    env.faults.set(script=("drop_response",) * 20, paths=(CONTENT,))
    code, out, err = run(capsysbinary, "files", "download", file_id, str(tmp_path / "d.bin"))
    assert out == b"" and code == 5 and err.count("\n") == 1 and "expected 20000" in err
    assert list(tmp_path.iterdir()) == []


def test_batches_results_resume_a_cut_stream(
    env: EmulatorServer, client: Client, capsysbinary: pytest.CaptureFixture[bytes], tmp_path: Path
) -> None:
    batch = client.batches.create_from_file(write_requests(tmp_path / "in.jsonl", 40))
    ended = client.batches.wait(batch.id, poll_interval=0.01, timeout=30)
    assert ended.status == "completed"
    env.faults.set(script=("cut", "cut", "drop_response", "cut"), seed=7, paths=(CONTENT,))
    code, out, err = run(capsysbinary, "batches", "results", batch.id)
    assert (code, err) == (0, "")
    assert sorted(json.loads(line)["custom_id"] for line in out.splitlines()) == sorted(
        f"req-{n}" for n in range(40)
    )
    assert env.faults.injected == 4
