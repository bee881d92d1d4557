"""Object ids shaped like the service's, drawn from a seeded generator so a run can be replayed."""

from __future__ import annotations

import random
import string
import threading

_ALPHABET = string.ascii_letters + string.digits


class IdFactory:
    def __init__(self, seed: int | None) -> None:
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    def reseed(self, seed: int | None) -> None:
        with self._lock:
            self._rng = random.Random(seed)

    def token(self, length: int = 24) -> str:
        with self._lock:
            return "".join(self._rng.choices(_ALPHABET, k=length))

    def file(self) -> str:
        return f"file-{self.token()}"

    def upload(self) -> str:
        return f"upload_{self.token()}"

    def part(self) -> str:
        return f"part_{self.token()}"

    def batch(self) -> str:
        return f"batch_{self.token(32)}"

    def request(self) -> str:
        with self._lock:
            return "req_" + "".join(self._rng.choices("0123456789abcdef", k=32))
