"""Transfer limits and tuning in one value object, so tests can shrink the service's limits."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .._rules import MAX_PART_BYTES, MAX_UPLOAD_BYTES

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB


def _default_journal_dir() -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "openai-files" / "uploads"


@dataclass(frozen=True)
class TransferConfig:
    """How an upload is cut and paced; the first three mirror the service's own limits."""

    max_part_size: int = MAX_PART_BYTES
    max_file_size: int = MAX_UPLOAD_BYTES
    min_part_size: int = 1
    part_size: int = 64 * MiB
    """Default part size: the largest the service takes, so an 8 GiB file is only 128 parts."""
    concurrency: int = 8
    """Parts in flight; one connection rarely fills a long, fat pipe, eight usually do."""
    part_retries: int = 5
    """Retries per part (at least the client's own), each part on its own schedule."""
    read_size: int = 1 * MiB
    """Chunk read by the md5 thread, the resume content check and each read of a part on the wire."""
    progress_step: int = 1 * MiB
    """Bytes a part accumulates before it reports progress, to keep callbacks cheap."""
    max_bandwidth: int | None = None
    """Bytes per second shared by every part of the upload; None means no cap."""
    journal_dir: Path = field(default_factory=_default_journal_dir)
    expiry_margin: float = 120.0
    """A journaled Upload expiring sooner than this is not resumed: its parts could not all land."""

    def __post_init__(self) -> None:
        if not 1 <= self.min_part_size <= self.max_part_size:
            raise ValueError("TransferConfig needs 1 <= min_part_size <= max_part_size")
        if self.concurrency < 1:
            raise ValueError("TransferConfig.concurrency must be at least 1")
        if self.part_retries < 0:
            raise ValueError("TransferConfig.part_retries must not be negative")
        if self.read_size < 1 or self.progress_step < 1:
            raise ValueError("TransferConfig.read_size and progress_step must be positive")
        if self.max_bandwidth is not None and self.max_bandwidth < 1:
            raise ValueError("TransferConfig.max_bandwidth must be positive or None")
