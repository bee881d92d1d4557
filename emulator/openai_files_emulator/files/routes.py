"""HTTP handlers for /v1/files: read the request, call the backend, shape the answer."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from ..blobs import BlobStore
from ..config import Limits
from ..errors import missing_argument
from ..multipart import FormReader, boundary_of, check_declared_length
from ..wire import call, expiry, query_int, resource
from .backend import MAX_LIST_LIMIT, FilesBackend
from .ranges import ByteRange, requested_range

ANCHOR_FIELD = "expires_after[anchor]"
SECONDS_FIELD = "expires_after[seconds]"


def routes(files: FilesBackend, blobs: BlobStore, limits: Limits) -> list[Route]:
    async def create(request: Request) -> Response:
        check_declared_length(request.headers.get("content-length"), limits.max_file_bytes, "file")
        reader = FormReader(
            boundary_of(request.headers.get("content-type")),
            blobs,
            file_fields=frozenset({"file"}),
            text_fields=frozenset({"purpose", ANCHOR_FIELD, SECONDS_FIELD}),
            max_file_bytes=limits.max_file_bytes,
            max_text_bytes=limits.max_text_field_bytes,
        )
        form = await reader.read(request.stream())
        try:
            if "purpose" not in form.fields:
                raise missing_argument("purpose")
            if "file" not in form.files:
                raise missing_argument("file")
            policy = None
            if ANCHOR_FIELD in form.fields or SECONDS_FIELD in form.fields:
                policy = expiry(
                    form.fields.get(ANCHOR_FIELD), form.fields.get(SECONDS_FIELD), "expires_after"
                )
            upload = form.files["file"]
            record = await call(
                files.create,
                upload.spool.path,
                size=upload.spool.size,
                filename=upload.filename,
                purpose=form.fields["purpose"],
                expires_after=policy,
            )
        except BaseException:
            form.discard()
            raise
        return JSONResponse(record.to_json())

    async def list_files(request: Request) -> Response:
        query = request.query_params
        listed = await call(
            files.list,
            purpose=query.get("purpose"),
            limit=query_int(request, "limit", MAX_LIST_LIMIT),
            order=query.get("order", "desc"),
            after=query.get("after"),
        )
        return JSONResponse(listed)

    async def retrieve(request: Request) -> Response:
        return JSONResponse((await call(files.get, request.path_params["file_id"])).to_json())

    async def delete(request: Request) -> Response:
        record = await call(files.delete, request.path_params["file_id"])
        return JSONResponse({"id": record.id, "object": "file", "deleted": True})

    async def content(request: Request) -> Response:
        record = await call(files.get, request.path_params["file_id"])
        wanted = requested_range(request.headers.get("range"), record.bytes)
        headers = {"accept-ranges": "bytes"}
        if wanted is None:
            wanted, status = ByteRange(0, record.bytes, record.bytes), 200
        else:
            headers["content-range"], status = wanted.content_range(), 206
        headers["content-length"] = str(wanted.length)
        # A sync iterator: Starlette reads each 1 MiB block in a worker thread.
        return StreamingResponse(
            blobs.iter_bytes(record.segments, wanted.start, wanted.stop),
            status_code=status,
            media_type="application/octet-stream",
            headers=headers,
        )

    return [
        resource("/files", POST=create, GET=list_files),
        resource("/files/{file_id}", GET=retrieve, DELETE=delete),
        resource("/files/{file_id}/content", GET=content),
    ]
