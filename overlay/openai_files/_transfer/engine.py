"""Runs one upload: resume or create, parts with a bounded window in flight, md5, complete or clean up.

The service calls come through `SyncUploadApi` / `AsyncUploadApi`, so the engine knows nothing of
HTTP: the overlay's resource group adapts the generated layer (with its retries) to them, and tests
can inject a fake. `UploadJob` holds the upload's state and `_Schedule` decides which parts start and
what each outcome means; the sync and async drivers only start parts and wait for them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from typing import Generic, Protocol, TypeVar

from .coordinator import SIGNAL_CHECK
from .job import Created, UploadJob
from .plan import UploadPlan
from .window import PartWindow

log = logging.getLogger("openai_files.transfer")

Completed_co = TypeVar("Completed_co", covariant=True)


class SyncUploadApi(Protocol[Completed_co]):
    def create(self, plan: UploadPlan) -> Created: ...
    def add_part(self, upload_id: str, window: PartWindow) -> str: ...
    def complete(self, upload_id: str, part_ids: list[str], md5: str | None) -> Completed_co: ...
    def cancel(self, upload_id: str) -> None: ...
    def resumable(self, error: BaseException) -> bool:
        """True when a later run could finish what `error` interrupted (network, 5xx, Ctrl-C)."""
        ...


class AsyncUploadApi(Protocol[Completed_co]):
    async def create(self, plan: UploadPlan) -> Created: ...
    async def add_part(self, upload_id: str, window: PartWindow) -> str: ...
    async def complete(self, upload_id: str, part_ids: list[str], md5: str | None) -> Completed_co: ...
    async def cancel(self, upload_id: str) -> None: ...
    def resumable(self, error: BaseException) -> bool: ...


R = TypeVar("R")


class _Sending(Protocol):
    """A part on its way: a thread's `Future` or an asyncio `Task`, which answer alike once done."""

    def cancelled(self) -> bool: ...
    def exception(self) -> BaseException | None: ...
    def result(self) -> str: ...


S = TypeVar("S", bound=_Sending)


class _Schedule(Generic[S]):
    """The parts still to send, those in flight, and what each finished part means for the upload."""

    def __init__(self, job: UploadJob) -> None:
        self._job = job
        self._todo = deque(job.missing())
        self.in_flight: dict[S, int] = {}

    def to_start(self) -> Iterator[int]:
        """Parts to start now: while the window has room and nothing has failed (back-pressure)."""
        window = self._job.concurrency
        while self._todo and len(self.in_flight) < window.limit and self._job.coordinator.error is None:
            yield self._todo.popleft()

    def observe(self) -> None:
        """Tell the window what the link gave so far (called before finished parts are settled)."""
        full = len(self.in_flight) >= self._job.concurrency.limit
        self._job.concurrency.observe(sent=self._job.tracker.bytes_sent, now=time.monotonic(), full=full)

    def started(self, sending: S, index: int) -> None:
        self.in_flight[sending] = index

    def settle(self, done: Iterable[S]) -> None:
        """Record finished parts; the first error fails the upload (a cancelled part was told to stop)."""
        for sending in done:
            index = self.in_flight.pop(sending)
            if sending.cancelled():
                continue
            error = sending.exception()
            if error is not None:
                self._job.coordinator.fail(error)
            else:
                self._job.part_done(index, sending.result())

    @property
    def failed(self) -> bool:
        return self._job.coordinator.error is not None

    def raise_failure(self) -> None:
        if (error := self._job.coordinator.error) is not None:
            raise error


def run_sync(api: SyncUploadApi[R], job: UploadJob) -> R:
    try:
        if not job.resume():
            job.created(api.create(job.plan))
        job.start_md5()
        _send_parts_sync(api, job)
        result = api.complete(job.upload_id, job.part_ids(), job.md5())
    except BaseException as error:
        if job.failed(error, api.resumable(error)):
            with _cancel_logged(job.upload_id):
                api.cancel(job.upload_id)
        raise
    job.finished()
    return result


def _send_parts_sync(api: SyncUploadApi[R], job: UploadJob) -> None:
    """Part threads cannot be interrupted: a failure reaches them at their next read or retry pause.

    A part whose last bytes are already in the socket buffers (a few MB) has no read left and waits for
    its response; with parts larger than the buffers, the default, every part stops at a read.
    """
    schedule: _Schedule[Future[str]] = _Schedule(job)

    def send(index: int) -> str:
        job.coordinator.check()
        return api.add_part(job.upload_id, job.window(index, throttled=True))

    with ThreadPoolExecutor(job.plan.concurrency, thread_name_prefix="openai-files-part") as pool:
        try:
            while True:
                for index in schedule.to_start():
                    schedule.started(pool.submit(send, index), index)
                if not schedule.in_flight:
                    break
                done, _ = wait(schedule.in_flight, timeout=SIGNAL_CHECK, return_when=FIRST_COMPLETED)
                schedule.observe()
                schedule.settle(done)
        except BaseException as error:  # Ctrl-C in this thread: the parts stop at their next read
            job.coordinator.fail(error)
            raise
    schedule.raise_failure()


async def run_async(api: AsyncUploadApi[R], job: UploadJob) -> R:
    try:
        if not job.resume():
            job.created(await api.create(job.plan))
        job.start_md5()
        await _send_parts_async(api, job)
        md5 = await asyncio.to_thread(job.md5)
        result = await api.complete(job.upload_id, job.part_ids(), md5)
    except BaseException as error:
        if job.failed(error, api.resumable(error)):
            with _cancel_logged(job.upload_id):
                await api.cancel(job.upload_id)
        raise
    job.finished()
    return result


async def _send_parts_async(api: AsyncUploadApi[R], job: UploadJob) -> None:
    """Part tasks are cancelled the moment the upload fails, which also ends their retry sleeps.

    httpx reads a multipart body synchronously even in async, so the bandwidth cap is taken per part.
    """
    schedule: _Schedule[asyncio.Task[str]] = _Schedule(job)

    async def send(index: int) -> str:
        window = job.window(index, throttled=False)
        if job.limiter is not None:
            await job.limiter.consume_async(window.length, job.coordinator)
        job.coordinator.check()
        return await api.add_part(job.upload_id, window)

    try:
        while True:
            for index in schedule.to_start():
                schedule.started(asyncio.create_task(send(index)), index)
            if not schedule.in_flight:
                break
            done, _ = await asyncio.wait(
                schedule.in_flight, timeout=SIGNAL_CHECK, return_when=asyncio.FIRST_COMPLETED
            )
            schedule.observe()
            schedule.settle(done)
            if schedule.failed:
                _cancel_tasks(schedule.in_flight)
    except BaseException as error:  # this task was cancelled
        job.coordinator.fail(error)
        _cancel_tasks(schedule.in_flight)
        await asyncio.gather(*schedule.in_flight, return_exceptions=True)
        raise
    schedule.raise_failure()


def _cancel_tasks(tasks: Iterable[asyncio.Task[str]]) -> None:
    for task in tasks:
        task.cancel()


@contextmanager
def _cancel_logged(upload_id: str) -> Iterator[None]:
    """A failed cancel is only logged: the error that ended the upload is the one the caller needs."""
    try:
        yield
    except Exception as exc:
        log.warning("could not cancel Upload %s: %r", upload_id, exc)
