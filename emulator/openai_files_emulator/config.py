"""Everything an emulator instance is built from; one object so the CLI, tests and users share it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .batches.settings import BatchConfig
from .clock import Clock
from .faults import FaultConfig
from .rules import MAX_EXPIRY_SECONDS, MAX_FILE_BYTES, MAX_PART_BYTES, MAX_UPLOAD_BYTES
from .webhooks import WebhookConfig


@dataclass(frozen=True)
class Limits:
    """The service's size and time limits; tests shrink them to exercise a rule without big data."""

    max_file_bytes: int = MAX_FILE_BYTES
    max_part_bytes: int = MAX_PART_BYTES
    max_upload_bytes: int = MAX_UPLOAD_BYTES
    upload_ttl_seconds: int = 3600
    batch_window_seconds: int = 24 * 3600
    batch_file_ttl_seconds: int | None = MAX_EXPIRY_SECONDS
    """How long a `purpose=batch` file lives when it is stored with no `expires_after` (the service's
    default, 30 days); None keeps it until deleted, as every other purpose is."""
    max_text_field_bytes: int = 64 * 1024


@dataclass
class EmulatorConfig:
    data_dir: Path | None = None
    """Where bodies are spooled; None means a private temporary directory removed on close."""
    api_keys: frozenset[str] = frozenset()
    """Accepted keys; empty means any non-empty bearer key is accepted."""
    seed: int | None = 0
    """Seeds object ids; fault decisions use `faults.seed`."""
    limits: Limits = field(default_factory=Limits)
    faults: FaultConfig = field(default_factory=FaultConfig)
    batches: BatchConfig = field(default_factory=BatchConfig)
    """How batches behave (quotas, per-request outcomes, pace, file lag); see `BatchConfig`."""
    clock: Clock = field(default_factory=Clock)
    webhooks: WebhookConfig = field(default_factory=WebhookConfig)
    """Where batch events are POSTed, the signing secret, and delivery faults; see `WebhookConfig`."""
    file_status: str | None = "processed"
    """The deprecated `status` of every file, as the service sends it; None leaves it out, as upstream's
    example answers do."""
    idempotency_keys: bool = False
    """Answer a repeated Idempotency-Key from a store, as Stripe does (`idempotency.py`). Off by
    default: nothing public says the service honours the header, so a client must not need it."""
