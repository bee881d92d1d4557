from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.batch_object import BatchObject
from ..models.batch_status import BatchStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.batch_errors_type_0 import BatchErrorsType0
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
        model (str | None): The model the batch ran on, once known.
        errors (BatchErrorsType0 | None): Problems found while validating the input file.
        output_file_id (None | str): The JSONL file of successful responses, once there is one.
        error_file_id (None | str): The JSONL file of failed requests, once there is one.
        in_progress_at (int | None):
        expires_at (int | None):
        finalizing_at (int | None):
        completed_at (int | None):
        failed_at (int | None):
        expired_at (int | None):
        cancelling_at (int | None):
        cancelled_at (int | None):
        request_counts (BatchRequestCounts | None): How many requests the batch holds and how they fared.
        usage (BatchUsage | None): Tokens spent by the batch so far.
        metadata (MetadataType0 | None): Up to 16 string pairs a caller attaches to an object for its own bookkeeping.
    """

    id: str
    object_: BatchObject
    endpoint: str
    input_file_id: str
    completion_window: str
    status: BatchStatus
    created_at: int
    model: str | None = None
    errors: BatchErrorsType0 | None = None
    output_file_id: None | str = None
    error_file_id: None | str = None
    in_progress_at: int | None = None
    expires_at: int | None = None
    finalizing_at: int | None = None
    completed_at: int | None = None
    failed_at: int | None = None
    expired_at: int | None = None
    cancelling_at: int | None = None
    cancelled_at: int | None = None
    request_counts: BatchRequestCounts | None = None
    usage: BatchUsage | None = None
    metadata: MetadataType0 | None = None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)
    _nulls: set[str] = _attrs_field(init=False, factory=set, repr=False)

    def to_dict(self) -> dict[str, Any]:
        from ..models.batch_errors_type_0 import BatchErrorsType0  # noqa: PLC0415
        from ..models.metadata_type_0 import MetadataType0  # noqa: PLC0415

        id = self.id

        object_ = self.object_.value

        endpoint = self.endpoint

        input_file_id = self.input_file_id

        completion_window = self.completion_window

        status = self.status.value

        created_at = self.created_at

        model = UNSET if self.model is None and "model" not in self._nulls else self.model

        _errors = UNSET if self.errors is None and "errors" not in self._nulls else self.errors

        errors: dict[str, Any] | None | Unset
        if isinstance(_errors, Unset):
            errors = UNSET
        elif isinstance(_errors, BatchErrorsType0):
            errors = _errors.to_dict()
        else:
            errors = _errors

        _output_file_id = (
            UNSET if self.output_file_id is None and "output_file_id" not in self._nulls else self.output_file_id
        )

        output_file_id: None | str | Unset
        if isinstance(_output_file_id, Unset):
            output_file_id = UNSET
        else:
            output_file_id = _output_file_id

        _error_file_id = (
            UNSET if self.error_file_id is None and "error_file_id" not in self._nulls else self.error_file_id
        )

        error_file_id: None | str | Unset
        if isinstance(_error_file_id, Unset):
            error_file_id = UNSET
        else:
            error_file_id = _error_file_id

        _in_progress_at = (
            UNSET if self.in_progress_at is None and "in_progress_at" not in self._nulls else self.in_progress_at
        )

        in_progress_at: int | None | Unset
        if isinstance(_in_progress_at, Unset):
            in_progress_at = UNSET
        else:
            in_progress_at = _in_progress_at

        _expires_at = UNSET if self.expires_at is None and "expires_at" not in self._nulls else self.expires_at

        expires_at: int | None | Unset
        if isinstance(_expires_at, Unset):
            expires_at = UNSET
        else:
            expires_at = _expires_at

        _finalizing_at = (
            UNSET if self.finalizing_at is None and "finalizing_at" not in self._nulls else self.finalizing_at
        )

        finalizing_at: int | None | Unset
        if isinstance(_finalizing_at, Unset):
            finalizing_at = UNSET
        else:
            finalizing_at = _finalizing_at

        _completed_at = UNSET if self.completed_at is None and "completed_at" not in self._nulls else self.completed_at

        completed_at: int | None | Unset
        if isinstance(_completed_at, Unset):
            completed_at = UNSET
        else:
            completed_at = _completed_at

        _failed_at = UNSET if self.failed_at is None and "failed_at" not in self._nulls else self.failed_at

        failed_at: int | None | Unset
        if isinstance(_failed_at, Unset):
            failed_at = UNSET
        else:
            failed_at = _failed_at

        _expired_at = UNSET if self.expired_at is None and "expired_at" not in self._nulls else self.expired_at

        expired_at: int | None | Unset
        if isinstance(_expired_at, Unset):
            expired_at = UNSET
        else:
            expired_at = _expired_at

        _cancelling_at = (
            UNSET if self.cancelling_at is None and "cancelling_at" not in self._nulls else self.cancelling_at
        )

        cancelling_at: int | None | Unset
        if isinstance(_cancelling_at, Unset):
            cancelling_at = UNSET
        else:
            cancelling_at = _cancelling_at

        _cancelled_at = UNSET if self.cancelled_at is None and "cancelled_at" not in self._nulls else self.cancelled_at

        cancelled_at: int | None | Unset
        if isinstance(_cancelled_at, Unset):
            cancelled_at = UNSET
        else:
            cancelled_at = _cancelled_at

        _request_counts = UNSET if self.request_counts is None else self.request_counts

        request_counts: dict[str, Any] | Unset = UNSET
        if not isinstance(_request_counts, Unset):
            request_counts = _request_counts.to_dict()

        _usage = UNSET if self.usage is None else self.usage

        usage: dict[str, Any] | Unset = UNSET
        if not isinstance(_usage, Unset):
            usage = _usage.to_dict()

        _metadata = UNSET if self.metadata is None and "metadata" not in self._nulls else self.metadata

        metadata: dict[str, Any] | None | Unset
        if isinstance(_metadata, Unset):
            metadata = UNSET
        elif isinstance(_metadata, MetadataType0):
            metadata = _metadata.to_dict()
        else:
            metadata = _metadata

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
        from ..models.batch_errors_type_0 import BatchErrorsType0  # noqa: PLC0415
        from ..models.batch_request_counts import BatchRequestCounts  # noqa: PLC0415
        from ..models.batch_usage import BatchUsage  # noqa: PLC0415
        from ..models.metadata_type_0 import MetadataType0  # noqa: PLC0415

        d = dict(src_dict)
        for key in (
            "model",
            "request_counts",
            "usage",
        ):  # typed never null, yet sent as null: read as absent
            if key in d and d[key] is None:
                del d[key]
        for key in (
            "output_file_id",
            "error_file_id",
        ):  # an empty id names nothing: read as absent
            if d.get(key) == "":
                del d[key]
        id = d.pop("id")

        object_ = BatchObject(d.pop("object"))

        endpoint = d.pop("endpoint")

        input_file_id = d.pop("input_file_id")

        completion_window = d.pop("completion_window")

        status = BatchStatus(d.pop("status"))

        created_at = d.pop("created_at")

        model = d.pop("model", UNSET)

        def _parse_errors(data: object) -> BatchErrorsType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                errors_type_0 = BatchErrorsType0.from_dict(data)

                return errors_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(BatchErrorsType0 | None | Unset, data)

        errors = _parse_errors(d.pop("errors", UNSET))

        def _parse_output_file_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        output_file_id = _parse_output_file_id(d.pop("output_file_id", UNSET))

        def _parse_error_file_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        error_file_id = _parse_error_file_id(d.pop("error_file_id", UNSET))

        def _parse_in_progress_at(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        in_progress_at = _parse_in_progress_at(d.pop("in_progress_at", UNSET))

        def _parse_expires_at(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        expires_at = _parse_expires_at(d.pop("expires_at", UNSET))

        def _parse_finalizing_at(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        finalizing_at = _parse_finalizing_at(d.pop("finalizing_at", UNSET))

        def _parse_completed_at(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        completed_at = _parse_completed_at(d.pop("completed_at", UNSET))

        def _parse_failed_at(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        failed_at = _parse_failed_at(d.pop("failed_at", UNSET))

        def _parse_expired_at(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        expired_at = _parse_expired_at(d.pop("expired_at", UNSET))

        def _parse_cancelling_at(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        cancelling_at = _parse_cancelling_at(d.pop("cancelling_at", UNSET))

        def _parse_cancelled_at(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        cancelled_at = _parse_cancelled_at(d.pop("cancelled_at", UNSET))

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
            model=None if isinstance(model, Unset) else model,
            errors=None if isinstance(errors, Unset) else errors,
            output_file_id=None if isinstance(output_file_id, Unset) else output_file_id,
            error_file_id=None if isinstance(error_file_id, Unset) else error_file_id,
            in_progress_at=None if isinstance(in_progress_at, Unset) else in_progress_at,
            expires_at=None if isinstance(expires_at, Unset) else expires_at,
            finalizing_at=None if isinstance(finalizing_at, Unset) else finalizing_at,
            completed_at=None if isinstance(completed_at, Unset) else completed_at,
            failed_at=None if isinstance(failed_at, Unset) else failed_at,
            expired_at=None if isinstance(expired_at, Unset) else expired_at,
            cancelling_at=None if isinstance(cancelling_at, Unset) else cancelling_at,
            cancelled_at=None if isinstance(cancelled_at, Unset) else cancelled_at,
            request_counts=None if isinstance(request_counts, Unset) else request_counts,
            usage=None if isinstance(usage, Unset) else usage,
            metadata=None if isinstance(metadata, Unset) else metadata,
        )
        batch._nulls = {key for key, value in src_dict.items() if value is None}

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
