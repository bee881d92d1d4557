"""The one seam between the overlay and the generated layer (`openai_files_api`).

Every overlay module imports generated endpoints, models and types from here and nowhere else, so a
regenerated client that renames or drops something fails in this file, at import, with a message that
says what to do.

The overlay sends every request itself through the client's public `call` and `stream` (see `_operation.py`,
which builds a request from an endpoint module's `request_kwargs` and parses it with its `parse_response`),
rather than through the `*_detailed` functions: those cannot add per-call headers (Idempotency-Key),
retry, or stream a response body, and raise a bare `JSONDecodeError` when a proxy answers an error with
HTML. The generated models still parse every successful body.
"""

import importlib.resources
import json
from typing import Any

try:
    from openai_files_api import AuthenticatedClient
    from openai_files_api import Client as GeneratedClient
    from openai_files_api.api.batch import cancel_batch, create_batch, list_batches, retrieve_batch
    from openai_files_api.api.files import (
        create_file,
        delete_file,
        download_file,
        list_files,
        retrieve_file,
    )
    from openai_files_api.api.uploads import add_upload_part, cancel_upload, complete_upload, create_upload
    from openai_files_api.client import DEFAULT_TIMEOUT
    from openai_files_api.models import (
        AddUploadPartRequest,
        Batch,
        BatchError,
        BatchFileExpirationAfter,
        BatchFileExpirationAfterAnchor,
        BatchRequestCounts,
        BatchStatus,
        CompleteUploadRequest,
        CreateBatchRequest,
        CreateBatchRequestCompletionWindow,
        CreateBatchRequestEndpoint,
        CreateFileRequest,
        CreateFileRequestPurpose,
        CreateUploadRequest,
        CreateUploadRequestPurpose,
        DeleteFileResponse,
        Error,
        ErrorResponse,
        FileExpirationAfter,
        FileExpirationAfterAnchor,
        ListBatchesResponse,
        ListFilesOrder,
        ListFilesResponse,
        MetadataType0,
        OpenAIFile,
        OpenAIFilePurpose,
        Upload,
        UploadPart,
        UploadStatus,
        WebhookBatchCancelled,
        WebhookBatchCompleted,
        WebhookBatchExpired,
        WebhookBatchFailed,
    )
    from openai_files_api.types import UNSET, File, Unset
except ImportError as exc:  # pragma: no cover - only after a regeneration that broke the contract
    raise ImportError(
        f"openai_files_api no longer provides what the openai_files overlay uses ({exc}). "
        "generated/ was regenerated from a changed openapi.yaml: update overlay/openai_files/_generated.py."
    ) from exc

# The rules `make generate` writes from openapi.yaml beside the package; the emulator reads the same file.
SERVICE_RULES: dict[str, Any] = json.loads(
    importlib.resources.files("openai_files_api").joinpath("service_rules.json").read_text(encoding="utf-8")
)

__all__ = [
    "DEFAULT_TIMEOUT",
    "SERVICE_RULES",
    "UNSET",
    "AddUploadPartRequest",
    "AuthenticatedClient",
    "Batch",
    "BatchError",
    "BatchFileExpirationAfter",
    "BatchFileExpirationAfterAnchor",
    "BatchRequestCounts",
    "BatchStatus",
    "CompleteUploadRequest",
    "CreateBatchRequest",
    "CreateBatchRequestCompletionWindow",
    "CreateBatchRequestEndpoint",
    "CreateFileRequest",
    "CreateFileRequestPurpose",
    "CreateUploadRequest",
    "CreateUploadRequestPurpose",
    "DeleteFileResponse",
    "Error",
    "ErrorResponse",
    "File",
    "FileExpirationAfter",
    "FileExpirationAfterAnchor",
    "GeneratedClient",
    "ListBatchesResponse",
    "ListFilesOrder",
    "ListFilesResponse",
    "MetadataType0",
    "OpenAIFile",
    "OpenAIFilePurpose",
    "Unset",
    "Upload",
    "UploadPart",
    "UploadStatus",
    "WebhookBatchCancelled",
    "WebhookBatchCompleted",
    "WebhookBatchExpired",
    "WebhookBatchFailed",
    "add_upload_part",
    "cancel_batch",
    "cancel_upload",
    "complete_upload",
    "create_batch",
    "create_file",
    "create_upload",
    "delete_file",
    "download_file",
    "list_batches",
    "list_files",
    "retrieve_batch",
    "retrieve_file",
]
