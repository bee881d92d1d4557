"""Batch jobs: one call (or command) for workloads bigger than a batch, durable across crashes.

A newcomer's map:

- States (`states.py`, one transition table the manifest enforces). Job: preparing -> running ->
  finished, or running -> cancelling -> cancelled. Shard: sealed -> uploading -> stored -> creating ->
  submitted -> ended -> merged -> done; a refused batch goes back to stored (quota) or is split (merged),
  a lost one back to sealed, an undone intent (uploading, creating) one step back; unsent shards of a
  cancelled job end cancelled; the duplicates' pseudo-shard waits in fanout. Request: pending ->
  succeeded | failed | cancelled | retry, and retry -> pending (a new shard) or failed (on cancel).
- Effects (`effects.py`): what the core asks for, typed by result: Store, CancelUpload, DeleteFile,
  FindFiles, CreateBatch, RetrieveBatch, CancelBatch, FindBatches, Download, Sleep, Idle, and LocalWork
  (a merge, new shards: disk work the async driver runs in a worker thread).
- Who does what: `resource.py` is the façade (`client.batch_jobs`; `AsyncBatchJobs` its thin async
  wrapper); `store.py` finds, makes and reads jobs in the state directory with no client (`job_status`,
  `list_jobs`, `job_results`); `prepare.py` checks and shards the input; `manifest.py` is the SQLite
  state and the only writer of SQL; `core.py` decides every step and yields effects; `drivers.py`
  performs them, one `match` for `Client` and one for `AsyncClient`; `merge.py` and `outcome.py` read
  result lines; `reuse.py` dedups and caches; `plan.py`, `estimate.py` and `pricing.py` plan and price
  a job before it is sent; `config.py` holds its limits; `table.py` makes a result a row and `export.py`
  rows an Arrow table or a Parquet file (the `parquet` extra).
"""

from .config import JobConfig
from .core import JobStatus
from .estimate import TokenEstimator, conservative_estimate
from .notices import BatchEnded, JobEvent, JobFinished, RetryScheduled, ShardSubmitted
from .outcome import JobResult
from .plan import JobPlan, ModelPlan, plan_job
from .pricing import Price, PriceTable
from .resource import AsyncBatchJobs, BatchJobs
from .store import job_results, job_status, list_jobs, write_job_parquet
from .usage import Usage

__all__ = [
    "AsyncBatchJobs",
    "BatchEnded",
    "BatchJobs",
    "JobConfig",
    "JobEvent",
    "JobFinished",
    "JobPlan",
    "JobResult",
    "JobStatus",
    "ModelPlan",
    "Price",
    "PriceTable",
    "RetryScheduled",
    "ShardSubmitted",
    "TokenEstimator",
    "Usage",
    "conservative_estimate",
    "job_results",
    "job_status",
    "list_jobs",
    "plan_job",
    "write_job_parquet",
]
