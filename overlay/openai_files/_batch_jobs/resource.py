"""`client.batch_jobs`: jobs of any size over many batches, for `Client` and `AsyncClient`.

A job lives in its folder under the state directory (`JobConfig.state_dir / job_id`): the manifest and
the shard files not yet sent. Any process can pick it up by id: `submit` prepares and starts it, `wait`
drives it to the end, `status` and `results` read it, `cancel` stops it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import secrets
import shutil
import time
from collections.abc import AsyncIterator, Callable, Generator, Iterator, Mapping
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio

from .._docs import docs_from
from .._errors import InvalidInputError, JobBusyError, JobNotFinishedError, JobNotFoundError, NotFoundError
from .._rules import BatchEndpoint
from .._service import ServiceIdentity
from .config import JobConfig, default_state_dir
from .core import JobCore, JobStatus
from .drivers import AsyncJobApi, SyncJobApi, drive_async, drive_sync
from .estimate import TokenEstimator, conservative_estimate
from .events import EventSource, inbox_for
from .manifest import JobLock, Manifest
from .notices import OnEvent
from .outcome import JobResult
from .plan import JobPlan, plan_job
from .prepare import JobInput, prepare
from .pricing import PriceTable
from .reuse import ResultCache, Reuse

if TYPE_CHECKING:
    from .._client import AsyncClient, Client

JOB_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
MANIFEST = "manifest.sqlite"
JobProgress = Callable[[JobStatus], None]
RECORDS_PER_READ = 1000
Prices = PriceTable | str | os.PathLike[str]
"""A price table, or the path of the user's JSON or TOML file holding one."""


def _check_job_id(job_id: str) -> str:
    if not isinstance(job_id, str) or not JOB_ID.fullmatch(job_id):
        raise InvalidInputError(
            f"job id {job_id!r} must be 1-64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit",
            param="job_id",
        )
    return job_id


def _new_job_id() -> str:
    return f"job-{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}"


def _config_to_meta(config: JobConfig) -> dict[str, Any]:
    values = {f.name: getattr(config, f.name) for f in dataclasses.fields(config) if f.name != "state_dir"}
    for name in ("token_budget", "request_budget"):
        if isinstance(values[name], Mapping):
            values[name] = dict(values[name])
    return values


def _describe(source: JobInput) -> str:
    return str(Path(source).resolve()) if isinstance(source, str | os.PathLike) else "<requests>"


def _locked(folder: Path, job_id: str) -> JobLock:
    lock = JobLock(folder)
    if not lock.acquire():
        raise JobBusyError(f"job {job_id} is being run by process {lock.holder()}; one process at a time")
    return lock


def open_job(
    job_id: str, state_dir: str | os.PathLike[str] | None, *, drive: bool = False, write: bool = False
) -> tuple[Manifest, JobCore]:
    """The manifest and core of an existing, prepared job; `JobNotFoundError` when there is none.

    `drive`: take the job's lock too (released with the manifest), or raise `JobBusyError`. Without
    `drive` or `write` the manifest is opened for reading only, which needs no write access.
    """
    folder = Path(state_dir or default_state_dir()) / _check_job_id(job_id)
    if not (folder / MANIFEST).is_file():
        raise JobNotFoundError(f"no job {job_id!r} in {folder.parent}")
    manifest = Manifest(folder / MANIFEST, read_only=not (drive or write))
    try:
        if manifest.get("state") is None:
            raise InvalidInputError(
                f"job {job_id!r} in {folder.parent} was never fully prepared; submit it again", param="job_id"
            )
        if drive:
            manifest.lock = _locked(folder, job_id)
    except BaseException:
        manifest.close()
        raise
    stored = manifest.get("config") or {}
    config = JobConfig(**stored, state_dir=folder.parent)
    return manifest, JobCore(manifest, job_id, config)


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


def _clear(folder: Path) -> None:
    """Everything a preparation that never finished left in `folder`, except the lock we hold."""
    for path in folder.iterdir():
        if path.name != ".lock":
            path.unlink()


def create_job(
    source: JobInput,
    *,
    endpoint: str | None,
    job_id: str | None,
    config: JobConfig | None,
    estimator: TokenEstimator | None,
    max_cost: float | None = None,
    prices: Prices | None = None,
    dedup: bool = False,
    cache: str | os.PathLike[str] | None = None,
) -> tuple[Manifest, JobCore]:
    """Check and shard `source` into a new job, or reopen the prepared job `job_id` for the same input;
    either way with the job's lock held (released with the manifest), or `JobBusyError`.

    A job whose preparation never finished (a crash, a bad line) is started over. With `max_cost`, a new
    job is planned first and refused (`CostLimitError`, nothing kept) when its estimate is above it.
    """
    config = config or JobConfig()
    job_id = _check_job_id(job_id) if job_id is not None else _new_job_id()
    folder = Path(config.state_dir) / job_id
    described = _describe(source)
    folder.mkdir(parents=True, exist_ok=True)
    lock = _locked(folder, job_id)
    try:
        if (folder / MANIFEST).is_file():
            manifest = Manifest(folder / MANIFEST)
            if manifest.get("state") is not None:
                if manifest.get("input") != described:
                    manifest.close()
                    raise InvalidInputError(
                        f"job {job_id!r} already exists for another input ({described} given)", param="job_id"
                    )
                manifest.lock = lock
                return manifest, JobCore(
                    manifest, job_id, dataclasses.replace(config, **manifest.get("config"))
                )
            manifest.close()
            _clear(folder)
        manifest = Manifest(folder / MANIFEST)
        manifest.lock = lock
    except BaseException:
        lock.release()
        raise
    try:
        manifest.put("input", described)
        manifest.put("key", secrets.token_hex(8))
        manifest.put("config", _config_to_meta(config))
        if max_cost is not None:
            plan = plan_job(
                source,
                endpoint=endpoint,
                config=config,
                estimator=estimator or conservative_estimate,
                prices=price_table(prices),
            )
            plan.check_cost(max_cost)
        results_cache = None if cache is None else ResultCache(cache)
        try:
            if cache is not None:
                manifest.put("cache", str(Path(cache).resolve()))
            reuse = Reuse(dedup=dedup, cache=results_cache) if dedup or results_cache else None
            prepare(
                manifest,
                source,
                endpoint=endpoint,
                config=config,
                estimator=estimator or conservative_estimate,
                reuse=reuse,
            )
        finally:
            if results_cache is not None:
                results_cache.close()
    except BaseException:
        manifest.close()
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return manifest, JobCore(manifest, job_id, config)


def price_table(prices: Prices | None) -> PriceTable | None:
    """The table given, or read from the path given; raises `InvalidInputError` for a bad file."""
    return prices if prices is None or isinstance(prices, PriceTable) else PriceTable.load(prices)


def make_plan(
    source: JobInput,
    *,
    endpoint: str | None,
    config: JobConfig | None,
    estimator: TokenEstimator | None,
    prices: Prices | None,
) -> JobPlan:
    """`plan_job` with the defaults `submit` uses."""
    return plan_job(
        source,
        endpoint=endpoint,
        config=config or JobConfig(),
        estimator=estimator or conservative_estimate,
        prices=price_table(prices),
    )


def _for_cancel(job_id: str, state_dir: str | os.PathLike[str] | None) -> tuple[Manifest, JobCore, bool]:
    """The job to cancel, and whether this process drives the cancel; if another holds the job, it is
    only marked, and that process does the rest."""
    try:
        manifest, core = open_job(job_id, state_dir, drive=True)
    except JobBusyError:
        manifest, core = open_job(job_id, state_dir, write=True)
        core.request_cancel()
        return manifest, core, False
    return manifest, core, True


def list_jobs(state_dir: str | os.PathLike[str] | None) -> list[JobStatus]:
    """Every prepared job in the state directory, by id."""
    root = Path(state_dir or default_state_dir())
    found = []
    for folder in sorted(root.iterdir()) if root.is_dir() else []:
        if (folder / MANIFEST).is_file() and JOB_ID.fullmatch(folder.name):
            try:
                manifest, core = open_job(folder.name, root)
            except InvalidInputError:
                continue
            with closing(manifest):
                found.append(core.status())
    return found


def finished_job_files(job_id: str, state_dir: str | os.PathLike[str] | None) -> tuple[Path, list[str]]:
    """A finished job's folder and the ids of the result files its batches left on the service.

    Raises `JobNotFinishedError` for a job not finished or cancelled, `JobBusyError` while another
    process drives it.
    """
    manifest, _ = open_job(job_id, state_dir, drive=True)
    with closing(manifest):
        if manifest.get("state") not in ("finished", "cancelled"):
            raise JobNotFinishedError(f"job {job_id} has not finished; wait for it or cancel it first")
        shards = manifest.shards()
    files = [f for shard in shards for f in (shard.output_file_id, shard.error_file_id) if f is not None]
    return Path(state_dir or default_state_dir()) / job_id, files


def job_status(
    job_id: str, state_dir: str | os.PathLike[str] | None, prices: Prices | None = None
) -> JobStatus:
    """A job's status as its manifest has it (no network call), its cost worked out at `prices`."""
    table = price_table(prices)
    manifest, core = open_job(job_id, state_dir)
    with closing(manifest):
        status = core.status()
    return status if table is None else status.priced(table)


def result_lines(job_id: str, state_dir: str | os.PathLike[str] | None) -> Generator[str, None, None]:
    """A finished job's result records as JSON text, in input order (no network call).

    Raises `JobNotFinishedError` while requests are still pending.
    """
    manifest, _ = open_job(job_id, state_dir)
    with closing(manifest):
        if manifest.get("state") not in ("finished", "cancelled"):
            raise JobNotFinishedError(f"job {job_id} has not finished; wait for it first")
        yield from manifest.records()


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
        cache: str | os.PathLike[str] | None = None,
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
        manifest, core = create_job(
            source,
            endpoint=endpoint,
            job_id=job_id,
            config=config,
            estimator=estimator,
            max_cost=max_cost,
            prices=prices,
            dedup=dedup,
            cache=cache,
        )
        with self._driving(manifest, core):
            drive_sync(SyncJobApi(self._client), core.submit())
            return core.status()

    def plan(
        self,
        source: JobInput,
        *,
        endpoint: BatchEndpoint | None = None,
        config: JobConfig | None = None,
        estimator: TokenEstimator | None = None,
        prices: Prices | None = None,
    ) -> JobPlan:
        """What `submit` would send, with no network call and nothing written: shards and batches per
        model, requests, estimated input tokens (by `estimator`, as the token budget counts them), the
        waves of batches the token budget makes run one after another (each at most the 24 h completion
        window), and with `prices` (a `PriceTable` or the path of a JSON or TOML price file) the
        estimated cost per model and in total, from above (see `JobPlan`).

        Raises `BatchInputError` naming the first bad line, or `InvalidInputError` (a bad price table).
        """
        return make_plan(source, endpoint=endpoint, config=config, estimator=estimator, prices=prices)

    def wait(
        self,
        job_id: str,
        *,
        state_dir: str | os.PathLike[str] | None = None,
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
        manifest, core = open_job(job_id, state_dir, drive=True)
        return self._run_to_end(manifest, core, timeout, on_progress, events, on_event=on_event)

    @contextlib.contextmanager
    def _driving(self, manifest: Manifest, core: JobCore) -> Iterator[None]:
        """Check the job belongs to this client's service, drive it, record the service, close."""
        check_service(
            manifest, core, lambda ask: self._client.identify_service() if ask else self._client.service
        )
        with closing(manifest):
            try:
                yield
            finally:
                remember_service(manifest, self._client.service)

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
        cache: str | os.PathLike[str] | None = None,
        timeout: float | None = None,
        on_progress: JobProgress | None = None,
        events: EventSource | None = None,
        on_event: OnEvent | None = None,
    ) -> JobStatus:
        """`submit` then `wait`, in one call; the arguments are theirs."""
        manifest, core = create_job(
            source,
            endpoint=endpoint,
            job_id=job_id,
            config=config,
            estimator=estimator,
            max_cost=max_cost,
            prices=prices,
            dedup=dedup,
            cache=cache,
        )
        return self._run_to_end(manifest, core, timeout, on_progress, events, on_event=on_event)

    def status(
        self, job_id: str, *, state_dir: str | os.PathLike[str] | None = None, prices: Prices | None = None
    ) -> JobStatus:
        """The job's state as its manifest has it (no network call): requests and shards by state, and
        the tokens its ended batches used per model (`usage`, as the service reported them). With
        `prices` (a `PriceTable` or the path of a JSON or TOML price file), `cost` holds USD per model.
        Raises `JobNotFoundError`, or `InvalidInputError` for a bad price table."""
        return job_status(job_id, state_dir, prices)

    def results(self, job_id: str, *, state_dir: str | os.PathLike[str] | None = None) -> Iterator[JobResult]:
        """One `JobResult` per request, in input order, streamed from the manifest.

        Raises `JobNotFinishedError` while requests are still pending (call `wait` first).
        """
        for text in result_lines(job_id, state_dir):
            yield JobResult.from_record(text)

    def cancel(self, job_id: str, *, state_dir: str | os.PathLike[str] | None = None) -> JobStatus:
        """Cancel every live batch of the job, then wait until they ended and record what finished.

        When another process is driving the job (`wait`), the job is only marked: that process cancels
        its batches and finishes it, and the status returned says `cancelling`.
        """
        manifest, core, drive = _for_cancel(job_id, state_dir)
        if not drive:
            with closing(manifest):
                return core.status()
        with self._driving(manifest, core):
            status: JobStatus = drive_sync(SyncJobApi(self._client), core.cancel())
            return status

    def list(self, *, state_dir: str | os.PathLike[str] | None = None) -> list[JobStatus]:
        """Every job in the state directory (no network call)."""
        return list_jobs(state_dir)

    def remove(
        self, job_id: str, *, state_dir: str | os.PathLike[str] | None = None, delete_files: bool = False
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

    def _run_to_end(
        self,
        manifest: Manifest,
        core: JobCore,
        timeout: float | None,
        on_progress: JobProgress | None,
        events: EventSource | None,
        *,
        on_event: OnEvent | None,
    ) -> JobStatus:
        """Drive an opened job until it ends (or `timeout`), then close its manifest."""
        with self._driving(manifest, core), inbox_for(events) as inbox:
            core.on_progress, core.on_event = on_progress, on_event
            run = core.run(timeout=timeout, events=inbox is not None)
            status: JobStatus = drive_sync(SyncJobApi(self._client, inbox), run)
            return status


@docs_from(BatchJobs)
class AsyncBatchJobs:
    """The asyncio twin of `BatchJobs`; preparation and manifest reads run in a worker thread."""

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
        cache: str | os.PathLike[str] | None = None,
    ) -> JobStatus:
        """See `BatchJobs.submit`."""
        manifest, core = await anyio.to_thread.run_sync(
            lambda: create_job(
                source,
                endpoint=endpoint,
                job_id=job_id,
                config=config,
                estimator=estimator,
                max_cost=max_cost,
                prices=prices,
                dedup=dedup,
                cache=cache,
            )
        )
        async with self._driving(manifest, core):
            await drive_async(AsyncJobApi(self._client), core.submit())
            return core.status()

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
            lambda: make_plan(source, endpoint=endpoint, config=config, estimator=estimator, prices=prices)
        )

    async def wait(
        self,
        job_id: str,
        *,
        state_dir: str | os.PathLike[str] | None = None,
        timeout: float | None = None,
        on_progress: JobProgress | None = None,
        events: EventSource | None = None,
        on_event: OnEvent | None = None,
    ) -> JobStatus:
        """See `BatchJobs.wait`."""
        manifest, core = open_job(job_id, state_dir, drive=True)
        return await self._run_to_end(manifest, core, timeout, on_progress, events, on_event=on_event)

    @contextlib.asynccontextmanager
    async def _driving(self, manifest: Manifest, core: JobCore) -> AsyncIterator[None]:
        """See `BatchJobs._driving`."""
        recorded = recorded_service(manifest)
        if recorded is not None and recorded.asks_instance(self._client.base_url):
            await self._client.identify_service()  # learn the instance before the check
        check_service(manifest, core, lambda ask: self._client.service)
        with closing(manifest):
            try:
                yield
            finally:
                remember_service(manifest, self._client.service)

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
        cache: str | os.PathLike[str] | None = None,
        timeout: float | None = None,
        on_progress: JobProgress | None = None,
        events: EventSource | None = None,
        on_event: OnEvent | None = None,
    ) -> JobStatus:
        """See `BatchJobs.run`."""
        manifest, core = await anyio.to_thread.run_sync(
            lambda: create_job(
                source,
                endpoint=endpoint,
                job_id=job_id,
                config=config,
                estimator=estimator,
                max_cost=max_cost,
                prices=prices,
                dedup=dedup,
                cache=cache,
            )
        )
        return await self._run_to_end(manifest, core, timeout, on_progress, events, on_event=on_event)

    async def status(
        self, job_id: str, *, state_dir: str | os.PathLike[str] | None = None, prices: Prices | None = None
    ) -> JobStatus:
        """See `BatchJobs.status`."""
        return job_status(job_id, state_dir, prices)

    async def results(
        self, job_id: str, *, state_dir: str | os.PathLike[str] | None = None
    ) -> AsyncIterator[JobResult]:
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

    async def cancel(self, job_id: str, *, state_dir: str | os.PathLike[str] | None = None) -> JobStatus:
        """See `BatchJobs.cancel`."""
        manifest, core, drive = _for_cancel(job_id, state_dir)
        if not drive:
            with closing(manifest):
                return core.status()
        async with self._driving(manifest, core):
            status: JobStatus = await drive_async(AsyncJobApi(self._client), core.cancel())
            return status

    async def list(self, *, state_dir: str | os.PathLike[str] | None = None) -> list[JobStatus]:
        """See `BatchJobs.list`."""
        return list_jobs(state_dir)

    async def remove(
        self, job_id: str, *, state_dir: str | os.PathLike[str] | None = None, delete_files: bool = False
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

    async def _run_to_end(
        self,
        manifest: Manifest,
        core: JobCore,
        timeout: float | None,
        on_progress: JobProgress | None,
        events: EventSource | None,
        *,
        on_event: OnEvent | None,
    ) -> JobStatus:
        """Drive an opened job until it ends (or `timeout`), then close its manifest."""
        async with self._driving(manifest, core):
            with inbox_for(events) as inbox:
                core.on_progress, core.on_event = on_progress, on_event
                run = core.run(timeout=timeout, events=inbox is not None)
                status: JobStatus = await drive_async(AsyncJobApi(self._client, inbox), run)
                return status
