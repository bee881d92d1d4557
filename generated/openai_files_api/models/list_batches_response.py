from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.list_batches_response_object import ListBatchesResponseObject
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.batch import Batch


T = TypeVar("T", bound="ListBatchesResponse")


@_attrs_define
class ListBatchesResponse:
    """
    Attributes:
        data (list[Batch]):
        has_more (bool): Whether a page follows this one.
        object_ (ListBatchesResponseObject):
        first_id (None | str): Id of the page's first batch; null on an empty page.
        last_id (None | str): Id of the page's last batch, the cursor for the next page; null on an empty page.
    """

    data: list[Batch]
    has_more: bool
    object_: ListBatchesResponseObject
    first_id: None | str = None
    last_id: None | str = None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)
    _nulls: set[str] = _attrs_field(init=False, factory=set, repr=False)

    def to_dict(self) -> dict[str, Any]:
        data = []
        for data_item_data in self.data:
            data_item = data_item_data.to_dict()
            data.append(data_item)

        has_more = self.has_more

        object_ = self.object_.value

        _first_id = UNSET if self.first_id is None and "first_id" not in self._nulls else self.first_id

        first_id: None | str | Unset
        if isinstance(_first_id, Unset):
            first_id = UNSET
        else:
            first_id = _first_id

        _last_id = UNSET if self.last_id is None and "last_id" not in self._nulls else self.last_id

        last_id: None | str | Unset
        if isinstance(_last_id, Unset):
            last_id = UNSET
        else:
            last_id = _last_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "data": data,
                "has_more": has_more,
                "object": object_,
            }
        )
        if first_id is not UNSET:
            field_dict["first_id"] = first_id
        if last_id is not UNSET:
            field_dict["last_id"] = last_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.batch import Batch  # noqa: PLC0415

        d = dict(src_dict)
        for key in (
            "first_id",
            "last_id",
        ):  # an empty id names nothing: read as absent
            if d.get(key) == "":
                del d[key]
        data = []
        _data = d.pop("data")
        for data_item_data in _data:
            data_item = Batch.from_dict(data_item_data)

            data.append(data_item)

        has_more = d.pop("has_more")

        object_ = ListBatchesResponseObject(d.pop("object"))

        def _parse_first_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        first_id = _parse_first_id(d.pop("first_id", UNSET))

        def _parse_last_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        last_id = _parse_last_id(d.pop("last_id", UNSET))

        list_batches_response = cls(
            data=data,
            has_more=has_more,
            object_=object_,
            first_id=None if isinstance(first_id, Unset) else first_id,
            last_id=None if isinstance(last_id, Unset) else last_id,
        )
        list_batches_response._nulls = {key for key, value in src_dict.items() if value is None}

        list_batches_response.additional_properties = d
        return list_batches_response

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
