"""One token bucket shared by every part of an upload, so the cap holds whatever the concurrency."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import anyio

from .abort import AbortSignal

_MAX_SLEEP = 0.25
"""Sleep in slices so a failed upload stops a throttled part within this many seconds."""


class TokenBucket:
    """Hands out bytes at `rate` per second with bursts of at most `burst` bytes.

    A caller reserves its bytes at once (the balance may go negative) and then sleeps off the debt, so
    waiters are served in arrival order without a queue.
    """

    def __init__(self, rate: int, *, burst: int | None = None, clock: Callable[[], float] = time.monotonic):
        if rate < 1:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.burst = burst if burst is not None else max(rate // 8, 64 * 1024)
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens = float(self.burst)
        self._stamp = clock()

    def reserve(self, n: int) -> float:
        """Take `n` bytes; return how long to wait before sending them."""
        with self._lock:
            now = self._clock()
            self._tokens = min(float(self.burst), self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            self._tokens -= n
            return max(0.0, -self._tokens / self.rate)

    def consume(self, n: int, abort: AbortSignal | None = None) -> None:
        for pause in self._pauses(n, abort):
            time.sleep(pause)

    async def consume_async(self, n: int, abort: AbortSignal | None = None) -> None:
        for pause in self._pauses(n, abort):
            await anyio.sleep(pause)

    def _pauses(self, n: int, abort: AbortSignal | None) -> Iterator[float]:
        """Reserve `n` bytes, then the sleeps that pay off the debt, each after checking for a failure."""
        deadline = time.monotonic() + self.reserve(n)
        while (left := deadline - time.monotonic()) > 0:
            if abort is not None:
                abort.check()
            yield min(left, _MAX_SLEEP)
