"""The speculative md5 of an upload: its parts hashed in the order their requests started.

Clients send parts in file order through a bounded window, so the order in which part requests
start is almost always the order complete will name them in. Hashing in that order while parts
arrive leaves complete with the last few parts to hash instead of the whole upload. It is only a
head start: complete continues from the longest prefix hashed in the order it was given and
hashes the rest itself, so a wrong guess costs time, never a wrong verdict.

Every part is hashed into a copy of the digest so far, which becomes the next checkpoint only
once the part is registered and exactly its bytes went in: a part that fails or is dropped leaves
no trace. The part at the head of the line is hashed from the wire (what is already on disk first)
for as long as the hasher keeps up, and the rest of it from its file once it is complete; the
wire never waits for the hasher. The bookkeeping runs on the event loop; only copies of digests
cross to the one hasher thread (`BlobStore.hasher`), whose first-in-first-out order keeps each
part's jobs in order.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import deque
from concurrent.futures import Executor, Future
from concurrent.futures import wait as wait_all
from pathlib import Path

from ..blobs import READ_BLOCK, Buffers, SpoolFile, Tap

# Bytes handed to the hasher and not yet hashed, per part, before the rest waits for its file.
MAX_LAG = 8 * 1024 * 1024


class _Running:
    """A part's digest in the making (touched only by the hasher thread until sealed)."""

    def __init__(self, start: hashlib._Hash) -> None:
        self.digest = start
        self.fed = 0  # written by the hasher thread only
        self.handed = 0  # the end of the bytes handed over so far; event loop only
        self.failed = False

    def feed(self, buffers: Buffers) -> None:
        try:
            for buffer in buffers:
                self.digest.update(buffer)
                self.fed += len(buffer)
        except Exception:  # nobody awaits this job: leave the verdict to the seal
            self.failed = True

    def read(self, path: Path, end: int | None, writes: list[Future[None]]) -> None:
        """Feed the file's bytes after those fed, up to `end` (all if None), once `writes` are done."""
        wait_all(writes)
        try:
            with path.open("rb") as source:
                source.seek(self.fed)
                while end is None or self.fed < end:
                    block = source.read(READ_BLOCK if end is None else min(READ_BLOCK, end - self.fed))
                    if not block:
                        break
                    self.digest.update(block)
                    self.fed += len(block)
        except OSError:  # the part went away (dropped, or the upload ended): the seal refuses it
            self.failed = True
        if end is not None and self.fed != end:
            self.failed = True  # a short file: what the wire hands over next would not follow on


class Slot:
    """One part request, from its head to its outcome, at its place in the chain."""

    def __init__(self, chain: Md5Chain) -> None:
        self._chain = chain
        self.spool: SpoolFile | None = None
        self.part_id: str | None = None
        self.path: Path | None = None
        self.size = 0
        self.dropped = False

    def receiving(self, spool: SpoolFile) -> None:
        self.spool = spool
        self._chain.advance()

    def ready(self, part_id: str, path: Path, size: int) -> None:
        self.part_id, self.path, self.size = part_id, path, size
        self._chain.ready(self)

    def drop(self) -> None:
        if self.part_id is None and not self.dropped:
            self.dropped = True
            self._chain.dropped(self)


class Md5Chain:
    def __init__(self, hasher: Executor) -> None:
        self._hasher = hasher
        self._line: deque[Slot] = deque()
        self.hashed: list[str] = []  # part ids in chain order
        self._checkpoints = [hashlib.md5(usedforsecurity=False)]  # [i]: the digest of hashed[:i]
        self._current: Slot | None = None
        self._running: _Running | None = None
        self._paused = False
        self._stopped = False
        self._changed = asyncio.Event()

    def start(self) -> Slot:
        """A part request's head arrived: its place in line."""
        slot = Slot(self)
        self._line.append(slot)
        self.advance()
        return slot

    def advance(self) -> None:
        """Start on the part at the head of the line if nothing is being hashed."""
        if self._current is not None or self._paused or self._stopped:
            return
        while self._line and self._line[0].dropped:
            self._line.popleft()
        if not self._line:
            return
        slot = self._line[0]
        running = _Running(self._checkpoints[-1].copy())
        if slot.path is not None:
            self._current, self._running = slot, running
            self._finish(slot, running)
        elif slot.spool is not None and (start := slot.spool.follow(self._tap(running))) is not None:
            running.handed, writes = start
            self._hasher.submit(running.read, slot.spool.path, running.handed, writes)
            self._current, self._running = slot, running
        # Otherwise its body has not started, or is complete but not yet registered: wait.

    def _tap(self, running: _Running) -> Tap:
        def tap(buffers: Buffers) -> bool:
            size = sum(len(buffer) for buffer in buffers)
            if running.handed + size - running.fed > MAX_LAG:
                return False  # the hasher is behind: the rest comes from the file
            running.handed += size
            self._hasher.submit(running.feed, buffers)
            return True

        return tap

    def ready(self, slot: Slot) -> None:
        if slot is self._current and self._running is not None:
            self._finish(slot, self._running)
        else:
            self.advance()

    def _finish(self, slot: Slot, running: _Running) -> None:
        """Hash what the wire did not hand over from the part's file, then seal it."""
        assert slot.path is not None
        # First in, first out: these run after every job already queued for the part.
        self._hasher.submit(running.read, slot.path, None, [])
        sealed = asyncio.wrap_future(self._hasher.submit(lambda: None))
        sealed.add_done_callback(lambda _: self._seal(slot, running))

    def _seal(self, slot: Slot, running: _Running) -> None:
        if slot is not self._current or self._stopped:
            return
        assert slot.part_id is not None
        self._current = self._running = None
        if running.failed or running.fed != slot.size:
            self._stopped = True  # something unforeseen: keep the checkpoints, guess no further
        else:
            self._line.popleft()
            self._checkpoints.append(running.digest)
            self.hashed.append(slot.part_id)
        self._changed.set()
        self.advance()

    def dropped(self, slot: Slot) -> None:
        if slot.spool is not None:
            slot.spool.unfollow()
        if slot is self._current:
            self._current = self._running = None  # its jobs finish on a digest nobody reads
        self._changed.set()
        self.advance()

    async def head_start(self, part_ids: list[str]) -> tuple[int, hashlib._Hash]:
        """How many of `part_ids` are already hashed in that order, and a copy of their digest.

        Pauses the chain (complete hashes the rest itself) after letting it finish a part it is
        hashing when that part is the next one listed.
        """
        self._paused = True
        while (slot := self._current) is not None and slot.part_id is not None:
            done = _common_prefix(self.hashed, part_ids)
            if done != len(self.hashed) or done == len(part_ids) or part_ids[done] != slot.part_id:
                break
            self._changed.clear()
            await self._changed.wait()
        done = _common_prefix(self.hashed, part_ids)
        return done, self._checkpoints[done].copy()

    def resume(self) -> None:
        self._paused = False
        self.advance()

    def stop(self) -> None:
        """The upload is over: hash nothing more."""
        self._stopped = True
        for slot in self._line:
            if slot.spool is not None:
                slot.spool.unfollow()
        self._line.clear()
        self._current = self._running = None


def _common_prefix(left: list[str], right: list[str]) -> int:
    count = 0
    for a, b in zip(left, right, strict=False):
        if a != b:
            break
        count += 1
    return count
