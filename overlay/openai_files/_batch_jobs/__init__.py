"""Batch jobs: one call (or command) for workloads bigger than a batch, durable across crashes.

`resource.py` is the public face (`client.batch_jobs`); `store.py` finds, makes and reads jobs in the
state directory with no client (`job_status`, `list_jobs`, `job_results`); `prepare.py` checks and
shards the input;
`manifest.py` is the SQLite state; `core.py` decides every step (shared by the sync and async drivers in
`drivers.py`); `outcome.py` reads result lines; `estimate.py` guesses tokens; `plan.py`
plans a job before it is sent and `pricing.py` reads the user's price table; `config.py` holds limits.
"""

from .config import JobConfig
from .core import JobStatus
from .estimate import TokenEstimator, conservative_estimate
from .notices import BatchEnded, JobEvent, JobFinished, RetryScheduled, ShardSubmitted
from .outcome import JobResult
from .plan import JobPlan, ModelPlan, plan_job
from .pricing import Price, PriceTable
from .resource import AsyncBatchJobs, BatchJobs
from .store import job_results, job_status, list_jobs
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
]
