"""pytest fixtures for the emulator; enable with `pytest_plugins = ["openai_files_emulator.pytest_plugin"]`.

`emulator` is one server for the whole session (starting one costs about 50 ms, but sharing it
keeps state visible across a test's helpers); `fresh_emulator` resets it around a test that
injects faults, moves the clock or counts objects.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .server import EmulatorServer


@pytest.fixture(scope="session")
def emulator() -> Iterator[EmulatorServer]:
    """A running emulator: `.base_url` (ends in /v1), `.api_key`, `.faults`, `.clock`, `.reset()`."""
    with EmulatorServer() as server:
        yield server


@pytest.fixture
def fresh_emulator(emulator: EmulatorServer) -> Iterator[EmulatorServer]:
    """The session emulator, emptied before and after the test (objects, faults and clock)."""
    emulator.reset()
    yield emulator
    emulator.reset()
