"""The multipart upload engine: part windows, one coordinator per upload, md5, journal, bandwidth cap.

Nothing here speaks HTTP; `openai_files._uploads` adapts the generated layer to `SyncUploadApi` and
`AsyncUploadApi` and calls `prepare_job` then `run_sync` or `run_async`. Its errors live with all the
others in `openai_files._errors`.
"""

from .config import TransferConfig
from .engine import AsyncUploadApi, SyncUploadApi, run_async, run_sync
from .job import Created, UploadJob, prepare_job
from .journal import Completion
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
    "UploadPlan",
    "infer_mime_type",
    "prepare_job",
    "run_async",
    "run_sync",
]
