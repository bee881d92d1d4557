"""A typed client for the OpenAI Files, Uploads and Batches APIs.

`Client` / `AsyncClient` are the entry points; every public name is listed in `__all__`. Any generated
operation runs through the client's transport with `client.call(operation, ...)` (README, "Extending");
the models are re-exported here.
"""

from . import webhooks
from ._batch_jobs import (
    JobConfig,
    JobPlan,
    JobResult,
    JobStatus,
    ModelPlan,
    Price,
    PriceTable,
    TokenEstimator,
    conservative_estimate,
)
from ._batches import BatchResult, BatchSource, CheckedBatchInput, check_batch_input
from ._client import AsyncClient, Client
from ._errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    BatchInputError,
    BatchNotFinishedError,
    ConfigurationError,
    ConflictError,
    CostLimitError,
    FileChangedError,
    IncompleteDownloadError,
    InternalServerError,
    InvalidInputError,
    JobBusyError,
    JobNotFinishedError,
    JobNotFoundError,
    JobStateError,
    NotFoundError,
    OpenAIFilesError,
    PermissionDeniedError,
    RateLimitError,
    ServiceMismatchError,
    TransferAborted,
    UnconfirmedCreateError,
    UnconfirmedUploadError,
    UnprocessableEntityError,
    WaitTimeoutError,
)
from ._generated import Batch, BatchStatus, DeleteFileResponse, OpenAIFile, Upload, UploadPart
from ._operation import Operation
from ._pagination import AsyncPager, Page, SyncPager
from ._retry import RetryPolicy
from ._rules import BatchEndpoint, CompletionWindow, FileOrder, FilePurpose, UploadPurpose
from ._service import ServiceIdentity
from ._transfer import Progress, ProgressBar, ProgressCallback, TransferConfig
from ._version import __version__ as __version__

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncClient",
    "AsyncPager",
    "AuthenticationError",
    "BadRequestError",
    "Batch",
    "BatchEndpoint",
    "BatchInputError",
    "BatchNotFinishedError",
    "BatchResult",
    "BatchSource",
    "BatchStatus",
    "CheckedBatchInput",
    "Client",
    "CompletionWindow",
    "ConfigurationError",
    "ConflictError",
    "CostLimitError",
    "DeleteFileResponse",
    "FileChangedError",
    "FileOrder",
    "FilePurpose",
    "IncompleteDownloadError",
    "InternalServerError",
    "InvalidInputError",
    "JobBusyError",
    "JobConfig",
    "JobNotFinishedError",
    "JobNotFoundError",
    "JobPlan",
    "JobResult",
    "JobStateError",
    "JobStatus",
    "ModelPlan",
    "NotFoundError",
    "OpenAIFile",
    "OpenAIFilesError",
    "Operation",
    "Page",
    "PermissionDeniedError",
    "Price",
    "PriceTable",
    "Progress",
    "ProgressBar",
    "ProgressCallback",
    "RateLimitError",
    "RetryPolicy",
    "ServiceIdentity",
    "ServiceMismatchError",
    "SyncPager",
    "TokenEstimator",
    "TransferAborted",
    "TransferConfig",
    "UnconfirmedCreateError",
    "UnconfirmedUploadError",
    "UnprocessableEntityError",
    "Upload",
    "UploadPart",
    "UploadPurpose",
    "WaitTimeoutError",
    "check_batch_input",
    "conservative_estimate",
    "webhooks",
]
