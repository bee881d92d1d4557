"""Which service resumable state belongs to: a job's manifest and an upload's journal record it.

A batch id or Upload id means something only to the service that made it, and the emulator makes the
same ids again after a restart or reset (they are seeded). So state records the base URL, and the
emulator's instance id where the service sends one (the `openai-files-emulator-instance` header; the
real service sends none); resuming it against another service raises `ServiceMismatchError` naming
both, rather than reading another service's objects or reusing results it never produced.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import httpx

from ._errors import ServiceMismatchError

INSTANCE_HEADER = "openai-files-emulator-instance"


@dataclass(frozen=True)
class ServiceIdentity:
    """Which service a client talks to (`Client.service`), as resumable state records it."""

    base_url: str
    instance: str | None
    """The emulator's instance id; None for a service that names none (the real one)."""

    def describe(self) -> str:
        """The base URL, and the emulator instance where there is one, for messages."""
        return self.base_url + (f" (emulator instance {self.instance})" if self.instance else "")

    def to_json(self) -> dict[str, Any]:
        """What a manifest or journal records; `from_json` reads it back."""
        return {"base_url": self.base_url, "instance": self.instance}

    @classmethod
    def from_json(cls, data: object) -> ServiceIdentity | None:
        """The identity recorded as `to_json` made it; None for state written before it was recorded."""
        if not isinstance(data, dict) or not isinstance(data.get("base_url"), str):
            return None
        instance = data.get("instance")
        return cls(data["base_url"], instance if isinstance(instance, str) else None)

    def same_as(self, current: ServiceIdentity) -> bool:
        """True when state recorded for this service may go on against `current`: the same base URL,
        and the same instance when one was recorded (state may have been recorded before any answer)."""
        return self.base_url == current.base_url and self.instance in (None, current.instance)

    def asks_instance(self, base_url: str) -> bool:
        """True when telling this recorded service from the one at `base_url` needs that one's instance."""
        return self.instance is not None and self.base_url == base_url

    def check_resumes(self, recorded: ServiceIdentity | None, *, what: str) -> None:
        """Raise `ServiceMismatchError` when state recorded for `recorded` is resumed against this one."""
        if recorded is None or recorded.same_as(self):
            return
        raise ServiceMismatchError(
            f"{what} belongs to {recorded.describe()}, not {self.describe()}: resume it against that "
            "service, or start it anew under another name",
            recorded=recorded.describe(),
            current=self.describe(),
        )


class InstanceSeen:
    """The instance id of the last answer a client (and its copies) got; None before any."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._instance: str | None = None
        self.answered = False

    def note(self, response: httpx.Response) -> None:
        with self._lock:
            self._instance = response.headers.get(INSTANCE_HEADER)
            self.answered = True

    @property
    def instance(self) -> str | None:
        return self._instance
