"""Shared test configuration: the emulator's pytest plugin and the async backend."""

import pytest

pytest_plugins = ["openai_files_emulator.pytest_plugin"]


@pytest.fixture
def anyio_backend() -> str:
    """Async tests run on asyncio, the loop the client's users run."""
    return "asyncio"
