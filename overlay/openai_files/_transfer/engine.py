"""Runs one upload: resume or create, parts with a bounded window in flight, md5, complete or clean up.

The service calls come through `SyncUploadApi` / `AsyncUploadApi`, so the engine knows nothing of
HTTP: the overlay's resource group adapts the generated layer to them (one attempt per part: the
engine retries parts itself), and tests can inject a fake. `UploadJob` holds the upload's state, the
shared `Schedule` decides which parts start, and the shared drivers start them and wait.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

import anyio

from .._service import ServiceIdentity
from .drivers import retried, retried_async, run_tasks, run_threads
from .job import Created, Phase, UploadJob
from .journal import Completion
from .plan import UploadPlan
from .scheduler import Schedule
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

    def add_part(self, upload_id: str, window: PartWindow) -> str:
        """One attempt, repeating `window.key` as its Idempotency-Key: the engine retries the part."""
        ...

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
            after = job.after_refusal(error) if api.refused(error) else None
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
    def send(index: int) -> str:
        window = job.window(index, throttled=True)
        return retried(lambda: api.add_part(job.upload_id, window), job.retry, job.abort, f"part {index}")

    if job.phase is Phase.SENDING:  # else an interrupted run sent its complete: repeat it
        job.start_md5()
        run_threads(_schedule(job), send, threads=job.plan.concurrency, name="openai-files-part")
    return api.complete(job.upload_id, job.part_ids(), job.completing())


def _schedule(job: UploadJob) -> Schedule[int, str]:
    return Schedule(
        job.missing(),
        concurrency=job.concurrency,
        abort=job.abort,
        done=job.part_done,
        size=lambda index: job.plan.part_bounds(index)[1],
    )


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
            after = job.after_refusal(error) if api.refused(error) else None
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
    """httpx reads a multipart body synchronously even in async, so the bandwidth cap is taken per part."""

    async def send(index: int) -> str:
        window = job.window(index, throttled=False)
        if job.limiter is not None:
            await job.limiter.consume_async(window.length, job.abort)
        return await retried_async(lambda: api.add_part(job.upload_id, window), job.retry, f"part {index}")

    if job.phase is Phase.SENDING:
        job.start_md5()
        await run_tasks(_schedule(job), send)
        # The pass runs in its own thread; wait for it off the event loop, and not past a cancellation.
        await anyio.to_thread.run_sync(job.md5, abandon_on_cancel=True)
    return await api.complete(job.upload_id, job.part_ids(), job.completing())


async def _cancel_shielded(api: AsyncUploadApi[R], upload_id: str) -> None:
    with anyio.move_on_after(CLEANUP_SECONDS, shield=True), _cancel_logged(upload_id):
        await api.cancel(upload_id)


@contextmanager
def _cancel_logged(upload_id: str) -> Iterator[None]:
    """A failed cancel is only logged: the error that ended the upload is the one the caller needs."""
    try:
        yield
    except Exception as exc:
        log.warning("could not cancel Upload %s: %r", upload_id, exc)
