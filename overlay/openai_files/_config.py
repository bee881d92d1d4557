"""Client settings, resolved once from arguments, then the environment, then defaults."""

from __future__ import annotations

import dataclasses
import functools
import math
import os
import platform
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypedDict, Unpack

import httpx

from ._errors import ConfigurationError
from ._generated import DEFAULT_TIMEOUT
from ._log_scrub import Redactor
from ._version import __version__

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_LIMITS",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "Settings",
    "SettingsOptions",
]

DEFAULT_BASE_URL = "https://api.openai.com/v1"
DEFAULT_MAX_RETRIES = 2
# Why 64 connections, 16 kept alive (`make bench-calls`, docs/BENCHMARKS.md, "Small calls"): with httpx
# 0.28 / httpcore 1.0.x, each time a request starts or ends the pool walks all its connections and
# matches every queued request against them, so the table's rows with the official SDK's pool (1,000
# connections, 100 kept alive) cost more client CPU than ours. The price of 16: httpcore counts all
# connections against it, so while more than 16 are open a freed one is closed rather than reused
# (encode/httpcore#1000); on a real network that is a new handshake for the next call, which the loopback
# benchmark does not see. `AsyncClient` also holds one of `max_connections` permits per request in
# flight (`AsyncClient._permit`), which keeps httpcore's queue short. Upload memory does not depend on
# the pool: parts in flight are the upload's own window (at most 16).
DEFAULT_LIMITS = httpx.Limits(max_connections=64, max_keepalive_connections=16)


def _user_agent() -> str:
    return f"openai-files/{__version__} python/{platform.python_version()} httpx/{httpx.__version__}"


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
        key = _checked_key(options.get("api_key"), env.get("OPENAI_API_KEY"))
        url = (options.get("base_url") or env.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        return cls(
            api_key=key,
            base_url=_checked_base_url(url),
            organization=_header_value(
                "OPENAI_ORG_ID", options.get("organization") or env.get("OPENAI_ORG_ID")
            ),
            project=_header_value(
                "OPENAI_PROJECT_ID", options.get("project") or env.get("OPENAI_PROJECT_ID")
            ),
            timeout=DEFAULT_TIMEOUT,
            max_retries=DEFAULT_MAX_RETRIES,
            verify=options.get("verify", True),
        ).replace(timeout=options.get("timeout"), max_retries=options.get("max_retries"))

    def replace(self, *, timeout: float | httpx.Timeout | None, max_retries: int | None) -> Settings:
        """These settings with another timeout or retry budget; None keeps the current one."""
        if max_retries is not None and (
            isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0
        ):
            raise ConfigurationError(
                f"max_retries must be a whole number >= 0, got {max_retries!r}", param="max_retries"
            )
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

    @functools.cached_property
    def _redactor(self) -> Redactor:
        return Redactor([self.api_key])

    def redact(self, text: str) -> str:
        """`text` with the API key replaced in every escaped form: servers and proxies do quote it back."""
        return self._redactor(text)


def _checked_key(argument: str | None, variable: str | None) -> str:
    """The key, refused unless it can travel in a header: a message never quotes it.

    One trailing newline (what `open(path).read()` gives) is dropped; any other control character,
    space or non-ASCII character is a copy-paste accident, and sending it would fail in the HTTP
    library with the key in its message.
    """
    source = "api_key" if argument else "OPENAI_API_KEY"
    key = argument or variable
    if not key:
        raise ConfigurationError("no API key: pass api_key= or set OPENAI_API_KEY", param="api_key")
    key = key.removesuffix("\n").removesuffix("\r") if key.endswith("\n") else key
    for position, char in enumerate(key, start=1):
        if not "!" <= char <= "~":
            kind = (
                "a space" if char == " " else "a non-ASCII character" if char > "~" else "a control character"
            )
            raise ConfigurationError(
                f"{source} has {kind} at position {position} of {len(key)}; an API key is printable ASCII "
                "without spaces (the key is not shown)",
                param="api_key",
            )
    if not key:
        raise ConfigurationError(f"{source} is only a line break: no API key", param="api_key")
    return key


def _header_value(name: str, value: str | None) -> str | None:
    """An organization or project id, refused when it cannot be sent as a header."""
    if value and not all(" " <= char <= "~" for char in value):
        raise ConfigurationError(
            f"{name} may hold only printable ASCII characters, got {value!r}", param=name.lower()
        )
    return value or None


def _checked_base_url(url: str) -> str:
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise ConfigurationError(f"base URL {url!r} is not a URL: {exc}", param="base_url") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ConfigurationError(f"base URL must be http(s)://host[/path], got {url!r}", param="base_url")
    return url


def _as_timeout(timeout: float | httpx.Timeout | None) -> httpx.Timeout:
    """A timeout for httpx: positive, finite seconds (None inside an `httpx.Timeout` waits forever)."""
    if timeout is None:
        return DEFAULT_TIMEOUT
    if isinstance(timeout, httpx.Timeout):
        for name, seconds in timeout.as_dict().items():
            if seconds is not None:
                _check_seconds(f"timeout.{name}", seconds)
        return timeout
    _check_seconds("timeout", timeout)
    return httpx.Timeout(timeout, connect=min(timeout, DEFAULT_TIMEOUT.connect or timeout))


def _check_seconds(name: str, seconds: object) -> None:
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not 0 < seconds < math.inf:
        raise ConfigurationError(
            f"{name} must be a positive, finite number of seconds, got {seconds!r}", param="timeout"
        )
