"""The README's FastAPI receiver, as written, served on 127.0.0.1 and fed by the emulator."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from openai_files_emulator import EmulatorServer

from .conftest import SECRET, WAIT, AsgiServer, start_batch

README = Path(__file__).resolve().parents[2] / "README.md"
SECTION = "## Webhooks"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def receiver_block() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(SECTION)
    block = BLOCK.search(text, start)
    assert block is not None and block.start() < text.index("\n## ", start + 1), (
        "no python block in the section"
    )
    return block.group(1)


def test_readme_fastapi_receiver_gets_each_batch_event_once(
    fresh_emulator: EmulatorServer, serve_asgi: Callable[[Any], AsgiServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    source = receiver_block()
    assert len(source.strip().splitlines()) <= 20  # "about 15 lines"
    monkeypatch.setenv("OPENAI_WEBHOOK_SECRET", SECRET)
    namespace: dict[str, Any] = {"__name__": "readme_webhooks"}
    exec(compile(source, "README.md webhooks block", "exec"), namespace)
    server = serve_asgi(namespace["app"])
    fresh_emulator.batch_settings.set(pace="time", stage_seconds=0.05)
    fresh_emulator.webhooks.set(
        urls=(f"{server.url}/webhooks/openai/",), secret=SECRET, retry_base=0.05, duplicate_rate=1.0
    )

    batch_ids = [start_batch(fresh_emulator) for _ in range(2)]

    deadline = time.monotonic() + WAIT
    while sorted(namespace["ended"]) != sorted(batch_ids):
        assert time.monotonic() < deadline, f"the receiver saw {namespace['ended']}"
        time.sleep(0.02)
    time.sleep(0.2)  # the duplicates have come and gone
    assert sorted(namespace["ended"]) == sorted(batch_ids)
