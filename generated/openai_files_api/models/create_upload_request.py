from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.create_upload_request_purpose import CreateUploadRequestPurpose
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.file_expiration_after import FileExpirationAfter


T = TypeVar("T", bound="CreateUploadRequest")


@_attrs_define
class CreateUploadRequest:
    """
    Attributes:
        filename (str): The name the resulting File gets.
        purpose (CreateUploadRequestPurpose): The purpose the resulting File gets.
        bytes_ (int): The exact size of the whole file; completion checks it.
        mime_type (str): The file's MIME type, which must be one the purpose accepts.
        expires_after (FileExpirationAfter | None): When a stored file is deleted on its own.
    """

    filename: str
    purpose: CreateUploadRequestPurpose
    bytes_: int
    mime_type: str
    expires_after: FileExpirationAfter | None = None
    _nulls: set[str] = _attrs_field(init=False, factory=set, repr=False)

    def to_dict(self) -> dict[str, Any]:
        filename = self.filename

        purpose = self.purpose.value

        bytes_ = self.bytes_

        mime_type = self.mime_type

        _expires_after = UNSET if self.expires_after is None else self.expires_after

        expires_after: dict[str, Any] | Unset = UNSET
        if not isinstance(_expires_after, Unset):
            expires_after = _expires_after.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "filename": filename,
                "purpose": purpose,
                "bytes": bytes_,
                "mime_type": mime_type,
            }
        )
        if expires_after is not UNSET:
            field_dict["expires_after"] = expires_after

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.file_expiration_after import FileExpirationAfter  # noqa: PLC0415

        d = dict(src_dict)
        for key in ("expires_after",):  # typed never null, yet sent as null: read as absent
            if key in d and d[key] is None:
                del d[key]
        filename = d.pop("filename")

        purpose = CreateUploadRequestPurpose(d.pop("purpose"))

        bytes_ = d.pop("bytes")

        mime_type = d.pop("mime_type")

        _expires_after = d.pop("expires_after", UNSET)
        expires_after: FileExpirationAfter | Unset
        if isinstance(_expires_after, Unset):
            expires_after = UNSET
        else:
            expires_after = FileExpirationAfter.from_dict(_expires_after)

        create_upload_request = cls(
            filename=filename,
            purpose=purpose,
            bytes_=bytes_,
            mime_type=mime_type,
            expires_after=None if isinstance(expires_after, Unset) else expires_after,
        )
        create_upload_request._nulls = {key for key, value in src_dict.items() if value is None}

        return create_upload_request
