"""The state of one upload shared by the sync and async drivers, and how it is prepared."""

from __future__ import annotations

import enum
import logging
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .. import _rules as rules
from .._errors import InvalidInputError
from .._retry import RetryPolicy
from .._service import ServiceIdentity
from .abort import AbortSignal
from .bandwidth import TokenBucket
from .concurrency import AdaptiveConcurrency
from .config import TransferConfig
from .journal import Completion, FileFingerprint, Journal, journal_path
from .md5 import Md5Thread
from .plan import UploadPlan, make_plan
from .progress import ProgressCallback, ProgressTracker
from .resume import Resume, StartOver, decide_resume
from .source import Source
from .window import PartWindow

log = logging.getLogger("openai_files.transfer")


@dataclass(frozen=True)
class Created:
    """What the engine needs from a freshly created Upload."""

    upload_id: str
    expires_at: int
    created_at: int = 0
    service: ServiceIdentity | None = None
    """Where the Upload was made, for its journal."""


class Phase(enum.Enum):
    """Where an upload stands; `UploadJob.failed` reads it to cancel, keep or leave the Upload."""

    NEW = "no Upload yet"
    SENDING = "sending parts"
    COMPLETING = "complete journaled: only repeating that request is safe"
    RECOVERING = "finding the File an interrupted run's complete made"
    DONE = "completed"


class UploadJob:
    """State of one upload shared by the sync and async drivers."""

    def __init__(
        self,
        source: Source,
        plan: UploadPlan,
        config: TransferConfig,
        *,
        progress: ProgressCallback | None,
        journal_file: Path | None,
        retry: RetryPolicy,
    ) -> None:
        self.source = source
        self.retry = retry
        """How each part is retried, by the engine."""
        self.plan = plan
        self.config = config
        self.abort = AbortSignal()
        self.tracker = ProgressTracker(plan.size, plan.part_count, progress)
        self.stat = source.stat()
        self.limiter = TokenBucket(config.max_bandwidth) if config.max_bandwidth else None
        initial = min(config.initial_concurrency, plan.concurrency) if plan.adaptive else plan.concurrency
        self.concurrency = AdaptiveConcurrency(initial=initial, ceiling=plan.concurrency)
        self.phase = Phase.NEW
        self.upload = Created(upload_id="", expires_at=0)
        self.parts: dict[int, str] = {}
        self.resumed = False
        """The Upload is an interrupted run's, adopted from its journal."""
        self.completion: Completion | None = None
        """The complete request once it is (about to be) sent, by this run or an interrupted one."""
        self._journal_file = journal_file
        self._journaled = Journal.load(journal_file) if journal_file else None
        self.journal: Journal | None = None
        """The journal this run writes: the adopted one, or a new one once an Upload is created."""
        self._fingerprint = FileFingerprint.take(source) if journal_file else None
        self._md5: Md5Thread | None = None

    @property
    def upload_id(self) -> str:
        return self.upload.upload_id

    def journaled_service(self) -> ServiceIdentity | None:
        """The service an existing journal for this upload names, or None (no journal, or none named)."""
        return None if self._journaled is None else self._journaled.service

    def check_service(self, current: ServiceIdentity) -> None:
        """Raise `ServiceMismatchError` when the journal was made against another service; it is kept."""
        current.check_resumes(self.journaled_service(), what=f"upload journal {self._journal_file}")

    def resume(self) -> str | None:
        """Act on `decide_resume`: adopt the journaled Upload, or forget the journal and return the id of
        its Upload when that may still be pending, for the caller to cancel."""
        if self._fingerprint is None:
            return None
        decision = decide_resume(self._journaled, self._fingerprint, self.plan, self.config, time.time())
        if isinstance(decision, StartOver):
            log.warning("starting %s over: %s", self.plan.filename, decision.reason)
            decision.journal.delete()
            return decision.cancel
        if isinstance(decision, Resume):
            old = self.journal = decision.journal
            self.plan = decision.plan  # the journal's part size: only the part count changes
            self.tracker.total_parts = self.plan.part_count
            self.upload = Created(old.upload_id, old.expires_at, old.created_at)
            self.completion = old.completion
            self.phase = Phase.SENDING if old.completion is None else Phase.COMPLETING
            self.resumed = True
            self.parts = {i: p for i, p in old.parts.items() if 0 <= i < self.plan.part_count}
            sent = f"{len(self.parts)} of {self.plan.part_count} parts already sent"
            log.info("resuming Upload %s: %s", old.upload_id, sent)
            self.tracker.add(sum(self.plan.part_bounds(i)[1] for i in self.parts), parts=len(self.parts))
        return None

    def created(self, created: Created) -> None:
        self.upload = created
        self.phase = Phase.SENDING
        if self._journal_file is not None and self._fingerprint is not None:
            self.journal = Journal(
                path=self._journal_file,
                upload_id=created.upload_id,
                expires_at=created.expires_at,
                part_size=self.plan.part_size,
                fingerprint=self._fingerprint,
                created_at=created.created_at,
                service=created.service,
            )
            self.journal.save()

    def completing(self) -> Completion:
        """The complete request to send: the interrupted run's when resuming one, else a new one,
        journaled before it goes out so that a rerun can repeat it."""
        if self.completion is None:
            completion = Completion(key=f"openai-files-{uuid.uuid4()}", md5=self.md5(), sent_at=time.time())
            if self.journal is not None:
                self.journal.completing(completion)
            self.completion = completion
        self.phase = Phase.COMPLETING
        return self.completion

    def after_refusal(self, error: BaseException) -> Phase:
        """Move on from the service refusing the Upload (cancelled, expired, unknown); the new phase.

        An Upload adopted from a journal whose complete was never sent holds nothing that can be stored,
        so a new Upload starts at once (`Phase.NEW`); once one was sent, the File it may have made is to
        be found, never stored again (`Phase.RECOVERING`). The refusal of an Upload this run created
        leaves the phase as it is: it ends the upload."""
        if self.resumed and self.phase is Phase.SENDING:
            log.warning(
                "starting %s over: Upload %s was refused: %s", self.plan.filename, self.upload_id, error
            )
            if self._md5 is not None:
                self._md5.join()
                self._md5 = None
            if self.journal is not None:
                self.journal.delete()
                self.journal = None
            self.abort = AbortSignal()
            self.tracker.add(-self.tracker.bytes_done, parts=-self.tracker.parts_done)
            self.parts, self.upload, self.resumed, self.phase = {}, Created("", 0), False, Phase.NEW
        elif self.resumed and self.phase is Phase.COMPLETING:
            self.phase = Phase.RECOVERING
        return self.phase

    def start_md5(self) -> None:
        if self.plan.md5:
            self._md5 = Md5Thread(self.source, self.abort, self.config.read_size).start()

    def missing(self) -> list[int]:
        return [i for i in range(self.plan.part_count) if i not in self.parts]

    def window(self, index: int, *, throttled: bool) -> PartWindow:
        offset, length = self.plan.part_bounds(index)
        return PartWindow(
            self.source,
            index,
            offset,
            length,
            abort=self.abort,
            tracker=self.tracker,
            limiter=self.limiter if throttled else None,
            progress_step=self.config.progress_step,
            read_size=self.config.read_size,
        )

    def part_done(self, index: int, part_id: str) -> None:
        self.parts[index] = part_id
        self.tracker.add(0, parts=1)
        if self.journal is not None:
            self.journal.record(index, part_id)

    def part_ids(self) -> list[str]:
        self.source.check_unchanged(self.stat)
        return [self.parts[i] for i in range(self.plan.part_count)]

    def md5(self) -> str | None:
        return self._md5.result() if self._md5 is not None else None

    def finished(self) -> None:
        """The Upload is complete: release the file and forget the journal."""
        self.phase = Phase.DONE
        self.source.close()
        if self.journal is not None:
            self.journal.delete()

    def failed(self, error: BaseException, resumable: bool) -> bool:
        """Stop every reader, release the file; True when the Upload must be cancelled, not kept.

        Each step runs whatever the previous one raised: a cleanup that stops halfway leaves an Upload
        pending. An Upload kept for resume is a warning after an error; after an interrupt, which its
        caller hears of anyway, it is a note on the interrupt ("kept Upload ... for resume ...").
        """
        self.abort.abort(error)
        _quietly(self._md5.join if self._md5 is not None else None, "stop the md5 pass")
        _quietly(self.source.close, "close the file")
        if self.phase is Phase.NEW:
            return False
        if self.journal is not None and resumable:
            sent = f"{len(self.parts)} of {self.plan.part_count} parts sent"
            kept = f"kept Upload {self.upload_id} for resume ({sent})"
            if isinstance(error, Exception):
                log.warning("%s: %r", kept, error)
            else:  # an interrupt (Ctrl-C, a cancelled task), which the caller hears of: the words ride on it
                log.info("%s: interrupted", kept)
                error.add_note(kept)
            return False
        if self.journal is not None:
            self.journal.delete()
        return self.phase is not Phase.RECOVERING


def _quietly(step: Callable[[], object] | None, what: str) -> None:
    if step is None:
        return
    try:
        step()
    except Exception as exc:
        log.warning("could not %s while cleaning up: %r", what, exc)


def prepare_job(
    file: str | os.PathLike[str] | BinaryIO,
    *,
    purpose: str,
    mime_type: str | None = None,
    filename: str | None = None,
    part_size: int | None = None,
    concurrency: int | None = None,
    md5: bool = False,
    expires_after_seconds: int | None = None,
    progress: ProgressCallback | None = None,
    resume: bool | str | os.PathLike[str] = False,
    config: TransferConfig | None = None,
    endpoint: str = "",
    retries: int = 0,
) -> UploadJob:
    """Validate everything and open the file; raises `InvalidInputError` before any byte is sent.

    `resume=True` keeps a journal under `config.journal_dir` keyed by endpoint, path and purpose (so it
    needs a path); a path for `resume` names the journal file itself and works for file objects too.
    Each part is retried up to `config.part_retries` times, or `retries` (the client's) when more.
    """
    config = config or TransferConfig()
    source = Source.open_path(file) if isinstance(file, (str, os.PathLike)) else Source.from_file(file)
    try:
        plan = make_plan(
            filename=rules.file_name(filename or source.name),
            size=source.size,
            purpose=purpose,
            mime_type=mime_type,
            part_size=part_size,
            concurrency=concurrency,
            md5=md5,
            expires_after=expires_after_seconds,
            config=config,
        )
        journal_file: Path | None = None
        if resume is True:
            if source.path is None:
                raise InvalidInputError(
                    "resume=True needs a path; pass resume=<journal file> for a file object", param="resume"
                )
            journal_file = journal_path(config.journal_dir, endpoint, source.path, purpose)
        elif resume is not False:
            journal_file = Path(resume)
        if journal_file is not None:
            _check_journal_place(journal_file)
        retry = RetryPolicy(max_retries=max(retries, config.part_retries))
        return UploadJob(source, plan, config, progress=progress, journal_file=journal_file, retry=retry)
    except BaseException:
        source.close()
        raise


def _check_journal_place(journal_file: Path) -> None:
    """Refuse, before an Upload exists, a journal that could not be written: resume would be a promise
    the first part breaks (a cache directory that is a regular file, a journal path that is a folder)."""
    try:
        journal_file.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InvalidInputError(
            f"the resume journal's folder {journal_file.parent} cannot be created: {exc.strerror or exc}",
            param="resume",
        ) from None
    if journal_file.is_dir() or not os.access(journal_file.parent, os.W_OK):
        raise InvalidInputError(f"the resume journal {journal_file} cannot be written", param="resume")
