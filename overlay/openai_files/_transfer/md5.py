"""The whole file's md5, computed in file order in its own thread while parts upload out of order.

md5 does not compose from per-part digests, so one sequential pass is the only way; hashlib releases
the GIL on large buffers, so the pass runs beside the uploads at about one core's hashing speed.
"""

from __future__ import annotations

import hashlib
import threading

from .abort import SIGNAL_CHECK, AbortSignal
from .source import Source


class Md5Thread:
    """One sequential pass over the source; a failed upload stops it at its next read."""

    def __init__(self, source: Source, abort: AbortSignal, read_size: int) -> None:
        self._source = source
        self._abort = abort
        self._read_size = read_size
        self._digest: str | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="openai-files-md5", daemon=True)

    def start(self) -> Md5Thread:
        self._thread.start()
        return self

    def _run(self) -> None:
        h = hashlib.md5(usedforsecurity=False)
        offset = 0
        try:
            while offset < self._source.size:
                self._abort.check()
                n = min(self._read_size, self._source.size - offset)
                h.update(self._source.read_exact(offset, n))
                offset += n
            self._digest = h.hexdigest()
        except BaseException as exc:
            self._error = exc
            self._abort.abort(exc)

    def result(self) -> str:
        """The hex digest, once the pass is over; raises what stopped it."""
        while self._thread.is_alive():
            self._thread.join(SIGNAL_CHECK)
        if self._error is not None:
            raise self._error
        assert self._digest is not None
        return self._digest

    def join(self) -> None:
        self._thread.join()
