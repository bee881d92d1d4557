"""`make demo` end to end at a small size: it must finish, say what happened, and leave nothing behind."""

from __future__ import annotations

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
