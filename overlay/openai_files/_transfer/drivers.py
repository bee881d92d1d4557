"""The two drivers of a `Schedule`, threads and anyio tasks, and the per-part retry they share.

A driver only starts the parts the schedule hands out and reports those that finished. A failure
aborts the transfer: thread parts stop at their next read (or retry wait), async parts are cancelled.
Each part is retried by the engine, not by the client: one attempt at a time through the client, then
the `RetryPolicy`'s wait, which an abort cuts short.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable, Hashable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TypeVar

import anyio

from .._retry import RetryPolicy
from .abort import SIGNAL_CHECK, AbortSignal
from .scheduler import Schedule

log = logging.getLogger("openai_files.transfer")

T = TypeVar("T", bound=Hashable)
R = TypeVar("R")


def run_threads(
    schedule: Schedule[T, R], work: Callable[[T], R], *, threads: int, name: str, abandon: bool = True
) -> None:
    """Run every part in a pool of `threads`; raise the first error once the parts in flight stopped.

    Part threads cannot be interrupted: a failure reaches them at their next read, write or retry wait.
    A Ctrl-C in this thread `abandon`s them by default (parts that only read the file: the caller's
    cleanup goes ahead, and what they finish is not recorded); parts that write into something the
    cleanup closes are waited for.
    """
    pool = ThreadPoolExecutor(threads, thread_name_prefix=name)
    running: dict[Future[R], T] = {}
    try:
        while True:
            for part in schedule.to_start():
                running[pool.submit(work, part)] = part
            if not running:
                break
            done, _ = wait(running, timeout=SIGNAL_CHECK, return_when=FIRST_COMPLETED)
            for future in done:
                schedule.settle(running.pop(future), future.exception() or future.result())
    except BaseException as error:
        schedule.abort.abort(error)
        pool.shutdown(wait=not abandon, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    schedule.raise_failure()


async def run_tasks(schedule: Schedule[T, R], work: Callable[[T], Awaitable[R]]) -> None:
    """Run every part as a task of one task group; raise the first error once every part stopped.

    The first failure cancels the group, which ends the parts in flight (their retry waits too) and no
    other task; cancelling the caller cancels the group, whose exit waits for every part to stop.
    """
    send, finished = anyio.create_memory_object_stream[tuple[T, R | BaseException]](math.inf)

    async def run(part: T) -> None:
        try:
            outcome: R | BaseException = await work(part)
        except Exception as error:
            outcome = error
        send.send_nowait((part, outcome))

    with send, finished:
        async with anyio.create_task_group() as group:
            try:
                while schedule.abort.error is None:
                    for part in schedule.to_start():
                        group.start_soon(run, part)
                    if not schedule.in_flight:
                        break
                    with anyio.move_on_after(SIGNAL_CHECK):
                        schedule.settle(*await finished.receive())
                    while finished.statistics().current_buffer_used:
                        schedule.settle(*finished.receive_nowait())
            except BaseException as error:  # this task was cancelled: the group cancels the parts
                schedule.abort.abort(error)
                raise
            if schedule.abort.error is not None:  # a failure: stop the parts in flight
                group.cancel_scope.cancel()
    schedule.raise_failure()


def retried(attempt: Callable[[], R], policy: RetryPolicy, abort: AbortSignal, what: str) -> R:
    """`attempt()` until it succeeds or `policy` gives up on its error; an abort ends the waits."""
    retries = 0
    while True:
        abort.check()
        try:
            return attempt()
        except Exception as error:
            if (delay := policy.delay_after(error, retries)) is None:
                raise
            log.info("retrying %s in %.2fs after %s", what, delay, error)
        abort.wait(delay)
        retries += 1


async def retried_async(attempt: Callable[[], Awaitable[R]], policy: RetryPolicy, what: str) -> R:
    """See `retried`; an abort cancels the task, which ends the wait."""
    retries = 0
    while True:
        try:
            return await attempt()
        except Exception as error:
            if (delay := policy.delay_after(error, retries)) is None:
                raise
            log.info("retrying %s in %.2fs after %s", what, delay, error)
        await anyio.sleep(delay)
        retries += 1
