from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.open_ai_file_object import OpenAIFileObject
from ..models.open_ai_file_purpose import OpenAIFilePurpose
from ..models.open_ai_file_status import OpenAIFileStatus
from ..types import UNSET, Unset

T = TypeVar("T", bound="OpenAIFile")


@_attrs_define
class OpenAIFile:
    """A stored file, as other endpoints refer to it.

    Attributes:
        id (str):
        bytes_ (int): Size in bytes.
        created_at (int):
        filename (str):
        object_ (OpenAIFileObject):
        purpose (OpenAIFilePurpose): What the file is for.
        expires_at (int | None): When the file is deleted on its own, if it ever is.
        status (OpenAIFileStatus | None): Kept for old clients; no longer meaningful.
        status_details (str | None): Kept for old clients; no longer meaningful.
    """

    id: str
    bytes_: int
    created_at: int
    filename: str
    object_: OpenAIFileObject
    purpose: OpenAIFilePurpose
    expires_at: int | None = None
    status: OpenAIFileStatus | None = None
    status_details: str | None = None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)
    _nulls: set[str] = _attrs_field(init=False, factory=set, repr=False)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        bytes_ = self.bytes_

        created_at = self.created_at

        filename = self.filename

        object_ = self.object_.value

        purpose = self.purpose.value

        expires_at = UNSET if self.expires_at is None and "expires_at" not in self._nulls else self.expires_at

        _status = UNSET if self.status is None else self.status

        status: str | Unset = UNSET
        if not isinstance(_status, Unset):
            status = _status.value

        status_details = (
            UNSET if self.status_details is None and "status_details" not in self._nulls else self.status_details
        )

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "bytes": bytes_,
                "created_at": created_at,
                "filename": filename,
                "object": object_,
                "purpose": purpose,
            }
        )
        if expires_at is not UNSET:
            field_dict["expires_at"] = expires_at
        if status is not UNSET:
            field_dict["status"] = status
        if status_details is not UNSET:
            field_dict["status_details"] = status_details

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        for key in (
            "expires_at",
            "status",
            "status_details",
        ):  # typed never null, yet sent as null: read as absent
            if key in d and d[key] is None:
                del d[key]
        id = d.pop("id")

        bytes_ = d.pop("bytes")

        created_at = d.pop("created_at")

        filename = d.pop("filename")

        object_ = OpenAIFileObject(d.pop("object"))

        purpose = OpenAIFilePurpose(d.pop("purpose"))

        expires_at = d.pop("expires_at", UNSET)

        _status = d.pop("status", UNSET)
        status: OpenAIFileStatus | Unset
        if isinstance(_status, Unset):
            status = UNSET
        else:
            status = OpenAIFileStatus(_status)

        status_details = d.pop("status_details", UNSET)

        open_ai_file = cls(
            id=id,
            bytes_=bytes_,
            created_at=created_at,
            filename=filename,
            object_=object_,
            purpose=purpose,
            expires_at=None if isinstance(expires_at, Unset) else expires_at,
            status=None if isinstance(status, Unset) else status,
            status_details=None if isinstance(status_details, Unset) else status_details,
        )
        open_ai_file._nulls = {key for key, value in src_dict.items() if value is None}

        open_ai_file.additional_properties = d
        return open_ai_file

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
