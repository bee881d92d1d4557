"""Runs one upload: resume or create, parts with a bounded window in flight, md5, complete or clean up.

The service calls come through `SyncUploadApi` / `AsyncUploadApi`, so the engine knows nothing of
HTTP: the overlay's resource group adapts the generated layer (with its retries) to them, and tests
can inject a fake. `UploadJob` holds the state both drivers share; the drivers only schedule.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Protocol, TypeVar

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


def run_sync(api: SyncUploadApi[R], job: UploadJob) -> R:
    try:
        if not job.resume():
            job.created(api.create(job.plan))
        job.start_md5()
        _send_parts_sync(api, job)
        result = api.complete(job.upload_id, job.part_ids(), job.md5())
    except BaseException as error:
        if job.failed(error, api.resumable(error)):
            _cancel_quietly_sync(api, job.upload_id)
        raise
    finally:
        job.source.close()
    job.finished()
    return result


def _send_parts_sync(api: SyncUploadApi[R], job: UploadJob) -> None:
    todo = iter(job.missing())
    coordinator = job.coordinator

    def send(index: int) -> str:
        coordinator.check()
        return api.add_part(job.upload_id, job.window(index, throttled=True))

    with ThreadPoolExecutor(job.plan.concurrency, thread_name_prefix="openai-files-part") as pool:
        in_flight: dict[Future[str], int] = {}
        try:
            while True:
                while len(in_flight) < job.plan.concurrency and coordinator.error is None:
                    index = next(todo, None)
                    if index is None:
                        break
                    in_flight[pool.submit(send, index)] = index
                if not in_flight:
                    break
                done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in done:
                    index = in_flight.pop(future)
                    error = future.exception()
                    if error is not None:
                        coordinator.fail(error)
                    else:
                        job.part_done(index, future.result())
        except BaseException as error:
            coordinator.fail(error)
            raise
    if coordinator.error is not None:
        raise coordinator.error


def _cancel_quietly_sync(api: SyncUploadApi[R], upload_id: str) -> None:
    try:
        api.cancel(upload_id)
    except Exception as exc:
        log.warning("could not cancel Upload %s: %r", upload_id, exc)


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
            try:
                await api.cancel(job.upload_id)
            except Exception as exc:
                log.warning("could not cancel Upload %s: %r", job.upload_id, exc)
        raise
    finally:
        job.source.close()
    job.finished()
    return result


async def _send_parts_async(api: AsyncUploadApi[R], job: UploadJob) -> None:
    """httpx reads a multipart body synchronously even in async, so the bandwidth cap is taken per part."""
    todo = iter(job.missing())
    coordinator = job.coordinator

    async def send(index: int) -> str:
        window = job.window(index, throttled=False)
        if job.limiter is not None:
            await job.limiter.consume_async(window.length, coordinator)
        coordinator.check()
        return await api.add_part(job.upload_id, window)

    in_flight: dict[asyncio.Task[str], int] = {}
    try:
        while True:
            while len(in_flight) < job.plan.concurrency and coordinator.error is None:
                index = next(todo, None)
                if index is None:
                    break
                in_flight[asyncio.create_task(send(index))] = index
            if not in_flight:
                break
            done, _ = await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                index = in_flight.pop(task)
                if task.cancelled():
                    continue
                error = task.exception()
                if error is not None:
                    coordinator.fail(error)
                    for other in in_flight:
                        other.cancel()
                else:
                    job.part_done(index, task.result())
    except BaseException as error:
        coordinator.fail(error)
        for task in in_flight:
            task.cancel()
        await asyncio.gather(*in_flight, return_exceptions=True)
        raise
    if coordinator.error is not None:
        raise coordinator.error
