"""A job runner for the crash test.

`python job_child.py BASE_URL STATE_DIR INPUT SHARD_REQUESTS KILL_AT WHEN` runs the job and SIGKILLs
itself at its KILL_AT-th HTTP request, `before` sending it or `after` its response came back (the
service acted, the runner has not recorded it yet): a crash at a chosen call, whatever the machine's load.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import httpx

from openai_files import Client, JobConfig


class KillingTransport(httpx.HTTPTransport):
    def __init__(self, kill_at: int, after: bool) -> None:
        super().__init__()
        self._left = kill_at
        self._after = after

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self._left -= 1
        if self._left == 0 and not self._after:
            os.kill(os.getpid(), signal.SIGKILL)
        response = super().handle_request(request)
        if self._left == 0:
            response.read()
            os.kill(os.getpid(), signal.SIGKILL)
        return response


def main() -> None:
    base_url, state_dir, source, shard_requests, kill_at, when = sys.argv[1:7]
    config = JobConfig(
        max_shard_requests=int(shard_requests),
        poll_interval=0.01,
        max_poll_interval=0.02,
        token_limit_backoff=0.05,
        create_retry_delay=0.01,
        delete_outputs=True,
        state_dir=Path(state_dir),
    )
    transport = KillingTransport(int(kill_at), when == "after")
    with Client(api_key="sk-crash-test", base_url=base_url, timeout=10.0, transport=transport) as client:
        client.batch_jobs.run(Path(source), job_id="crash", config=config)


if __name__ == "__main__":
    main()
