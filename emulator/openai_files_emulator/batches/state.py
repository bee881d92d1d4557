"""Batches backend: creation checks and the status lifecycle; no HTTP here.

By default (`pace="retrieve"`) the lifecycle moves one step each time a batch is retrieved
(validating -> in_progress -> finalizing -> completed, or cancelling -> cancelled), so a client
polling `retrieve` sees every status in order and a test needs no sleeps; `in_progress_steps`
spreads the answering of requests over several retrieves; `pace="instant"` takes every step at the
first retrieve. With `pace="time"` each stage lasts
`stage_seconds` on the emulator's clock, and a retrieve or list catches every batch up, stage changes
in the order they fell due (`settle`), so the quota holds as batches run. Either way, once the
clock passes `expires_at` (24 h after creation) an unfinished batch becomes `expired`.

Requests are answered in file order into two growing spool files; `request_counts` follow them.
A batch that ends early (expired, cancelled) publishes what was answered in its output and error
files, and every request not answered as a `batch_expired` / `batch_cancelled` line of its error
file, so `completed` + `failed` == `total` at the end whichever way it ends.
"""

from __future__ import annotations

import asyncio
import itertools
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..blobs import BlobStore
from ..clock import Clock
from ..config import Limits
from ..errors import InvalidRequest, NotFound, invalid_value
from ..files.state import FileRecord, FilesBackend
from ..ids import IdFactory
from ..pagination import page
from ..rules import BATCH_ENDPOINTS, COMPLETION_WINDOWS
from . import jsonl
from .settings import BatchConfig, BatchSettings

TERMINAL = frozenset({"completed", "failed", "expired", "cancelled"})
STAGES = ("in_progress", "finalizing", "completed", "failed", "expired", "cancelling", "cancelled")
"""Statuses whose `<status>_at` time a batch shows, null until it gets there."""
# Statuses in which a batch's estimated tokens count against its model's enqueued-token quota.
ENQUEUED = frozenset({"in_progress", "finalizing", "cancelling"})
MAX_METADATA_PAIRS, MAX_METADATA_KEY, MAX_METADATA_VALUE = 16, 64, 512


@dataclass
class BatchRecord:
    id: str
    endpoint: str
    input_file_id: str
    completion_window: str
    created_at: int
    expires_at: int
    metadata: dict[str, str] | None
    output_expires_after: int | None
    status: str = "validating"
    since: float = 0.0
    """When the current status began, to the fraction of a second (time pace)."""
    times: dict[str, int] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0
    tokens: int = 0
    """Estimated input tokens, enqueued once validation admitted the batch."""
    outcome: jsonl.Outcome = field(default_factory=jsonl.Outcome)
    model: str | None = None
    output_file_id: str | None = None
    error_file_id: str | None = None
    no_file_id: str | None = None
    """What an absent output or error file id reads as: null, or "" (`BatchConfig.empty_file_ids`)."""
    spools: dict[str, Path] = field(default_factory=dict, repr=False)
    """Output and error lines so far, by kind, from validation until published."""
    finalizing_seen: int = 0
    """Retrieves that found the batch finalizing (retrieve pace)."""
    shown_counts: dict[str, int] | None = None
    """With `counts_lag`, the counts the previous retrieve saw, shown instead of the current ones."""
    lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)

    def move(self, status: str, at: float) -> None:
        self.status, self.since = status, at
        self.times[f"{status}_at"] = int(at)

    def counts(self) -> dict[str, int]:
        return {"total": self.total, "completed": self.outcome.completed, "failed": self.outcome.failed}

    def to_json(self) -> dict[str, Any]:
        """As upstream's examples show a batch: `errors`, file ids and the times not reached yet are
        null; `model` and `usage` are left out until known."""
        outcome = self.outcome
        known = {"model": self.model, "usage": _usage(outcome) if outcome.answered else None}
        return {
            "id": self.id,
            "object": "batch",
            "endpoint": self.endpoint,
            "errors": {"object": "list", "data": self.errors} if self.errors else None,
            "input_file_id": self.input_file_id,
            "completion_window": self.completion_window,
            "status": self.status,
            "output_file_id": self.output_file_id or self.no_file_id,
            "error_file_id": self.error_file_id or self.no_file_id,
            "created_at": self.created_at,
            "expires_at": self.expires_at,
            **{f"{stage}_at": self.times.get(f"{stage}_at") for stage in STAGES},
            "request_counts": self.shown_counts or self.counts(),
            "metadata": self.metadata,
            **{name: value for name, value in known.items() if value is not None},
        }


def _usage(outcome: jsonl.Outcome) -> dict[str, Any]:
    return {
        "input_tokens": outcome.input_tokens,
        "input_tokens_details": {"cached_tokens": outcome.cached_tokens},
        "output_tokens": outcome.output_tokens,
        "output_tokens_details": {"reasoning_tokens": outcome.reasoning_tokens},
        "total_tokens": outcome.input_tokens + outcome.output_tokens,
    }


def check_metadata(metadata: object) -> dict[str, str] | None:
    if metadata is None:
        return None
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise invalid_value("metadata", "expected an object of string values.")
    if len(metadata) > MAX_METADATA_PAIRS:
        raise invalid_value("metadata", f"at most {MAX_METADATA_PAIRS} keys are allowed.")
    for key, value in metadata.items():
        if len(key) > MAX_METADATA_KEY or len(value) > MAX_METADATA_VALUE:
            raise invalid_value(
                "metadata", f"keys hold at most {MAX_METADATA_KEY} characters, values {MAX_METADATA_VALUE}."
            )
    return dict(metadata)


class BatchesBackend:
    def __init__(
        self,
        files: FilesBackend,
        blobs: BlobStore,
        clock: Clock,
        ids: IdFactory,
        limits: Limits,
        *,
        settings: BatchSettings,
    ) -> None:
        self._files = files
        self._blobs = blobs
        self._clock = clock
        self._ids = ids
        self._limits = limits
        self.settings = settings
        self.on_end: Callable[[BatchRecord], None] = lambda batch: None
        """Called once with each batch that reaches a terminal status (the webhook sender's hook)."""
        self.clear()

    def clear(self) -> None:
        self._batches: dict[str, BatchRecord] = {}
        self._sequence: dict[str, int] = {}
        self._counter = itertools.count()

    def create(
        self,
        *,
        input_file_id: str,
        endpoint: str,
        completion_window: str,
        metadata: dict[str, str] | None = None,
        output_expires_after: int | None = None,
    ) -> BatchRecord:
        if endpoint not in BATCH_ENDPOINTS:
            raise invalid_value("endpoint", f"'{endpoint}' is not one of {', '.join(BATCH_ENDPOINTS)}.")
        if completion_window not in COMPLETION_WINDOWS:
            raise invalid_value("completion_window", "the only supported window is '24h'.")
        now = self._clock.now()
        try:
            source = self._files.get(input_file_id)
        except NotFound:
            source = None
        config = self.settings.config
        if source is None or now < source.created + config.file_lag * config.draw("lag", input_file_id):
            raise invalid_value("input_file_id", f"no file with id '{input_file_id}'.")
        if source.purpose != "batch":
            raise InvalidRequest(
                f"File {input_file_id} has purpose '{source.purpose}'; a batch needs purpose 'batch'.",
                param="input_file_id",
                code="invalid_input_file",
            )
        batch = BatchRecord(
            id=self._ids.batch(),
            endpoint=endpoint,
            input_file_id=input_file_id,
            completion_window=completion_window,
            created_at=int(now),
            expires_at=int(now) + self._limits.batch_window_seconds,
            metadata=metadata,
            output_expires_after=output_expires_after,
            since=now,
            no_file_id="" if self.settings.config.empty_file_ids else None,
        )
        self._batches[batch.id] = batch
        self._sequence[batch.id] = next(self._counter)
        return batch

    def get(self, batch_id: str) -> BatchRecord:
        batch = self._batches.get(batch_id)
        if batch is None:
            raise NotFound.object("batch", batch_id, param="batch_id")
        return batch

    async def observe(self, batch_id: str) -> BatchRecord:
        """Retrieve a batch after moving it along its lifecycle: one step, or up to the clock."""
        batch = self.get(batch_id)
        await self.settle()
        async with batch.lock:
            previous, batch.shown_counts = batch.counts(), None
            if batch.status in TERMINAL:
                return batch
            await self._advance(batch)
            if self.settings.config.counts_lag:
                batch.shown_counts = previous
            if batch.status in TERMINAL:
                self.on_end(batch)
        return batch

    async def settle(self) -> None:
        """With time pace, every unfinished batch's stage changes up to the clock, in the order they fell
        due: each batch validates against the quota as it stood at that moment, whenever anyone asks (the
        service checks as batches run, not when one is polled). Nothing to do with retrieve pace."""
        config = self.settings.config
        if config.pace != "time":
            return
        stage, now = config.stage_seconds, self._clock.now()
        while due := [
            b
            for b in self._batches.values()
            if b.status not in TERMINAL and b.since + stage <= min(now, b.expires_at)
        ]:
            batch = min(due, key=lambda b: (b.since + stage, self._sequence[b.id]))
            async with batch.lock:
                if batch.status in TERMINAL:
                    continue
                await self._catch_up(batch, batch.since + stage, config)
                if batch.status in TERMINAL:
                    self.on_end(batch)

    def unfinished(self) -> list[str]:
        """The ids of the batches not yet in a terminal status."""
        return [batch.id for batch in self._batches.values() if batch.status not in TERMINAL]

    async def _advance(self, batch: BatchRecord) -> None:
        config = self.settings.config
        now = self._clock.now()
        if config.pace == "time":
            await self._catch_up(batch, min(now, batch.expires_at), config)
        elif batch.status == "cancelling":
            await self._end(batch, "cancelled", now, config)
        elif now < batch.expires_at:
            await self._step(batch, now, config)
            while config.pace == "instant" and batch.status not in TERMINAL:
                await self._step(batch, now, config)
        if batch.status not in TERMINAL and now >= batch.expires_at:
            await self._end(batch, "expired", now, config)

    async def cancel(self, batch_id: str) -> BatchRecord:
        batch = self.get(batch_id)
        async with batch.lock:
            if batch.status in TERMINAL:
                raise InvalidRequest(
                    f"Batch {batch_id} is {batch.status} and can no longer be cancelled.",
                    param="batch_id",
                    code="batch_not_cancellable",
                )
            if batch.status != "cancelling":
                batch.move("cancelling", self._clock.now())
        return batch

    def list(self, *, after: str | None, limit: int) -> dict[str, Any]:
        return page(
            list(self._batches.values()), after=after, limit=limit, descending=True, sequence=self._sequence
        )

    def enqueued_tokens(self, model: str) -> int:
        """The estimated input tokens of `model`'s admitted, unfinished batches."""
        return sum(b.tokens for b in self._batches.values() if b.model == model and b.status in ENQUEUED)

    async def _step(self, batch: BatchRecord, now: float, config: BatchConfig) -> None:
        if batch.status == "validating":
            await self._validate(batch, now, config)
        elif batch.status == "in_progress":
            await self._run(batch, math.ceil(batch.total / config.in_progress_steps), config)
            if batch.status == "in_progress" and batch.outcome.answered == batch.total:
                batch.move("finalizing", now)
        elif batch.status == "finalizing":
            batch.finalizing_seen += 1
            if batch.finalizing_seen >= config.finalizing_steps:
                self._publish(batch)
                batch.move("completed", now)

    async def _catch_up(self, batch: BatchRecord, now: float, config: BatchConfig) -> None:
        """Time pace: take every stage whose `stage_seconds` have passed by `now`, in order."""
        stage = config.stage_seconds
        if batch.status == "validating" and now >= batch.since + stage:
            await self._validate(batch, batch.since + stage, config)
        if batch.status == "in_progress":
            # Compared, not divided, at the end: (now - since) / stage can fall short of 1.0 when
            # now == since + stage in floating point, and a request would go unanswered.
            done = now >= batch.since + stage
            elapsed = 1.0 if done or stage == 0 else (now - batch.since) / stage
            await self._run(batch, int(batch.total * elapsed) - batch.outcome.answered, config)
            if batch.status == "in_progress" and now >= batch.since + stage:
                batch.move("finalizing", batch.since + stage)
        finalizing = stage * config.finalizing_steps
        if batch.status == "finalizing" and now >= batch.since + finalizing:
            self._publish(batch)
            batch.move("completed", batch.since + finalizing)
        if batch.status == "cancelling" and now >= batch.since + stage:
            await self._end(batch, "cancelled", batch.since + stage, config)

    def _input_or_fail(self, batch: BatchRecord, now: float) -> FileRecord | None:
        """The input file, or None after failing the batch because it was deleted meanwhile."""
        try:
            return self._files.get(batch.input_file_id)
        except NotFound:
            self._discard(batch)
            batch.errors = [
                {
                    "code": "missing_input_file",
                    "message": "The input file was deleted.",
                    "param": None,
                    "line": None,
                }
            ]
            batch.move("failed", now)
            return None

    def _lines(self, source: FileRecord, offset: int) -> Iterator[tuple[int, int, bytes]]:
        return jsonl.lines_from(self._blobs.iter_bytes(source.segments, offset), offset)

    async def _validate(self, batch: BatchRecord, now: float, config: BatchConfig) -> None:
        source = self._input_or_fail(batch, now)
        if source is None:
            return
        result = await asyncio.to_thread(jsonl.validate, self._lines(source, 0), batch.endpoint, config)
        batch.model = result.model
        limit = config.token_limit(result.model) if result.model and not result.errors else None
        if limit is not None and self.enqueued_tokens(result.model or "") + result.tokens > limit:
            message = (
                f"Enqueued token limit reached for {result.model} in organization org-emulator. "
                f"Limit: {limit:,} enqueued tokens. "
                "Please try again once some in_progress batches have been completed."
            )
            result.fail(None, "token_limit_exceeded", message)
        if result.errors:
            batch.errors = result.errors
            batch.move("failed", now)
            return
        batch.total, batch.tokens = result.total, result.tokens
        batch.spools = {"output": self._blobs.spool_path(), "error": self._blobs.spool_path()}
        batch.move("in_progress", now)

    def _context(self, batch: BatchRecord, config: BatchConfig) -> jsonl.Batch:
        return jsonl.Batch(batch.id, batch.endpoint, batch.created_at, config, self.settings.answers)

    async def _run(self, batch: BatchRecord, count: int, config: BatchConfig) -> None:
        """Answer the next `count` requests into the batch's spool files."""
        source = self._input_or_fail(batch, self._clock.now())
        if source is None or count <= 0:
            return
        lines = self._lines(source, batch.outcome.offset)

        def run() -> None:
            with batch.spools["output"].open("ab") as output, batch.spools["error"].open("ab") as errors:
                jsonl.execute(
                    lines, count, self._context(batch, config), batch.outcome, output=output, errors=errors
                )

        await asyncio.to_thread(run)

    async def _end(self, batch: BatchRecord, status: str, now: float, config: BatchConfig) -> None:
        """Expire or cancel: publish what was answered, the rest as error lines; nothing if never started."""
        if batch.spools:
            source = self._input_or_fail(batch, now)
            if source is None:
                return
            lines = self._lines(source, batch.outcome.offset)
            code = f"batch_{status}"

            def abandon() -> None:
                with batch.spools["error"].open("ab") as errors:
                    jsonl.abandon(lines, self._context(batch, config), code, batch.outcome, errors)

            await asyncio.to_thread(abandon)
            self._publish(batch)
        batch.move(status, now)

    def _discard(self, batch: BatchRecord) -> None:
        self._blobs.delete(batch.spools.values())
        batch.spools = {}

    def _publish(self, batch: BatchRecord) -> None:
        """Turn the spooled lines into the batch's output and error files; an empty one is not made."""
        for kind, path in batch.spools.items():
            size = path.stat().st_size
            if size == 0:
                continue
            record = self._files.create(
                path,
                size=size,
                filename=f"{batch.id}_{kind}.jsonl",
                purpose="batch_output",
                expires_after=batch.output_expires_after,
            )
            if kind == "output":
                batch.output_file_id = record.id
            else:
                batch.error_file_id = record.id
        self._discard(batch)
