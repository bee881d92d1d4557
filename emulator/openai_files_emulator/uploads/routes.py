"""HTTP handlers for /v1/uploads."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..blobs import BlobStore
from ..config import Limits
from ..errors import invalid_value, missing_argument
from ..multipart import FormReader, boundary_of, check_declared_length
from ..wire import call, expiry_policy, read_json_object, required_field, resource
from .backend import UploadsBackend


def routes(uploads: UploadsBackend, blobs: BlobStore, limits: Limits) -> list[Route]:
    async def create(request: Request) -> Response:
        body = await read_json_object(
            request, frozenset({"filename", "purpose", "bytes", "mime_type", "expires_after"})
        )
        upload = await call(
            uploads.create,
            filename=required_field(body, "filename", str),
            purpose=required_field(body, "purpose", str),
            size=required_field(body, "bytes", int),
            mime_type=required_field(body, "mime_type", str),
            expires_after=expiry_policy(body.get("expires_after"), "expires_after"),
        )
        return JSONResponse(upload.to_json())

    async def add_part(request: Request) -> Response:
        upload_id = request.path_params["upload_id"]
        await call(uploads.check_accepts_parts, upload_id)  # before the body: a closed upload costs nothing
        check_declared_length(request.headers.get("content-length"), limits.max_part_bytes, "data")
        reader = FormReader(
            boundary_of(request.headers.get("content-type")),
            blobs,
            file_fields=frozenset({"data"}),
            text_fields=frozenset(),
            max_file_bytes=limits.max_part_bytes,
            max_text_bytes=limits.max_text_field_bytes,
        )
        form = await reader.read(request.stream())
        try:
            if "data" not in form.files:
                raise missing_argument("data")
            spooled = form.files["data"].spool
            part = await call(uploads.add_part, upload_id, spooled.path, spooled.size)
        except BaseException:
            form.discard()
            raise
        return JSONResponse(part.to_json())

    async def complete(request: Request) -> Response:
        body = await read_json_object(request, frozenset({"part_ids", "md5"}))
        part_ids = required_field(body, "part_ids", list)
        if not all(isinstance(p, str) for p in part_ids):
            raise invalid_value("part_ids", "expected a list of part id strings.")
        md5 = body.get("md5")
        if md5 is not None and not isinstance(md5, str):
            raise invalid_value("md5", "expected a string.")
        upload = await call(uploads.complete, request.path_params["upload_id"], part_ids, md5)
        return JSONResponse(upload.to_json())

    async def cancel(request: Request) -> Response:
        await read_json_object(request, frozenset())
        return JSONResponse((await call(uploads.cancel, request.path_params["upload_id"])).to_json())

    return [
        resource("/uploads", POST=create),
        resource("/uploads/{upload_id}/parts", POST=add_part),
        resource("/uploads/{upload_id}/complete", POST=complete),
        resource("/uploads/{upload_id}/cancel", POST=cancel),
    ]
