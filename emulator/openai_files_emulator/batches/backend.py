"""Batches backend: every rule of the Batches API and the lifecycle's steps; no HTTP here.

The statuses and their moves are `lifecycle.TRANSITIONS`; when a stage ends is the pace's
(`lifecycle.stage_end`). With `pace="retrieve"` (the default) each retrieve takes one step, so a client
polling sees every status in order and a test needs no sleeps (`in_progress_steps` spreads the
answering over several retrieves, `finalizing_steps` the finalizing). Stages that end by themselves
(`time`, `instant`) are taken in the order they fell due (`settle`), by any read or by the `Runner`,
so the quota holds as batches run; under every pace, once the clock passes `expires_at` (24 h after
creation) an unfinished batch becomes `expired`.

Requests are answered in file order into two growing spool files; `request_counts` follow them.
A batch that ends early (expired, cancelled) publishes what was answered in its output and error
files, and every request not answered as a `batch_expired` / `batch_cancelled` line of its error
file, so `completed` + `failed` == `total` at the end whichever way it ends.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..blobs import BlobStore
from ..clock import Clock
from ..errors import InvalidRequest, NotFound, invalid_value
from ..files.backend import Expiry, FileRecord, FilesBackend, expiry_seconds
from ..ids import IdFactory
from ..pagination import page
from ..rules import BATCH_ENDPOINTS, COMPLETION_WINDOWS
from . import bodies, jsonl
from .lifecycle import ENQUEUED, STAGES, TERMINAL, check_transition, stage_end
from .settings import BatchConfig, BatchSettings

if TYPE_CHECKING:
    from ..config import Limits

MAX_METADATA_PAIRS, MAX_METADATA_KEY, MAX_METADATA_VALUE = 16, 64, 512
MAX_LIST_LIMIT = 100


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
    """When the current status began, to the fraction of a second (when its stage ends by itself)."""
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
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    """Held while the batch moves (its steps read and write files), by one thread at a time."""

    def move(self, status: str, at: float) -> None:
        """Raises `ValueError` for a move `lifecycle.TRANSITIONS` does not have."""
        check_transition(self.status, status)
        self.times[f"{status}_at"] = int(at)
        self.status, self.since = status, at  # the status last: a list, which takes no lock, reads it first

    def snapshot(self) -> BatchRecord:
        """A copy for an answer, taken under `lock`: the batch as an operation left it, though another
        thread (the `Runner`) moves it on before the answer is written."""
        outcome = dataclasses.replace(self.outcome)
        return dataclasses.replace(self, times=dict(self.times), errors=list(self.errors), outcome=outcome)

    def counts(self) -> dict[str, int]:
        return {"total": self.total, "completed": self.outcome.completed, "failed": self.outcome.failed}

    def to_json(self) -> dict[str, Any]:
        """As upstream's examples show a batch: `errors`, file ids and the times not reached yet are
        null; `model` and `usage` are left out until known."""
        o = self.outcome
        used = bodies.usage(o.input_tokens, o.cached_tokens, o.output_tokens, o.reasoning_tokens)
        known = {"model": self.model, "usage": used if o.answered else None}
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


def check_metadata(metadata: dict[str, str]) -> None:
    if len(metadata) > MAX_METADATA_PAIRS:
        raise invalid_value("metadata", f"at most {MAX_METADATA_PAIRS} keys are allowed.")
    for key, value in metadata.items():
        if len(key) > MAX_METADATA_KEY or len(value) > MAX_METADATA_VALUE:
            raise invalid_value(
                "metadata", f"keys hold at most {MAX_METADATA_KEY} characters, values {MAX_METADATA_VALUE}."
            )


class BatchesBackend:
    """Every rule of the Batches API and the lifecycle's steps; synchronous and thread-safe: a lock
    over the registry (and the quota's admissions), and one per batch while it moves."""

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
        self.on_change: Callable[[], None] = lambda: None
        """Called when a stage may fall due sooner than before (the `Runner`'s wake-up)."""
        self._lock = threading.RLock()
        self._batches: dict[str, BatchRecord] = {}
        self.clear()

    def clear(self) -> None:
        """Forget every batch, once the steps under way have ended: a late one must not publish its
        results into an emulator reset meanwhile (`settle` skips a batch no longer registered)."""
        with self._lock:
            forgotten = list(self._batches.values())
            self._batches = {}
            self._sequence: dict[str, int] = {}
            self._counter = itertools.count()
        for batch in forgotten:
            with batch.lock:
                pass

    def create(
        self,
        *,
        input_file_id: str,
        endpoint: str,
        completion_window: str,
        metadata: dict[str, str] | None = None,
        output_expires_after: Expiry | None = None,
    ) -> BatchRecord:
        """`POST /batches`: a `validating` batch (a snapshot; `get` has the live one). Raises
        `InvalidRequest` for an endpoint, window, metadata or expiry the API does not take, or an input
        file it cannot see or that is no batch file."""
        if endpoint not in BATCH_ENDPOINTS:
            raise invalid_value("endpoint", f"'{endpoint}' is not one of {', '.join(BATCH_ENDPOINTS)}.")
        if completion_window not in COMPLETION_WINDOWS:
            raise invalid_value("completion_window", "the only supported window is '24h'.")
        if metadata is not None:
            check_metadata(metadata)
        output_seconds = expiry_seconds(output_expires_after, "output_expires_after")
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
            output_expires_after=output_seconds,
            since=now,
            no_file_id="" if config.empty_file_ids else None,
        )
        shown = batch.snapshot()  # before any other thread can see it
        with self._lock:
            self._batches[batch.id] = batch
            self._sequence[batch.id] = next(self._counter)
        self.on_change()
        return shown

    def get(self, batch_id: str) -> BatchRecord:
        """The batch as it stands, not moved. Raises `NotFound`."""
        with self._lock:
            batch = self._batches.get(batch_id)
        if batch is None:
            raise NotFound.object("batch", batch_id, param="batch_id")
        return batch

    def retrieve(self, batch_id: str) -> BatchRecord:
        """`GET /batches/{id}`: every stage due is taken first (`settle`); then the retrieve pace takes
        one step, and the time pace answers the share of requests its stage has run. Returns a snapshot.
        Raises `NotFound`."""
        batch = self.get(batch_id)
        self.settle()
        with batch.lock:
            previous, batch.shown_counts = batch.counts(), None
            if batch.status in TERMINAL:
                return batch.snapshot()
            config, now = self.settings.config, self._clock.now()
            if config.pace == "retrieve":
                self._step(batch, now, config)
            elif config.pace == "time" and batch.status == "in_progress" and config.stage_seconds > 0:
                share = int(batch.total * (now - batch.since) / config.stage_seconds)
                self._run(batch, share - batch.outcome.answered, config)
            if config.counts_lag:
                batch.shown_counts = previous
            return batch.snapshot()

    def list(self, *, after: str | None = None, limit: int = 20) -> dict[str, Any]:
        """`GET /batches`, newest first, once every stage due is taken. Raises `InvalidRequest` for a bad
        limit or cursor."""
        self.settle()
        with self._lock:
            return page(
                list(self._batches.values()),
                after=after,
                limit=limit,
                max_limit=MAX_LIST_LIMIT,
                descending=True,
                sequence=self._sequence,
            )

    def cancel(self, batch_id: str) -> BatchRecord:
        """`POST /batches/{id}/cancel`: the batch goes `cancelling`, then `cancelled` when that stage ends
        (a snapshot). Raises `NotFound`, or `InvalidRequest` once it has ended."""
        batch = self.get(batch_id)
        with batch.lock:
            if batch.status in TERMINAL:
                raise InvalidRequest(
                    f"Batch {batch_id} is {batch.status} and can no longer be cancelled.",
                    param="batch_id",
                    code="batch_not_cancellable",
                )
            if batch.status != "cancelling":
                self._move(batch, "cancelling", self._clock.now())
            shown = batch.snapshot()
        self.on_change()
        return shown

    def next_due(self) -> float | None:
        """When the next stage change falls due on the clock (a stage's end or an expiry); None if none."""
        config = self.settings.config
        with self._lock:
            unfinished = [b for b in self._batches.values() if b.status not in TERMINAL]
        return min((self._due(b, config) for b in unfinished), default=None)

    def settle(self) -> None:
        """Take every stage change due by now, in the order they fell due, each at its own time: each
        batch validates against the quota as it stood then (the service checks as batches run, not when
        one is polled)."""
        now = self._clock.now()
        while True:
            config = self.settings.config
            with self._lock:
                due = [
                    (self._due(b, config), self._sequence[b.id], b)
                    for b in self._batches.values()
                    if b.status not in TERMINAL
                ]
            due = [entry for entry in due if entry[0] <= now]
            if not due:
                return
            at, _, batch = min(due, key=lambda entry: entry[:2])
            with batch.lock:
                moved = batch.status in TERMINAL or self._due(batch, config) != at
                if moved or self._batches.get(batch.id) is not batch:
                    continue  # another thread moved it, or a reset forgot it, meanwhile
                if stage_end(batch.status, batch.since, config) <= batch.expires_at:
                    self._end_stage(batch, at, config)
                else:
                    self._end(batch, "expired", at, config)

    def _due(self, batch: BatchRecord, config: BatchConfig) -> float:
        return min(stage_end(batch.status, batch.since, config), batch.expires_at)

    def _move(self, batch: BatchRecord, status: str, at: float) -> None:
        batch.move(status, at)
        if status in TERMINAL:
            self.on_end(batch)

    def _step(self, batch: BatchRecord, now: float, config: BatchConfig) -> None:
        """The retrieve pace's step: a share of the requests in progress, one more look at finalizing,
        or the end of the stage."""
        if batch.status == "in_progress":
            self._run(batch, math.ceil(batch.total / config.in_progress_steps), config)
            if batch.status != "in_progress" or batch.outcome.answered < batch.total:
                return
        elif batch.status == "finalizing":
            batch.finalizing_seen += 1
            if batch.finalizing_seen < config.finalizing_steps:
                return
        self._end_stage(batch, now, config)

    def _end_stage(self, batch: BatchRecord, at: float, config: BatchConfig) -> None:
        """End the current stage at `at`, onto the status it leads to (or `failed`)."""
        match batch.status:
            case "validating":
                self._validate(batch, at, config)
            case "in_progress":
                self._run(batch, batch.total - batch.outcome.answered, config)
                if batch.status == "in_progress":
                    self._move(batch, "finalizing", at)
            case "finalizing":
                self._publish(batch)
                self._move(batch, "completed", at)
            case "cancelling":
                self._end(batch, "cancelled", at, config)

    def _input_or_fail(self, batch: BatchRecord, now: float) -> FileRecord | None:
        """The input file, or None after failing the batch because it was deleted meanwhile."""
        try:
            return self._files.get(batch.input_file_id)
        except NotFound:
            self._discard(batch)
            gone = {"code": "missing_input_file", "message": "The input file was deleted."}
            batch.errors = [{**gone, "param": None, "line": None}]
            self._move(batch, "failed", now)
            return None

    def _lines(self, source: FileRecord, offset: int) -> Iterator[tuple[int, int, bytes]]:
        return jsonl.lines_from(self._blobs.iter_bytes(source.segments, offset), offset)

    def _validate(self, batch: BatchRecord, now: float, config: BatchConfig) -> None:
        source = self._input_or_fail(batch, now)
        if source is None:
            return
        result = jsonl.validate(self._lines(source, 0), batch.endpoint, config)
        batch.model = result.model
        with self._lock:  # the quota check and the admission at once: two batches cannot both fit
            limit = config.token_limit(result.model) if result.model and not result.errors else None
            batches = self._batches.values()
            enqueued = sum(b.tokens for b in batches if b.model == result.model and b.status in ENQUEUED)
            if limit is not None and enqueued + result.tokens > limit:
                message = (
                    f"Enqueued token limit reached for {result.model} in organization org-emulator. "
                    f"Limit: {limit:,} enqueued tokens. "
                    "Please try again once some in_progress batches have been completed."
                )
                result.fail(None, "token_limit_exceeded", message)
            if result.errors:
                batch.errors = result.errors
                self._move(batch, "failed", now)
                return
            batch.total, batch.tokens = result.total, result.tokens
            batch.spools = {"output": self._blobs.spool_path(), "error": self._blobs.spool_path()}
            self._move(batch, "in_progress", now)

    def _context(self, batch: BatchRecord, config: BatchConfig) -> jsonl.Batch:
        return jsonl.Batch(batch.id, batch.endpoint, batch.created_at, config, self.settings.answers)

    def _run(self, batch: BatchRecord, count: int, config: BatchConfig) -> None:
        """Answer the next `count` requests into the batch's spool files."""
        source = self._input_or_fail(batch, self._clock.now())
        if source is None or count <= 0:
            return
        lines = self._lines(source, batch.outcome.offset)
        with batch.spools["output"].open("ab") as output, batch.spools["error"].open("ab") as errors:
            jsonl.execute(
                lines, count, self._context(batch, config), batch.outcome, output=output, errors=errors
            )

    def _end(self, batch: BatchRecord, status: str, now: float, config: BatchConfig) -> None:
        """Expire or cancel: publish what was answered, the rest as error lines; nothing if never started."""
        if batch.spools:
            source = self._input_or_fail(batch, now)
            if source is None:
                return
            lines = self._lines(source, batch.outcome.offset)
            with batch.spools["error"].open("ab") as errors:
                jsonl.abandon(lines, self._context(batch, config), f"batch_{status}", batch.outcome, errors)
            self._publish(batch)
        self._move(batch, status, now)

    def _discard(self, batch: BatchRecord) -> None:
        self._blobs.delete(batch.spools.values())
        batch.spools = {}

    def _publish(self, batch: BatchRecord) -> None:
        """Turn the spooled lines into the batch's output and error files; an empty one is not made."""
        for kind, path in batch.spools.items():
            size = path.stat().st_size
            if size == 0:
                continue
            record = self._files.store(
                [path],
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
