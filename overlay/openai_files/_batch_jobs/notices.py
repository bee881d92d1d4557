"""What a job tells `on_event=` as it goes, typed, for a user to forward to their metrics or logs.

Each is sent after the manifest recorded what it reports, from the process driving the job; a callback
that raises stops the job (it keeps its state: run it again).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .usage import Usage


@dataclass(frozen=True)
class ShardSubmitted:
    """A shard's batch was created."""

    job_id: str
    shard: int
    model: str
    batch_id: str
    requests: int
    tokens: int
    """Estimated input tokens, as the budget counts them."""


@dataclass(frozen=True)
class BatchEnded:
    """A batch of the job reached a terminal status (`completed`, `failed`, `expired`, `cancelled`)."""

    job_id: str
    shard: int
    model: str
    batch_id: str
    status: str
    usage: Usage | None
    """The tokens the service reports the batch used, when it says."""


@dataclass(frozen=True)
class RetryScheduled:
    """Requests that failed for a reason worth another batch were put in new shards."""

    job_id: str
    requests: int


@dataclass(frozen=True)
class JobFinished:
    """Every request has its final result (`state`: finished or cancelled)."""

    job_id: str
    state: str
    requests: dict[str, int]


JobEvent = ShardSubmitted | BatchEnded | RetryScheduled | JobFinished
OnEvent = Callable[[JobEvent], None]
