"""pytest fixtures: the emulator and clients on it, registered by the package's `pytest11` entry point.

Installing `openai-files[emulator]` is enough: pytest finds the fixtures in every suite of that
environment, as it finds pytest-httpx's. Without the extra the plugin still loads (it imports the server
only when a fixture is used) and a fixture says which extra to install.

- `emulator` (session): one server for the whole run; starting one costs about 50 ms.
- `fresh_emulator`: that server emptied before and after the test (objects, faults, clock, settings).
- `client`, `async_client`: an `openai_files` client pointed at it, with a 10 s network timeout.
- `emulator_env`: the test's own client state, taken by the three above. The state and cache
  directories (batch-job manifests, upload journals) are new folders of the test's, and every `OPENAI_*`
  variable is removed but `OPENAI_API_KEY` and `OPENAI_BASE_URL`, which point at the emulator; so a
  rerun never finds what an earlier one left.

Options (command line, or the ini key of the same name with underscores):
`--openai-files-emulator-api-key KEY` accepts only that key (by default any non-empty key passes),
so a test of code that reads the wrong key fails with 401 as it would against the service;
`--openai-files-emulator-fast` runs every batch to its end at its first retrieve, so a `wait` returns
in milliseconds; `--openai-files-emulator-webhook-url URL` (repeatable) has the emulator POST each batch
event there, signed with `--openai-files-emulator-webhook-secret` (default `$OPENAI_WEBHOOK_SECRET`),
which `emulator_env` then puts in `OPENAI_WEBHOOK_SECRET` for the receiver under test
(`fresh_emulator.webhooks.set(...)` does the same for one test).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

import openai_files_emulator  # its names import the server packages on first use, not here
from openai_files_emulator import EmulatorServer

from ._client import AsyncClient, Client

API_KEY_OPTION = "openai_files_emulator_api_key"
FAST_OPTION = "openai_files_emulator_fast"
WEBHOOK_URL_OPTION = "openai_files_emulator_webhook_url"
WEBHOOK_SECRET_OPTION = "openai_files_emulator_webhook_secret"
CLIENT_TIMEOUT = 10.0
# Variables the client reads besides the two the fixtures set: a user's shell must not leak into a test.
KEPT = ("OPENAI_API_KEY", "OPENAI_BASE_URL")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("openai-files-emulator")
    group.addoption(
        "--openai-files-emulator-api-key",
        dest=API_KEY_OPTION,
        metavar="KEY",
        help="the emulator accepts only this API key (default: any non-empty key)",
    )
    group.addoption(
        "--openai-files-emulator-fast",
        dest=FAST_OPTION,
        action="store_true",
        default=None,
        help="batches run to their end at their first retrieve",
    )
    group.addoption(
        "--openai-files-emulator-webhook-url",
        dest=WEBHOOK_URL_OPTION,
        action="append",
        metavar="URL",
        help="POST each batch event here (repeatable)",
    )
    group.addoption(
        "--openai-files-emulator-webhook-secret",
        dest=WEBHOOK_SECRET_OPTION,
        metavar="WHSEC",
        help="signing secret of the webhook events (default: $OPENAI_WEBHOOK_SECRET)",
    )
    parser.addini(WEBHOOK_URL_OPTION, "POST each batch event to these URLs", type="linelist", default=[])
    parser.addini(WEBHOOK_SECRET_OPTION, "signing secret of the webhook events", default="")
    parser.addini(API_KEY_OPTION, "the emulator accepts only this API key", default="")
    parser.addini(FAST_OPTION, "batches run to their end at their first retrieve", type="bool", default=False)


def _option(config: pytest.Config, name: str) -> object:
    value = config.getoption(name)
    return config.getini(name) if value is None else value


def _webhook_urls(config: pytest.Config) -> tuple[str, ...]:
    given = config.getoption(WEBHOOK_URL_OPTION) or config.getini(WEBHOOK_URL_OPTION)
    return tuple(str(url) for url in given)


@pytest.fixture(scope="session")
def emulator(pytestconfig: pytest.Config) -> Iterator[EmulatorServer]:
    """A running emulator: `.base_url` (ends in /v1), `.api_key`, `.faults`, `.batch_settings`, `.clock`,
    `.script`, `.reset()`, and `.emulator` (the state: `.requests.recent()` lists what was sent)."""
    key = str(_option(pytestconfig, API_KEY_OPTION) or "")
    fast = bool(_option(pytestconfig, FAST_OPTION))
    config = openai_files_emulator.EmulatorConfig(
        api_keys=frozenset({key}) if key else frozenset(),
        batches=openai_files_emulator.BatchConfig(pace="instant" if fast else "retrieve"),
        webhooks=openai_files_emulator.WebhookConfig(
            urls=_webhook_urls(pytestconfig),
            secret=str(
                _option(pytestconfig, WEBHOOK_SECRET_OPTION) or os.environ.get("OPENAI_WEBHOOK_SECRET", "")
            ),
        ),
    )
    with EmulatorServer(config) as server:
        yield server


@pytest.fixture
def fresh_emulator(emulator: EmulatorServer) -> Iterator[EmulatorServer]:
    """The session emulator, emptied before and after the test (objects, faults, clock, batch settings,
    scripted answers); each reset makes it a new instance, which resumable state recorded before refuses."""
    emulator.reset()
    yield emulator
    emulator.reset()


@pytest.fixture
def emulator_env(
    emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """This test's own client state: new state and cache folders, `OPENAI_*` pointing at the emulator.

    Returns the folder holding both (`state/` for batch jobs, `cache/` for upload journals).
    """
    home = tmp_path_factory.mktemp("openai-files")
    for name in [n for n in os.environ if n.startswith("OPENAI_") and n not in KEPT]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("OPENAI_API_KEY", emulator.api_key)
    monkeypatch.setenv("OPENAI_BASE_URL", emulator.base_url)
    if emulator.webhooks.config.secret:
        monkeypatch.setenv("OPENAI_WEBHOOK_SECRET", emulator.webhooks.config.secret)
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    return home


@pytest.fixture
def client(emulator: EmulatorServer, emulator_env: Path) -> Iterator[Client]:
    """An `openai_files.Client` on the emulator, in this test's own state (see `emulator_env`)."""
    with Client(api_key=emulator.api_key, base_url=emulator.base_url, timeout=CLIENT_TIMEOUT) as opened:
        yield opened


@pytest.fixture
async def async_client(emulator: EmulatorServer, emulator_env: Path) -> AsyncIterator[AsyncClient]:
    """An `openai_files.AsyncClient` on the emulator (an async fixture: run with anyio's or
    pytest-asyncio's plugin), in this test's own state."""
    async with AsyncClient(
        api_key=emulator.api_key, base_url=emulator.base_url, timeout=CLIENT_TIMEOUT
    ) as opened:
        yield opened
