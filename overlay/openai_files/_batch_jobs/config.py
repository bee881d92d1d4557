"""A job's limits and pacing in one value object, so tests can shrink the service's limits."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from .. import _retry as retry
from .. import _rules as rules
from .._transfer.config import TransferConfig

ANY_MODEL = "*"
"""In a `token_budget` or `request_budget` mapping, the budget of every model not named."""


def default_state_dir() -> Path:
    """`$XDG_STATE_HOME/openai-files/jobs`, else `~/.local/state/openai-files/jobs`."""
    state = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(state) / "openai-files" / "jobs"


@dataclass(frozen=True)
class JobConfig:
    """How a job is cut into shards, paced under the token quota, retried and polled.

    The first two limits mirror the service's own per-batch limits.
    """

    ANY_MODEL: ClassVar[str] = ANY_MODEL
    """In a `token_budget` or `request_budget` mapping, the key of every model not named."""
    max_shard_requests: int = rules.MAX_BATCH_REQUESTS
    """Requests per shard (the service takes at most 50,000 per batch)."""
    max_shard_bytes: int = rules.MAX_BATCH_BYTES
    """JSONL bytes per shard (the service takes at most 200 MB per batch input file)."""
    max_shard_tokens: int | None = None
    """Estimated input tokens per shard; None: only the enqueued budget (if any) bounds a shard."""
    token_budget: int | Mapping[str, int] | None = None
    """Estimated tokens that may be enqueued at once per model: one number for each model, or a mapping
    of model name to tokens (key `"*"` for the models not named); None: no budget, the service's
    `token_limit_exceeded` is the only brake. A shard never holds more than its model's budget, so every
    shard can run alone. Without a budget, a shard refused while nothing else of its model runs is over
    the service's quota on its own: it is split in two (with a warning), down to single requests, which
    fail with the service's `token_limit_exceeded`."""
    request_budget: int | Mapping[str, int] | None = None
    """Requests that may be enqueued at once per model, as `token_budget` (a number, or a mapping with
    `"*"`); an embeddings request counts as many as the inputs it holds. None: no budget. A shard never
    holds more than its model's budget."""
    stuck_after: float | None = None
    """Seconds a batch may stay `validating` or `finalizing` (as this process sees it) before it is
    reported stuck, with a warning; None: never. The service has kept batches in either for hours."""
    cancel_stuck: bool = False
    """Cancel a batch reported stuck: what it answered is kept, and its unanswered requests go again in
    a new batch (as after `batch_cancelled`, within `max_attempts`)."""
    max_attempts: int = 3
    """Batches a request may go through before a retryable failure (429, 5xx, expiry) becomes final."""
    poll_interval: float = 5.0
    """Seconds between two rounds of polling the live batches, at first."""
    max_poll_interval: float = 60.0
    """The poll interval grows by half each quiet round, up to this."""
    token_limit_backoff: float = 60.0
    """Seconds before a shard refused with `token_limit_exceeded` is submitted again; doubled each time."""
    max_token_limit_backoff: float = 3600.0
    create_retries: int = retry.FILE_LAG_RETRIES
    """How often `batches.create` is tried again after a refusal that may pass: a just-stored file the
    service does not see yet (as `client.batches.create` does), 429, 5xx, or an answer lost (the batch
    is looked for first)."""
    create_retry_delay: float = retry.FILE_LAG_DELAY
    """Seconds before the first of those retries; doubled each time."""
    single_request_below: int = TransferConfig.single_request_below
    """A shard file smaller than this is stored in one request; a larger one as Upload parts, journaled
    in the job's folder so that a rerun cancels an Upload a killed run left pending."""
    delete_outputs: bool = False
    """Delete each batch's output and error files once their lines are in the manifest."""
    state_dir: Path = field(default_factory=default_state_dir)
    """Where each job keeps its folder (manifest, shard files) under its job id."""

    def __post_init__(self) -> None:
        if self.max_shard_requests < 1 or self.max_shard_bytes < 1:
            raise ValueError("JobConfig.max_shard_requests and max_shard_bytes must be positive")
        if self.max_shard_tokens is not None and self.max_shard_tokens < 1:
            raise ValueError("JobConfig.max_shard_tokens must be positive or None")
        for name in ("token_budget", "request_budget"):
            value = getattr(self, name)
            budgets = value.values() if isinstance(value, Mapping) else [value]
            if any(b is not None and b < 1 for b in budgets):
                raise ValueError(f"JobConfig.{name} must be positive or None")
        if self.max_attempts < 1:
            raise ValueError("JobConfig.max_attempts must be at least 1")
        if self.stuck_after is not None and self.stuck_after < 0:
            raise ValueError("JobConfig.stuck_after must not be negative")
        if min(self.poll_interval, self.token_limit_backoff, self.create_retry_delay) < 0:
            raise ValueError("JobConfig intervals must not be negative")

    def budget(self, model: str) -> int | None:
        """The enqueued-token budget of `model`, or None when it has none."""
        return _of_model(self.token_budget, model)

    def requests_budget(self, model: str) -> int | None:
        """The enqueued-request budget of `model` (embedding inputs count one each), or None."""
        return _of_model(self.request_budget, model)

    def shard_tokens(self, model: str) -> int | None:
        """The most estimated tokens one shard of `model` may hold."""
        limits = [t for t in (self.max_shard_tokens, self.budget(model)) if t is not None]
        return min(limits) if limits else None


def _of_model(budget: int | Mapping[str, int] | None, model: str) -> int | None:
    if isinstance(budget, Mapping):
        return budget.get(model, budget.get(ANY_MODEL))
    return budget
