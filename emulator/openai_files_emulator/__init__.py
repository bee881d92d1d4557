"""A local, stateful emulator of the OpenAI Files, Uploads and Batches APIs (the `emulator` extra).

Map, shaped as moto's services are:
- `files/`, `uploads/`, `batches/`: per API group a `backend.py` that owns every rule (plain Python,
  synchronous, thread-safe, testable with no server: `tests/emulator/test_backends.py`) and raises
  `errors.InvalidRequest` / `NotFound`; and a `routes.py` whose handlers turn wire values into Python
  values (`wire.py`), call one backend method in a worker thread and shape the answer. One handler in
  `app.py` (`wire.error_response`) maps every refusal to the service's status and envelope.
- `app.Emulator` holds one instance's state (backends, clock, faults, webhooks, settings); `create_app`
  wraps it in middleware (`middleware.py`, `faults.py`, `idempotency.py`, `recorder.py`) and the
  control plane (`admin.py`); `server.py` serves it on a socket.
- A batch's lifecycle is one table, `batches/lifecycle.TRANSITIONS`: validating -> in_progress ->
  finalizing -> completed; cancelling -> cancelled after a cancel; failed (refused input, input
  deleted) and expired (past `expires_at`) from any unfinished status. The pace says when a stage ends
  (`lifecycle.stage_end`): `retrieve`, one step per retrieve; `time`, after `stage_seconds` on the
  emulator's clock; `instant`, at once. Stages that end by themselves are taken when they fall due by
  any read, or by `batches/runner.Runner`, so a batch finishes (and its webhook goes out) unwatched.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._entry import INSTALL_HINT, SERVER_PACKAGES

if TYPE_CHECKING:
    from .app import Emulator as Emulator
    from .app import EmulatorApp as EmulatorApp
    from .app import create_app as create_app
    from .batches.script import Answer as Answer
    from .batches.settings import BatchConfig as BatchConfig
    from .clock import Clock as Clock
    from .config import EmulatorConfig as EmulatorConfig
    from .config import Limits as Limits
    from .faults import FaultConfig as FaultConfig
    from .server import EmulatorServer as EmulatorServer
    from .webhooks import WebhookConfig as WebhookConfig

# Exported names are imported on first use: `import openai_files_emulator` (and the command's entry point)
# works without the server packages, and using one without them says which extra to install.
_EXPORTS = {
    "Answer": ".batches.script",
    "BatchConfig": ".batches.settings",
    "Clock": ".clock",
    "Emulator": ".app",
    "EmulatorApp": ".app",
    "EmulatorConfig": ".config",
    "EmulatorServer": ".server",
    "FaultConfig": ".faults",
    "Limits": ".config",
    "WebhookConfig": ".webhooks",
    "create_app": ".app",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:
        return getattr(importlib.import_module(module, __name__), name)
    except ModuleNotFoundError as exc:
        package = (exc.name or "").partition(".")[0]
        if package not in SERVER_PACKAGES:
            raise
        raise ModuleNotFoundError(
            f"openai_files_emulator needs the `emulator` extra ({package} missing): {INSTALL_HINT}",
            name=package,
        ) from exc
