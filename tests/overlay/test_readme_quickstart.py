"""The README's quickstart, run as a newcomer would run it: the Python block with `python`, the shell
block with `bash`, each in an empty folder against the emulator, and what each prints compared with the
`text` block the README shows under it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from openai_files_emulator import EmulatorServer

README = Path(__file__).resolve().parents[2] / "README.md"
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.DOTALL | re.MULTILINE)
BIN = Path(sys.executable).parent


def quickstart() -> list[tuple[str, str, str]]:
    """(language, code, what it prints) for each block of the Quickstart section."""
    text = README.read_text(encoding="utf-8")
    start = text.index("\n## Quickstart\n")
    section = text[start : text.index("\n## ", start + 1)]
    blocks = BLOCK.findall(section)
    assert [language for language, _ in blocks] == ["python", "text", "sh", "text"]
    return [(blocks[i][0], blocks[i][1], blocks[i + 1][1]) for i in (0, 2)]


@pytest.mark.parametrize(("language", "code", "expected"), quickstart(), ids=["library", "cli"])
def test_the_quickstart_prints_what_the_readme_says(
    language: str, code: str, expected: str, fresh_emulator: EmulatorServer, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "OPENAI_API_KEY": fresh_emulator.api_key,
        "OPENAI_BASE_URL": fresh_emulator.base_url,
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
    }
    argv = (
        [sys.executable, "-c", code] if language == "python" else ["bash", "-e", "-o", "pipefail", "-c", code]
    )
    work = tmp_path / "work"
    work.mkdir()
    done = subprocess.run(argv, cwd=work, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout == expected, done.stderr
