"""The command line: flags to config, and the real entry point serving in a child process."""

from __future__ import annotations

import argparse
import os
import signal
from pathlib import Path

import httpx
import pytest

from openai_files_emulator import BatchConfig
from openai_files_emulator.__main__ import byte_rate, config_from, parser

from .conftest import TIMEOUT, start_on_a_free_port


def test_flags_become_config(tmp_path: Path) -> None:
    args = parser().parse_args(
        ["--data-dir", str(tmp_path), "--api-key", "a", "--api-key", "b", "--error-rate", "0.1",
         "--error-status", "503", "--latency-ms", "20", "--bandwidth", "2MiB", "--fault-seed", "9",
         "--fault-path", "/v1/uploads/*", "--drop-response-rate", "0.25"]
    )  # fmt: skip
    config = config_from(args)
    assert config.data_dir == tmp_path and config.api_keys == frozenset({"a", "b"})
    faults = config.faults
    assert (faults.error_rate, faults.error_statuses, faults.latency) == (0.1, (503,), 0.02)
    assert faults.drop_response_rate == 0.25
    assert (faults.bandwidth, faults.seed, faults.paths) == (2 * 1024 * 1024, 9, ("/v1/uploads/*",))


def test_batch_flags_become_config() -> None:
    args = parser().parse_args(
        ["--token-limit", "gpt-4o-mini=2000000", "--token-limit", "ft:a=b=5", "--default-token-limit", "9",
         "--mixed-models", "--line-status-rate", "0.1", "--line-error-rate", "0.2", "--batch-seed", "3",
         "--pace", "time", "--stage-seconds", "5", "--in-progress-steps", "2", "--file-lag", "1.5"]
    )  # fmt: skip
    batches = config_from(args).batches
    assert (
        batches.token_limits == {"gpt-4o-mini": 2_000_000, "ft:a=b": 5} and batches.default_token_limit == 9
    )
    assert (batches.one_model, batches.line_status_rate, batches.line_error_rate) == (False, 0.1, 0.2)
    assert (batches.seed, batches.pace, batches.stage_seconds) == (3, "time", 5.0)
    assert (batches.in_progress_steps, batches.file_lag) == (2, 1.5)
    assert config_from(parser().parse_args([])).batches == BatchConfig()
    with pytest.raises(SystemExit):
        parser().parse_args(["--token-limit", "gpt-4o-mini"])


@pytest.mark.parametrize(
    ("text", "rate"), [("250000", 250_000), ("10M", 10_000_000), ("1.5MB", 1_500_000), ("8KiB", 8192)]
)
def test_byte_rate(text: str, rate: int) -> None:
    assert byte_rate(text) == rate


def test_byte_rate_refuses_nonsense() -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        byte_rate("fast")


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_entry_point_serves_and_cleans_up(stop: signal.Signals, tmp_path: Path) -> None:
    # TMPDIR: where its private data directory goes, so the test can see it removed.
    process, port = start_on_a_free_port("--api-key", "sk-cli", env={**os.environ, "TMPDIR": str(tmp_path)})
    url = f"http://127.0.0.1:{port}/v1/files"
    try:
        response = httpx.get(url, headers={"Authorization": "Bearer sk-cli"}, timeout=TIMEOUT)
        assert response.status_code == 200
        assert httpx.get(url, headers={"Authorization": "Bearer other"}, timeout=TIMEOUT).status_code == 401
    finally:
        process.send_signal(stop)
        process.wait(timeout=10)
    assert process.returncode == 0
    assert list(tmp_path.iterdir()) == []
