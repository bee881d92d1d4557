"""A job runner SIGKILLed at seeded random moments and rerun each time ends complete and exact."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

from openai_files import Client, JobConfig
from openai_files_emulator import Answer, EmulatorServer

from .test_batch_jobs import assert_in_order, request

CHILD = Path(__file__).with_name("job_child.py")
KILLS = 20
REQUESTS = 200
SHARD_REQUESTS = 5


def _error(status: int) -> Answer:
    """A request the service fails with `status` every time it runs it."""
    return Answer(
        {"error": {"message": "scripted", "type": "server_error", "param": None, "code": None}}, status
    )


# What the service answers, chosen from each request's number: a 500 (retried, so it fails on every
# attempt) and a 400 (never retried). Requests without a model (every 7th) the client refuses itself.
SCRIPTED = {n: 500 if n % 11 == 3 else 400 for n in range(REQUESTS) if n % 7 and n % 11 in (3, 5)}


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
    # The service refuses batches over a small quota and fails the scripted lines, so the kills also land
    # in token-limit resubmissions and retry shards.
    fresh_emulator.batch_settings.set(default_token_limit=1_200)
    fresh_emulator.batch_settings.script({f"r{n}": _error(status) for n, status in SCRIPTED.items()})
    rng = random.Random(15)
    codes = [
        _run(fresh_emulator.base_url, state_dir, source, rng.randint(1, 25), rng.choice(["before", "after"]))
        for _ in range(KILLS)
    ]
    assert codes == [-signal.SIGKILL] * KILLS  # every run was cut short: the job was not done yet
    assert _run(fresh_emulator.base_url, state_dir, source, 0, "never") == 0

    results = list(client.batch_jobs.results("crash", state_dir=state_dir))
    assert_in_order(results, REQUESTS)
    attempts = JobConfig().max_attempts
    for n, result in enumerate(results):
        assert result.batch_id is not None
        if n % 7 == 0:  # no model: refused at once, never retried
            assert (result.status, result.status_code, result.attempts) == ("failed", 400, 1), result
        elif SCRIPTED.get(n) == 500:  # retried until the attempts run out
            assert (result.status, result.status_code, result.attempts) == ("failed", 500, attempts), result
        elif SCRIPTED.get(n) == 400:  # a refusal is final
            assert (result.status, result.status_code, result.attempts) == ("failed", 400, 1), result
        else:
            assert (result.status, result.status_code) == ("succeeded", 200), result
    batches = [b.to_dict() for b in client.batches.list(limit=100)]
    tags = Counter(
        (b["metadata"]["openai_files_shard"], b["metadata"]["openai_files_submit"]) for b in batches
    )
    assert max(tags.values()) == 1  # no shard submitted twice (a token-limit resubmission is a new submit)
    assert any(b["status"] == "failed" for b in batches)  # the quota did refuse some
    done = client.batch_jobs.status("crash", state_dir=state_dir).shards["done"]
    assert len({shard for shard, _ in tags}) == done
    assert {r.batch_id for r in results} <= {b["id"] for b in batches}
    assert list(client.files.list()) == []  # inputs, outputs and orphans all deleted
    assert not list((state_dir / "crash").glob("shard-*"))
