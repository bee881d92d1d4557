"""The one scheduler of both directions: which parts start now, and what a finished part means.

Pure: no thread, no task, no I/O. A part is whatever its planner cut (an upload's part index, a
download's byte range); the drivers (`drivers.py`) start what `to_start` hands out and report each part
that finished. The first error aborts the transfer (`AbortSignal`): no part starts after it.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Iterator
from typing import Generic, TypeVar

from .abort import AbortSignal
from .concurrency import AdaptiveConcurrency

T = TypeVar("T", bound=Hashable)
R = TypeVar("R")


class Schedule(Generic[T, R]):
    """The parts still to run, those in flight, and the transfer's first error."""

    def __init__(
        self,
        parts: Iterable[T],
        *,
        concurrency: AdaptiveConcurrency,
        abort: AbortSignal,
        done: Callable[[T, R], None],
        size: Callable[[T], int],
    ) -> None:
        """`done` records a part's result; `size` gives its bytes, for an adaptive `concurrency`."""
        self._todo = deque(parts)
        self._concurrency = concurrency
        self.abort = abort
        self._done = done
        self._size = size
        self._starts: dict[T, tuple[float, int, bool]] = {}
        """When each part in flight started, the window then, and whether it filled the window."""

    @property
    def in_flight(self) -> int:
        return len(self._starts)

    def to_start(self) -> Iterator[T]:
        """Parts to start now: while the window has room and nothing has failed (back-pressure)."""
        while self._todo and self.in_flight < self._concurrency.limit and self.abort.error is None:
            part = self._todo.popleft()
            limit = self._concurrency.limit
            self._starts[part] = (time.monotonic(), limit, bool(self._todo) or self.in_flight + 1 >= limit)
            yield part

    def settle(self, part: T, outcome: R | BaseException) -> None:
        """Record a finished part's result; its error aborts the transfer."""
        started, window, full = self._starts.pop(part)
        if isinstance(outcome, BaseException):
            self.abort.abort(outcome)
            return
        self._done(part, outcome)
        seconds = time.monotonic() - started
        self._concurrency.part_done(nbytes=self._size(part), seconds=seconds, window=window, full=full)

    def raise_failure(self) -> None:
        if (error := self.abort.error) is not None:
            raise error
