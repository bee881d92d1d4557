"""A job runner SIGKILLed at seeded random moments and rerun each time ends complete and exact."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

from openai_files import Client
from openai_files_emulator import EmulatorServer

from .test_batch_jobs import assert_in_order, request

CHILD = Path(__file__).with_name("job_child.py")
KILLS = 20
REQUESTS = 200
SHARD_REQUESTS = 5


def _run(base_url: str, state_dir: Path, source: Path, kill_at: int, when: str) -> int:
    command = [sys.executable, str(CHILD), base_url, str(state_dir), str(source), str(SHARD_REQUESTS)]
    return subprocess.run([*command, str(kill_at), when], timeout=120, check=False).returncode


def test_killed_and_rerun_job_is_complete_and_exact(
    client: Client, fresh_emulator: EmulatorServer, tmp_path: Path
) -> None:
    source = tmp_path / "in.jsonl"
    with source.open("w") as out:
        for n in range(REQUESTS):
            model = None if n % 7 == 0 else ("m1", "m2")[n % 2]
            out.write(json.dumps(request(n, model=model)) + "\n")
    state_dir = tmp_path / "state"
    rng = random.Random(15)
    killed = 0
    for _ in range(KILLS):
        code = _run(
            fresh_emulator.base_url, state_dir, source, rng.randint(1, 25), rng.choice(["before", "after"])
        )
        assert code in (0, -signal.SIGKILL)
        killed += code == -signal.SIGKILL
    assert killed >= KILLS // 2  # the job was cut short again and again
    assert _run(fresh_emulator.base_url, state_dir, source, 0, "never") == 0

    results = list(client.batch_jobs.results("crash", state_dir=state_dir))
    assert_in_order(results, REQUESTS)
    for n, result in enumerate(results):
        expected = ("failed", 400) if n % 7 == 0 else ("succeeded", 200)
        assert (result.status, result.status_code, result.attempts) == (*expected, 1), result
    batches = list(client.batches.list(limit=100))
    shards = Counter(b.metadata.to_dict()["openai_files_shard"] for b in batches)  # type: ignore[union-attr]
    assert max(shards.values()) == 1  # no shard submitted twice
    assert len(shards) == client.batch_jobs.status("crash", state_dir=state_dir).shards["done"]
    assert {r.batch_id for r in results} == {b.id for b in batches}
    assert list(client.files.list()) == []  # inputs, outputs and orphans all deleted
    assert not list((state_dir / "crash").glob("shard-*"))
