"""The transfer engine, both directions: parts planned, scheduled, run by a driver, retried, resumable.

Map for a newcomer:
- Planners: `plan.py` cuts an upload into parts (`UploadPlan`); `_download._Ranges` cuts a download
  into byte ranges (the whole file, or a timed probe then parts).
- Scheduler (`scheduler.Schedule`): pure; which parts start now (`concurrency.py` sizes the window)
  and what a finished one means. `abort.AbortSignal` latches the first error for every reader.
- Drivers (`drivers.py`): `run_threads` and `run_tasks` (anyio) only start parts and wait; `retried`
  / `retried_async` retry each part by the client's `RetryPolicy`, waits ended by an abort.
- Decision (`resume.py`): `decide_resume(journal, fingerprint, plan, ...)` is pure: start fresh,
  start over (cancelling the old Upload), resume the parts, or repeat a journaled complete.
- Upload (`job.py`, `engine.py`): the job's `Phase` (NEW -> SENDING -> COMPLETING -> DONE, or
  RECOVERING when a repeated complete is refused) says what a failure does: cancel, keep, or leave it;
  `run_sync` / `run_async` walk it. `journal.py` records the parts and the complete, atomically.
- Readers: `window.PartWindow` (a part as a file httpx streams), `md5.Md5Thread`, `bandwidth`.

Nothing here speaks HTTP: `openai_files._uploads` adapts the generated layer to `engine.SyncUploadApi` /
`engine.AsyncUploadApi` (one attempt per part) and `openai_files._download` opens the ranges. Errors live
with all the others in `openai_files._errors`.
"""

from .config import TransferConfig
from .engine import run_async, run_sync
from .job import Created, UploadJob, prepare_job
from .journal import Completion, UploadJournal, upload_journals
from .plan import UploadPlan, infer_mime_type
from .progress import Progress, ProgressBar, ProgressCallback
from .window import PartWindow

__all__ = [
    "Completion",
    "Created",
    "PartWindow",
    "Progress",
    "ProgressBar",
    "ProgressCallback",
    "TransferConfig",
    "UploadJob",
    "UploadJournal",
    "UploadPlan",
    "infer_mime_type",
    "prepare_job",
    "run_async",
    "run_sync",
    "upload_journals",
]
