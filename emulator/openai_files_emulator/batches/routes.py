"""HTTP handlers for /v1/batches."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..files.state import expiry_policy
from ..wire import query_int, read_json_object, required_field, resource
from .state import BatchesBackend, check_metadata

MAX_LIST_LIMIT = 100
DEFAULT_LIST_LIMIT = 20


def routes(batches: BatchesBackend) -> list[Route]:
    async def create(request: Request) -> Response:
        body = await read_json_object(
            request,
            frozenset({"input_file_id", "endpoint", "completion_window", "metadata", "output_expires_after"}),
        )
        batch = batches.create(
            input_file_id=required_field(body, "input_file_id", str),
            endpoint=required_field(body, "endpoint", str),
            completion_window=required_field(body, "completion_window", str),
            metadata=check_metadata(body.get("metadata")),
            output_expires_after=expiry_policy(body.get("output_expires_after"), "output_expires_after"),
        )
        return JSONResponse(batch.to_json())

    async def list_batches(request: Request) -> Response:
        await batches.settle()
        return JSONResponse(
            batches.list(
                after=request.query_params.get("after"),
                limit=query_int(request, "limit", DEFAULT_LIST_LIMIT, 1, MAX_LIST_LIMIT),
            )
        )

    async def retrieve(request: Request) -> Response:
        batch = await batches.observe(request.path_params["batch_id"])
        return JSONResponse(batch.to_json())

    async def cancel(request: Request) -> Response:
        await read_json_object(request, frozenset())
        return JSONResponse((await batches.cancel(request.path_params["batch_id"])).to_json())

    return [
        resource("/batches", POST=create, GET=list_batches),
        resource("/batches/{batch_id}", GET=retrieve),
        resource("/batches/{batch_id}/cancel", POST=cancel),
    ]
