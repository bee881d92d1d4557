"""How many parts are in flight: a number the caller fixed, or a window that grows while the link gives.

Both are pure: the drivers report the bytes sent so far and the time, and read `limit`. So the sync and
async drivers share them through the engine's schedule, and tests drive them with made-up clocks.
"""

from __future__ import annotations

import math
from typing import Protocol

PAYING_SHARE = 0.6
"""A step pays when the rate grew by at least this share of the window's growth (noise leaves some)."""


class Concurrency(Protocol):
    """The schedule's view: how many parts may be in flight now."""

    @property
    def limit(self) -> int: ...

    def observe(self, *, sent: int, now: float, full: bool) -> None:
        """`sent` bytes have left so far at monotonic time `now`; `full`: `limit` parts are in flight."""
        ...


class FixedConcurrency:
    """The caller's number, whatever the link does."""

    def __init__(self, limit: int) -> None:
        self._limit = limit

    @property
    def limit(self) -> int:
        return self._limit

    def observe(self, *, sent: int, now: float, full: bool) -> None:
        """A fixed window learns nothing."""


class AdaptiveConcurrency:
    """Starts at `initial` parts in flight and grows by half while the link rewards it.

    Each step waits `settle` seconds (new connections start; a request's latency passes and socket
    buffers fill, which would read as a burst), then measures the send rate over `epoch` seconds of a
    full window. The window grows again when that rate grew by `PAYING_SHARE` of what the window did, so
    each new connection still got most of its share: a link capped per connection (a long, thin pipe) is
    filled. The first step that does not pay means a shared limit was reached (the link's total, or the
    CPUs): the window settles on the connections that the measured rate needs at the per-connection
    rate of the last step that paid (never fewer than that step had), and stays there.
    """

    def __init__(self, *, initial: int, ceiling: int, settle: float = 0.3, epoch: float = 0.6) -> None:
        if not 1 <= initial <= ceiling:
            raise ValueError("AdaptiveConcurrency needs 1 <= initial <= ceiling")
        self._limit = initial
        self._ceiling = ceiling
        self._settle = settle
        self._epoch = epoch
        self._changed_at: float | None = None
        self._mark: tuple[float, int] | None = None
        self._paid: tuple[int, float] | None = None
        """(window, rate) of the last step that paid."""
        self.settled = initial == ceiling

    @property
    def limit(self) -> int:
        return self._limit

    def observe(self, *, sent: int, now: float, full: bool) -> None:
        """Measure while the window is full; at the end of an epoch, grow or settle."""
        if self.settled:
            return
        if not full:  # the last parts: nothing more to learn from this window
            self._mark = None
            return
        if self._changed_at is None:
            self._changed_at = now
        if now - self._changed_at < self._settle:
            return
        if self._mark is None:
            self._mark = (now, sent)
            return
        started, sent_then = self._mark
        if now - started >= self._epoch:
            self._step((sent - sent_then) / (now - started), now)

    def _step(self, rate: float, now: float) -> None:
        window = self._limit
        if self._paid is not None:
            paid_window, paid_rate = self._paid
            if rate < paid_rate * (1 + (window / paid_window - 1) * PAYING_SHARE):
                needed = math.ceil(rate / (paid_rate / paid_window))
                self._limit = max(paid_window, min(window, needed))
                self.settled = True
                return
        self._paid = (window, rate)
        self._limit = min(self._ceiling, window + max(1, window // 2))
        self.settled = self._limit == window
        self._changed_at, self._mark = now, None
