"""A batch job SIGKILLed at 20 seeded moments of its downloads and rerun each time, with the emulator's
download faults on (cut bodies, lost answers, 5xx) and some lines failed by the service: every result is
the line the service answered, none lost, no run ends in an error.

The expectations come from the input and the documented rules, checked against what the service wrote
(every batch's output and error file, read at the end with the faults off): a line is a success when it
has no error and a 2xx status, 429 and 5xx are tried again up to the job's attempts, anything else is
final; a request without a model is refused at once.
"""

from __future__ import annotations

import json
import random
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from openai_files import Client, JobConfig
from openai_files_emulator import EmulatorServer

from .test_batch_jobs import assert_in_order, request

CHILD = Path(__file__).with_name("download_kill_child.py")
KILLS = 20
REQUESTS = 60
MODELS = ("m1", "m2")
ATTEMPTS = JobConfig().max_attempts
"""The child runs with the default number of attempts."""
RUN_TIMEOUT = 60.0


class _Runners:
    """The forking runner process: one import of the client, a fresh process per run."""

    def __init__(self, base_url: str, state_dir: Path, source: Path) -> None:
        command = [sys.executable, str(CHILD), base_url, str(state_dir), str(source)]
        self._process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self._process.stdin is not None and self._process.stdout is not None
        self._stdin, self._stdout = self._process.stdin, self._process.stdout

    def run(self, kill_at: int, when: str) -> int:
        """How one run ended: 0, or -9 when it killed itself."""
        self._stdin.write(f"{kill_at} {when}\n")
        self._stdin.flush()
        ready, _, _ = select.select([self._stdout], [], [], RUN_TIMEOUT)
        assert ready, f"a run took over {RUN_TIMEOUT} s"
        return int(self._stdout.readline())

    def close(self) -> None:
        self._stdin.close()
        self._process.wait(timeout=10)


def _answered(client: Client) -> dict[tuple[str, str], dict[str, Any]]:
    """Every line the service wrote, by (batch id, custom_id)."""
    lines: dict[tuple[str, str], dict[str, Any]] = {}
    for batch in client.batches.list(limit=100):
        for file_id in (batch.output_file_id, batch.error_file_id):
            if isinstance(file_id, str) and file_id:
                for raw in client.files.content(file_id).splitlines():
                    line = json.loads(raw)
                    lines[(batch.id, line["custom_id"])] = line
    return lines


def _verdict(line: dict[str, Any]) -> str:
    """What the documented rules make of one line: succeeded, retry (429, 5xx) or failed."""
    response = line.get("response")
    status = response.get("status_code") if isinstance(response, dict) else None
    if line.get("error") is None and isinstance(status, int) and 200 <= status < 300:
        return "succeeded"
    return "retry" if isinstance(status, int) and (status == 429 or status >= 500) else "failed"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_killed_while_downloading_under_faults_loses_nothing(
    client: Client, fresh_emulator: EmulatorServer, tmp_path: Path, seed: int
) -> None:
    started = time.monotonic()
    source = tmp_path / "in.jsonl"
    with source.open("w") as out:
        for n in range(REQUESTS):
            out.write(json.dumps(request(n, model=None if n % 7 == 0 else MODELS[n % 2])) + "\n")
    state_dir = tmp_path / "state"
    fresh_emulator.batch_settings.set(line_status_rate=0.1, line_error_rate=0.1, seed=seed)
    fresh_emulator.faults.set(
        cut_rate=0.3, drop_response_rate=0.15, error_rate=0.05, seed=seed, paths=("/v1/files/*/content",)
    )
    rng = random.Random(seed)
    runners = _Runners(fresh_emulator.base_url, state_dir, source)
    try:
        codes = [
            runners.run(rng.randint(1, 2), rng.choice(["before", "during", "after"])) for _ in range(KILLS)
        ]
        codes.append(runners.run(0, "never"))
    finally:
        runners.close()
    injected = fresh_emulator.faults.injected
    fresh_emulator.faults.clear()

    killed = codes.count(-signal.SIGKILL)
    errors = [code for code in codes if code not in (0, -signal.SIGKILL)]
    print(
        f"seed {seed}: {killed} kills while downloading, {len(errors)} error exits, {injected} faults "
        "injected"
    )
    assert errors == [] and codes[-1] == 0
    assert killed == KILLS  # every run died in a download: the job always had one left to do
    answered = _answered(client)
    results = list(client.batch_jobs.results("kill", state_dir=state_dir))
    lost = [r for r in results if (r.batch_id or "", r.custom_id) not in answered]
    print(
        f"seed {seed}: {len(answered)} lines answered in {len({b for b, _ in answered})} batches, "
        f"{len(lost)} results lost, {time.monotonic() - started:.1f} s"
    )
    assert lost == []
    assert_in_order(results, REQUESTS)
    runs: dict[str, int] = {}
    for _, custom_id in answered:
        runs[custom_id] = runs.get(custom_id, 0) + 1
    for n, result in enumerate(results):
        line = answered[(result.batch_id or "", result.custom_id)]
        assert result.line == line, result
        assert result.attempts == runs[result.custom_id], result  # each batch it was in answered it once
        verdict = _verdict(line)
        if n % 7 == 0:  # no model: refused at once, never tried again
            assert (result.status, result.status_code, result.attempts) == ("failed", 400, 1), result
        elif verdict == "retry":
            assert result.status == "failed" and result.attempts == ATTEMPTS, result
        else:
            assert result.status == verdict, result
