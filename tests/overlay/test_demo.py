"""`make demo` end to end at a small size: it must finish, say what happened, and leave nothing behind."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_demo_runs_and_cleans_up(tmp_path: Path) -> None:
    """The demo's temporary folder goes under a TMPDIR of this test's own, so other runs cannot mix in."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "demo.py"), "--size-mb", "2"],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "TMPDIR": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr
    assert "completed:" in done.stdout and "0 failed" in done.stdout
    assert "upload [" in done.stderr  # the progress bar
    assert list(tmp_path.iterdir()) == []


def test_demo_input_never_exceeds_its_size(tmp_path: Path) -> None:
    """`make demo`'s default 200 MB is the batch input limit itself: the file may not go a byte over."""
    spec = importlib.util.spec_from_file_location("demo", ROOT / "examples" / "demo.py")
    assert spec is not None and spec.loader is not None
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    path = tmp_path / "requests.jsonl"
    for size in (1, 12_345, 100_000):
        count = demo.write_input(path, size)
        written = path.stat().st_size
        assert count == len(path.read_bytes().splitlines())
        assert written <= size or count == 1  # one request at least, however small the size
        assert size - written < written / count + 1  # as many as fit: one more would not
