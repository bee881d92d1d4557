"""The pytest plugin as a user's suite meets it: found with no `pytest_plugins` line, its options
(`--openai-files-emulator-api-key`, `--openai-files-emulator-fast`) and its per-test isolation."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SUITE = """
import json, os
from pathlib import Path

import pytest

from openai_files import AuthenticationError, Client

OPTIONS = json.loads(os.environ["EXPECTED"])


def _input(path):
    line = {"custom_id": "a", "method": "POST", "url": "/v1/embeddings", "body": {"model": "m", "input": "x"}}
    path.write_text(json.dumps(line) + "\\n")
    return path


def test_key(client, emulator):
    list(client.files.list())
    with Client(api_key="sk-another-key", base_url=emulator.base_url, timeout=10, max_retries=0) as other:
        if OPTIONS["key"]:
            assert emulator.api_key == OPTIONS["key"]
            with pytest.raises(AuthenticationError):
                list(other.files.list())
        else:
            list(other.files.list())


def test_pace(client, fresh_emulator, tmp_path):
    batch = client.batches.create_from_file(_input(tmp_path / "in.jsonl"))
    status = client.batches.retrieve(batch.id).status
    assert status == ("completed" if OPTIONS["fast"] else "in_progress")


def test_isolation(emulator_env, emulator):
    assert os.environ["OPENAI_BASE_URL"] == emulator.base_url
    assert os.environ["OPENAI_API_KEY"] == emulator.api_key
    assert "OPENAI_PROJECT_ID" not in os.environ and "OPENAI_ORG_ID" not in os.environ
    assert Path(os.environ["XDG_STATE_HOME"]).parent == emulator_env
    assert not any(emulator_env.iterdir())  # a new folder per test
"""


@pytest.mark.parametrize(
    ("flags", "key", "fast"),
    [
        ([], "", False),
        (["--openai-files-emulator-api-key", "sk-exact", "--openai-files-emulator-fast"], "sk-exact", True),
    ],
)
def test_plugin_fixtures_and_options(tmp_path: Path, flags: list[str], key: str, fast: bool) -> None:
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_user.py").write_text(textwrap.dedent(SUITE))
    env = {
        **os.environ,
        "EXPECTED": f'{{"key": "{key}", "fast": {str(fast).lower()}}}',
        "OPENAI_PROJECT_ID": "proj_of_the_user",
        "OPENAI_ORG_ID": "org-of-the-user",
        "XDG_STATE_HOME": str(tmp_path / "users-state"),
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--basetemp={tmp_path / 'bt'}",
            *flags,
        ],
        cwd=suite,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0 and "3 passed" in done.stdout, done.stdout[-3000:] + done.stderr[-2000:]
    assert not (tmp_path / "users-state").exists()
