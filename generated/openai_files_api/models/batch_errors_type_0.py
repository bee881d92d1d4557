from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.batch_error import BatchError


T = TypeVar("T", bound="BatchErrorsType0")


@_attrs_define
class BatchErrorsType0:
    """
    Attributes:
        object_ (str | None): Always `list`.
        data (list[BatchError] | None):
    """

    object_: str | None = None
    data: list[BatchError] | None = None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)
    _nulls: set[str] = _attrs_field(init=False, factory=set, repr=False)

    def to_dict(self) -> dict[str, Any]:
        object_ = UNSET if self.object_ is None and "object" not in self._nulls else self.object_

        _data = UNSET if self.data is None else self.data

        data: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(_data, Unset):
            data = []
            for data_item_data in _data:
                data_item = data_item_data.to_dict()
                data.append(data_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if object_ is not UNSET:
            field_dict["object"] = object_
        if data is not UNSET:
            field_dict["data"] = data

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.batch_error import BatchError  # noqa: PLC0415

        d = dict(src_dict)
        for key in (
            "object",
            "data",
        ):  # typed never null, yet sent as null: read as absent
            if key in d and d[key] is None:
                del d[key]
        object_ = d.pop("object", UNSET)

        _data = d.pop("data", UNSET)
        data: list[BatchError] | Unset = UNSET
        if _data is not UNSET:
            data = []
            for data_item_data in _data:
                data_item = BatchError.from_dict(data_item_data)

                data.append(data_item)

        batch_errors_type_0 = cls(
            object_=None if isinstance(object_, Unset) else object_,
            data=None if isinstance(data, Unset) else data,
        )
        batch_errors_type_0._nulls = {key for key, value in src_dict.items() if value is None}

        batch_errors_type_0.additional_properties = d
        return batch_errors_type_0

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
