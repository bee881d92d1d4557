"""A state directory of jobs, with no client and no network: where each job lives, its manifest opened or
made, and what any process reads of it (status, list, results).

A job lives in its folder under the state directory (`JobConfig.state_dir / job_id`): the manifest and
the shard files not yet sent. The public readers here (`job_status`, `list_jobs`, `job_results`) need no
API key: `client.batch_jobs` uses them, and so does the CLI.
"""

from __future__ import annotations

import dataclasses
import os
import re
import secrets
import shutil
import time
from collections.abc import Generator, Iterator, Mapping
from contextlib import closing
from pathlib import Path
from typing import Any

from .._errors import InvalidInputError, JobBusyError, JobNotFinishedError, JobNotFoundError
from .config import JobConfig, default_state_dir
from .core import JobCore, JobStatus
from .estimate import TokenEstimator, conservative_estimate
from .export import ROWS_PER_GROUP, write_parquet
from .manifest import JobLock, Manifest
from .outcome import JobResult
from .plan import plan_job
from .prepare import JobInput, prepare
from .pricing import Prices, price_table
from .reuse import ResultCache, Reuse
from .states import JOB_ENDED, JobState

__all__ = ["job_results", "job_status", "list_jobs", "write_job_parquet"]

JOB_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
MANIFEST = "manifest.sqlite"
StateDir = str | os.PathLike[str] | None
"""A state directory; None for `JobConfig().state_dir`."""


def _check_job_id(job_id: str) -> str:
    if not isinstance(job_id, str) or not JOB_ID.fullmatch(job_id):
        raise InvalidInputError(
            f"job id {job_id!r} must be 1-64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit",
            param="job_id",
        )
    return job_id


def _config_to_meta(config: JobConfig) -> dict[str, Any]:
    values = {f.name: getattr(config, f.name) for f in dataclasses.fields(config) if f.name != "state_dir"}
    for name in ("token_budget", "request_budget"):
        if isinstance(values[name], Mapping):
            values[name] = dict(values[name])
    return values


def _locked(folder: Path, job_id: str) -> JobLock:
    lock = JobLock(folder)
    if not lock.acquire():
        raise JobBusyError(f"job {job_id} is being run by process {lock.holder()}; one process at a time")
    return lock


def open_job(
    job_id: str, state_dir: StateDir, *, drive: bool = False, write: bool = False
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
        if manifest.job_state is JobState.PREPARING:
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
    if job_id is None:
        job_id = f"job-{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}"
    job_id = _check_job_id(job_id)
    folder = Path(config.state_dir) / job_id
    described = str(Path(source).resolve()) if isinstance(source, str | os.PathLike) else "<requests>"
    folder.mkdir(parents=True, exist_ok=True)
    lock = _locked(folder, job_id)
    try:
        if (folder / MANIFEST).is_file():
            manifest = Manifest(folder / MANIFEST)
            if manifest.job_state is not JobState.PREPARING:
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
            plan_job(source, endpoint=endpoint, config=config, estimator=estimator, prices=prices).check_cost(
                max_cost
            )
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


def for_cancel(job_id: str, state_dir: StateDir) -> tuple[Manifest, JobCore, bool]:
    """The job to cancel, and whether this process drives the cancel; if another holds the job, it is
    only marked, and that process does the rest."""
    try:
        manifest, core = open_job(job_id, state_dir, drive=True)
    except JobBusyError:
        manifest, core = open_job(job_id, state_dir, write=True)
        core.request_cancel()
        return manifest, core, False
    return manifest, core, True


def list_jobs(*, state_dir: StateDir = None) -> list[JobStatus]:
    """Every prepared job in the state directory (default `JobConfig().state_dir`), by id, as its
    manifest has it; no client and no network call."""
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


def finished_job_files(job_id: str, state_dir: StateDir) -> tuple[Path, list[str]]:
    """A finished job's folder and the ids of the result files its batches left on the service.

    Raises `JobNotFinishedError` for a job not finished or cancelled, `JobBusyError` while another
    process drives it.
    """
    manifest, _ = open_job(job_id, state_dir, drive=True)
    with closing(manifest):
        if manifest.job_state not in JOB_ENDED:
            raise JobNotFinishedError(f"job {job_id} has not finished; wait for it or cancel it first")
        shards = manifest.shards()
    files = [f for shard in shards for f in (shard.output_file_id, shard.error_file_id) if f is not None]
    return Path(state_dir or default_state_dir()) / job_id, files


def job_status(job_id: str, *, state_dir: StateDir = None, prices: Prices | None = None) -> JobStatus:
    """A job's status as its manifest has it, with no client and no network call: requests and shards by
    state, and the tokens its ended batches used per model (`usage`, as the service reported them).

    `state_dir`: where the job lives (default `JobConfig().state_dir`). `prices`: a `PriceTable` or the
    path of a JSON or TOML price file; with it, `cost` holds USD per model. Raises `JobNotFoundError`,
    or `InvalidInputError` for a bad price table.
    """
    table = price_table(prices)
    manifest, core = open_job(job_id, state_dir)
    with closing(manifest):
        status = core.status()
    return status if table is None else status.priced(table)


def result_lines(job_id: str, state_dir: StateDir) -> Generator[str, None, None]:
    """A finished job's result records as JSON text, in input order (no network call).

    Raises `JobNotFinishedError` while requests are still pending.
    """
    manifest, _ = open_job(job_id, state_dir)
    with closing(manifest):
        if manifest.job_state not in JOB_ENDED:
            raise JobNotFinishedError(f"job {job_id} has not finished; wait for it first")
        yield from manifest.records()


def job_results(job_id: str, *, state_dir: StateDir = None) -> Iterator[JobResult]:
    """One `JobResult` per request, in input order, streamed from the manifest; no client and no network
    call. `state_dir`: where the job lives (default `JobConfig().state_dir`).

    Raises `JobNotFoundError`, or `JobNotFinishedError` while requests are still pending (`wait` first).
    """
    for text in result_lines(job_id, state_dir):
        yield JobResult.from_record(text)


def write_job_parquet(
    job_id: str,
    path: str | os.PathLike[str],
    *,
    rows_per_group: int = ROWS_PER_GROUP,
    state_dir: StateDir = None,
) -> int:
    """`BatchJobs.write_parquet` with no client and no network call (the results are local): the rows of
    `job_results` in a Parquet file at `path`, `rows_per_group` at a time; return the rows written.

    Raises `MissingExtraError` without pyarrow, `InvalidInputError` for `rows_per_group` under 1,
    `JobNotFoundError`, or `JobNotFinishedError` while requests are still pending.
    """
    return write_parquet(result_lines(job_id, state_dir), Path(path), rows_per_group=rows_per_group)
