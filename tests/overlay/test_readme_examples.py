"""Every ```python block of README.md but the quickstart's (test_readme_quickstart.py) runs as written,
in order, against the emulator, and prints what its own inputs call for (the expected lines are
computed from the files the blocks write, not from the client's answers)."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import pytest

from openai_files_emulator import EmulatorServer

README = Path(__file__).resolve().parents[2] / "README.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def test_readme_python_examples_run(
    fresh_emulator: EmulatorServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = README.read_text()
    quickstart = text.index("\n## Quickstart\n")  # run on its own: test_readme_quickstart.py
    text = text[:quickstart] + text[text.index("\n## ", quickstart + 1) :]
    blocks = BLOCK.findall(text)
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
    printed = capsys.readouterr().out.splitlines()

    requests, big = Path(str(namespace["requests"])), Path(str(namespace["big"]))
    custom_ids = [json.loads(line)["custom_id"] for line in requests.read_text().splitlines()]
    stored_id, upload_id = namespace["stored"].id, namespace["upload"].file.id  # type: ignore[attr-defined]
    # Files: the stored file is listed by id, name and size; the async block reads its name back.
    assert f"{stored_id} requests.jsonl {requests.stat().st_size}" in printed
    assert "requests.jsonl" in printed
    # Batches: the batch ends completed, and every request is answered 200, once, in input order.
    assert printed.index("completed") < printed.index(f"{custom_ids[0]} 200 True")
    answered = [line.split()[0] for line in printed if line.endswith(" 200 True")]
    assert answered == custom_ids
    # Uploads: completed, and a download whose last progress event has every byte.
    assert f"completed {upload_id}" in printed
    assert "True True" in printed
    # Errors: the missing file is a 404 that names it.
    assert any(line.startswith("404 ") and "file-does-not-exist" in line for line in printed)
    # The seam: a page of 2 in ascending order with more to come; the janitor deleted every batch file.
    pages = [
        m for line in printed if (m := re.fullmatch(r"\['(file-\w+)', '(file-\w+)'\] True (file-\w+)", line))
    ]
    assert len(pages) == 1 and pages[0][2] == pages[0][3]  # `last_id` is the page's last
    deleted = next(line for line in printed if line.startswith("[") and line != pages[0][0])
    assert stored_id in deleted and upload_id in deleted
    # Jobs: every request of the 2,000-line input ends succeeded.
    total = len(big.read_text().splitlines())
    assert f"finished {total} of {total}" in printed
    # Cost: the plan counts every line, 2 models in shards of 500, a token per 3 bytes of each line (with
    # its newline, rounded up) at 0.15 USD per million, half off; the run that follows is priced the same way.
    tokens = sum(-(-(len(line) + 1) // 3) for line in big.read_bytes().splitlines())
    assert f"{total} 4 {tokens} at most {tokens * 0.15 / 1e6 * 0.5:.4f} USD" in printed
    assert printed[-1].startswith("Usage(input_tokens=") and printed[-1].endswith(" USD")
