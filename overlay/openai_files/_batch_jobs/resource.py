"""`client.batch_jobs`: jobs of any size over many batches, for `Client` and `AsyncClient`.

`BatchJobs` is the façade: each operation opens or makes the job in the state directory (`store.py`,
local work with no network) and hands the core's steps to a driver; `AsyncBatchJobs` is its thin async
wrapper, doing the local work in a worker thread and driving with the async driver.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import closing
from typing import TYPE_CHECKING

import anyio

from .._docs import docs_from
from .._errors import NotFoundError
from .._rules import BatchEndpoint
from .._service import ServiceIdentity
from . import store
from .config import JobConfig
from .core import JobCore, JobStatus
from .drivers import drive_async, drive_sync
from .effects import Steps
from .estimate import TokenEstimator
from .events import EventSource, inbox_for
from .export import ROWS_PER_GROUP, results_table
from .manifest import Manifest
from .notices import OnEvent
from .outcome import JobResult
from .plan import JobPlan, plan_job
from .prepare import JobInput
from .pricing import Prices
from .store import StateDir, create_job, finished_job_files, for_cancel, open_job, result_lines

if TYPE_CHECKING:
    import pyarrow

    from .._client import AsyncClient, Client

__all__ = ["AsyncBatchJobs", "BatchJobs"]

JobProgress = Callable[[JobStatus], None]
RECORDS_PER_READ = 1000
Cache = str | os.PathLike[str]
Job = tuple[Manifest, JobCore]


def _running(
    timeout: float | None,
    on_progress: JobProgress | None,
    events: EventSource | None,
    on_event: OnEvent | None,
) -> Callable[[JobCore], Steps]:
    """`core.run` to the end (or `timeout`), reporting to the callbacks."""

    def steps(core: JobCore) -> Steps:
        core.on_progress, core.on_event = on_progress, on_event
        return core.run(timeout=timeout, events=events is not None)

    return steps


def recorded_service(manifest: Manifest) -> ServiceIdentity | None:
    """The service the job was started against (None for jobs from before it was recorded)."""
    return ServiceIdentity.from_json(manifest.get("service"))


def remember_service(manifest: Manifest, seen: ServiceIdentity) -> None:
    """Record the service of a new job, and its instance once an answer named it."""
    recorded = recorded_service(manifest)
    if recorded is None or (recorded.instance is None and seen.instance and recorded.same_as(seen)):
        manifest.put("service", seen.to_json())


def check_service(manifest: Manifest, core: JobCore, current: Callable[[bool], ServiceIdentity]) -> None:
    """Refuse, closing the manifest, a job started against another service; record a new job's.

    `current(ask)` is the client's service, asking it with one request when `ask` and none answered yet.
    """
    try:
        recorded = recorded_service(manifest)
        if recorded is not None:
            ask = recorded.asks_instance(current(False).base_url)
            current(ask).check_resumes(recorded, what=f"job {core.job_id!r}")
        remember_service(manifest, current(False))
    except BaseException:
        manifest.close()
        raise


class BatchJobs:
    """Jobs bigger than one batch: `plan`, `run`, `submit`, `wait`, `status`, `results`, `cancel`, `list`."""

    def __init__(self, client: Client) -> None:
        """The group on `client`; reach it as `client.batch_jobs`."""
        self._client = client

    def submit(
        self,
        source: JobInput,
        *,
        endpoint: BatchEndpoint | None = None,
        job_id: str | None = None,
        config: JobConfig | None = None,
        estimator: TokenEstimator | None = None,
        max_cost: float | None = None,
        prices: Prices | None = None,
        dedup: bool = False,
        cache: Cache | None = None,
    ) -> JobStatus:
        """Check every request, cut shards, record them, and start the batches the budget admits now.

        `source`: a JSONL path (streamed) or an iterable of request dicts. `endpoint`: default the first
        request's url. `job_id`: default a new one; an existing prepared job of the same input is resumed.
        `config`: limits and pacing (kept with the job). `estimator`: tokens per request (default
        `conservative_estimate`). `max_cost`: USD; a new job whose plan (see `plan`) is estimated above it
        is refused with `CostLimitError` before anything is sent or kept; it needs `prices` (a
        `PriceTable` or the path of the user's JSON or TOML price file) pricing every model of the job.
        `dedup`: a request identical (method, url, body) to an earlier one of the job is not sent; it
        gets that one's result under its own `custom_id` (`JobResult.duplicate_of`). `cache`: the path
        of a SQLite file kept across jobs: a request answered successfully by an earlier job using it is
        not sent, its result is taken from there (`JobResult.from_cache`), and this job's successes are
        added to it. Returns the job's status (its `job_id` names it later). Raises `BatchInputError`
        naming the first bad line (nothing is sent or kept), `CostLimitError`, or an `APIError`.
        """
        job = create_job(
            source, endpoint=endpoint, job_id=job_id, config=config, estimator=estimator,
            max_cost=max_cost, prices=prices, dedup=dedup, cache=cache,
        )  # fmt: skip
        return self._drive(job, JobCore.submit)

    def plan(
        self,
        source: JobInput,
        *,
        endpoint: BatchEndpoint | None = None,
        config: JobConfig | None = None,
        estimator: TokenEstimator | None = None,
        prices: Prices | None = None,
    ) -> JobPlan:
        """What `submit` would send; the same as `openai_files.plan_job` (no network, nothing written).

        Returns the plan: shards and batches per model, requests, estimated input tokens (by `estimator`,
        as the token budget counts them), the waves of batches the token budget makes run one after
        another (each at most the 24 h completion window), and with `prices` (a `PriceTable` or the path
        of a JSON or TOML price file) the estimated cost per model and in total, from above (`JobPlan`).

        Raises `BatchInputError` naming the first bad line, or `InvalidInputError` (a bad price table).
        """
        return plan_job(source, endpoint=endpoint, config=config, estimator=estimator, prices=prices)

    def wait(
        self,
        job_id: str,
        *,
        state_dir: StateDir = None,
        timeout: float | None = None,
        on_progress: JobProgress | None = None,
        events: EventSource | None = None,
        on_event: OnEvent | None = None,
    ) -> JobStatus:
        """Drive the job until every request has a final result: poll, merge, retry, clean up.

        `state_dir`: where the job lives (default `JobConfig().state_dir`). `timeout`: seconds, then
        `WaitTimeoutError` (the job and its batches go on; wait again later). `on_progress`: called with
        the status after each change. `events`: a webhook event source (a `WebhookReceiver`, or a
        callable returning an iterable of events): a batch is looked at as soon as an event says it
        ended, and every live batch only each `poll_interval`, as a safety net. `on_event`: called with
        each typed event (`ShardSubmitted`, `BatchEnded`, `RetryScheduled`, `JobFinished`) once the
        manifest recorded it, to forward to your metrics. Returns the final status.
        """
        job = open_job(job_id, state_dir, drive=True)
        return self._drive(job, _running(timeout, on_progress, events, on_event), events)

    def run(
        self,
        source: JobInput,
        *,
        endpoint: BatchEndpoint | None = None,
        job_id: str | None = None,
        config: JobConfig | None = None,
        estimator: TokenEstimator | None = None,
        max_cost: float | None = None,
        prices: Prices | None = None,
        dedup: bool = False,
        cache: Cache | None = None,
        timeout: float | None = None,
        on_progress: JobProgress | None = None,
        events: EventSource | None = None,
        on_event: OnEvent | None = None,
    ) -> JobStatus:
        """`submit` then `wait`, in one call; the arguments are theirs."""
        job = create_job(
            source, endpoint=endpoint, job_id=job_id, config=config, estimator=estimator,
            max_cost=max_cost, prices=prices, dedup=dedup, cache=cache,
        )  # fmt: skip
        return self._drive(job, _running(timeout, on_progress, events, on_event), events)

    def status(self, job_id: str, *, state_dir: StateDir = None, prices: Prices | None = None) -> JobStatus:
        """The job's state as its manifest has it; the same as `openai_files.job_status` (no network).

        Requests and shards by state, and the tokens its ended batches used per model (`usage`, as the
        service reported them). With `prices` (a `PriceTable` or the path of a JSON or TOML price file),
        `cost` holds USD per model. Raises `JobNotFoundError`, or `InvalidInputError` for a bad price
        table.
        """
        return store.job_status(job_id, state_dir=state_dir, prices=prices)

    def results(self, job_id: str, *, state_dir: StateDir = None) -> Iterator[JobResult]:
        """One `JobResult` per request, in input order, streamed from the manifest; the same as
        `openai_files.job_results` (no network).

        Raises `JobNotFinishedError` while requests are still pending (call `wait` first).
        """
        return store.job_results(job_id, state_dir=state_dir)

    def results_table(self, job_id: str, *, state_dir: StateDir = None) -> pyarrow.Table:
        """The results as a `pyarrow.Table` (`.to_pandas()`, `polars.from_arrow`): one row per request in
        input order, `JobResult.COLUMNS` as `JobResult.to_row` has them (as `jobs results --format csv`).

        Raises `MissingExtraError` without pyarrow (`pip install 'openai-files[parquet]'`), then
        `JobNotFinishedError` while requests are still pending.
        """
        return results_table(result_lines(job_id, state_dir))

    def write_parquet(
        self,
        job_id: str,
        path: str | os.PathLike[str],
        *,
        rows_per_group: int = ROWS_PER_GROUP,
        state_dir: StateDir = None,
    ) -> int:
        """Write the `results_table` rows to a Parquet file at `path`, `rows_per_group` rows at a time
        (one row group each), so memory holds one group whatever the job's size; return the rows written.
        The file appears whole or not at all.

        Raises `MissingExtraError` without pyarrow, `InvalidInputError` for `rows_per_group` under 1,
        `JobNotFinishedError` while requests are still pending.
        """
        return store.write_job_parquet(job_id, path, rows_per_group=rows_per_group, state_dir=state_dir)

    def cancel(self, job_id: str, *, state_dir: StateDir = None) -> JobStatus:
        """Cancel every live batch of the job, then wait until they ended and record what finished.

        When another process is driving the job (`wait`), the job is only marked: that process cancels
        its batches and finishes it, and the status returned says `cancelling`.
        """
        manifest, core, drive = for_cancel(job_id, state_dir)
        if not drive:
            with closing(manifest):
                return core.status()
        return self._drive((manifest, core), JobCore.cancel)

    def list(self, *, state_dir: StateDir = None) -> list[JobStatus]:
        """Every job in the state directory; the same as `openai_files.list_jobs` (no network)."""
        return store.list_jobs(state_dir=state_dir)

    def remove(
        self, job_id: str, *, state_dir: StateDir = None, delete_files: bool = False
    ) -> tuple[str, ...]:
        """Forget a finished or cancelled job: its folder in the state directory goes.

        Args:
            job_id: the job.
            state_dir: where the job lives (default `JobConfig().state_dir`).
            delete_files: also delete the output and error files its batches left on the service (the
                input shards are gone already); one that is gone already is skipped.

        Returns:
            The ids of the files deleted on the service.

        Raises:
            JobNotFoundError: no such job. JobNotFinishedError: requests are still pending (nothing is
            removed). JobBusyError: another process drives the job. APIError: a file could not be deleted
            (the job is kept, so a rerun finishes the work).
        """
        folder, files = finished_job_files(job_id, state_dir)
        deleted: list[str] = []
        for file_id in files if delete_files else []:
            try:
                self._client.files.delete(file_id)
            except NotFoundError:
                continue
            deleted.append(file_id)
        shutil.rmtree(folder)
        return tuple(deleted)

    def _drive(
        self, job: Job, steps: Callable[[JobCore], Steps], events: EventSource | None = None
    ) -> JobStatus:
        """Check the job belongs to this client's service, drive it to the end of its `steps` (`events`
        feeding the waits), record the service, close the manifest."""
        (manifest, core), client = job, self._client
        check_service(manifest, core, lambda ask: client.identify_service() if ask else client.service)
        with closing(manifest), inbox_for(events) as inbox:
            try:
                status: JobStatus = drive_sync(client, steps(core), inbox)
                return status
            finally:
                remember_service(manifest, client.service)


@docs_from(BatchJobs)
class AsyncBatchJobs:
    """`BatchJobs` for an `AsyncClient`: the local work (preparing, reading the manifest) runs in a worker
    thread, the job is driven by the async driver."""

    def __init__(self, client: AsyncClient) -> None:
        """The group on `client`; reach it as `client.batch_jobs`."""
        self._client = client

    async def submit(
        self,
        source: JobInput,
        *,
        endpoint: BatchEndpoint | None = None,
        job_id: str | None = None,
        config: JobConfig | None = None,
        estimator: TokenEstimator | None = None,
        max_cost: float | None = None,
        prices: Prices | None = None,
        dedup: bool = False,
        cache: Cache | None = None,
    ) -> JobStatus:
        """See `BatchJobs.submit`."""
        job = await anyio.to_thread.run_sync(lambda: create_job(
            source, endpoint=endpoint, job_id=job_id, config=config, estimator=estimator,
            max_cost=max_cost, prices=prices, dedup=dedup, cache=cache,
        ))  # fmt: skip
        return await self._drive(job, JobCore.submit)

    async def plan(
        self,
        source: JobInput,
        *,
        endpoint: BatchEndpoint | None = None,
        config: JobConfig | None = None,
        estimator: TokenEstimator | None = None,
        prices: Prices | None = None,
    ) -> JobPlan:
        """See `BatchJobs.plan`; the input is read in a worker thread."""
        return await anyio.to_thread.run_sync(
            lambda: plan_job(source, endpoint=endpoint, config=config, estimator=estimator, prices=prices)
        )

    async def wait(
        self,
        job_id: str,
        *,
        state_dir: StateDir = None,
        timeout: float | None = None,
        on_progress: JobProgress | None = None,
        events: EventSource | None = None,
        on_event: OnEvent | None = None,
    ) -> JobStatus:
        """See `BatchJobs.wait`."""
        job = await anyio.to_thread.run_sync(lambda: open_job(job_id, state_dir, drive=True))
        return await self._drive(job, _running(timeout, on_progress, events, on_event), events)

    async def run(
        self,
        source: JobInput,
        *,
        endpoint: BatchEndpoint | None = None,
        job_id: str | None = None,
        config: JobConfig | None = None,
        estimator: TokenEstimator | None = None,
        max_cost: float | None = None,
        prices: Prices | None = None,
        dedup: bool = False,
        cache: Cache | None = None,
        timeout: float | None = None,
        on_progress: JobProgress | None = None,
        events: EventSource | None = None,
        on_event: OnEvent | None = None,
    ) -> JobStatus:
        """See `BatchJobs.run`."""
        job = await anyio.to_thread.run_sync(lambda: create_job(
            source, endpoint=endpoint, job_id=job_id, config=config, estimator=estimator,
            max_cost=max_cost, prices=prices, dedup=dedup, cache=cache,
        ))  # fmt: skip
        return await self._drive(job, _running(timeout, on_progress, events, on_event), events)

    async def status(
        self, job_id: str, *, state_dir: StateDir = None, prices: Prices | None = None
    ) -> JobStatus:
        """See `BatchJobs.status`; the manifest is read in a worker thread."""
        return await anyio.to_thread.run_sync(
            lambda: store.job_status(job_id, state_dir=state_dir, prices=prices)
        )

    async def results(self, job_id: str, *, state_dir: StateDir = None) -> AsyncIterator[JobResult]:
        """See `BatchJobs.results`; records are read a thousand at a time in a worker thread."""
        records = result_lines(job_id, state_dir)

        def chunk() -> list[str]:
            return [text for _, text in zip(range(RECORDS_PER_READ), records, strict=False)]

        try:
            while texts := await anyio.to_thread.run_sync(chunk):
                for text in texts:
                    yield JobResult.from_record(text)
        finally:
            records.close()

    async def results_table(self, job_id: str, *, state_dir: StateDir = None) -> pyarrow.Table:
        """See `BatchJobs.results_table`; built in a worker thread."""
        return await anyio.to_thread.run_sync(lambda: results_table(result_lines(job_id, state_dir)))

    async def write_parquet(
        self,
        job_id: str,
        path: str | os.PathLike[str],
        *,
        rows_per_group: int = ROWS_PER_GROUP,
        state_dir: StateDir = None,
    ) -> int:
        """See `BatchJobs.write_parquet`; written in a worker thread."""
        return await anyio.to_thread.run_sync(
            lambda: store.write_job_parquet(job_id, path, rows_per_group=rows_per_group, state_dir=state_dir)
        )

    async def cancel(self, job_id: str, *, state_dir: StateDir = None) -> JobStatus:
        """See `BatchJobs.cancel`."""
        manifest, core, drive = await anyio.to_thread.run_sync(for_cancel, job_id, state_dir)
        if not drive:
            with closing(manifest):
                return core.status()
        return await self._drive((manifest, core), JobCore.cancel)

    async def list(self, *, state_dir: StateDir = None) -> list[JobStatus]:
        """See `BatchJobs.list`; the manifests are read in a worker thread."""
        return await anyio.to_thread.run_sync(lambda: store.list_jobs(state_dir=state_dir))

    async def remove(
        self, job_id: str, *, state_dir: StateDir = None, delete_files: bool = False
    ) -> tuple[str, ...]:
        """See `BatchJobs.remove`."""
        folder, files = await anyio.to_thread.run_sync(finished_job_files, job_id, state_dir)
        deleted: list[str] = []
        for file_id in files if delete_files else []:
            try:
                await self._client.files.delete(file_id)
            except NotFoundError:
                continue
            deleted.append(file_id)
        await anyio.to_thread.run_sync(shutil.rmtree, folder)
        return tuple(deleted)

    async def _drive(
        self, job: Job, steps: Callable[[JobCore], Steps], events: EventSource | None = None
    ) -> JobStatus:
        """See `BatchJobs._drive`; the instance is learnt with one request before the check, if needed."""
        (manifest, core), client = job, self._client
        recorded = recorded_service(manifest)
        if recorded is not None and recorded.asks_instance(client.base_url):
            await client.identify_service()
        check_service(manifest, core, lambda ask: client.service)
        with closing(manifest), inbox_for(events) as inbox:
            try:
                status: JobStatus = await drive_async(client, steps(core), inbox)
                return status
            finally:
                remember_service(manifest, client.service)
