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
    part_size: int | None = None
    """Part size for every upload; None cuts each file for its size (`plan.choose_part_size`)."""
    min_chosen_part_size: int = 8 * MiB
    """The smallest part a chosen plan cuts (a smaller file is one part). Every part pays a request's
    round trip while its connection idles: on a 25 MB/s connection with 50 ms per request an 8 MiB part
    spends 13 % of its time there, a 4 MiB part 23 %; on loopback, per-part work in client and service."""
    concurrency: int | None = None
    """Parts in flight; None adapts the number to the link (`concurrency.AdaptiveConcurrency`)."""
    initial_concurrency: int = 8
    """Where an adaptive window starts (a file larger than one round of the ceiling): one connection
    rarely fills a long, fat pipe, eight often do."""
    max_concurrency: int = 16
    """Ceiling of an adaptive window, and the window a chosen part size is cut for: a file of up to this
    many parts (16 x 64 MiB = 1 GiB) sends them all at once."""
    window_memory: int = 32 * MiB
    """Memory bound of an adaptive window: each part in flight holds about two reads (`read_size`)."""
    single_request_below: int = 16 * MiB
    """`files.create` sends a smaller file as one request, a larger one as Upload parts. Measured with
    `bench/upload.py --paths` on both simulated WAN links: up to 8 MiB (one part) create and complete
    cost more than parts gain, from 16 MiB parts are faster. On loopback one request wins at every
    size measured (to 64 MiB): there the emulator's per-part work is the cost, not a network."""
    part_retries: int = 5
    """Retries per part (at least the client's own), each part on its own schedule."""
    read_size: int = 512 * KiB
    """Chunk read by the md5 thread, the resume content check and each read of a part on the wire.
    Each part in flight holds about two: 32 parts in flight keep the client under 80 MB (1 MiB reads
    took it to 102 MiB), for about 10 % more client CPU per GB than 1 MiB reads."""
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
        if not self.min_part_size <= self.min_chosen_part_size <= self.max_part_size // 2:
            raise ValueError(
                "TransferConfig needs min_part_size <= min_chosen_part_size <= max_part_size / 2"
            )
        if self.concurrency is not None and self.concurrency < 1:
            raise ValueError("TransferConfig.concurrency must be at least 1")
        if not 1 <= self.initial_concurrency <= self.max_concurrency:
            raise ValueError("TransferConfig needs 1 <= initial_concurrency <= max_concurrency")
        if self.window_memory < 2 * self.read_size:
            raise ValueError("TransferConfig.window_memory must hold at least one part (two reads)")
        if self.part_retries < 0:
            raise ValueError("TransferConfig.part_retries must not be negative")
        if self.read_size < 1 or self.progress_step < 1:
            raise ValueError("TransferConfig.read_size and progress_step must be positive")
        if self.max_bandwidth is not None and self.max_bandwidth < 1:
            raise ValueError("TransferConfig.max_bandwidth must be positive or None")

    @property
    def adaptive_ceiling(self) -> int:
        """The most parts an adaptive window keeps in flight: the ceiling, or fewer if memory says so."""
        return max(1, min(self.max_concurrency, self.window_memory // (2 * self.read_size)))
