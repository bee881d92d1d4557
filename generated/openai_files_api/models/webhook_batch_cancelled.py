from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.webhook_batch_cancelled_object import WebhookBatchCancelledObject
from ..models.webhook_batch_cancelled_type import WebhookBatchCancelledType
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.webhook_batch_cancelled_data import WebhookBatchCancelledData


T = TypeVar("T", bound="WebhookBatchCancelled")


@_attrs_define
class WebhookBatchCancelled:
    """Sent when a batch API request has been cancelled.

    Attributes:
        created_at (int): The Unix timestamp (in seconds) of when the batch API request was cancelled.
        id (str): The unique ID of the event.
        data (WebhookBatchCancelledData): Event data payload.
        type_ (WebhookBatchCancelledType): The type of the event. Always `batch.cancelled`.
        object_ (WebhookBatchCancelledObject | None): The object of the event. Always `event`.
    """

    created_at: int
    id: str
    data: WebhookBatchCancelledData
    type_: WebhookBatchCancelledType
    object_: WebhookBatchCancelledObject | None = None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)
    _nulls: set[str] = _attrs_field(init=False, factory=set, repr=False)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at

        id = self.id

        data = self.data.to_dict()

        type_ = self.type_.value

        _object_ = UNSET if self.object_ is None else self.object_

        object_: str | Unset = UNSET
        if not isinstance(_object_, Unset):
            object_ = _object_.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "id": id,
                "data": data,
                "type": type_,
            }
        )
        if object_ is not UNSET:
            field_dict["object"] = object_

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.webhook_batch_cancelled_data import WebhookBatchCancelledData  # noqa: PLC0415

        d = dict(src_dict)
        for key in ("object",):  # typed never null, yet sent as null: read as absent
            if key in d and d[key] is None:
                del d[key]
        created_at = d.pop("created_at")

        id = d.pop("id")

        data = WebhookBatchCancelledData.from_dict(d.pop("data"))

        type_ = WebhookBatchCancelledType(d.pop("type"))

        _object_ = d.pop("object", UNSET)
        object_: WebhookBatchCancelledObject | Unset
        if isinstance(_object_, Unset):
            object_ = UNSET
        else:
            object_ = WebhookBatchCancelledObject(_object_)

        webhook_batch_cancelled = cls(
            created_at=created_at,
            id=id,
            data=data,
            type_=type_,
            object_=None if isinstance(object_, Unset) else object_,
        )
        webhook_batch_cancelled._nulls = {key for key, value in src_dict.items() if value is None}

        webhook_batch_cancelled.additional_properties = d
        return webhook_batch_cancelled

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
