"""Batches backend: creation checks and the status lifecycle; no HTTP here.

The lifecycle moves one step each time a batch is retrieved (validating -> in_progress ->
finalizing -> completed, or cancelling -> cancelled), so a client polling `retrieve` sees every
status in order and a test needs no sleeps. Requests are answered as a batch leaves `in_progress`, so
`finalizing` already shows the final `request_counts`, as the service does. Time still matters: once
the injectable clock passes `expires_at` (24 h after creation), an unfinished batch becomes `expired`
at its next retrieve.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from ..blobs import BlobStore, SpoolFile
from ..clock import Clock
from ..config import Limits
from ..errors import InvalidRequest, NotFound, invalid_value
from ..files.state import FileRecord, FilesBackend
from ..ids import IdFactory
from ..pagination import page
from . import jsonl

ENDPOINTS = (
    "/v1/responses",
    "/v1/chat/completions",
    "/v1/embeddings",
    "/v1/completions",
    "/v1/moderations",
    "/v1/images/generations",
    "/v1/images/edits",
    "/v1/videos",
)
COMPLETION_WINDOWS = ("24h",)
TERMINAL = frozenset({"completed", "failed", "expired", "cancelled"})
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
    times: dict[str, int] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: {"total": 0, "completed": 0, "failed": 0})
    usage: jsonl.Outcome | None = None
    model: str | None = None
    output_file_id: str | None = None
    error_file_id: str | None = None
    results: list[tuple[SpoolFile, str]] = field(default_factory=list, repr=False)

    def move(self, status: str, at: int) -> None:
        self.status = status
        self.times[f"{status}_at"] = at

    def to_json(self) -> dict[str, Any]:
        """Unset optional fields are left out (the schema types them non-nullable); metadata may be null."""
        optional = {
            "model": self.model,
            "errors": {"object": "list", "data": self.errors} if self.errors else None,
            "output_file_id": self.output_file_id,
            "error_file_id": self.error_file_id,
            "usage": _usage(self.usage) if self.usage else None,
            **self.times,
        }
        return {
            "id": self.id,
            "object": "batch",
            "endpoint": self.endpoint,
            "input_file_id": self.input_file_id,
            "completion_window": self.completion_window,
            "status": self.status,
            "created_at": self.created_at,
            "expires_at": self.expires_at,
            "request_counts": dict(self.counts),
            "metadata": self.metadata,
            **{name: value for name, value in optional.items() if value is not None},
        }


def _usage(outcome: jsonl.Outcome) -> dict[str, Any]:
    return {
        "input_tokens": outcome.input_tokens,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": outcome.output_tokens,
        "output_tokens_details": {"reasoning_tokens": 0},
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
        self, files: FilesBackend, blobs: BlobStore, clock: Clock, ids: IdFactory, limits: Limits
    ) -> None:
        self._files = files
        self._blobs = blobs
        self._clock = clock
        self._ids = ids
        self._limits = limits
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
        if endpoint not in ENDPOINTS:
            raise invalid_value("endpoint", f"'{endpoint}' is not one of {', '.join(ENDPOINTS)}.")
        if completion_window not in COMPLETION_WINDOWS:
            raise invalid_value("completion_window", "the only supported window is '24h'.")
        try:
            source = self._files.get(input_file_id)
        except NotFound as exc:
            raise invalid_value("input_file_id", f"no file with id '{input_file_id}'.") from exc
        if source.purpose != "batch":
            raise InvalidRequest(
                f"File {input_file_id} has purpose '{source.purpose}'; a batch needs purpose 'batch'.",
                param="input_file_id",
                code="invalid_input_file",
            )
        now = self._clock.timestamp()
        batch = BatchRecord(
            id=self._ids.batch(),
            endpoint=endpoint,
            input_file_id=input_file_id,
            completion_window=completion_window,
            created_at=now,
            expires_at=now + self._limits.batch_window_seconds,
            metadata=metadata,
            output_expires_after=output_expires_after,
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
        """Retrieve a batch and move it one step along its lifecycle."""
        batch = self.get(batch_id)
        now = self._clock.timestamp()
        if batch.status in TERMINAL:
            pass
        elif batch.status == "cancelling":
            self._drop_results(batch)
            batch.move("cancelled", now)
        elif now >= batch.expires_at:
            self._drop_results(batch)
            batch.move("expired", now)
        elif batch.status == "validating":
            await self._validate(batch, now)
        elif batch.status == "in_progress":
            await self._execute(batch, now)
        elif batch.status == "finalizing":
            self._store_results(batch, now)
        return batch

    def cancel(self, batch_id: str) -> BatchRecord:
        batch = self.get(batch_id)
        if batch.status in TERMINAL:
            raise InvalidRequest(
                f"Batch {batch_id} is {batch.status} and can no longer be cancelled.",
                param="batch_id",
                code="batch_not_cancellable",
            )
        if batch.status != "cancelling":
            batch.move("cancelling", self._clock.timestamp())
        return batch

    def list(self, *, after: str | None, limit: int) -> dict[str, Any]:
        return page(
            list(self._batches.values()), after=after, limit=limit, descending=True, sequence=self._sequence
        )

    def _input_or_fail(self, batch: BatchRecord, now: int) -> FileRecord | None:
        """The input file, or None after failing the batch because it was deleted meanwhile."""
        try:
            return self._files.get(batch.input_file_id)
        except NotFound:
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

    async def _validate(self, batch: BatchRecord, now: int) -> None:
        source = self._input_or_fail(batch, now)
        if source is None:
            return
        result = await asyncio.to_thread(jsonl.validate, self._blobs.open(source.segments), batch.endpoint)
        batch.model = result.model
        if result.errors:
            batch.errors = result.errors
            batch.move("failed", now)
            return
        batch.counts["total"] = result.total
        batch.move("in_progress", now)

    async def _execute(self, batch: BatchRecord, now: int) -> None:
        """Answer every request into spooled output and error lines; the counts are final from here on."""
        source = self._input_or_fail(batch, now)
        if source is None:
            return
        output, errors = self._blobs.spool(direct=True), self._blobs.spool(direct=True)
        try:
            outcome = await asyncio.to_thread(
                partial(
                    jsonl.execute,
                    self._blobs.open(source.segments),
                    batch_id=batch.id,
                    endpoint=batch.endpoint,
                    created_at=batch.created_at,
                    output=output,
                    errors=errors,
                )
            )
        finally:
            output.close()
            errors.close()
        batch.usage = outcome
        batch.counts.update(completed=outcome.completed, failed=outcome.failed)
        batch.results = [(output, "output"), (errors, "error")]
        batch.move("finalizing", now)

    def _drop_results(self, batch: BatchRecord) -> None:
        """A batch that ends without completing publishes no files (partial results are not modelled)."""
        self._blobs.delete([spooled.path for spooled, _ in batch.results])
        batch.results = []

    def _store_results(self, batch: BatchRecord, now: int) -> None:
        """Turn the spooled results into the batch's output and error files, then complete it."""
        for spooled, kind in batch.results:
            if spooled.size == 0:
                self._blobs.delete([spooled.path])
                continue
            record = self._files.create(
                spooled.path,
                size=spooled.size,
                filename=f"{batch.id}_{kind}.jsonl",
                purpose="batch_output",
                expires_after=batch.output_expires_after,
            )
            if kind == "output":
                batch.output_file_id = record.id
            else:
                batch.error_file_id = record.id
        batch.results = []
        batch.move("completed", now)
