"""A typed client for the OpenAI Files, Uploads and Batches APIs.

`Client` / `AsyncClient` are the entry points; every public name is listed in `__all__`. The generated
layer stays reachable: `client.generated` with `openai_files_api.api.*`, and the models re-exported here.
"""

from ._client import AsyncClient, Client
from ._errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    BatchInputError,
    ConfigurationError,
    ConflictError,
    IncompleteDownloadError,
    InternalServerError,
    InvalidInputError,
    NotFoundError,
    OpenAIFilesError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
    WaitTimeoutError,
)
from ._generated import Batch, BatchStatus, DeleteFileResponse, OpenAIFile, Upload, UploadPart
from ._retry import RetryPolicy

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncClient",
    "AuthenticationError",
    "BadRequestError",
    "Batch",
    "BatchInputError",
    "BatchStatus",
    "Client",
    "ConfigurationError",
    "ConflictError",
    "DeleteFileResponse",
    "IncompleteDownloadError",
    "InternalServerError",
    "InvalidInputError",
    "NotFoundError",
    "OpenAIFile",
    "OpenAIFilesError",
    "PermissionDeniedError",
    "RateLimitError",
    "RetryPolicy",
    "UnprocessableEntityError",
    "Upload",
    "UploadPart",
    "WaitTimeoutError",
]
