"""A batch's lifecycle: the one transition table, and the paces that say when a stage ends.

    validating -> in_progress -> finalizing -> completed   (each stage ends as its pace says)
    validating -> failed                                   (validation refused the input)
    any unfinished -> cancelling -> cancelled              (a cancel; cancelling ends as its pace says)
    any unfinished -> expired                              (the clock passed expires_at)
    any unfinished -> failed                               (the input file was deleted meanwhile)

Paces (`BatchConfig.pace`): `retrieve` ends a stage only when a retrieve takes a step; `time` ends each
after `stage_seconds` on the emulator's clock; `instant` ends each at once. A stage that ends by
itself is taken when it falls due, by a read or by the `Runner`, so a batch also finishes unwatched.
"""

from __future__ import annotations

import math

from .settings import BatchConfig

TRANSITIONS: dict[str, frozenset[str]] = {
    "validating": frozenset({"in_progress", "failed", "cancelling", "expired"}),
    "in_progress": frozenset({"finalizing", "failed", "cancelling", "expired"}),
    "finalizing": frozenset({"completed", "failed", "cancelling", "expired"}),
    "cancelling": frozenset({"cancelled", "failed", "expired"}),
    **dict.fromkeys(("completed", "failed", "expired", "cancelled"), frozenset[str]()),
}
TERMINAL = frozenset(status for status, onward in TRANSITIONS.items() if not onward)
STAGES = ("in_progress", "finalizing", "completed", "failed", "expired", "cancelling", "cancelled")
"""Statuses whose `<status>_at` time a batch shows, null until it gets there."""
ENQUEUED = frozenset({"in_progress", "finalizing", "cancelling"})
"""Statuses in which a batch's estimated tokens count against its model's enqueued-token quota."""


def check_transition(status: str, onward: str) -> None:
    """Raises `ValueError` for a move the table does not have (a bug in the emulator, not the caller)."""
    if onward not in TRANSITIONS[status]:
        raise ValueError(f"a batch cannot go from {status} to {onward}")


def stage_end(status: str, since: float, config: BatchConfig) -> float:
    """When a stage that began at `since` ends by itself, on the emulator's clock: at once (`instant`),
    after `stage_seconds` (`time`; finalizing lasts `finalizing_steps` of them), or never (`retrieve`)."""
    if config.pace == "instant":
        return since
    if config.pace == "time":
        return since + config.stage_seconds * (config.finalizing_steps if status == "finalizing" else 1)
    return math.inf
