"""HTTP handlers for /v1/batches."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..wire import call, expiry_policy, query_int, read_json_object, required_field, resource, string_map
from .backend import BatchesBackend

DEFAULT_LIST_LIMIT = 20


def routes(batches: BatchesBackend) -> list[Route]:
    async def create(request: Request) -> Response:
        body = await read_json_object(
            request,
            frozenset({"input_file_id", "endpoint", "completion_window", "metadata", "output_expires_after"}),
        )
        batch = await call(
            batches.create,
            input_file_id=required_field(body, "input_file_id", str),
            endpoint=required_field(body, "endpoint", str),
            completion_window=required_field(body, "completion_window", str),
            metadata=string_map(body.get("metadata"), "metadata"),
            output_expires_after=expiry_policy(body.get("output_expires_after"), "output_expires_after"),
        )
        return JSONResponse(batch.to_json())

    async def list_batches(request: Request) -> Response:
        after, limit = request.query_params.get("after"), query_int(request, "limit", DEFAULT_LIST_LIMIT)
        return JSONResponse(await call(batches.list, after=after, limit=limit))

    async def retrieve(request: Request) -> Response:
        return JSONResponse((await call(batches.retrieve, request.path_params["batch_id"])).to_json())

    async def cancel(request: Request) -> Response:
        await read_json_object(request, frozenset())
        return JSONResponse((await call(batches.cancel, request.path_params["batch_id"])).to_json())

    return [
        resource("/batches", POST=create, GET=list_batches),
        resource("/batches/{batch_id}", GET=retrieve),
        resource("/batches/{batch_id}/cancel", POST=cancel),
    ]
