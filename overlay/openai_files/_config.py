"""Client settings, resolved once from arguments, then the environment, then defaults."""

from __future__ import annotations

import dataclasses
import os
import platform
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import metadata
from typing import TypedDict, Unpack

import httpx

from ._errors import ConfigurationError

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_LIMITS",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "Settings",
    "SettingsOptions",
]

DEFAULT_BASE_URL = "https://api.openai.com/v1"
# Connect fails fast; read and write are per socket operation in httpx, so ten minutes covers a 64 MB part
# on a slow link and a service that takes its time to assemble a large upload.
DEFAULT_TIMEOUT = httpx.Timeout(600.0, connect=10.0, pool=60.0)
DEFAULT_MAX_RETRIES = 2
DEFAULT_LIMITS = httpx.Limits(max_connections=64, max_keepalive_connections=16)
REDACTED = "[redacted]"


def _user_agent() -> str:
    try:
        version = metadata.version("openai-files")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        version = "0+unknown"
    return f"openai-files/{version} python/{platform.python_version()} httpx/{httpx.__version__}"


class SettingsOptions(TypedDict, total=False):
    """The clients' keyword arguments; each one given overrides its environment variable or default."""

    api_key: str | None
    base_url: str | None
    organization: str | None
    project: str | None
    timeout: float | httpx.Timeout | None
    max_retries: int | None
    verify: bool | str | ssl.SSLContext


@dataclass(frozen=True)
class Settings:
    """What a client needs to reach the service; `api_key` is kept out of repr."""

    api_key: str = field(repr=False)
    base_url: str
    organization: str | None
    project: str | None
    timeout: httpx.Timeout
    max_retries: int
    verify: bool | str | ssl.SSLContext

    @classmethod
    def resolve(
        cls, *, environ: Mapping[str, str] | None = None, **options: Unpack[SettingsOptions]
    ) -> Settings:
        """Arguments win over `OPENAI_*` variables; an empty variable counts as unset."""
        env = os.environ if environ is None else environ
        key = options.get("api_key") or env.get("OPENAI_API_KEY")
        if not key:
            raise ConfigurationError("no API key: pass api_key= or set OPENAI_API_KEY")
        url = (options.get("base_url") or env.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        parsed = httpx.URL(url)
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise ConfigurationError(f"base URL must be http(s)://host[/path], got {url!r}")
        return cls(
            api_key=key,
            base_url=url,
            organization=options.get("organization") or env.get("OPENAI_ORG_ID") or None,
            project=options.get("project") or env.get("OPENAI_PROJECT_ID") or None,
            timeout=DEFAULT_TIMEOUT,
            max_retries=DEFAULT_MAX_RETRIES,
            verify=options.get("verify", True),
        ).replace(timeout=options.get("timeout"), max_retries=options.get("max_retries"))

    def replace(self, *, timeout: float | httpx.Timeout | None, max_retries: int | None) -> Settings:
        """These settings with another timeout or retry budget; None keeps the current one."""
        if max_retries is not None and max_retries < 0:
            raise ConfigurationError(f"max_retries must be >= 0, got {max_retries}")
        return dataclasses.replace(
            self,
            timeout=self.timeout if timeout is None else _as_timeout(timeout),
            max_retries=self.max_retries if max_retries is None else max_retries,
        )

    def headers(self) -> dict[str, str]:
        """Headers every request carries."""
        headers = {"Authorization": f"Bearer {self.api_key}", "User-Agent": _user_agent()}
        if self.organization:
            headers["OpenAI-Organization"] = self.organization
        if self.project:
            headers["OpenAI-Project"] = self.project
        return headers

    def redact(self, text: str) -> str:
        """`text` with every occurrence of the API key replaced: servers and proxies do quote it back."""
        return text.replace(self.api_key, REDACTED) if self.api_key in text else text


def _as_timeout(timeout: float | httpx.Timeout | None) -> httpx.Timeout:
    if timeout is None:
        return DEFAULT_TIMEOUT
    if isinstance(timeout, httpx.Timeout):
        return timeout
    return httpx.Timeout(timeout, connect=min(timeout, DEFAULT_TIMEOUT.connect or timeout))
