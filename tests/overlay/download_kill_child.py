"""Job runners for the download kill test, forked from one process that imported the client once.

`python download_kill_child.py BASE_URL STATE_DIR INPUT` reads lines `KILL_AT WHEN` on stdin; for each
it forks a runner and prints the runner's exit code (-9 when killed) on a line. A runner runs the job
and SIGKILLs itself at its KILL_AT-th request for a file's content: `before` sending it, `during` its
body (after the first chunk arrived), or `after` the whole body was read (the runner has not merged it
yet); a body cut by a fault dies where it breaks. KILL_AT 0 never kills.
"""

from __future__ import annotations

import os
import signal
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path

import httpx

from openai_files import Client, JobConfig


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


class _DyingBody(httpx.SyncByteStream):
    def __init__(self, body: httpx.SyncByteStream) -> None:
        self._body = body

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield next(iter(self._body))
        finally:  # after the first chunk, or as the body fails before one arrived
            die()

    def close(self) -> None:  # closed unread: its head did not fit the file
        die()


class ContentKiller(httpx.HTTPTransport):
    def __init__(self, kill_at: int, when: str) -> None:
        super().__init__()
        self._left = kill_at
        self._when = when

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not request.url.path.endswith("/content"):
            return super().handle_request(request)
        self._left -= 1
        if self._left == 0 and self._when == "before":
            die()
        response = super().handle_request(request)
        if self._left != 0:
            return response
        if self._when == "after":
            try:
                response.read()
            finally:  # read to its end, or cut by a fault
                die()
        assert isinstance(response.stream, httpx.SyncByteStream)
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=_DyingBody(response.stream),
            extensions=response.extensions,
        )


def run(base_url: str, state_dir: str, source: str, kill_at: int, when: str) -> None:
    config = JobConfig(
        max_shard_requests=5,
        poll_interval=0.01,
        max_poll_interval=0.02,
        create_retry_delay=0.01,
        state_dir=Path(state_dir),
    )
    transport = ContentKiller(kill_at, when)
    with Client(api_key="sk-kill-test", base_url=base_url, timeout=10.0, transport=transport) as client:
        client.batch_jobs.run(Path(source), job_id="kill", config=config)


def main() -> None:
    """Fork a runner per line of stdin (no thread exists here yet), report how it ended."""
    base_url, state_dir, source = sys.argv[1:4]
    for command in sys.stdin:
        kill_at, when = command.split()
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                run(base_url, state_dir, source, int(kill_at), when)
                code = 0
            except BaseException:
                traceback.print_exc()
            finally:
                sys.stderr.flush()
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        print(os.waitstatus_to_exitcode(status), flush=True)


if __name__ == "__main__":
    main()
