"""Whether an interrupted upload goes on: a pure decision from its journal, the file and the plan.

The rules, in order (the service lists no parts, so the journal is all a rerun knows):
1. No journal: start fresh.
2. The file's fingerprint changed: start over.
3. The complete request was journaled: repeat it, whatever the expiry or the part size asked now; it is
   the one way to learn whether the service made the File.
4. The Upload has expired, or expires within `expiry_margin`: start over.
5. The part size differs: a run that chose its own part size cuts the file as the journal did (when
   the service takes that size); a run told another size starts over.
6. Else resume: send the parts the journal lacks.
Starting over names the journaled Upload for cancelling while it has not expired: it must not be left
pending.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .config import TransferConfig
from .journal import FileFingerprint, Journal
from .plan import UploadPlan


@dataclass(frozen=True)
class StartFresh:
    """No journal: create an Upload."""


@dataclass(frozen=True)
class StartOver:
    """The journal cannot be resumed: forget it, cancel `cancel` (if any), create an Upload."""

    journal: Journal
    reason: str
    cancel: str | None


@dataclass(frozen=True)
class Resume:
    """Adopt the journaled Upload: send the parts `journal.parts` lacks, cut as `plan` says."""

    journal: Journal
    plan: UploadPlan


@dataclass(frozen=True)
class RepeatComplete(Resume):
    """The interrupted run sent its complete: repeat that very request (`journal.completion`)."""


ResumeDecision = StartFresh | StartOver | Resume


def decide_resume(
    journal: Journal | None,
    fingerprint: FileFingerprint,
    plan: UploadPlan,
    config: TransferConfig,
    now: float,
) -> ResumeDecision:
    """What a run with `plan` over the file of `fingerprint` does with `journal` at time `now`."""
    if journal is None:
        return StartFresh()
    pending = journal.upload_id if journal.expires_at > now else None
    if fingerprint != journal.fingerprint:
        return StartOver(journal, "the file changed since the interrupted upload", pending)
    if journal.completion is not None:
        return RepeatComplete(journal, replace(plan, part_size=journal.part_size))
    if journal.expires_at - config.expiry_margin <= now:
        return StartOver(
            journal, f"Upload {journal.upload_id} has expired or expires too soon to finish", pending
        )
    if plan.part_size_chosen and config.min_part_size <= journal.part_size <= config.max_part_size:
        plan = replace(plan, part_size=journal.part_size)
    if plan.part_size != journal.part_size:
        return StartOver(
            journal, f"the part size changed from {journal.part_size} to {plan.part_size}", pending
        )
    return Resume(journal, plan)
