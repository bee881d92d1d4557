"""The app factory: one `Emulator` owns all state, and `create_app` wraps it in HTTP."""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Mount

from . import admin
from .batches import routes as batch_routes
from .batches.backend import BatchesBackend
from .batches.runner import Runner
from .batches.settings import BatchSettings
from .blobs import BlobStore
from .config import EmulatorConfig
from .errors import HttpError, InvalidRequest, ServiceError
from .faults import DroppedConnection, FaultMiddleware, Faults
from .files import routes as file_routes
from .files.backend import FilesBackend
from .idempotency import IdempotencyMiddleware, IdempotencyStore
from .ids import IdFactory
from .middleware import AuthMiddleware, HeadCapMiddleware, RequestIdMiddleware
from .recorder import RecordingMiddleware, RequestLog
from .uploads import routes as upload_routes
from .uploads.backend import UploadsBackend
from .webhooks import Webhooks
from .wire import error_response

log = logging.getLogger(__name__)


class Emulator:
    """The state of one emulator and its control API (faults, clock, reset), usable without HTTP."""

    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.clock = config.clock
        self.faults = Faults(config.faults)
        self.requests = RequestLog()
        self.idempotency = IdempotencyStore(self.clock, enabled=config.idempotency_keys)
        self.blobs = BlobStore(config.data_dir)
        self.ids = IdFactory(config.seed)
        limits = config.limits
        self.files = FilesBackend(self.blobs, self.clock, self.ids, limits, status=config.file_status)
        self.uploads = UploadsBackend(self.files, self.blobs, self.clock, self.ids, limits)
        self.batch_settings = BatchSettings(config.batches)
        self.batches = BatchesBackend(
            self.files, self.blobs, self.clock, self.ids, limits, settings=self.batch_settings
        )
        self.instance = secrets.token_hex(8)
        """Names this emulator's objects apart from another's (ids repeat: they are seeded); every
        answer carries it as `openai-files-emulator-instance`, and each reset draws a new one."""
        self.webhooks = Webhooks(config.webhooks, self.clock, self.requests)
        self.batches.on_end = self.webhooks.batch_ended
        self.runner = Runner(self.batches, self.clock)
        self.batches.on_change = self.batch_settings.on_change = self.runner.wake
        self.clock.on_advance(self.runner.wake)

    def reset(self) -> None:
        """Forget every object, body, logged request and kept idempotent answer, clear faults, rewind
        the clock and reseed ids; batch behaviour, the idempotency store's being on and the files'
        `status` go back to what the emulator started with."""
        for backend in (self.batches, self.uploads, self.files):  # batches first: they publish files
            backend.clear()
        self.blobs.clear()
        self.ids.reseed(self.config.seed)
        self.faults.clear()
        self.batch_settings.clear()
        self.webhooks.clear()
        self.requests.clear()
        self.idempotency.clear()
        self.idempotency.enabled = self.config.idempotency_keys
        self.files.status = self.config.file_status
        self.clock.reset()
        self.instance = secrets.token_hex(8)

    def close(self) -> None:
        self.blobs.close()


class EmulatorApp(Starlette):
    emulator: Emulator


def create_app(config: EmulatorConfig | None = None) -> EmulatorApp:
    emulator = Emulator(config or EmulatorConfig())
    limits = emulator.config.limits
    v1 = [
        *file_routes.routes(emulator.files, emulator.blobs, limits),
        *upload_routes.routes(emulator.uploads, emulator.blobs, limits),
        *batch_routes.routes(emulator.batches),
    ]
    app = EmulatorApp(
        routes=[Mount("/v1", routes=v1), *admin.routes(emulator)],
        middleware=[
            Middleware(HeadCapMiddleware),
            Middleware(RequestIdMiddleware, emulator=emulator),
            Middleware(RecordingMiddleware, log=emulator.requests),
            Middleware(AuthMiddleware, api_keys=emulator.config.api_keys),
            Middleware(FaultMiddleware, faults=emulator.faults),
            # Inside the faults, so an answer lost to one is kept, and its retry answered from the store.
            Middleware(IdempotencyMiddleware, store=emulator.idempotency),
        ],
        exception_handlers={ServiceError: _refused, HTTPException: _http_error, Exception: _server_error},
        lifespan=_lifespan,
    )
    app.emulator = emulator
    return app


@asynccontextmanager
async def _lifespan(app: EmulatorApp) -> AsyncIterator[None]:
    """While serving: the batch runner and the webhook sender (idle until a URL is registered)."""
    with app.emulator.runner.running():
        async with app.emulator.webhooks.running():
            yield


async def _refused(request: Request, exc: Exception) -> Response:
    """Every refusal a route or backend raises, in the service's envelope and status."""
    assert isinstance(exc, ServiceError)
    return error_response(exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own 404/405 (unknown path or method), in the service's envelope."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        message = f"{request.method} is not allowed on {request.url.path}."
        return error_response(HttpError(405, message, headers=exc.headers))
    return error_response(HttpError(404, f"Unknown path {request.url.path}.", code="unknown_url"))


async def _server_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, DroppedConnection):
        raise exc
    if isinstance(exc, ClientDisconnect):  # nobody is left to read an answer: nothing went wrong here
        log.info("client went away before the body of %s %s ended", request.method, request.url.path)
        return error_response(InvalidRequest("The client went away before the body ended."))
    log.exception("unexpected error handling %s %s", request.method, request.url.path)
    message = "The emulator failed while handling this request."
    return error_response(HttpError(500, message, error_type="server_error"))
