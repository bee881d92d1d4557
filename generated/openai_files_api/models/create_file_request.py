from __future__ import annotations

from collections.abc import Mapping
from io import BytesIO
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from .. import types
from ..models.create_file_request_purpose import CreateFileRequestPurpose
from ..types import UNSET, File, Unset

if TYPE_CHECKING:
    from ..models.file_expiration_after import FileExpirationAfter


T = TypeVar("T", bound="CreateFileRequest")


@_attrs_define
class CreateFileRequest:
    """
    Attributes:
        file (File): The bytes to store, sent with their file name.
        purpose (CreateFileRequestPurpose): What the file is for; it decides which endpoints may read it.
        expires_after (FileExpirationAfter | None): When a stored file is deleted on its own.
    """

    file: File
    purpose: CreateFileRequestPurpose
    expires_after: FileExpirationAfter | None = None
    _nulls: set[str] = _attrs_field(init=False, factory=set, repr=False)

    def to_dict(self) -> dict[str, Any]:
        file = self.file.to_tuple()

        purpose = self.purpose.value

        _expires_after = UNSET if self.expires_after is None else self.expires_after

        expires_after: dict[str, Any] | Unset = UNSET
        if not isinstance(_expires_after, Unset):
            expires_after = _expires_after.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "file": file,
                "purpose": purpose,
            }
        )
        if expires_after is not UNSET:
            field_dict["expires_after"] = expires_after

        return field_dict

    def to_multipart(self) -> types.RequestFiles:
        files: types.RequestFiles = []

        files.append(("file", self.file.to_tuple()))

        files.append(("purpose", (None, str(self.purpose.value).encode(), "text/plain")))

        _expires_after = UNSET if self.expires_after is None else self.expires_after

        if not isinstance(_expires_after, Unset):
            for key, value in _expires_after.to_dict().items():
                files.append((f"{'expires_after'}[{key}]", (None, str(value).encode(), "text/plain")))

        return files

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.file_expiration_after import FileExpirationAfter  # noqa: PLC0415

        d = dict(src_dict)
        for key in ("expires_after",):  # typed never null, yet sent as null: read as absent
            if key in d and d[key] is None:
                del d[key]
        file = File(payload=BytesIO(d.pop("file")))

        purpose = CreateFileRequestPurpose(d.pop("purpose"))

        _expires_after = d.pop("expires_after", UNSET)
        expires_after: FileExpirationAfter | Unset
        if isinstance(_expires_after, Unset):
            expires_after = UNSET
        else:
            expires_after = FileExpirationAfter.from_dict(_expires_after)

        create_file_request = cls(
            file=file,
            purpose=purpose,
            expires_after=None if isinstance(expires_after, Unset) else expires_after,
        )
        create_file_request._nulls = {key for key, value in src_dict.items() if value is None}

        return create_file_request
