"""The generated clients, which services also import on their own, time out like the overlay does."""

import httpx

from openai_files import Client
from openai_files_api import AuthenticatedClient
from openai_files_api import Client as GeneratedClient
from openai_files_api.client import DEFAULT_TIMEOUT


def test_generated_clients_have_the_overlays_default_timeouts() -> None:
    authenticated = AuthenticatedClient(base_url="http://127.0.0.1:9", token="sk-test")
    plain = GeneratedClient(base_url="http://127.0.0.1:9")

    assert DEFAULT_TIMEOUT.connect is not None
    assert DEFAULT_TIMEOUT.read is not None
    assert DEFAULT_TIMEOUT.write is not None
    assert DEFAULT_TIMEOUT.pool is not None
    for client in (authenticated, plain):
        assert client.get_httpx_client().timeout == DEFAULT_TIMEOUT
        assert client.get_async_httpx_client().timeout == DEFAULT_TIMEOUT
    with Client(api_key="sk-test", base_url="http://127.0.0.1:9") as overlay:
        assert overlay.timeout == DEFAULT_TIMEOUT


def test_an_explicit_timeout_still_wins() -> None:
    client = AuthenticatedClient(base_url="http://127.0.0.1:9", token="sk-test", timeout=httpx.Timeout(3.0))

    assert client.get_httpx_client().timeout == httpx.Timeout(3.0)
