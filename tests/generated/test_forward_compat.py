"""The service adds enum values and fields often: responses that carry them still parse."""

from openai_files_api.models import Batch, BatchStatus, OpenAIFile, OpenAIFilePurpose, Upload, UploadStatus

UPLOAD = {
    "id": "upload_abc",
    "object": "upload",
    "bytes": 3,
    "created_at": 1_700_000_000,
    "expires_at": 1_700_003_600,
    "filename": "a.jsonl",
    "purpose": "batch",
    "status": "pending",
    "file": None,
}


def test_unknown_status_and_field_parse_and_round_trip() -> None:
    upload = Upload.from_dict({**UPLOAD, "status": "some_future_status", "resumable": {"since": 3}})

    assert upload.status == "some_future_status"
    assert isinstance(upload.status, UploadStatus)
    assert upload["resumable"] == {"since": 3}
    assert upload.to_dict()["status"] == "some_future_status"
    assert upload.to_dict()["resumable"] == {"since": 3}


def test_known_values_stay_members() -> None:
    assert Upload.from_dict(UPLOAD).status is UploadStatus.PENDING


def test_pending_upload_with_null_file_parses() -> None:
    assert Upload.from_dict(UPLOAD).file is None


def test_nested_file_with_new_purpose_parses() -> None:
    nested = {
        "id": "file-abc",
        "object": "file",
        "bytes": 3,
        "created_at": 1_700_000_000,
        "filename": "a.jsonl",
        "purpose": "some_future_purpose",
        "status": "processed",
    }
    upload = Upload.from_dict({**UPLOAD, "status": "completed", "file": nested})

    assert isinstance(upload.file, OpenAIFile)
    assert upload.file.purpose == "some_future_purpose"
    assert OpenAIFile.from_dict({**nested, "purpose": "evals"}).purpose is OpenAIFilePurpose.EVALS


def test_unknown_batch_status_parses() -> None:
    batch = Batch.from_dict(
        {
            "id": "batch_abc",
            "object": "batch",
            "endpoint": "/v1/responses",
            "input_file_id": "file-abc",
            "completion_window": "24h",
            "status": "paused",
            "created_at": 1_700_000_000,
        }
    )
    assert batch.status == "paused"
    assert isinstance(batch.status, BatchStatus)
