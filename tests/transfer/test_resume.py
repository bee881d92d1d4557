"""The resume decision, without a server or a file: each documented rule of `_transfer.resume`, in order.

Expected outcomes come from the rules in the module's docstring: a journal is a value, the file is its
fingerprint, the plan is made by `make_plan`, and the clock is a number.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from openai_files._transfer import TransferConfig
from openai_files._transfer.journal import Completion, FileFingerprint, Journal
from openai_files._transfer.plan import UploadPlan, make_plan
from openai_files._transfer.resume import (
    RepeatComplete,
    Resume,
    StartFresh,
    StartOver,
    decide_resume,
)

CONFIG = TransferConfig(min_part_size=1, min_chosen_part_size=4, expiry_margin=60)
FILE = FileFingerprint(size=40, mtime_ns=5, content="abc")
NOW = 1_000.0


def _plan(part_size: int | None) -> UploadPlan:
    return make_plan(
        filename="a.jsonl", size=40, purpose="batch", mime_type=None, part_size=part_size,
        concurrency=2, md5=False, expires_after=None, config=CONFIG,
    )  # fmt: skip


def _journal(**changes: object) -> Journal:
    journal = Journal(
        path=Path("unused.json"), upload_id="upload_1", expires_at=10_000, part_size=10, fingerprint=FILE,
        parts={0: "part_a", 2: "part_c"},
    )  # fmt: skip
    return replace(journal, **changes)  # type: ignore[arg-type]


def test_no_journal_starts_fresh() -> None:
    assert decide_resume(None, FILE, _plan(10), CONFIG, NOW) == StartFresh()


def test_a_fitting_journal_resumes_its_upload_with_the_same_plan() -> None:
    journal = _journal()
    assert decide_resume(journal, FILE, _plan(10), CONFIG, NOW) == Resume(journal, _plan(10))


@pytest.mark.parametrize(
    "changed", [replace(FILE, mtime_ns=6), replace(FILE, content="abd"), replace(FILE, size=41)]
)
def test_a_changed_file_starts_over_and_cancels_the_pending_upload(changed: FileFingerprint) -> None:
    decision = decide_resume(_journal(), changed, _plan(10), CONFIG, NOW)
    assert isinstance(decision, StartOver) and decision.cancel == "upload_1" and "changed" in decision.reason


def test_a_changed_file_with_an_expired_upload_has_nothing_to_cancel() -> None:
    decision = decide_resume(_journal(expires_at=999), replace(FILE, content="x"), _plan(10), CONFIG, NOW)
    assert isinstance(decision, StartOver) and decision.cancel is None


def test_an_upload_expiring_within_the_margin_starts_over_but_is_still_cancelled() -> None:
    decision = decide_resume(_journal(expires_at=int(NOW) + 59), FILE, _plan(10), CONFIG, NOW)
    assert isinstance(decision, StartOver) and decision.cancel == "upload_1" and "expire" in decision.reason


def test_an_expired_upload_starts_over_with_nothing_to_cancel() -> None:
    decision = decide_resume(_journal(expires_at=int(NOW)), FILE, _plan(10), CONFIG, NOW)
    assert isinstance(decision, StartOver) and decision.cancel is None


def test_a_part_size_asked_for_that_differs_starts_over() -> None:
    decision = decide_resume(_journal(), FILE, _plan(8), CONFIG, NOW)
    assert (
        isinstance(decision, StartOver) and decision.cancel == "upload_1" and "part size" in decision.reason
    )


def test_a_chosen_part_size_follows_the_journal() -> None:
    chosen = _plan(None)
    assert chosen.part_size_chosen and chosen.part_size != 10  # the plan would cut the file otherwise
    decision = decide_resume(_journal(), FILE, chosen, CONFIG, NOW)
    assert decision == Resume(_journal(), replace(chosen, part_size=10))


def test_a_chosen_part_size_does_not_follow_a_journal_outside_the_service_range() -> None:
    small = replace(CONFIG, max_part_size=8, min_chosen_part_size=4)
    plan = make_plan(
        filename="a.jsonl", size=40, purpose="batch", mime_type=None, part_size=None, concurrency=2,
        md5=False, expires_after=None, config=small,
    )  # fmt: skip
    decision = decide_resume(_journal(), FILE, plan, small, NOW)
    assert isinstance(decision, StartOver) and "part size" in decision.reason


def test_a_journaled_complete_is_repeated_whatever_the_expiry_or_part_size() -> None:
    journal = _journal(expires_at=0, completion=Completion(key="k", md5=None, sent_at=900.0))
    decision = decide_resume(journal, FILE, _plan(8), CONFIG, NOW)
    assert decision == RepeatComplete(journal, _plan(10))  # the request as it was sent: cut as then


def test_a_journaled_complete_for_a_changed_file_starts_over() -> None:
    journal = _journal(completion=Completion(key="k", md5=None, sent_at=900.0))
    decision = decide_resume(journal, replace(FILE, content="x"), _plan(10), CONFIG, NOW)
    assert isinstance(decision, StartOver) and decision.cancel == "upload_1"
