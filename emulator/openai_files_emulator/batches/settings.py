"""How batches behave: the service's harder habits, each set at start, from a test or over the control plane.

Off by default unless the service does it by default: one model per batch is on; quotas,
per-request failures, time pacing and the eventual-consistency fault are off.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..rules import MAX_EMBEDDING_INPUTS
from ..settings import check_finite, settings_to_json
from .script import Script

PACES = ("retrieve", "time", "instant")


@dataclass(frozen=True)
class BatchConfig:
    one_model: bool = True
    """Refuse, at validation, a batch whose lines name more than one model (the service does)."""
    token_limits: Mapping[str, int] = field(default_factory=dict)
    """Enqueued-token quota per model: a batch whose estimated input tokens, added to those of the
    model's unfinished batches, exceed it fails validation with `token_limit_exceeded`."""
    default_token_limit: int | None = None
    """The quota of models not in `token_limits`; None: no quota."""
    line_status_rate: float = 0.0
    """Fraction of requests answered in the output file with a non-2xx status from `line_statuses`."""
    line_error_rate: float = 0.0
    """Fraction of requests that fail into the error file (a non-2xx response from `line_statuses`)."""
    line_statuses: tuple[int, ...] = (429, 500, 400)
    seed: int = 0
    """Seeds the per-request outcomes and the file lag; each draw is a pure function of the seed and ids."""
    pace: str = "retrieve"
    """`retrieve`: one lifecycle step per retrieve (no waiting in tests); `time`: each stage lasts
    `stage_seconds` on the emulator's clock and ends by itself, a read catching the batch up first;
    `instant`: every stage ends at once, so the batch runs to its end by itself, by its first retrieve
    at the latest (the plugin's fast mode). See `lifecycle.py`."""
    in_progress_steps: int = 1
    """With `retrieve` pace, the retrieves a batch spends answering its requests (an equal share each)."""
    stage_seconds: float = 1.0
    """With `time` pace, how long validating, in_progress, finalizing and cancelling each last."""
    file_lag: float = 0.0
    """Eventual consistency: `POST /batches` does not see a file until up to this many seconds
    (seeded per file) after it was created, and answers as for an unknown file meanwhile."""
    finalizing_steps: int = 1
    """How long `finalizing` lasts: the retrieves that see it (`retrieve` pace), or multiples of
    `stage_seconds` (`time` pace); the service has kept batches finalizing for hours."""
    counts_lag: bool = False
    """`request_counts` as they were at the previous retrieve, one step behind the status."""
    cached_fraction: float = 0.0
    """Share of each answered request's input tokens reported as cached (`cached_tokens`)."""
    reasoning_tokens: int = 0
    """Reasoning tokens each answered request reports, counted in its output tokens."""
    max_embedding_inputs: int = MAX_EMBEDDING_INPUTS
    """Inputs an embeddings batch may hold across its requests (the service's 50,000)."""
    empty_file_ids: bool = False
    """Send "" rather than null for an output or error file a batch does not have (the service has
    been seen to), on batches created while this is on."""

    def __post_init__(self) -> None:
        for name in ("line_status_rate", "line_error_rate", "stage_seconds", "file_lag"):
            check_finite(name, getattr(self, name))
        if not (0.0 <= self.line_status_rate <= 1.0 and 0.0 <= self.line_error_rate <= 1.0):
            raise ValueError("line_status_rate and line_error_rate must be between 0 and 1")
        if self.line_status_rate + self.line_error_rate > 1.0:
            raise ValueError("line_status_rate + line_error_rate must not exceed 1")
        if not self.line_statuses or any(not 400 <= s <= 599 for s in self.line_statuses):
            raise ValueError("line_statuses must be 4xx or 5xx codes")
        limits = [*self.token_limits.values(), self.default_token_limit]
        if any(limit is not None and limit < 1 for limit in limits):
            raise ValueError("token limits must be positive")
        if self.pace not in PACES:
            raise ValueError(f"pace must be one of {', '.join(PACES)}, got {self.pace!r}")
        if self.in_progress_steps < 1:
            raise ValueError("in_progress_steps must be at least 1")
        if self.stage_seconds < 0 or self.file_lag < 0:
            raise ValueError("stage_seconds and file_lag must not be negative")
        check_finite("cached_fraction", self.cached_fraction)
        if not 0.0 <= self.cached_fraction <= 1.0:
            raise ValueError("cached_fraction must be between 0 and 1")
        if self.finalizing_steps < 1 or self.reasoning_tokens < 0 or self.max_embedding_inputs < 1:
            raise ValueError(
                "finalizing_steps and max_embedding_inputs must be positive, reasoning_tokens not negative"
            )

    def token_limit(self, model: str) -> int | None:
        return self.token_limits.get(model, self.default_token_limit)

    def draw(self, *ids: str) -> float:
        """A uniform number in [0, 1) fixed by the seed and `ids`, whatever order things happen in."""
        digest = hashlib.sha256("\0".join([str(self.seed), *ids]).encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64

    def to_json(self) -> dict[str, Any]:
        return settings_to_json(self)


class BatchSettings:
    """The live batch behaviour of one emulator; `clear()` goes back to the one it started with."""

    def __init__(self, config: BatchConfig) -> None:
        self._initial = self._config = config
        self._script: Script | None = None
        self._lock = threading.Lock()
        self.on_change: Callable[[], None] = lambda: None
        """Called after every change (an emulator's batch runner: the pace may bring stages sooner)."""

    @property
    def config(self) -> BatchConfig:
        return self._config

    @property
    def answers(self) -> Script | None:
        """The scripted answers in force, if any."""
        return self._script

    def script(self, answers: Script | None) -> None:
        """Answer batch requests as `answers` says (see `batches.script`); None: stand-ins again.

        A Python object, so only in-process (a test's `server.batch_settings.script(...)`), never over
        the control plane; `clear()` and a reset forget it. It applies to requests answered from now on.
        """
        with self._lock:
            self._script = answers

    def set(self, config: BatchConfig | None = None, **changes: Any) -> BatchConfig:
        """Replace the behaviour; keywords amend `config` (or the defaults). Raises `ValueError`."""
        new = dataclasses.replace(config or BatchConfig(), **changes)
        with self._lock:
            self._config = new
        self.on_change()
        return new

    def clear(self) -> None:
        with self._lock:
            self._config = self._initial
            self._script = None
        self.on_change()
