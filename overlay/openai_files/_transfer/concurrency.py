"""How many parts are in flight: a window that grows while the link gives, or a number the caller fixed
(a window that starts settled: `fixed`).

Pure: the schedule reports each finished part, and reads `limit`. So the sync and async drivers share it
through the schedule, and tests drive it with a model link.
"""

from __future__ import annotations

import logging
import math
import statistics

log = logging.getLogger("openai_files.transfer")

PAYING_SHARE = 0.6
"""A step pays when the rate grew by at least this share of the window's growth (noise leaves some)."""


class AdaptiveConcurrency:
    """Starts at `initial` parts in flight and grows by half while the link rewards it.

    The rate a window gives is its size times the median rate of its parts (bytes over the time from a
    part's start to its response), measured once half a window of parts started at that size, with the
    window full, have finished. Finished parts are what the service acknowledged: bytes merely written to
    a socket say little, as a socket buffer takes megabytes at once. The window grows again when its rate
    grew by `PAYING_SHARE` of what the window did, so each new connection still got most of its share:
    a link capped per connection (a long, thin pipe) is filled. The first step that does not pay means a
    shared limit was reached (the link's total, or the CPUs): the window settles on the connections that
    the measured rate needs at the per-connection rate of the last step that paid (never fewer than that
    step had), and stays there.
    """

    def __init__(self, *, initial: int, ceiling: int) -> None:
        if not 1 <= initial <= ceiling:
            raise ValueError("AdaptiveConcurrency needs 1 <= initial <= ceiling")
        self._limit = initial
        self._ceiling = ceiling
        self._samples: list[float] = []
        self._paid: tuple[int, float] | None = None
        """(window, rate) of the last step that paid."""
        self.settled = initial == ceiling

    @classmethod
    def fixed(cls, limit: int) -> AdaptiveConcurrency:
        """The caller's number, whatever the link does."""
        return cls(initial=limit, ceiling=limit)

    @property
    def limit(self) -> int:
        return self._limit

    def part_done(self, *, nbytes: int, seconds: float, window: int, full: bool) -> None:
        """A part of `nbytes` took `seconds` from start to response; it started when `limit` was
        `window`, and `full` says the window was full then (not the last few parts). Counted when it
        ran in the current, full window; the window is judged once half of it did."""
        if self.settled or not full or window != self._limit or seconds <= 0:
            return
        self._samples.append(nbytes / seconds)
        if len(self._samples) >= max(2, window // 2):
            rate = window * statistics.median(self._samples)
            self._samples = []
            self._step(rate)

    def _step(self, rate: float) -> None:
        window = self._limit
        if self._paid is not None:
            paid_window, paid_rate = self._paid
            if rate < paid_rate * (1 + (window / paid_window - 1) * PAYING_SHARE):
                needed = math.ceil(rate / (paid_rate / paid_window))
                self._limit = max(paid_window, min(window, needed))
                self.settled = True
                log.debug("window %d gave %.0f B/s: settles on %d", window, rate, self._limit)
                return
        self._paid = (window, rate)
        self._limit = min(self._ceiling, window + max(1, window // 2))
        self.settled = self._limit == window
        log.debug("window %d gave %.0f B/s: now %d", window, rate, self._limit)
