"""schemathesis, from our openapi.yaml, against the emulator: all checks, stateful phase included.

It covers exactly the operations the emulator declares it serves (`served_only`); the others, which
`make vendor` may bring in, are named by `test_served_operations.py`.

Bounded by examples per operation (`--max-time` would run until spent) and seeded, so CI runs
the same cases every time.
One setting departs from the defaults: a 400 to schema-valid data is accepted, because the API has
rules a schema cannot state (a part for a cancelled upload, byte totals, batch states, unknown
cursors), and the emulator is meant to enforce them.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from openai_files_emulator import EmulatorConfig, EmulatorServer
from openai_files_spec import load

from .served import SPEC, served_only

KEY = "sk-schemathesis"
CONFIG = """
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "400", "401", "403", "404", "409", "429", "5xx"]
"""


@pytest.mark.timeout(150)
def test_schemathesis_finds_nothing(tmp_path: Path) -> None:
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG)
    spec = tmp_path / "served.yaml"
    spec.write_text(yaml.safe_dump(served_only(load(SPEC)), sort_keys=False))
    command = [
        str(Path(sys.executable).parent / "schemathesis"), "--config-file", str(config),
        "run", str(spec), "--checks", "all", "--seed", "1", "--max-examples", "30",
        "--request-timeout", "10", "--header", f"Authorization: Bearer {KEY}", "--no-color",
        "--report-dir", str(tmp_path / "reports"),
    ]  # fmt: skip
    with EmulatorServer(EmulatorConfig(api_keys=frozenset({KEY}))) as server:
        result = subprocess.run(
            [*command, "--url", server.base_url], capture_output=True, text=True, timeout=140, check=False
        )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
