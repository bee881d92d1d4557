from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.create_batch_request_completion_window import CreateBatchRequestCompletionWindow
from ..models.create_batch_request_endpoint import CreateBatchRequestEndpoint
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.batch_file_expiration_after import BatchFileExpirationAfter
    from ..models.metadata_type_0 import MetadataType0


T = TypeVar("T", bound="CreateBatchRequest")


@_attrs_define
class CreateBatchRequest:
    """
    Attributes:
        input_file_id (str): A file stored with purpose `batch`: one JSON request a line, each with `custom_id`,
            `method`, `url` and `body`; at most 50,000 requests and 200 MB, and an embeddings batch at most 50,000 inputs in
            all its requests.
        endpoint (CreateBatchRequestEndpoint): The API path all requests go to; each line's `url` must equal it.
        completion_window (CreateBatchRequestCompletionWindow): How long the batch may take; only `24h` today.
        metadata (MetadataType0 | None): Up to 16 string pairs a caller attaches to an object for its own bookkeeping.
        output_expires_after (BatchFileExpirationAfter | None): When the batch's output and error files are deleted.
    """

    input_file_id: str
    endpoint: CreateBatchRequestEndpoint
    completion_window: CreateBatchRequestCompletionWindow
    metadata: MetadataType0 | None = None
    output_expires_after: BatchFileExpirationAfter | None = None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)
    _nulls: set[str] = _attrs_field(init=False, factory=set, repr=False)

    def to_dict(self) -> dict[str, Any]:
        from ..models.metadata_type_0 import MetadataType0  # noqa: PLC0415

        input_file_id = self.input_file_id

        endpoint = self.endpoint.value

        completion_window = self.completion_window.value

        _metadata = UNSET if self.metadata is None and "metadata" not in self._nulls else self.metadata

        metadata: dict[str, Any] | None | Unset
        if isinstance(_metadata, Unset):
            metadata = UNSET
        elif isinstance(_metadata, MetadataType0):
            metadata = _metadata.to_dict()
        else:
            metadata = _metadata

        _output_expires_after = UNSET if self.output_expires_after is None else self.output_expires_after

        output_expires_after: dict[str, Any] | Unset = UNSET
        if not isinstance(_output_expires_after, Unset):
            output_expires_after = _output_expires_after.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "input_file_id": input_file_id,
                "endpoint": endpoint,
                "completion_window": completion_window,
            }
        )
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if output_expires_after is not UNSET:
            field_dict["output_expires_after"] = output_expires_after

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.batch_file_expiration_after import BatchFileExpirationAfter  # noqa: PLC0415
        from ..models.metadata_type_0 import MetadataType0  # noqa: PLC0415

        d = dict(src_dict)
        for key in ("output_expires_after",):  # typed never null, yet sent as null: read as absent
            if key in d and d[key] is None:
                del d[key]
        input_file_id = d.pop("input_file_id")

        endpoint = CreateBatchRequestEndpoint(d.pop("endpoint"))

        completion_window = CreateBatchRequestCompletionWindow(d.pop("completion_window"))

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

        _output_expires_after = d.pop("output_expires_after", UNSET)
        output_expires_after: BatchFileExpirationAfter | Unset
        if isinstance(_output_expires_after, Unset):
            output_expires_after = UNSET
        else:
            output_expires_after = BatchFileExpirationAfter.from_dict(_output_expires_after)

        create_batch_request = cls(
            input_file_id=input_file_id,
            endpoint=endpoint,
            completion_window=completion_window,
            metadata=None if isinstance(metadata, Unset) else metadata,
            output_expires_after=None if isinstance(output_expires_after, Unset) else output_expires_after,
        )
        create_batch_request._nulls = {key for key, value in src_dict.items() if value is None}

        create_batch_request.additional_properties = d
        return create_batch_request

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
