from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.batch_object import BatchObject
from ..models.batch_status import BatchStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.batch_errors import BatchErrors
    from ..models.batch_request_counts import BatchRequestCounts
    from ..models.batch_usage import BatchUsage
    from ..models.metadata_type_0 import MetadataType0


T = TypeVar("T", bound="Batch")


@_attrs_define
class Batch:
    """
    Attributes:
        id (str):
        object_ (BatchObject): Always `batch`.
        endpoint (str): The API path every request of the batch goes to.
        input_file_id (str): The JSONL file of requests.
        completion_window (str): How long the batch may take.
        status (BatchStatus): Where the batch is in its life.
        created_at (int):
        model (str | Unset): The model the batch ran on, once known.
        errors (BatchErrors | Unset): Problems found while validating the input file.
        output_file_id (str | Unset): The JSONL file of successful responses, once there is one.
        error_file_id (str | Unset): The JSONL file of failed requests, once there is one.
        in_progress_at (int | Unset):
        expires_at (int | Unset):
        finalizing_at (int | Unset):
        completed_at (int | Unset):
        failed_at (int | Unset):
        expired_at (int | Unset):
        cancelling_at (int | Unset):
        cancelled_at (int | Unset):
        request_counts (BatchRequestCounts | Unset): How many requests the batch holds and how they fared.
        usage (BatchUsage | Unset): Tokens spent by the batch so far.
        metadata (MetadataType0 | None | Unset): Up to 16 string pairs a caller attaches to an object for its own
            bookkeeping.
    """

    id: str
    object_: BatchObject
    endpoint: str
    input_file_id: str
    completion_window: str
    status: BatchStatus
    created_at: int
    model: str | Unset = UNSET
    errors: BatchErrors | Unset = UNSET
    output_file_id: str | Unset = UNSET
    error_file_id: str | Unset = UNSET
    in_progress_at: int | Unset = UNSET
    expires_at: int | Unset = UNSET
    finalizing_at: int | Unset = UNSET
    completed_at: int | Unset = UNSET
    failed_at: int | Unset = UNSET
    expired_at: int | Unset = UNSET
    cancelling_at: int | Unset = UNSET
    cancelled_at: int | Unset = UNSET
    request_counts: BatchRequestCounts | Unset = UNSET
    usage: BatchUsage | Unset = UNSET
    metadata: MetadataType0 | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.metadata_type_0 import MetadataType0  # noqa: PLC0415

        id = self.id

        object_ = self.object_.value

        endpoint = self.endpoint

        input_file_id = self.input_file_id

        completion_window = self.completion_window

        status = self.status.value

        created_at = self.created_at

        model = self.model

        errors: dict[str, Any] | Unset = UNSET
        if not isinstance(self.errors, Unset):
            errors = self.errors.to_dict()

        output_file_id = self.output_file_id

        error_file_id = self.error_file_id

        in_progress_at = self.in_progress_at

        expires_at = self.expires_at

        finalizing_at = self.finalizing_at

        completed_at = self.completed_at

        failed_at = self.failed_at

        expired_at = self.expired_at

        cancelling_at = self.cancelling_at

        cancelled_at = self.cancelled_at

        request_counts: dict[str, Any] | Unset = UNSET
        if not isinstance(self.request_counts, Unset):
            request_counts = self.request_counts.to_dict()

        usage: dict[str, Any] | Unset = UNSET
        if not isinstance(self.usage, Unset):
            usage = self.usage.to_dict()

        metadata: dict[str, Any] | None | Unset
        if isinstance(self.metadata, Unset):
            metadata = UNSET
        elif isinstance(self.metadata, MetadataType0):
            metadata = self.metadata.to_dict()
        else:
            metadata = self.metadata

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "object": object_,
                "endpoint": endpoint,
                "input_file_id": input_file_id,
                "completion_window": completion_window,
                "status": status,
                "created_at": created_at,
            }
        )
        if model is not UNSET:
            field_dict["model"] = model
        if errors is not UNSET:
            field_dict["errors"] = errors
        if output_file_id is not UNSET:
            field_dict["output_file_id"] = output_file_id
        if error_file_id is not UNSET:
            field_dict["error_file_id"] = error_file_id
        if in_progress_at is not UNSET:
            field_dict["in_progress_at"] = in_progress_at
        if expires_at is not UNSET:
            field_dict["expires_at"] = expires_at
        if finalizing_at is not UNSET:
            field_dict["finalizing_at"] = finalizing_at
        if completed_at is not UNSET:
            field_dict["completed_at"] = completed_at
        if failed_at is not UNSET:
            field_dict["failed_at"] = failed_at
        if expired_at is not UNSET:
            field_dict["expired_at"] = expired_at
        if cancelling_at is not UNSET:
            field_dict["cancelling_at"] = cancelling_at
        if cancelled_at is not UNSET:
            field_dict["cancelled_at"] = cancelled_at
        if request_counts is not UNSET:
            field_dict["request_counts"] = request_counts
        if usage is not UNSET:
            field_dict["usage"] = usage
        if metadata is not UNSET:
            field_dict["metadata"] = metadata

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.batch_errors import BatchErrors  # noqa: PLC0415
        from ..models.batch_request_counts import BatchRequestCounts  # noqa: PLC0415
        from ..models.batch_usage import BatchUsage  # noqa: PLC0415
        from ..models.metadata_type_0 import MetadataType0  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        object_ = BatchObject(d.pop("object"))

        endpoint = d.pop("endpoint")

        input_file_id = d.pop("input_file_id")

        completion_window = d.pop("completion_window")

        status = BatchStatus(d.pop("status"))

        created_at = d.pop("created_at")

        model = d.pop("model", UNSET)

        _errors = d.pop("errors", UNSET)
        errors: BatchErrors | Unset
        if isinstance(_errors, Unset):
            errors = UNSET
        else:
            errors = BatchErrors.from_dict(_errors)

        output_file_id = d.pop("output_file_id", UNSET)

        error_file_id = d.pop("error_file_id", UNSET)

        in_progress_at = d.pop("in_progress_at", UNSET)

        expires_at = d.pop("expires_at", UNSET)

        finalizing_at = d.pop("finalizing_at", UNSET)

        completed_at = d.pop("completed_at", UNSET)

        failed_at = d.pop("failed_at", UNSET)

        expired_at = d.pop("expired_at", UNSET)

        cancelling_at = d.pop("cancelling_at", UNSET)

        cancelled_at = d.pop("cancelled_at", UNSET)

        _request_counts = d.pop("request_counts", UNSET)
        request_counts: BatchRequestCounts | Unset
        if isinstance(_request_counts, Unset):
            request_counts = UNSET
        else:
            request_counts = BatchRequestCounts.from_dict(_request_counts)

        _usage = d.pop("usage", UNSET)
        usage: BatchUsage | Unset
        if isinstance(_usage, Unset):
            usage = UNSET
        else:
            usage = BatchUsage.from_dict(_usage)

        def _parse_metadata(data: object) -> MetadataType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_metadata_type_0 = MetadataType0.from_dict(data)

                return componentsschemas_metadata_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(MetadataType0 | None | Unset, data)

        metadata = _parse_metadata(d.pop("metadata", UNSET))

        batch = cls(
            id=id,
            object_=object_,
            endpoint=endpoint,
            input_file_id=input_file_id,
            completion_window=completion_window,
            status=status,
            created_at=created_at,
            model=model,
            errors=errors,
            output_file_id=output_file_id,
            error_file_id=error_file_id,
            in_progress_at=in_progress_at,
            expires_at=expires_at,
            finalizing_at=finalizing_at,
            completed_at=completed_at,
            failed_at=failed_at,
            expired_at=expired_at,
            cancelling_at=cancelling_at,
            cancelled_at=cancelled_at,
            request_counts=request_counts,
            usage=usage,
            metadata=metadata,
        )

        batch.additional_properties = d
        return batch

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
