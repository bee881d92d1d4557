"""Contains all the data models used in inputs/outputs"""

from .add_upload_part_request import AddUploadPartRequest
from .batch import Batch
from .batch_error import BatchError
from .batch_errors_type_0 import BatchErrorsType0
from .batch_file_expiration_after import BatchFileExpirationAfter
from .batch_file_expiration_after_anchor import BatchFileExpirationAfterAnchor
from .batch_object import BatchObject
from .batch_request_counts import BatchRequestCounts
from .batch_status import BatchStatus
from .batch_usage import BatchUsage
from .batch_usage_input_tokens_details import BatchUsageInputTokensDetails
from .batch_usage_output_tokens_details import BatchUsageOutputTokensDetails
from .complete_upload_request import CompleteUploadRequest
from .create_batch_request import CreateBatchRequest
from .create_batch_request_completion_window import CreateBatchRequestCompletionWindow
from .create_batch_request_endpoint import CreateBatchRequestEndpoint
from .create_file_request import CreateFileRequest
from .create_file_request_purpose import CreateFileRequestPurpose
from .create_upload_request import CreateUploadRequest
from .create_upload_request_purpose import CreateUploadRequestPurpose
from .delete_file_response import DeleteFileResponse
from .delete_file_response_object import DeleteFileResponseObject
from .error import Error
from .error_response import ErrorResponse
from .file_expiration_after import FileExpirationAfter
from .file_expiration_after_anchor import FileExpirationAfterAnchor
from .list_batches_response import ListBatchesResponse
from .list_batches_response_object import ListBatchesResponseObject
from .list_files_order import ListFilesOrder
from .list_files_response import ListFilesResponse
from .metadata_type_0 import MetadataType0
from .open_ai_file import OpenAIFile
from .open_ai_file_object import OpenAIFileObject
from .open_ai_file_purpose import OpenAIFilePurpose
from .open_ai_file_status import OpenAIFileStatus
from .upload import Upload
from .upload_object import UploadObject
from .upload_part import UploadPart
from .upload_part_object import UploadPartObject
from .upload_status import UploadStatus
from .webhook_batch_cancelled import WebhookBatchCancelled
from .webhook_batch_cancelled_data import WebhookBatchCancelledData
from .webhook_batch_cancelled_object import WebhookBatchCancelledObject
from .webhook_batch_cancelled_type import WebhookBatchCancelledType
from .webhook_batch_completed import WebhookBatchCompleted
from .webhook_batch_completed_data import WebhookBatchCompletedData
from .webhook_batch_completed_object import WebhookBatchCompletedObject
from .webhook_batch_completed_type import WebhookBatchCompletedType
from .webhook_batch_expired import WebhookBatchExpired
from .webhook_batch_expired_data import WebhookBatchExpiredData
from .webhook_batch_expired_object import WebhookBatchExpiredObject
from .webhook_batch_expired_type import WebhookBatchExpiredType
from .webhook_batch_failed import WebhookBatchFailed
from .webhook_batch_failed_data import WebhookBatchFailedData
from .webhook_batch_failed_object import WebhookBatchFailedObject
from .webhook_batch_failed_type import WebhookBatchFailedType

__all__ = (
    "AddUploadPartRequest",
    "Batch",
    "BatchError",
    "BatchErrorsType0",
    "BatchFileExpirationAfter",
    "BatchFileExpirationAfterAnchor",
    "BatchObject",
    "BatchRequestCounts",
    "BatchStatus",
    "BatchUsage",
    "BatchUsageInputTokensDetails",
    "BatchUsageOutputTokensDetails",
    "CompleteUploadRequest",
    "CreateBatchRequest",
    "CreateBatchRequestCompletionWindow",
    "CreateBatchRequestEndpoint",
    "CreateFileRequest",
    "CreateFileRequestPurpose",
    "CreateUploadRequest",
    "CreateUploadRequestPurpose",
    "DeleteFileResponse",
    "DeleteFileResponseObject",
    "Error",
    "ErrorResponse",
    "FileExpirationAfter",
    "FileExpirationAfterAnchor",
    "ListBatchesResponse",
    "ListBatchesResponseObject",
    "ListFilesOrder",
    "ListFilesResponse",
    "MetadataType0",
    "OpenAIFile",
    "OpenAIFileObject",
    "OpenAIFilePurpose",
    "OpenAIFileStatus",
    "Upload",
    "UploadObject",
    "UploadPart",
    "UploadPartObject",
    "UploadStatus",
    "WebhookBatchCancelled",
    "WebhookBatchCancelledData",
    "WebhookBatchCancelledObject",
    "WebhookBatchCancelledType",
    "WebhookBatchCompleted",
    "WebhookBatchCompletedData",
    "WebhookBatchCompletedObject",
    "WebhookBatchCompletedType",
    "WebhookBatchExpired",
    "WebhookBatchExpiredData",
    "WebhookBatchExpiredObject",
    "WebhookBatchExpiredType",
    "WebhookBatchFailed",
    "WebhookBatchFailedData",
    "WebhookBatchFailedObject",
    "WebhookBatchFailedType",
)
