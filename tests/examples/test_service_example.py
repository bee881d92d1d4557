"""`examples/service` (a tiny service and its suite on the plugin's public fixtures) passes twice in a row
with the same results, and leaves nothing where the user's own state and cache live (issue 21)."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).parents[2] / "examples" / "service"


def _run(tmp_path: Path, name: str, env: dict[str, str]) -> dict[str, str]:
    """One run of the example's suite in its own process: each test's outcome by its id."""
    report = tmp_path / f"{name}.xml"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", f"--junitxml={report}", f"--basetemp={tmp_path / name}"],
        cwd=EXAMPLE,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    outcomes = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        failed = [child.tag for child in case if child.tag in ("failure", "error", "skipped")]
        outcomes[f"{case.get('classname')}::{case.get('name')}"] = failed[0] if failed else "passed"
    return outcomes


@pytest.mark.timeout(600)
def test_the_service_example_passes_twice_alike_and_keeps_out_of_the_users_state(tmp_path: Path) -> None:
    home = tmp_path / "home"  # where the user's ~/.local/state and ~/.cache would be
    env = {
        **os.environ,
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_CACHE_HOME": str(home / "cache"),
        # The user's shell: a key and a service the suite must not use, and a variable it must not send.
        "OPENAI_API_KEY": "sk-the-users-own-key",
        "OPENAI_BASE_URL": "http://127.0.0.1:9/v1",
        "OPENAI_PROJECT_ID": "proj_of_the_user",
    }
    first = _run(tmp_path, "first", env)
    second = _run(tmp_path, "second", env)
    assert len(first) >= 5 and set(first.values()) == {"passed"}
    assert second == first
    assert not home.exists()
