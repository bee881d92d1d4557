"""The clock's hand in the lifecycle: batch stages end when they fall due, with nobody retrieving."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from ..clock import Clock
from .backend import BatchesBackend

logger = logging.getLogger(__name__)


class Runner:
    """A thread that takes every stage change when it falls due on the emulator's clock
    (`BatchesBackend.settle`), so under the `time` and `instant` paces a batch finishes, and its webhook
    event goes out, though no client looks at it. `wake()` after anything that may bring one sooner: a
    new or cancelled batch, new settings, a moved clock."""

    def __init__(self, batches: BatchesBackend, clock: Clock) -> None:
        self._batches = batches
        self._clock = clock
        self._wake = threading.Event()
        self._stop = threading.Event()

    def wake(self) -> None:
        self._wake.set()

    @contextmanager
    def running(self) -> Iterator[None]:
        """The thread runs for the duration of the block (the server's lifespan)."""
        self._stop.clear()
        thread = threading.Thread(target=self._run, name="openai-files-emulator batches", daemon=True)
        thread.start()
        try:
            yield
        finally:
            self._stop.set()
            self._wake.set()
            thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._batches.settle()
            except Exception:  # a broken batch must not stop the others for good: look again in a second
                logger.exception("moving batches on failed")
                self._stop.wait(1.0)
            due = self._batches.next_due()
            self._wake.wait(None if due is None else max(0.0, due - self._clock.now()))
            self._wake.clear()
