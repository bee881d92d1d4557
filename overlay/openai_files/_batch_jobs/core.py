"""The job's logic, free of I/O style: generators that yield effects and get their results back.

`JobCore` decides everything (what to upload, submit, poll, merge, retry, clean up, and what a crash
left behind) and records it in the manifest; it never talks to the network itself. It yields an effect
(`effects.py`) and receives its result (or its exception, thrown in). The sync and async drivers
(`drivers.py`) only perform effects, so both share every rule. Heavy disk work (a merge, new shards)
is an effect too (`LocalWork`); a one-row manifest write is made in place.

Crash safety: the manifest is never left inside a transaction across a yield; each side effect is
preceded by an intent and followed by its record, and `recover` resolves intents found on start."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import logging
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._errors import (
    APIConnectionError,
    APIStatusError,
    IncompleteDownloadError,
    NotFoundError,
    WaitTimeoutError,
)
from .._retry import is_file_lag, is_retryable_status
from .._transfer.journal import Journal
from . import effects
from .config import JobConfig
from .effects import AnyEffect, BatchView, Steps, perform
from .manifest import BackgroundWrites, Manifest, Shard
from .merge import ShardMerge
from .notices import BatchEnded, JobEvent, JobFinished, OnEvent, RetryScheduled, ShardSubmitted
from .outcome import CANCELLED, FAILED, RETRY, SUCCEEDED, Outcome, Records
from .prepare import EMBEDDINGS, ShardWriter, request_inputs
from .pricing import PriceTable
from .reuse import ResultCache, reused
from .states import JOB_ENDED, SHARD_OPEN, JobState, RequestState, ShardState
from .usage import Usage

log = logging.getLogger("openai_files.batch_jobs")

TERMINAL = frozenset({"completed", "failed", "expired", "cancelled"})
STUCK = frozenset({"validating", "finalizing"})
"""Statuses a batch can be held in for hours with nothing to show (see `JobConfig.stuck_after`)."""
RUNNING = frozenset({"in_progress", "finalizing"})
"""Statuses of a batch the service admitted, whose tokens count against its model's quota."""
TAG_JOB, TAG_SHARD, TAG_SUBMIT = "openai_files_job", "openai_files_shard", "openai_files_submit"
TAG_KEY = "openai_files_job_key"
"""A job's random key, drawn when it is prepared: two jobs of one id (two state directories, two machines)
never take each other's batches or files for their own."""
GONE_AFTER_POLLS = 5
"""Polls in a row a batch must answer 404 before it is taken for lost by the service, not just created
and not yet visible (with the default poll interval, a minute)."""
RECONCILE_MARGIN = 600.0
"""Seconds before an intent's time from which the service's lists are searched (clock skew between the
service's own machines, latency). An intent's time is the service's, never this machine's clock: the
newest `created_at` the job got back from the service before it (see `JobCore._service_time`)."""


@dataclass(frozen=True)
class JobStatus:
    """Where a job stands: its state, requests by state and shards by state."""

    job_id: str
    state: str
    endpoint: str
    requests: dict[str, int]
    shards: dict[str, int]
    batches: list[dict[str, Any]] = field(default_factory=list)
    usage: dict[str, Usage] = field(default_factory=dict)
    """Tokens the job's ended batches used, per model, as the service reported them."""
    models: dict[str, dict[str, int | None]] = field(default_factory=dict)
    """Per model: `requests`, `done`, `failed`, `live_batches`, `enqueued_tokens` (estimated) and the
    model's `token_budget` (None: none)."""
    cost: dict[str, float | None] | None = None
    """USD per model by the usage above, when the status was asked for with a price table (None for a
    model the table has no price for); else None."""

    @property
    def total_usage(self) -> Usage:
        """The job's usage over every model."""
        return sum(self.usage.values(), Usage())

    @property
    def total_cost(self) -> float | None:
        """The job's cost over every model; None without a price table or when a model has no price."""
        if self.cost is None or any(c is None for c in self.cost.values()):
            return None
        return sum(c for c in self.cost.values() if c is not None)

    def priced(self, prices: PriceTable) -> JobStatus:
        """This status with `cost` worked out from its usage at `prices`."""
        cost = {}
        for model, used in self.usage.items():
            price = prices.price(model)
            cost[model] = None if price is None else used.cost(price)
        return dataclasses.replace(self, cost=cost)

    @property
    def ended(self) -> bool:
        """True once the job will change no more: its state is `finished` or `cancelled`."""
        return self.state in JOB_ENDED

    @property
    def finished(self) -> bool:
        """The same as `ended` (finished or cancelled), under its first name."""
        return self.ended

    def to_dict(self) -> dict[str, Any]:
        """The status as plain JSON types, for `--json` and logs."""
        return {
            "job_id": self.job_id,
            "state": self.state,
            "endpoint": self.endpoint,
            "requests": self.requests,
            "shards": self.shards,
            "batches": self.batches,
            "models": self.models,
            "usage": {
                "models": {model: used.to_dict() for model, used in self.usage.items()},
                "total": self.total_usage.to_dict(),
            },
            "cost": None if self.cost is None else {"models": self.cost, "total": self.total_cost},
        }


def remote_filename(job_id: str, key: str, shard_id: int) -> str:
    """The stored name of a shard's input file: unique to the job (its id and key) and the shard."""
    return f"{job_id}.{key}.shard-{shard_id}.jsonl" if key else f"{job_id}.shard-{shard_id}.jsonl"


class JobCore:
    """One job's decisions over its manifest; see the module docstring."""

    def __init__(
        self,
        manifest: Manifest,
        job_id: str,
        config: JobConfig,
        on_progress: Callable[[JobStatus], None] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.m = manifest
        self.job_id = job_id
        self.key = str(manifest.get("key") or "")
        """The job's key (see `TAG_KEY`); empty for a job prepared before jobs had one."""
        self.config = config
        self.on_progress = on_progress
        self.on_event: OnEvent | None = None
        """Called with each `JobEvent` (see `notices.py`)."""
        self._clock = clock
        self._unseen: dict[int, int] = {}
        """Polls in a row each shard's batch answered 404."""
        self._since: dict[int, tuple[str, float, bool]] = {}
        """Each live shard's batch status, when this process first saw it in that status, and whether
        it was reported stuck in it."""
        self._unseen_files: dict[int, int] = {}
        """Rounds in a row a file of an ended shard's batch answered 404, by shard."""

    # -- reading ----------------------------------------------------------------------------------

    def status(self) -> JobStatus:
        batches = [
            {
                "shard": s.id,
                "model": s.model,
                "tokens": s.tokens,
                "batch_id": s.batch_id,
                "status": s.batch_status or s.state,
            }
            for s in self.m.shards(ShardState.CREATING, ShardState.SUBMITTED)
        ]
        return JobStatus(
            job_id=self.job_id,
            state=str(self.m.job_state),
            endpoint=str(self.m.get("endpoint", "")),
            requests=self.m.request_counts(),
            shards=self.m.shard_counts(),
            batches=batches,
            usage=self.m.usage_by_model(),
            models={
                model: {**progress, "token_budget": self.config.budget(model)}
                for model, progress in self.m.model_progress().items()
            },
        )

    def _report(self) -> None:
        if self.on_progress is not None:
            self.on_progress(self.status())

    def _tell(self, event: JobEvent) -> None:
        if self.on_event is not None:
            self.on_event(event)

    @property
    def cancelling(self) -> bool:
        return self.m.job_state in (JobState.CANCELLING, JobState.CANCELLED)

    # -- the loops --------------------------------------------------------------------------------

    def submit(self) -> Steps:
        """Resolve what a crash left, then submit every shard the token budget admits now; returns the
        `JobStatus`."""
        yield from self.recover()
        yield from self._submit_ready()
        self._report()
        return self.status()

    def run(self, *, timeout: float | None = None, events: bool = False) -> Steps:
        """Drive the job until every request has its final result; returns the final `JobStatus`.

        With `events` the driver's `idle` returns early with the batches that webhook events say
        ended: those are looked at at once, and every live batch only each poll interval (a safety net
        for a lost event). Raises `WaitTimeoutError` after `timeout` seconds (the job keeps its state
        and batches).
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        yield from self.recover()
        interval = self.config.poll_interval
        woken: frozenset[str] = frozenset()
        next_full_poll = 0.0
        while True:
            changed = yield from self._merge_ended()
            changed = (yield from self._withdraw()) or changed
            changed = (yield from self._reshard()) or changed
            changed = (yield from self._cleanup()) or changed
            changed = (yield from self._submit_ready()) or changed
            changed = (yield from self._fan_out()) or changed
            if self._settled():
                state = JobState.CANCELLED if self.cancelling else JobState.FINISHED
                self.m.move_job(state)
                self._report()
                self._tell(JobFinished(self.job_id, state, self.m.request_counts()))
                return self.status()
            poll_all = not events or time.monotonic() >= next_full_poll
            changed = (yield from self._poll_live(None if poll_all else woken)) or changed
            woken = frozenset()
            if poll_all:
                next_full_poll = time.monotonic() + interval
            if changed:
                self._report()
                interval = self.config.poll_interval
                continue
            until_poll = next_full_poll - time.monotonic() if events else interval
            sleep = min(until_poll, self._next_not_before() - self._clock())
            if deadline is not None:
                if time.monotonic() >= deadline:
                    raise WaitTimeoutError(
                        f"job {self.job_id} still running after {timeout:g}s (it keeps its state)"
                    )
                sleep = min(sleep, deadline - time.monotonic())
            woken = yield from perform(effects.Idle(max(sleep, 0.0)))
            if not woken:
                interval = min(interval * 1.5, self.config.max_poll_interval)

    def cancel(self) -> Steps:
        """Stop the job: no new batch, every live batch cancelled, what finished kept; then wait them out."""
        yield from self.recover()
        if not self._settled():
            self.request_cancel()
        return (yield from self.run())

    def request_cancel(self) -> None:
        """Mark the job cancelled; whichever process drives it withdraws and cancels what runs."""
        if self.m.job_state is JobState.RUNNING:
            self.m.move_job(JobState.CANCELLING)

    def _settled(self) -> bool:
        """True once every shard is done or cancelled: the job has nothing left to do."""
        return not self.m.shards(*SHARD_OPEN)

    def _next_not_before(self) -> float:
        waiting = [
            s.not_before for s in self.m.shards(ShardState.SEALED, ShardState.STORED) if s.not_before > 0
        ]
        return min(waiting, default=float("inf"))

    # -- recovery ---------------------------------------------------------------------------------

    def recover(self) -> Steps:
        """Resolve intents a killed process left: find its batches again, delete its orphaned files."""
        for shard in self.m.shards(ShardState.UPLOADING):
            yield from self._cancel_journaled_upload(shard)
            since = (shard.intent_at or 0.0) - RECONCILE_MARGIN
            orphans = yield from perform(
                effects.FindFiles(remote_filename(self.job_id, self.key, shard.id), since)
            )
            for file_id in orphans:
                log.info("deleting file %s left by an interrupted upload of shard %d", file_id, shard.id)
                yield from self._delete_file(file_id)
            self.m.move_shard(shard.id, ShardState.SEALED, intent_at=None)
        for shard in self.m.shards(ShardState.CREATING):
            found = yield from self._find_created(shard)
            if found is not None:
                log.info("found batch %s of shard %d again", found.id, shard.id)
                self._submitted(shard, found)
            else:
                self.m.move_shard(shard.id, ShardState.STORED, intent_at=None)
        yield from perform(effects.LocalWork("tidy", self._delete_stray_local_files))

    def _cancel_journaled_upload(self, shard: Shard) -> Steps:
        """Cancel the Upload an interrupted store of `shard` opened, as its journal names it: kept for a
        resume or cut off before its cleanup, it would stay pending until it expires."""
        journal = Journal.load(self._upload_journal(shard.id))
        if journal is None:
            return
        log.info(
            "cancelling Upload %s left by an interrupted upload of shard %d", journal.upload_id, shard.id
        )
        try:
            yield from perform(effects.CancelUpload(journal.upload_id))
        except APIStatusError as error:  # completed (its File is found below), cancelled or expired
            log.info("Upload %s not cancelled: %s", journal.upload_id, error)
        journal.delete()

    def _upload_journal(self, shard_id: int) -> Path:
        return self.m.folder / f".shard-{shard_id}.upload.json"

    def _delete_stray_local_files(self) -> None:
        """Shard files of a preparation or resharding that never committed, and partial downloads but
        those of shards still to merge (the download resumes them)."""
        live = {s.id for s in self.m.shards(*SHARD_OPEN)}
        merging = tuple(f".shard-{s.id}." for s in self.m.shards(ShardState.ENDED))
        for path in self.m.folder.iterdir():
            name = path.name
            if name.startswith(".") and ".part" in name:
                if not name.startswith(merging) or name.endswith(".tmp"):
                    path.unlink(missing_ok=True)
            elif name.startswith("shard-") and name.endswith(".jsonl"):
                number = name.removeprefix("shard-").split(".")[0]
                if not number.isdigit() or int(number) not in live:
                    path.unlink(missing_ok=True)

    # -- submitting -------------------------------------------------------------------------------

    def _admissible(self, shard: Shard) -> bool:
        """Due, and within its model's token and request budgets (a shard alone always goes)."""
        if shard.not_before > self._clock():
            return False
        tokens_budget, inputs_budget = (
            self.config.budget(shard.model),
            self.config.requests_budget(shard.model),
        )
        if tokens_budget is None and inputs_budget is None:
            return True
        tokens, inputs = self.m.enqueued(shard.model)
        return tokens == 0 or (
            (tokens_budget is None or tokens + shard.tokens <= tokens_budget)
            and (inputs_budget is None or inputs + shard.inputs <= inputs_budget)
        )

    def _submit_ready(self) -> Generator[AnyEffect, Any, bool]:
        if self.cancelling:
            return False
        changed = False
        for shard in self.m.shards(ShardState.SEALED, ShardState.STORED):
            if not self._admissible(shard):
                continue
            if shard.state is ShardState.SEALED:
                yield from self._store(shard)
            yield from self._create(self.m.shard(shard.id))
            changed = True
        return changed

    def _service_time(self) -> float:
        """The newest `created_at` the service gave this job (0 before any): a time on the service's
        clock that comes before anything the job creates next, whatever this machine's clock says."""
        return float(self.m.get("service_time", 0))

    def _saw(self, created_at: int) -> None:
        if created_at > self._service_time():
            self.m.put("service_time", created_at)

    def _store(self, shard: Shard) -> Steps:
        self.m.move_shard(shard.id, ShardState.UPLOADING, intent_at=self._service_time())
        name = remote_filename(self.job_id, self.key, shard.id)
        path, journal = self.m.shard_path(shard.id), self._upload_journal(shard.id)
        file_id, created_at = yield from perform(
            effects.Store(path, name, journal, self.config.single_request_below)
        )
        self._saw(created_at)
        self.m.move_shard(shard.id, ShardState.STORED, file_id=file_id, intent_at=None)

    def _create(self, shard: Shard) -> Steps:
        """Create the shard's batch, tagged so that it can be found again, and record it.

        The call is made once (no client retries): after a lost answer or a 5xx the batch may exist, so
        it is looked for before another is created. A refusal that may pass (a file the service does not
        see yet, a 429, a 5xx, a lost answer) is tried again with backoff, `create_retries` times.
        """
        metadata = {TAG_JOB: self.job_id, TAG_SHARD: str(shard.id), TAG_SUBMIT: str(shard.submits)}
        if self.key:
            metadata[TAG_KEY] = self.key
        delay = self.config.create_retry_delay
        for tries_left in range(self.config.create_retries, -1, -1):
            self.m.move_shard(shard.id, ShardState.CREATING, intent_at=self._service_time())
            try:
                batch = yield from perform(
                    effects.CreateBatch(str(shard.file_id), str(self.m.get("endpoint")), metadata)
                )
            except (APIConnectionError, APIStatusError) as error:
                if _maybe_created(error):
                    found = yield from self._find_created(self.m.shard(shard.id))
                    if found is not None:
                        self._submitted(shard, found)
                        return
                self.m.move_shard(shard.id, ShardState.STORED, intent_at=None)
                if not (tries_left and _worth_retrying(error)):
                    raise
                log.info("creating the batch of shard %d again in %.1fs: %s", shard.id, delay, error)
                yield from perform(effects.Sleep(delay))
                delay *= 2
                continue
            self._submitted(shard, batch)
            return

    def _find_created(self, shard: Shard) -> Generator[AnyEffect, Any, BatchView | None]:
        """The batch a create of `shard` (its current submit) made, if the service has it."""
        since = (shard.intent_at or 0.0) - RECONCILE_MARGIN
        found = yield from perform(effects.FindBatches(self.job_id, self.key, since))
        for batch in found:
            if batch.metadata.get(TAG_SHARD) == str(shard.id) and batch.metadata.get(TAG_SUBMIT) == str(
                shard.submits
            ):
                return batch
        return None

    def _submitted(self, shard: Shard, batch: BatchView) -> None:
        self._saw(batch.created_at)
        self.m.move_shard(
            shard.id,
            ShardState.SUBMITTED,
            batch_id=batch.id,
            batch_status=batch.status,
            submits=shard.submits + 1,
            intent_at=None,
        )
        self._tell(ShardSubmitted(self.job_id, shard.id, shard.model, batch.id, shard.requests, shard.tokens))

    # -- polling ----------------------------------------------------------------------------------

    def _poll_live(self, only: frozenset[str] | None = None) -> Generator[AnyEffect, Any, bool]:
        """Retrieve every submitted batch (or those in `only`) and record what changed."""
        changed = False
        for shard in self.m.shards(ShardState.SUBMITTED):
            if only is not None and shard.batch_id not in only:
                continue
            try:
                batch = yield from perform(effects.RetrieveBatch(str(shard.batch_id)))
            except NotFoundError:
                unseen = self._unseen[shard.id] = self._unseen.get(shard.id, 0) + 1
                if unseen < GONE_AFTER_POLLS:  # created a moment ago, not visible yet: look again
                    log.info("batch %s not visible yet", shard.batch_id)
                    continue
                yield from self._gone(shard)
                changed = True
                continue
            self._unseen.pop(shard.id, None)
            yield from self._watch_stuck(shard, batch.status)
            if batch.status == shard.batch_status:
                continue
            changed = True
            if batch.status not in TERMINAL:
                self.m.update_shard(shard.id, batch_status=batch.status)
                continue
            if batch.usage is not None:
                self.m.record_usage(batch.id, shard.id, shard.model, batch.usage)
            self._tell(BatchEnded(self.job_id, shard.id, shard.model, batch.id, batch.status, batch.usage))
            if batch.status == "failed" and _token_limited(batch) and self._others_running(shard):
                self._requeue(shard)
            elif batch.status == "failed" and _token_limited(batch) and shard.requests > 1:
                yield from perform(effects.LocalWork("split", functools.partial(self._split, shard)))
            else:  # a single request over the quota on its own fails with the service's error
                self.m.move_shard(
                    shard.id,
                    ShardState.ENDED,
                    batch_status=batch.status,
                    output_file_id=batch.output_file_id,
                    error_file_id=batch.error_file_id,
                    batch_error=json.dumps(batch.errors[0]) if batch.errors else None,
                )
        return changed

    def _watch_stuck(self, shard: Shard, status: str) -> Steps:
        """Report a batch held in `validating` or `finalizing` for `stuck_after` seconds, once, and
        cancel it if so configured (its unanswered requests then go again, as after `batch_cancelled`)."""
        limit = self.config.stuck_after
        seen = self._since.get(shard.id)
        if seen is None or seen[0] != status:
            self._since[shard.id] = seen = (status, time.monotonic(), False)
        if limit is None or status not in STUCK or seen[2] or time.monotonic() - seen[1] < limit:
            return
        self._since[shard.id] = (status, seen[1], True)
        action = "cancelling it" if self.config.cancel_stuck else "waiting on"
        log.warning(
            "batch %s of job %s (shard %d, %s) has been %s for %.0fs: stuck; %s",
            shard.batch_id, self.job_id, shard.id, shard.model, status, time.monotonic() - seen[1], action,
        )  # fmt: skip
        if self.config.cancel_stuck and not self.cancelling:
            yield from self._cancel_batch(shard)

    def _gone(self, shard: Shard) -> Steps:
        """A batch the service no longer knows: its shard is stored and submitted again from the local
        file, which is kept until the shard's results are in."""
        gone = f"batch {shard.batch_id} of job {self.job_id} is unknown to the service"
        log.warning(
            "%s (%d polls answered 404): its %d requests (shard %d) go again in a new batch",
            gone, GONE_AFTER_POLLS, shard.requests, shard.id,
        )  # fmt: skip
        del self._unseen[shard.id]
        if shard.file_id:
            yield from self._delete_file(shard.file_id)
        self.m.move_shard(shard.id, ShardState.SEALED, file_id=None, batch_id=None, batch_status=None)

    def _others_running(self, shard: Shard) -> bool:
        """True while another batch of the job's for `shard`'s model is known to have been admitted: the
        quota may be taken by it, and `shard` may pass once it ended."""
        return any(
            other.id != shard.id and other.model == shard.model and other.batch_status in RUNNING
            for other in self.m.shards(ShardState.SUBMITTED)
        )

    def _split(self, shard: Shard) -> None:
        """A shard refused for the enqueued-token quota while nothing else of its model ran is over the
        quota on its own, and would be refused forever: its requests go into two shards of half as many
        (the same attempt), submitted as the quota admits; the shard itself is merged with no results,
        so cleanup deletes its input file."""
        half = dataclasses.replace(self.config, max_shard_requests=-(-shard.requests // 2))
        writer = ShardWriter(self.m, half)
        try:
            with self.m.transaction():
                updates = self._rewrite(shard, self.m.request_lines(shard.id), writer, round_=shard.round)
                self.m.move_requests(updates, start=RequestState.PENDING)
                writer.close()
                self.m.move_shard(shard.id, ShardState.MERGED, batch_status="failed", requests=0)
        except BaseException:
            writer.discard()
            raise
        log.warning(
            "shard %d of job %s (%d requests, ~%d tokens) is over the enqueued-token quota of %s on its "
            "own: split into shards %s",
            shard.id, self.job_id, shard.requests, shard.tokens, shard.model,
            " and ".join(sorted({str(new) for new, _, _ in updates})),
        )  # fmt: skip

    def _rewrite(
        self, shard: Shard, rows: list[tuple[int, int, int, int]], writer: ShardWriter, *, round_: int
    ) -> list[tuple[int, int, int]]:
        """Copy the lines of `rows` (seq, tokens, offset, length) from `shard`'s local file into the
        writer's shards; return (new shard, new offset, seq) for each."""
        updates = []
        endpoint = str(self.m.get("endpoint"))
        with self.m.shard_path(shard.id).open("rb") as old:
            for seq, tokens, offset, length in rows:
                old.seek(offset)
                line = old.read(length)
                inputs = request_inputs(json.loads(line), endpoint) if endpoint == EMBEDDINGS else 1
                new_shard, new_offset = writer.add(
                    shard.model, line, tokens, seq=seq, round_=round_, inputs=inputs
                )
                updates.append((new_shard, new_offset, seq))
        return updates

    def _requeue(self, shard: Shard) -> None:
        """A batch refused for the enqueued-token quota: submit its file again later, with backoff."""
        backoff = min(
            self.config.token_limit_backoff * 2 ** max(shard.submits - 1, 0),
            self.config.max_token_limit_backoff,
        )
        log.info("shard %d hit the token limit; submitting again in %.1fs", shard.id, backoff)
        self.m.move_shard(
            shard.id, ShardState.STORED, batch_id=None, batch_status=None, not_before=self._clock() + backoff
        )

    # -- merging results --------------------------------------------------------------------------

    def _merge_ended(self) -> Generator[AnyEffect, Any, bool]:
        changed = False
        for shard in self.m.shards(ShardState.ENDED):
            changed = (yield from self._merge(shard)) or changed
        return changed

    def _merge(self, shard: Shard) -> Generator[AnyEffect, Any, bool]:
        """Fetch the output and error files, then record every request's outcome in one transaction;
        True once merged.

        Only whole files are read: a download that failed in a way that may pass (no answer, cut short,
        429, 5xx) leaves the shard ended, to be fetched again on a later round, so a request is never
        taken for unanswered because its line did not arrive. A file the service no longer has (deleted,
        expired; 404 `GONE_AFTER_POLLS` rounds in a row) is lost output: the requests it held go to
        another batch.
        """
        downloads: list[Path] = []
        lost: list[str] = []
        try:
            for kind, file_id in (("output", shard.output_file_id), ("errors", shard.error_file_id)):
                if file_id:
                    path = self.m.folder / f"shard-{shard.id}.{kind}.jsonl"
                    downloads.append(path)
                    try:
                        yield from perform(effects.Download(file_id, path))
                    except NotFoundError:
                        downloads.pop()
                        misses = self._unseen_files[shard.id] = self._unseen_files.get(shard.id, 0) + 1
                        if misses < GONE_AFTER_POLLS:  # a file made a moment ago may not show yet
                            log.info("file %s of batch %s not visible yet", file_id, shard.batch_id)
                            return False
                        lost.append(file_id)
            if lost:
                log.warning(
                    "file %s of batch %s (job %s) is gone from the service: the requests it held go again "
                    "in a new batch", ", ".join(lost), shard.batch_id, self.job_id,
                )  # fmt: skip
            merge = functools.partial(self._record_merge, shard, downloads, output_lost=bool(lost))
            yield from perform(effects.LocalWork("merge", merge))
            self._unseen_files.pop(shard.id, None)
        except (APIConnectionError, APIStatusError, IncompleteDownloadError) as error:
            if isinstance(error, APIStatusError) and not is_retryable_status(error.status_code):
                raise
            log.warning("results of batch %s not read yet, trying again later: %s", shard.batch_id, error)
            return False
        finally:
            for path in downloads:
                path.unlink(missing_ok=True)
        return True

    def _record_merge(self, shard: Shard, downloads: list[Path], *, output_lost: bool) -> None:
        """Record every request's outcome from the downloaded files in one transaction, and keep the
        successes in the job's cache, if it has one."""
        with self.m.recording() as results, BackgroundWrites() as background:
            merge = ShardMerge(
                self.m,
                shard,
                results,
                background,
                last_attempt=shard.round >= self.config.max_attempts,
                cancelling=self.cancelling,
                output_lost=output_lost,
            )
            for path in downloads:
                merge.add_file(path)
            merge.add_missing()  # its last rows are in once it returns
            self.m.move_shard(shard.id, ShardState.MERGED, **_columns(merge.tally))
        self._keep_in_cache(shard)

    # -- paying once (see reuse.py) ---------------------------------------------------------------

    def _fan_out(self) -> Generator[AnyEffect, Any, bool]:
        """Once every other shard ended, give each duplicate the result of the request it repeats."""
        waiting = self.m.shards(ShardState.FANOUT)
        if not waiting or any(s.state is not ShardState.FANOUT for s in self.m.shards(*SHARD_OPEN)):
            return False
        yield from perform(effects.LocalWork("fan_out", functools.partial(self._give_duplicates, *waiting)))
        return True

    def _give_duplicates(self, shard: Shard) -> None:
        tally = {SUCCEEDED: 0, FAILED: 0, CANCELLED: 0}
        with self.m.recording() as results:
            updates = []
            for seq, custom_id, first, state, offset, length in self.m.duplicates(shard.id):
                record = reused(self.m.record_at(offset, length), custom_id, duplicate_of=first)
                updates.append((state, *results.add(record), seq))
                tally[state] += 1
            self.m.settle(updates)
            self.m.move_shard(shard.id, ShardState.DONE, **_columns(tally))

    def _keep_in_cache(self, shard: Shard) -> None:
        """Add the successes of a merged shard to the job's cache, if it has one."""
        path = self.m.get("cache")
        if not path:
            return
        cache = ResultCache(path)
        try:
            cache.put(
                (key, self.m.record_at(offset, length)) for key, offset, length in self.m.successes(shard.id)
            )
        finally:
            cache.close()

    # -- retries ----------------------------------------------------------------------------------

    def _reshard(self) -> Generator[AnyEffect, Any, bool]:
        """Gather requests to retry into new shards (one model and attempt each), in one transaction."""
        sources = [s for s in self.m.shards(ShardState.MERGED) if s.retried and not self.cancelling]
        if not sources:
            return False
        moved = yield from perform(
            effects.LocalWork("reshard", functools.partial(self._move_retries, sources))
        )
        if moved:
            log.info("job %s: %d requests go to another batch", self.job_id, moved)
            self._tell(RetryScheduled(self.job_id, moved))
        return moved > 0

    def _move_retries(self, sources: list[Shard]) -> int:
        """Write the requests to retry of `sources` into new shard files and rows; returns how many."""
        writer = ShardWriter(self.m, self.config)
        moved = 0
        try:
            with self.m.transaction():
                for shard in sources:
                    rows = self.m.request_lines(shard.id, RequestState.RETRY)
                    if not rows:
                        continue
                    updates = self._rewrite(shard, rows, writer, round_=shard.round + 1)
                    self.m.move_requests(updates, start=RequestState.RETRY)
                    moved += len(updates)
                writer.close()
        except BaseException:
            writer.discard()
            raise
        return moved

    def _withdraw(self) -> Generator[AnyEffect, Any, bool]:
        """While cancelling: shards not yet running never will, requests awaiting a retry get none, and
        every live batch is asked (once) to stop."""
        if not self.cancelling:
            return False
        self._give_up_retries()
        unsent = self.m.shards(ShardState.SEALED, ShardState.STORED)
        for shard in unsent:
            if shard.file_id:
                yield from self._delete_file(shard.file_id)
            yield from perform(
                effects.LocalWork("cancel_unsent", functools.partial(self._cancel_unsent, shard))
            )
        running = [
            s
            for s in self.m.shards(ShardState.SUBMITTED)
            if s.batch_status not in ("cancelling", "cancelled")
        ]
        for shard in running:
            yield from self._cancel_batch(shard)
        return bool(unsent or running)

    def _give_up_retries(self) -> None:
        """On cancel: requests waiting for another batch keep their last failure as final."""
        with self.m.transaction():
            for shard in self.m.shards(ShardState.MERGED):
                if shard.retried and (kept := self.m.give_up_retries(shard.id)):
                    self.m.update_shard(shard.id, failed=shard.failed + kept)

    def _cancel_unsent(self, shard: Shard) -> None:
        error = {"code": "job_cancelled", "message": "the job was cancelled before this request ran"}
        outcome = Outcome(CANCELLED, None, error)  # the same for each unsent request
        records = Records(attempts=shard.round - 1, batch_id=None)
        with self.m.recording() as results:
            pending = self.m.pending(shard.id)
            self.m.settle(
                [(CANCELLED, *results.add(records(cid, outcome, None)), seq) for cid, seq in pending.items()]
            )
            self.m.move_shard(shard.id, ShardState.CANCELLED, cancelled=len(pending), file_id=None)
        self.m.shard_path(shard.id).unlink(missing_ok=True)

    # -- cleanup ----------------------------------------------------------------------------------

    def _cleanup(self) -> Generator[AnyEffect, Any, bool]:
        """Delete what a merged shard no longer needs: its input file (and outputs, if configured), and its
        local file once no request waits to be sent again from it."""
        changed = False
        for shard in self.m.shards(ShardState.MERGED):
            if shard.retried and self.m.awaits_retry(shard.id):  # requests wait to go out again
                continue
            doomed = [shard.file_id]
            if self.config.delete_outputs:
                doomed += [shard.output_file_id, shard.error_file_id]
            for file_id in doomed:
                if file_id:
                    yield from self._delete_file(file_id)
            self.m.move_shard(shard.id, ShardState.DONE)
            self.m.shard_path(shard.id).unlink(missing_ok=True)
            changed = True
        return changed

    def _delete_file(self, file_id: str) -> Steps:
        with contextlib.suppress(NotFoundError):
            yield from perform(effects.DeleteFile(file_id))

    def _cancel_batch(self, shard: Shard) -> Steps:
        """Ask the service to cancel the shard's batch; one that ended meanwhile is left to polling."""
        try:
            yield from perform(effects.CancelBatch(str(shard.batch_id)))
        except APIStatusError as error:  # it ended meanwhile: polling records how
            log.info("batch %s of job %s not cancelled: %s", shard.batch_id, self.job_id, error)
        else:
            self.m.update_shard(shard.id, batch_status="cancelling")


def _columns(tally: dict[str, int]) -> dict[str, int]:
    """A tally of requests by final state, as the shard columns that keep it."""
    names = {SUCCEEDED: "succeeded", FAILED: "failed", CANCELLED: "cancelled", RETRY: "retried"}
    return {names[state]: count for state, count in tally.items()}


def _token_limited(batch: BatchView) -> bool:
    return any(e.get("code") == "token_limit_exceeded" for e in batch.errors)


def _maybe_created(error: Exception) -> bool:
    """The request may have been carried out though no answer says so: a lost answer, or a 5xx."""
    return isinstance(error, APIConnectionError) or (
        isinstance(error, APIStatusError) and error.status_code >= 500
    )


def _worth_retrying(error: Exception) -> bool:
    """A refusal that may pass: the service does not see a just-stored file yet, 429, 5xx, no answer."""
    return (
        is_file_lag(error)
        or _maybe_created(error)
        or (isinstance(error, APIStatusError) and error.status_code == 429)
    )
