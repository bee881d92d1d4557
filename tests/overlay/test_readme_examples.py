"""Every ```python block of README.md runs as written, in order, against the emulator."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest

from openai_files_emulator import EmulatorServer

README = Path(__file__).resolve().parents[2] / "README.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def test_readme_python_examples_run(
    fresh_emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocks = BLOCK.findall(README.read_text())
    assert blocks, "README.md has no ```python examples"
    monkeypatch.setenv("OPENAI_API_KEY", fresh_emulator.api_key)
    monkeypatch.setenv("OPENAI_BASE_URL", fresh_emulator.base_url)
    monkeypatch.setenv("OPENAI_WEBHOOK_SECRET", "whsec_" + "A" * 32)  # the webhook receiver's block
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the examples' scratch files go here
    namespace: dict[str, object] = {"__name__": "readme"}
    for number, source in enumerate(blocks, start=1):
        code = compile(source, f"README.md python block {number}", "exec")
        exec(code, namespace)
