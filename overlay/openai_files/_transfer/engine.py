"""Runs one upload: resume or create, parts with a bounded window in flight, md5, complete or clean up.

The service calls come through `SyncUploadApi` / `AsyncUploadApi`, so the engine knows nothing of
HTTP: the overlay's resource group adapts the generated layer (with its retries) to them, and tests
can inject a fake. `UploadJob` holds the upload's state and `_Schedule` decides which parts start and
what each outcome means; the sync and async drivers only start parts and wait for them.
"""

from __future__ import annotations

import functools
import logging
import math
import signal
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from typing import Any, Generic, Protocol, TypeVar

import anyio
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from .._service import ServiceIdentity
from .abort import SIGNAL_CHECK
from .job import Created, Phase, UploadJob
from .journal import Completion
from .plan import UploadPlan
from .window import PartWindow

log = logging.getLogger("openai_files.transfer")

Completed_co = TypeVar("Completed_co", covariant=True)


CLEANUP_SECONDS = 30.0
"""How long an async upload that was cancelled may still take to cancel its Upload."""


class SyncUploadApi(Protocol[Completed_co]):
    def create(self, plan: UploadPlan) -> Created: ...
    def service(self, journaled: ServiceIdentity) -> ServiceIdentity:
        """The service this run talks to, learnt well enough to compare with the `journaled` one."""
        ...

    def add_part(self, upload_id: str, window: PartWindow) -> str: ...
    def complete(self, upload_id: str, part_ids: list[str], completion: Completion) -> Completed_co:
        """Send `completion` (its md5 and Idempotency-Key): a repeat must get the same answer."""
        ...

    def cancel(self, upload_id: str) -> None: ...
    def find_completed(
        self, upload_id: str, plan: UploadPlan, completion: Completion, refusal: Exception
    ) -> Completed_co:
        """The completed Upload an interrupted run's `completion` made, found by its File after the
        service refused to repeat it (`refusal`); `UnconfirmedUploadError` naming the Upload and the
        candidate files unless exactly one matches."""
        ...

    def resumable(self, error: BaseException) -> bool:
        """True when a later run could finish what `error` interrupted (network, 5xx, Ctrl-C)."""
        ...

    def refused(self, error: BaseException) -> bool:
        """True when `error` is the service refusing the Upload itself (cancelled, expired, completed)."""
        ...


class AsyncUploadApi(Protocol[Completed_co]):
    async def create(self, plan: UploadPlan) -> Created: ...
    async def service(self, journaled: ServiceIdentity) -> ServiceIdentity: ...
    async def add_part(self, upload_id: str, window: PartWindow) -> str: ...
    async def complete(self, upload_id: str, part_ids: list[str], completion: Completion) -> Completed_co: ...
    async def cancel(self, upload_id: str) -> None: ...
    async def find_completed(
        self, upload_id: str, plan: UploadPlan, completion: Completion, refusal: Exception
    ) -> Completed_co: ...
    def resumable(self, error: BaseException) -> bool: ...
    def refused(self, error: BaseException) -> bool: ...


R = TypeVar("R")


class _Sending(Protocol):
    """A part on its way: a thread's `Future` or a `_PartTask`, which answer alike once done."""

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
        self._starts: dict[S, tuple[float, int, bool]] = {}
        """When each part in flight started, the window then, and whether it filled the window."""

    def to_start(self) -> Iterator[int]:
        """Parts to start now: while the window has room and nothing has failed (back-pressure)."""
        window = self._job.concurrency
        while self._todo and len(self.in_flight) < window.limit and self._job.abort.error is None:
            yield self._todo.popleft()

    def started(self, sending: S, index: int) -> None:
        limit = self._job.concurrency.limit
        full = bool(self._todo) or len(self.in_flight) + 1 >= limit
        self.in_flight[sending] = index
        self._starts[sending] = (time.monotonic(), limit, full)

    def settle(self, done: Iterable[S]) -> None:
        """Record finished parts; the first error fails the upload (a cancelled part was told to stop)."""
        for sending in done:
            index = self.in_flight.pop(sending)
            started, window, full = self._starts.pop(sending)
            if sending.cancelled():
                continue
            error = sending.exception()
            if error is not None:
                self._job.abort.abort(error)
            else:
                self._job.part_done(index, sending.result())
                nbytes, seconds = self._job.plan.part_bounds(index)[1], time.monotonic() - started
                self._job.concurrency.part_done(nbytes=nbytes, seconds=seconds, window=window, full=full)

    @property
    def failed(self) -> bool:
        return self._job.abort.error is not None

    def raise_failure(self) -> None:
        if (error := self._job.abort.error) is not None:
            raise error


@contextmanager
def _interrupts_held() -> Iterator[None]:
    """SIGINT and SIGTERM wait until the block ends, then act as they would have: an Upload created in
    the block is journaled, and known to the cleanup, before an interrupt can end the run (else one that
    lands between the answer and its record leaves the Upload pending, unknown to anyone). Signals reach
    the main thread only; elsewhere nothing is held. An ignored signal stays ignored."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []
    previous: dict[int, Any] = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        handler = signal.getsignal(signum)
        if handler not in (signal.SIG_IGN, None):
            previous[signum] = handler
            signal.signal(signum, lambda number, frame: held.append(number))
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        for number in held:
            handler = previous[number]
            if callable(handler):
                handler(number, None)
            else:  # the default action (SIGTERM's ends the process)
                signal.raise_signal(number)


def run_sync(api: SyncUploadApi[R], job: UploadJob) -> R:
    """Resume or create the Upload, send the missing parts, complete it; on failure cancel or keep it.

    A resumed Upload the service refuses starts over at once, unless the interrupted run had sent its
    complete: then that request is repeated, and its File found, never stored a second time.
    """
    try:
        if (journaled := job.journaled_service()) is not None:
            job.check_service(api.service(journaled))
        if (stale := job.resume()) is not None:
            with _cancel_logged(stale):
                api.cancel(stale)
        if job.phase is Phase.NEW:
            with _interrupts_held():
                job.created(api.create(job.plan))
        try:
            result = _finish_sync(api, job)
        except Exception as error:
            after = job.refused(error) if api.refused(error) else None
            if after is Phase.NEW:
                with _interrupts_held():
                    job.created(api.create(job.plan))
                result = _finish_sync(api, job)
            elif after is Phase.RECOVERING:
                result = api.find_completed(job.upload_id, job.plan, job.completing(), error)
                log.info("Upload %s was completed by an interrupted run; found its File", job.upload_id)
            else:
                raise
    except BaseException as error:
        if job.failed(error, api.resumable(error)):
            with _cancel_logged(job.upload_id):
                api.cancel(job.upload_id)
        raise
    job.finished()
    return result


def _finish_sync(api: SyncUploadApi[R], job: UploadJob) -> R:
    if job.phase is Phase.SENDING:  # else an interrupted run sent its complete: repeat it
        job.start_md5()
        _send_parts_sync(api, job)
    return api.complete(job.upload_id, job.part_ids(), job.completing())


def _send_parts_sync(api: SyncUploadApi[R], job: UploadJob) -> None:
    """Part threads cannot be interrupted: a failure reaches them at their next read or retry pause.

    A part whose last bytes are already in the socket buffers (a few MB) has no read left and waits for
    its response; with parts larger than the buffers, the default, every part stops at a read.
    """
    schedule: _Schedule[Future[str]] = _Schedule(job)

    def send(index: int) -> str:
        job.abort.check()
        return api.add_part(job.upload_id, job.window(index, throttled=True))

    pool = ThreadPoolExecutor(job.plan.concurrency, thread_name_prefix="openai-files-part")
    try:
        while True:
            for index in schedule.to_start():
                schedule.started(pool.submit(send, index), index)
            if not schedule.in_flight:
                break
            done, _ = wait(schedule.in_flight, timeout=SIGNAL_CHECK, return_when=FIRST_COMPLETED)
            schedule.settle(done)
    except BaseException as error:
        # Ctrl-C in this thread: the parts stop at their next read, which on a slow link can be seconds
        # away (a read's bytes are still being written to the socket). The cleanup (cancel, or keep for
        # resume) goes ahead without them: what they finish is not recorded, and a resume resends it.
        job.abort.abort(error)
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    schedule.raise_failure()


async def run_async(api: AsyncUploadApi[R], job: UploadJob) -> R:
    """See `run_sync`. The cleanup is shielded: a cancelled scope would cancel it at its first await."""
    try:
        if (journaled := job.journaled_service()) is not None:
            job.check_service(await api.service(journaled))
        if (stale := job.resume()) is not None:
            await _cancel_shielded(api, stale)
        if job.phase is Phase.NEW:
            with _interrupts_held():
                job.created(await api.create(job.plan))
        try:
            result = await _finish_async(api, job)
        except Exception as error:
            after = job.refused(error) if api.refused(error) else None
            if after is Phase.NEW:
                with _interrupts_held():
                    job.created(await api.create(job.plan))
                result = await _finish_async(api, job)
            elif after is Phase.RECOVERING:
                result = await api.find_completed(job.upload_id, job.plan, job.completing(), error)
                log.info("Upload %s was completed by an interrupted run; found its File", job.upload_id)
            else:
                raise
    except BaseException as error:
        if job.failed(error, api.resumable(error)):
            await _cancel_shielded(api, job.upload_id)
        raise
    job.finished()
    return result


async def _finish_async(api: AsyncUploadApi[R], job: UploadJob) -> R:
    if job.phase is Phase.SENDING:
        job.start_md5()
        await _send_parts_async(api, job)
        # The pass runs in its own thread; wait for it off the event loop, and not past a cancellation.
        await anyio.to_thread.run_sync(job.md5, abandon_on_cancel=True)
    return await api.complete(job.upload_id, job.part_ids(), job.completing())


async def _cancel_shielded(api: AsyncUploadApi[R], upload_id: str) -> None:
    with anyio.move_on_after(CLEANUP_SECONDS, shield=True), _cancel_logged(upload_id):
        await api.cancel(upload_id)


class _PartTask:
    """One part sent in a task of the upload's task group, answering like a `Future` once done.

    Each has its own cancel scope, so a failed upload stops the parts in flight and no other task.
    """

    def __init__(self) -> None:
        self.scope = anyio.CancelScope()
        self._result = ""
        self._error: Exception | None = None

    def cancelled(self) -> bool:
        return self.scope.cancelled_caught

    def exception(self) -> BaseException | None:
        return self._error

    def result(self) -> str:
        return self._result

    async def run(self, send: Callable[[], Awaitable[str]], done: MemoryObjectSendStream[_PartTask]) -> None:
        with self.scope:
            try:
                self._result = await send()
            except Exception as error:
                self._error = error
        done.send_nowait(self)


async def _send_parts_async(api: AsyncUploadApi[R], job: UploadJob) -> None:
    """Parts run as tasks of one task group; their scopes are cancelled the moment the upload fails,
    which also ends their retry sleeps. Cancelling the caller cancels the group, whose exit waits for
    every part to stop (anyio's cancellation holds at each await, so nothing is left running).

    httpx reads a multipart body synchronously even in async, so the bandwidth cap is taken per part.
    """
    schedule: _Schedule[_PartTask] = _Schedule(job)

    async def send(index: int) -> str:
        window = job.window(index, throttled=False)
        if job.limiter is not None:
            await job.limiter.consume_async(window.length, job.abort)
        job.abort.check()
        return await api.add_part(job.upload_id, window)

    finished, done = anyio.create_memory_object_stream[_PartTask](math.inf)
    with finished, done:
        async with anyio.create_task_group() as group:
            try:
                while True:
                    for index in schedule.to_start():
                        part = _PartTask()
                        schedule.started(part, index)
                        group.start_soon(part.run, functools.partial(send, index), finished)
                    if not schedule.in_flight:
                        break
                    settled = []
                    with anyio.move_on_after(SIGNAL_CHECK):
                        settled.append(await done.receive())
                    while (ready := _ready(done)) is not None:
                        settled.append(ready)
                    schedule.settle(settled)
                    if schedule.failed:
                        for part in schedule.in_flight:
                            part.scope.cancel()
            except BaseException as error:  # this task was cancelled: the group cancels the parts
                job.abort.abort(error)
                raise
    schedule.raise_failure()


def _ready(done: MemoryObjectReceiveStream[_PartTask]) -> _PartTask | None:
    try:
        return done.receive_nowait()
    except anyio.WouldBlock:
        return None


@contextmanager
def _cancel_logged(upload_id: str) -> Iterator[None]:
    """A failed cancel is only logged: the error that ended the upload is the one the caller needs."""
    try:
        yield
    except Exception as exc:
        log.warning("could not cancel Upload %s: %r", upload_id, exc)
