"""Shared test configuration: the async backend (the emulator's fixtures come from the pytest11 plugin)."""

import pytest


@pytest.fixture
def anyio_backend() -> str:
    """Async tests run on asyncio, the loop the client's users run."""
    return "asyncio"
