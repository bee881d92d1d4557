from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="CompleteUploadRequest")


@_attrs_define
class CompleteUploadRequest:
    """
    Attributes:
        part_ids (list[str]): Every part of the file, in file order.
        md5 (str | None): Hex md5 of the whole file; the service refuses the upload when it differs.
    """

    part_ids: list[str]
    md5: str | None = None
    _nulls: set[str] = _attrs_field(init=False, factory=set, repr=False)

    def to_dict(self) -> dict[str, Any]:
        part_ids = self.part_ids

        md5 = UNSET if self.md5 is None and "md5" not in self._nulls else self.md5

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "part_ids": part_ids,
            }
        )
        if md5 is not UNSET:
            field_dict["md5"] = md5

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        for key in ("md5",):  # typed never null, yet sent as null: read as absent
            if key in d and d[key] is None:
                del d[key]
        part_ids = cast(list[str], d.pop("part_ids"))

        md5 = d.pop("md5", UNSET)

        complete_upload_request = cls(
            part_ids=part_ids,
            md5=None if isinstance(md5, Unset) else md5,
        )
        complete_upload_request._nulls = {key for key, value in src_dict.items() if value is None}

        return complete_upload_request
