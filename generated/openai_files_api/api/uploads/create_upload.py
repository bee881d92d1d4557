from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.create_upload_request import CreateUploadRequest
from ...models.error_response import ErrorResponse
from ...models.upload import Upload
from ...types import Response


def request_kwargs(
    *,
    body: CreateUploadRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/uploads",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> ErrorResponse | Upload | None:
    if response.status_code == 200:
        response_200 = Upload.from_dict(response.json())

        return response_200

    if 400 <= response.status_code <= 499:
        response_4xx = ErrorResponse.from_dict(response.json())

        return response_4xx

    if 500 <= response.status_code <= 599:
        response_5xx = ErrorResponse.from_dict(response.json())

        return response_5xx

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ErrorResponse | Upload]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: CreateUploadRequest,
) -> Response[ErrorResponse | Upload]:
    """Open an Upload that will receive a file of up to 8 GiB in parts.

     The Upload takes parts for one hour, then expires. The declared byte count must match the sum of the
    parts named when it is completed.

    Args:
        body (CreateUploadRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | Upload]
    """

    kwargs = request_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: CreateUploadRequest,
) -> ErrorResponse | Upload | None:
    """Open an Upload that will receive a file of up to 8 GiB in parts.

     The Upload takes parts for one hour, then expires. The declared byte count must match the sum of the
    parts named when it is completed.

    Args:
        body (CreateUploadRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | Upload
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: CreateUploadRequest,
) -> Response[ErrorResponse | Upload]:
    """Open an Upload that will receive a file of up to 8 GiB in parts.

     The Upload takes parts for one hour, then expires. The declared byte count must match the sum of the
    parts named when it is completed.

    Args:
        body (CreateUploadRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | Upload]
    """

    kwargs = request_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: CreateUploadRequest,
) -> ErrorResponse | Upload | None:
    """Open an Upload that will receive a file of up to 8 GiB in parts.

     The Upload takes parts for one hour, then expires. The declared byte count must match the sum of the
    parts named when it is completed.

    Args:
        body (CreateUploadRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | Upload
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
