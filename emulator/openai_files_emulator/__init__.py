"""A local, stateful emulator of the OpenAI Files, Uploads and Batches APIs (install the `emulator` extra)."""

from .app import Emulator, EmulatorApp, create_app
from .batches.settings import BatchConfig
from .clock import Clock
from .config import EmulatorConfig, Limits
from .faults import FaultConfig
from .server import EmulatorServer

__all__ = [
    "BatchConfig",
    "Clock",
    "Emulator",
    "EmulatorApp",
    "EmulatorConfig",
    "EmulatorServer",
    "FaultConfig",
    "Limits",
    "create_app",
]
