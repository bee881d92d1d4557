"""The transfer engine: one multipart upload, cut into parts, sent in parallel, resumable.

Map for a newcomer:
- Plan (`plan.py`): validates the arguments and cuts the file (`UploadPlan`: part size, concurrency).
- Decision (`resume.py`): `decide_resume(journal, fingerprint, plan, ...)` is pure; it says start
  fresh, start over (cancelling the old Upload), resume the parts, or repeat a journaled complete.
- Job (`job.py`): one upload's state, whose `Phase` (NEW -> SENDING -> COMPLETING -> DONE, or
  RECOVERING when a repeated complete is refused) says what a failure does: cancel, keep, or leave it.
- Journal (`journal.py`): the parts sent and the complete request, rewritten atomically after each.
- Scheduler (`engine._Schedule`): pure; which parts start now (`concurrency.py` sizes the window),
  what a finished one means; `abort.AbortSignal` latches the first error for every reader.
- Drivers (`engine.run_sync` / `run_async`): threads or anyio tasks that only start and wait.
- Readers: `window.PartWindow` (a part as a file httpx can stream), `md5.Md5Thread`, `bandwidth`.

Nothing here speaks HTTP; `openai_files._uploads` adapts the generated layer to `SyncUploadApi` and
`AsyncUploadApi` and calls `prepare_job` then `run_sync` or `run_async`. Its errors live with all the
others in `openai_files._errors`.
"""

from .config import TransferConfig
from .engine import AsyncUploadApi, SyncUploadApi, run_async, run_sync
from .job import Created, UploadJob, prepare_job
from .journal import Completion, UploadJournal, upload_journals
from .plan import UploadPlan, infer_mime_type
from .progress import Progress, ProgressBar, ProgressCallback
from .window import PartWindow

__all__ = [
    "AsyncUploadApi",
    "Completion",
    "Created",
    "PartWindow",
    "Progress",
    "ProgressBar",
    "ProgressCallback",
    "SyncUploadApi",
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
