"""What the job's core asks its driver to do: one frozen dataclass per effect, typed by its result.

`JobCore` yields an `Effect` and gets its result back (or its exception, thrown in); `perform` gives
the core that result typed. The drivers (`drivers.py`) carry effects out with one `match` each: service
calls on the client, waits, and `LocalWork`, the core's heavy disk work (merging a shard's lines,
cutting new shards, fsyncs), which the async driver runs in a worker thread, off the event loop.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar

from .usage import Usage

R = TypeVar("R")


@dataclass(frozen=True)
class BatchView:
    """What the core reads from a Batch."""

    id: str
    status: str
    output_file_id: str | None
    error_file_id: str | None
    errors: tuple[dict[str, Any], ...]
    metadata: Mapping[str, str]
    created_at: int
    usage: Usage | None = None


class Effect(Generic[R]):
    """An effect whose result is an `R`."""

    __slots__ = ()


@dataclass(frozen=True)
class Store(Effect[tuple[str, int]]):
    """Upload a shard's file, resumable by `journal`, in parts from `parts_from` bytes: (id, created_at)."""

    path: Path
    filename: str
    journal: Path
    parts_from: int


@dataclass(frozen=True)
class CancelUpload(Effect[None]):
    upload_id: str


@dataclass(frozen=True)
class DeleteFile(Effect[None]):
    file_id: str


@dataclass(frozen=True)
class FindFiles(Effect[list[str]]):
    """The ids of batch files named `filename` created since `since` (the service's clock)."""

    filename: str
    since: float


@dataclass(frozen=True)
class CreateBatch(Effect[BatchView]):
    """One `POST /batches`, not retried by the client: the core looks for the batch before a retry."""

    file_id: str
    endpoint: str
    metadata: dict[str, str]


@dataclass(frozen=True)
class RetrieveBatch(Effect[BatchView]):
    batch_id: str


@dataclass(frozen=True)
class CancelBatch(Effect[BatchView]):
    batch_id: str


@dataclass(frozen=True)
class FindBatches(Effect[list[BatchView]]):
    """The batches tagged with the job's id and key, created since `since` (the service's clock)."""

    job_id: str
    key: str
    since: float


@dataclass(frozen=True)
class Download(Effect[None]):
    file_id: str
    path: Path


@dataclass(frozen=True)
class Sleep(Effect[None]):
    seconds: float


@dataclass(frozen=True)
class Idle(Effect[frozenset[str]]):
    """Wait `seconds`, or less when webhook events say batches ended: their ids."""

    seconds: float


@dataclass(frozen=True)
class LocalWork(Effect[R]):
    """The core's own disk work (`run`), named by `kind`; the async driver runs it in a worker thread."""

    kind: Literal["merge", "split", "reshard", "fan_out", "cancel_unsent", "tidy"]
    run: Callable[[], R]


AnyEffect = (
    Store | CancelUpload | DeleteFile | FindFiles | CreateBatch | RetrieveBatch | CancelBatch | FindBatches
    | Download | Sleep | Idle | LocalWork[Any]
)  # fmt: skip
Steps = Generator[AnyEffect, Any, Any]
"""The core's steps: effects out, their results in; the value it returns is the step's outcome."""


def perform(effect: Effect[R]) -> Generator[AnyEffect, Any, R]:
    """Hand `effect` to the driver; its result, typed (`yield from perform(...)`)."""
    result: R = yield effect  # type: ignore[misc]  # every Effect subclass is in AnyEffect
    return result
