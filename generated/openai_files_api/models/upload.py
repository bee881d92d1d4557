from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.upload_object import UploadObject
from ..models.upload_status import UploadStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.open_ai_file import OpenAIFile


T = TypeVar("T", bound="Upload")


@_attrs_define
class Upload:
    """A file in transit, taking parts until it is completed, cancelled or expired.

    Attributes:
        id (str):
        created_at (int):
        filename (str):
        bytes_ (int): The declared size of the whole file.
        purpose (str):
        status (UploadStatus):
        expires_at (int): One hour after creation; no part is taken afterwards.
        object_ (UploadObject | None):
        file (None | OpenAIFile): The File made on completion; null before.
    """

    id: str
    created_at: int
    filename: str
    bytes_: int
    purpose: str
    status: UploadStatus
    expires_at: int
    object_: UploadObject | None = None
    file: None | OpenAIFile = None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)
    _nulls: set[str] = _attrs_field(init=False, factory=set, repr=False)

    def to_dict(self) -> dict[str, Any]:
        from ..models.open_ai_file import OpenAIFile  # noqa: PLC0415

        id = self.id

        created_at = self.created_at

        filename = self.filename

        bytes_ = self.bytes_

        purpose = self.purpose

        status = self.status.value

        expires_at = self.expires_at

        _object_ = UNSET if self.object_ is None else self.object_

        object_: str | Unset = UNSET
        if not isinstance(_object_, Unset):
            object_ = _object_.value

        _file = UNSET if self.file is None and "file" not in self._nulls else self.file

        file: dict[str, Any] | None | Unset
        if isinstance(_file, Unset):
            file = UNSET
        elif isinstance(_file, OpenAIFile):
            file = _file.to_dict()
        else:
            file = _file

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "created_at": created_at,
                "filename": filename,
                "bytes": bytes_,
                "purpose": purpose,
                "status": status,
                "expires_at": expires_at,
            }
        )
        if object_ is not UNSET:
            field_dict["object"] = object_
        if file is not UNSET:
            field_dict["file"] = file

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.open_ai_file import OpenAIFile  # noqa: PLC0415

        d = dict(src_dict)
        for key in ("object",):  # typed never null, yet sent as null: read as absent
            if key in d and d[key] is None:
                del d[key]
        id = d.pop("id")

        created_at = d.pop("created_at")

        filename = d.pop("filename")

        bytes_ = d.pop("bytes")

        purpose = d.pop("purpose")

        status = UploadStatus(d.pop("status"))

        expires_at = d.pop("expires_at")

        _object_ = d.pop("object", UNSET)
        object_: UploadObject | Unset
        if isinstance(_object_, Unset):
            object_ = UNSET
        else:
            object_ = UploadObject(_object_)

        def _parse_file(data: object) -> None | OpenAIFile | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                file_type_0 = OpenAIFile.from_dict(data)

                return file_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | OpenAIFile | Unset, data)

        file = _parse_file(d.pop("file", UNSET))

        upload = cls(
            id=id,
            created_at=created_at,
            filename=filename,
            bytes_=bytes_,
            purpose=purpose,
            status=status,
            expires_at=expires_at,
            object_=None if isinstance(object_, Unset) else object_,
            file=None if isinstance(file, Unset) else file,
        )
        upload._nulls = {key for key, value in src_dict.items() if value is None}

        upload.additional_properties = d
        return upload

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
