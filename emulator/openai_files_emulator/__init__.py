"""A local, stateful emulator of the OpenAI Files, Uploads and Batches APIs (the `emulator` extra)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._entry import INSTALL_HINT, SERVER_PACKAGES

if TYPE_CHECKING:
    from .app import Emulator, EmulatorApp, create_app
    from .batches.script import Answer
    from .batches.settings import BatchConfig
    from .clock import Clock
    from .config import EmulatorConfig, Limits
    from .faults import FaultConfig
    from .server import EmulatorServer
    from .webhooks import WebhookConfig

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

__all__ = [
    "Answer",
    "BatchConfig",
    "Clock",
    "Emulator",
    "EmulatorApp",
    "EmulatorConfig",
    "EmulatorServer",
    "FaultConfig",
    "Limits",
    "WebhookConfig",
    "create_app",
]


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
