"""Settings from arguments and the environment, checked before any request; TLS verification's default.

Pure functions, so no server (`test_errors_http.py` tests the wire), except TLS verification, checked
against a local HTTPS server.
"""

from __future__ import annotations

import http.server
import json
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import trustme

from openai_files._cli import main
from openai_files._client import Client
from openai_files._config import Settings
from openai_files._errors import APIConnectionError, ConfigurationError, NotFoundError

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


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """An HTTPS server on 127.0.0.1 whose certificate a CA of its own signed (no trust store knows it),
    answering every request with a 404 error envelope; yields its base URL and the CA's PEM file."""
    authority = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    ca_file = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))

    class NotFound(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps(
                {"error": {"message": "no such file", "type": "invalid_request_error"}}
            ).encode()
            self.send_response(404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), NotFound)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}/v1", ca_file
    finally:
        server.shutdown()
        server.server_close()


def test_tls_verification_is_on_unless_turned_off(tls_server: tuple[str, Path]) -> None:
    """Over TLS: a certificate no trusted CA signed is refused by default; `verify=False` or the CA's
    file in the `verify` context reach the server (its 404 comes back)."""
    base_url, ca_file = tls_server

    with (
        Client(api_key=KEY, base_url=base_url, timeout=10.0, max_retries=0) as default,
        pytest.raises(APIConnectionError, match="CERTIFICATE_VERIFY_FAILED"),
    ):
        default.files.retrieve("file-1")
    for verify in (False, ssl.create_default_context(cafile=ca_file)):
        with (
            Client(api_key=KEY, base_url=base_url, timeout=10.0, max_retries=0, verify=verify) as client,
            pytest.raises(NotFoundError, match="no such file"),
        ):
            client.files.retrieve("file-1")


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
