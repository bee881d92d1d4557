"""Settings from arguments and the environment, checked before any request; TLS verification's default.

Pure functions, so no server: everything on the wire is tested over HTTP in `test_errors_http.py`.
"""

from __future__ import annotations

import ssl
from typing import Any

import httpx
import pytest

from openai_files._cli import main
from openai_files._client import Client
from openai_files._config import Settings
from openai_files._errors import ConfigurationError

KEY = "sk-canary-0123456789abcdef"


def test_settings_from_environment() -> None:
    env = {
        "OPENAI_API_KEY": KEY,
        "OPENAI_BASE_URL": "http://127.0.0.1:1234/v1/",
        "OPENAI_ORG_ID": "org-1",
        "OPENAI_PROJECT_ID": "proj-1",
    }
    settings = Settings.resolve(environ=env)
    assert settings.base_url == "http://127.0.0.1:1234/v1"
    headers = settings.headers()
    assert headers["OpenAI-Organization"] == "org-1"
    assert headers["OpenAI-Project"] == "proj-1"
    assert headers["User-Agent"].startswith("openai-files/")
    assert Settings.resolve(api_key="sk-arg", environ=env).api_key == "sk-arg"
    assert Settings.resolve(environ={"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": ""}).base_url.startswith(
        "https://"
    )
    assert KEY not in repr(settings)


@pytest.mark.parametrize(
    ("env", "message"),
    [({}, "no API key"), ({"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": "ftp://x"}, "base URL")],
)
def test_bad_settings_raise_before_any_request(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        Settings.resolve(environ=env)


def test_tls_verification_is_on_unless_turned_off() -> None:
    def context(client: Client) -> ssl.SSLContext:
        return client._http._transport._pool._ssl_context  # type: ignore[attr-defined,no-any-return]

    assert context(Client(api_key=KEY, base_url="https://127.0.0.1/v1")).verify_mode == ssl.CERT_REQUIRED
    assert (
        context(Client(api_key=KEY, base_url="https://127.0.0.1/v1", verify=False)).verify_mode
        == ssl.CERT_NONE
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"base_url": "::::"}, "is not a URL"),
        ({"base_url": "http://[::1"}, "is not a URL"),
        ({"timeout": -1.0}, "positive, finite"),
        ({"timeout": 0}, "positive, finite"),
        ({"timeout": float("nan")}, "positive, finite"),
        ({"timeout": float("inf")}, "positive, finite"),
        ({"timeout": httpx.Timeout(10.0, connect=-1.0)}, "timeout.connect"),
        ({"max_retries": -1}, "max_retries"),
        ({"max_retries": 1.5}, "max_retries"),
        ({"organization": "org-1\nX-Injected: 1"}, "OPENAI_ORG_ID"),
        ({"project": "proj-é"}, "OPENAI_PROJECT_ID"),
    ],
)
def test_unusable_settings_are_a_configuration_error(options: dict[str, Any], message: str) -> None:
    """Not httpx's InvalidURL, an OverflowError from the socket, or h11's header error at the first call."""
    with pytest.raises(ConfigurationError, match=message):
        Client(api_key=KEY, **options)
    if "timeout" in options or "max_retries" in options:
        client = Client(api_key=KEY)
        with pytest.raises(ConfigurationError, match=message):
            client.with_options(**options)


def test_cli_bad_base_url_is_one_line_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", "::::")
    assert main(["files", "ls"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("openai-files: error: base URL '::::' is not a URL") and err.count("\n") == 1
