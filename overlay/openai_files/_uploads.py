"""The `uploads` resource group: one call per Uploads endpoint.

Owned by the upload-helper work (issue 4) from here on; `upload_file` belongs here too.
"""

from __future__ import annotations

import io
from typing import IO, TYPE_CHECKING, Any, BinaryIO, cast

from ._generated import (
    UNSET,
    AddUploadPartRequest,
    CompleteUploadRequest,
    CreateUploadRequest,
    CreateUploadRequestPurpose,
    File,
    FileExpirationAfter,
    FileExpirationAfterAnchor,
    Upload,
    UploadPart,
    add_upload_part,
    cancel_upload,
    complete_upload,
    create_upload,
)

if TYPE_CHECKING:
    from ._client import AsyncClient, Client

__all__ = ["AsyncUploads", "Uploads"]


def _create_kwargs(
    filename: str, purpose: str, size: int, mime_type: str, expires_after_seconds: int | None
) -> dict[str, Any]:
    expires = (
        UNSET
        if expires_after_seconds is None
        else FileExpirationAfter(anchor=FileExpirationAfterAnchor.CREATED_AT, seconds=expires_after_seconds)
    )
    body = CreateUploadRequest(
        filename=filename,
        purpose=CreateUploadRequestPurpose(purpose),
        bytes_=size,
        mime_type=mime_type,
        expires_after=expires,
    )
    return create_upload._get_kwargs(body=body)


def _part_kwargs(upload_id: str, data: bytes | IO[bytes]) -> dict[str, Any]:
    payload = io.BytesIO(data) if isinstance(data, bytes) else cast(BinaryIO, data)
    return add_upload_part._get_kwargs(upload_id, body=AddUploadPartRequest(data=File(payload=payload)))


def _complete_kwargs(upload_id: str, part_ids: list[str], md5: str | None) -> dict[str, Any]:
    body = CompleteUploadRequest(part_ids=part_ids, md5=UNSET if md5 is None else md5)
    return complete_upload._get_kwargs(upload_id, body=body)


class Uploads:
    """Create an Upload, add parts, complete or cancel it."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def create(
        self,
        *,
        filename: str,
        purpose: str,
        bytes: int,
        mime_type: str,
        expires_after_seconds: int | None = None,
    ) -> Upload:
        kwargs = _create_kwargs(filename, purpose, bytes, mime_type, expires_after_seconds)
        return self._client._call(kwargs, Upload.from_dict)

    def add_part(self, upload_id: str, data: bytes | IO[bytes]) -> UploadPart:
        return self._client._call(_part_kwargs(upload_id, data), UploadPart.from_dict)

    def complete(self, upload_id: str, part_ids: list[str], *, md5: str | None = None) -> Upload:
        return self._client._call(_complete_kwargs(upload_id, part_ids, md5), Upload.from_dict)

    def cancel(self, upload_id: str) -> Upload:
        return self._client._call(cancel_upload._get_kwargs(upload_id), Upload.from_dict)


class AsyncUploads:
    """The asyncio twin of `Uploads`."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def create(
        self,
        *,
        filename: str,
        purpose: str,
        bytes: int,
        mime_type: str,
        expires_after_seconds: int | None = None,
    ) -> Upload:
        kwargs = _create_kwargs(filename, purpose, bytes, mime_type, expires_after_seconds)
        return await self._client._call(kwargs, Upload.from_dict)

    async def add_part(self, upload_id: str, data: bytes | IO[bytes]) -> UploadPart:
        return await self._client._call(_part_kwargs(upload_id, data), UploadPart.from_dict)

    async def complete(self, upload_id: str, part_ids: list[str], *, md5: str | None = None) -> Upload:
        return await self._client._call(_complete_kwargs(upload_id, part_ids, md5), Upload.from_dict)

    async def cancel(self, upload_id: str) -> Upload:
        return await self._client._call(cancel_upload._get_kwargs(upload_id), Upload.from_dict)
