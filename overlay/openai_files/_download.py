"""Downloads: streamed, resumed after a cut, in parallel ranges when the server allows, written atomically.

A download to a path goes to a hidden partial file beside it (`.NAME.FILE_ID.part`, the id made safe
for a file name) and is renamed over the target only once every announced byte arrived, so a failure
leaves the target as it was (and no partial). Beside the partial, a record names the file's id and size
and the bytes written in order and fsynced so far (every `CHECKPOINT_BYTES`): a download killed outright
resumes there the next time the same file goes to the same target, and a partial whose record names
another file or size, or vouches for more than it holds, is emptied, never used to compute a `Range`. A
caller's own writable gets the bytes directly, in order (it cannot be made atomic, nor filled in
parallel).

The File's `bytes` is read first and every answer is checked against it before any of its bytes is
kept: a whole-file answer must announce that length (when it announces one), a partial answer must
start at the byte the download stands at and name that size as the total in its `Content-Range`, and
no body may run past the file's end. An answer that does not fit (a lost answer's stray head, a range
from a stale offset) is asked for again, never written; the download is complete only when exactly
`bytes` bytes arrived.

A stream cut short is picked up where it stopped with `Range: bytes=N-` when the server answers 206; a
200 (it ignores ranges) is read from the start, its first N bytes skipped. Bodies are asked for
uncompressed (`Accept-Encoding: identity`), so offsets are the file's own; after a compressed answer
the whole file is asked for again, what is here skipped. A few attempts in a row that bring no new byte
end it with `IncompleteDownloadError`.

For a large file whose server advertises `Accept-Ranges: bytes`, the opening stream is timed over its
first few MB: when it is slow (a long or capped link) the rest is fetched as parts of `part_size`
bytes, `concurrency` at a time, each written in place with positioned writes; when it is fast (a local
link, where connections would only share the same CPUs) it reads on to the end. Memory stays at one
chunk per connection. A part answered with 200 instead of 206 means ranges are not honoured after
all: the download falls back to one stream.

The result looks as `cp` would leave it: a new file gets the mode the umask gives, an existing target
keeps its mode, and a symlink stays a symlink while the file it points to is written. (A hard-linked
target is replaced, not written in place: the rename is what makes the download atomic.)
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import stat
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any, Generic, TypeVar

import httpx

try:
    import fcntl
except ImportError:  # Windows: no advisory locks, so no partial is shared between downloads
    fcntl = None  # type: ignore[assignment]

from . import _rules as rules
from ._errors import IncompleteDownloadError, InvalidInputError
from ._generated import OpenAIFile, download_file, retrieve_file
from ._retry import RetryPolicy
from ._transfer.abort import AbortSignal
from ._transfer.concurrency import AdaptiveConcurrency
from ._transfer.drivers import retried, retried_async, run_tasks, run_threads
from ._transfer.progress import ProgressCallback, ProgressTracker
from ._transfer.scheduler import Schedule

if TYPE_CHECKING:
    from ._client import AsyncClient, Client

__all__ = [
    "CHUNK_SIZE",
    "CONCURRENCY",
    "PART_SIZE",
    "Destination",
    "aiter_lines",
    "download",
    "download_async",
    "iter_lines",
]

CHUNK_SIZE: int | None = None
"""Bytes per write; None writes bytes as they arrive, so a cut loses none of those already received."""
PART_SIZE = 16 << 20
"""Bytes per ranged part; files of at least two parts are fetched in parallel."""
CONCURRENCY = 8
"""Parts in flight: one connection rarely fills a long, fat pipe, eight usually do."""
PROBE_BYTES = 4 << 20
"""Bytes the opening stream reads alone, timed, before the rest of a large file is planned."""
FAST_STREAM = 100_000_000
"""Bytes per second from which one stream is kept for the rest: more connections would not add up."""
MAX_STALLS = 3
"""Attempts in a row that bring no new byte before a download gives up."""
CHECKPOINT_BYTES = 64 << 20
"""Bytes written in order between two fsyncs that let a killed download resume from there."""
SPOOL_BYTES = 8 << 20
"""A file read line by line is kept in memory up to this size while it arrives, on disk beyond."""
Destination = str | os.PathLike[str] | IO[bytes]
C = TypeVar("C", bound="Client | AsyncClient")

_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")


class _NoRanges(Exception):
    """A ranged request was answered with the whole file: this server does not honour `Range`."""


class _Unusable(Exception):
    """An answer that does not fit the file being downloaded: none of its bytes are kept; ask again."""


class _Overlong(_Unusable):
    """A body that runs past the file's end: what this span wrote from it is forgotten too."""


class _Sink:
    """Where bytes land: positioned writes into a temporary file renamed into place on a clean exit, or
    in-order writes to a caller's writable. Reports progress as uploads do, a part per span."""

    def __init__(self, destination: Destination, progress: ProgressCallback | None, file_id: str) -> None:
        self._destination = destination
        self._file_id = file_id
        self.tracker = ProgressTracker(None, 1, progress)
        """Bytes and parts done, thread-safe; sizes are set once the server tells them."""
        self._temporary: Path | None = None
        self._record: Path | None = None
        """Beside a resumable partial: the file's id and size, and the bytes fsynced in order so far."""
        self._recorded = 0
        self._size: int | None = None
        self._umask_mode = 0o600
        """The mode a new file gets under the process's umask, learned from a file this sink makes."""
        self._writable: IO[bytes] | None = None
        self._fd = -1
        self.abort = AbortSignal()
        """Latched once one part failed: the others stop at their next chunk."""

    @property
    def total(self) -> int | None:
        return self.tracker.total_bytes

    @total.setter
    def total(self, size: int | None) -> None:
        self.tracker.total_bytes = size

    @property
    def positioned(self) -> bool:
        """True when parts may be written anywhere, in any order (a path target)."""
        return self._temporary is not None

    def __enter__(self) -> _Sink:
        if not isinstance(self._destination, str | os.PathLike):
            self._writable = self._destination
            return self
        given = Path(self._destination)
        target = Path(os.path.realpath(given)) if given.is_symlink() else given
        if target.is_dir():
            raise InvalidInputError(f"download target {given} is a directory", param="destination")
        if not target.parent.is_dir():
            raise InvalidInputError(
                f"download target {given}: folder {target.parent} does not exist", param="destination"
            )
        self._final = target
        claimed = _claim_partial(target, self._file_id)
        if claimed is None:  # another download of this file to this target runs: no resuming here
            self._temporary, self._fd, self._umask_mode = _private_file_beside(target)
        else:
            self._temporary, self._fd = claimed
            self._record = self._temporary.with_name(self._temporary.name + ".json")
        return self

    def resume(self, stored: OpenAIFile) -> int:
        """Take the File's size (None when the service sent no usable one: then the answers' own framing
        is all there is to check); return the bytes of this very file that a killed download left
        verified on disk: kept when the record beside the partial names this file id and size, else
        the partial is emptied. The record is (re)written before any new byte, so a partial always says
        what it belongs to."""
        size = getattr(stored, "bytes_", None)
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            size = None
        self.total = size
        if self._record is None:
            return 0
        record = _read_record(self._record)
        start = 0
        if size is not None and record.get("file_id") == self._file_id and record.get("bytes") == size:
            verified = record.get("verified")
            if isinstance(verified, int) and 0 <= verified <= min(os.fstat(self._fd).st_size, size):
                start = verified
        os.ftruncate(self._fd, start)
        self._size = size
        self._write_record(start)
        self.tracker.add(start)
        return start

    def checkpoint(self, position: int) -> None:
        """Bytes [0, position) are written in order: every `CHECKPOINT_BYTES`, make them durable and
        record them, so that a download killed later resumes from there."""
        if self._record is None or position - self._recorded < CHECKPOINT_BYTES:
            return
        os.fsync(self._fd)
        self._write_record(position)

    def _write_record(self, verified: int) -> None:
        """Replace the record; its new file also tells the mode a new file gets under the umask."""
        assert self._record is not None
        state = {"file_id": self._file_id, "bytes": self._size, "verified": verified}
        scratch = self._record.with_name(self._record.name + ".tmp")
        scratch.unlink(missing_ok=True)
        fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
        try:
            self._umask_mode = stat.S_IMODE(os.fstat(fd).st_mode)
            os.write(fd, json.dumps(state).encode())
        finally:
            os.close(fd)
        os.replace(scratch, self._record)
        self._recorded = verified

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._temporary is None:
            return
        try:
            if exc_type is None:
                try:
                    mode = stat.S_IMODE(self._final.stat().st_mode)
                except FileNotFoundError:
                    mode = self._umask_mode
                os.fchmod(self._fd, mode)
                os.fsync(self._fd)
            os.close(self._fd)
            if exc_type is None:
                os.replace(self._temporary, self._final)
        finally:
            self._temporary.unlink(missing_ok=True)  # a failure leaves nothing; only a kill leaves a partial
            if self._record is not None:
                self._record.unlink(missing_ok=True)

    def write_at(self, offset: int, data: bytes) -> None:
        self.abort.check()
        if self._writable is None:
            os.pwrite(self._fd, data, offset)
        else:
            self._writable.write(data)
        self.tracker.add(len(data))

    def restart(self, written: int) -> None:
        """Forget the `written` bytes kept so far (an answer that turned out wrong, or parts given up)."""
        if self._writable is not None:
            if not (self._writable.seekable() and written == self._writable.tell()):
                raise IncompleteDownloadError(expected=self.total or written, received=written)
            self._writable.seek(0)
            self._writable.truncate()
        elif self._record is not None and self._recorded:
            self._write_record(0)  # what the record vouched for may have come from the wrong answer
        self.tracker.add(-written)


def _claim_partial(target: Path, file_id: str) -> tuple[Path, int] | None:
    """The partial download of `file_id` to `target` (made, or left by a killed download), opened and
    locked for this process; None when another process holds it (or there are no locks: Windows)."""
    if fcntl is None:
        return None
    path = target.parent / f".{target.name}.{_partial_name(file_id)}.part"
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    os.fchmod(fd, 0o600)  # readable by its owner only while it fills up
    return path, fd


def _partial_name(file_id: str) -> str:
    """`file_id` as it can stand in a file name (its record beside the partial keeps it whole)."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", file_id)[:64]


def _read_record(path: Path) -> dict[str, Any]:
    """The record beside a partial, or {} when there is none or it does not read."""
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def _private_file_beside(target: Path) -> tuple[Path, int, int]:
    """A new hidden file next to `target`, readable by its owner only while it fills up, its descriptor,
    and the mode a new file gets under the process's umask (learned from this one, with no global
    umask call)."""
    for _ in range(100):
        path = target.parent / f".{target.name}.{secrets.token_hex(4)}.part"
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
        except FileExistsError:
            continue
        umask_mode = stat.S_IMODE(os.fstat(fd).st_mode)
        os.fchmod(fd, 0o600)
        return path, fd, umask_mode
    raise FileExistsError(f"no free temporary name beside {target}")


def _content_range(response: httpx.Response) -> tuple[int, int, int | None] | None:
    """(first byte, one past the last, file size or None) of a response's Content-Range, else None."""
    match = _CONTENT_RANGE.fullmatch(response.headers.get("content-range", "").strip())
    if match is None:
        return None
    first, last, size = match.groups()
    return int(first), int(last) + 1, None if size == "*" else int(size)


def _encoded(response: httpx.Response) -> bool:
    """True for a compressed body: httpx hands out the file's bytes, but offsets and lengths on the wire
    count the compressed ones."""
    return response.headers.get("content-encoding", "").strip().lower() not in ("", "identity")


def _length(response: httpx.Response) -> int | None:
    """The announced length of the body in the file's own bytes, if there is one."""
    length = response.headers.get("content-length", "").strip()
    return int(length) if length.isdigit() and not _encoded(response) else None


class _Span:
    """Bytes [start, stop) fetched over one connection at a time, resumed where a cut left them.

    `stop` is None while the size is unknown (no File size and no Content-Length). Every answer is
    checked against the file (`begin`) before a byte of it is written. An unranged span (the whole file)
    takes a 200 at any point, skipping the bytes it already has; a `ranged` span (a part) that has bytes
    must be answered 206. Progress is the furthest byte ever reached, so a server that restarts and
    cuts at the same place is given up on.
    """

    def __init__(self, sink: _Sink, start: int, stop: int | None, *, ranged: bool) -> None:
        self.sink = sink
        self.start = self.position = self._best = start
        self.stop = stop
        self.ranged = ranged
        self._stalls = 0
        self._skip = 0
        """Bytes at the head of the current answer that this span already has (a 200 to a resume)."""
        self._whole_only = False
        """Set once the server compressed an answer: offsets on the wire are not the file's, so resume by
        asking for the whole file and skipping what is here."""

    @property
    def done(self) -> bool:
        return self.stop is not None and self.position >= self.stop

    def headers(self) -> dict[str, str]:
        headers = {"Accept-Encoding": "identity"}
        if self.ranged or (self.position > 0 and not self._whole_only):
            last = "" if self.stop is None else str(self.stop - 1)
            headers["Range"] = f"bytes={self.position}-{last}"
        return headers

    def begin(self, response: httpx.Response) -> None:
        """Check that an answer fits the file where this span stands; `_Unusable` when it does not."""
        total = self.sink.total
        self._skip = 0
        if response.status_code == 206:
            found = _content_range(response)
            if found is None or _encoded(response):
                named = response.headers.get("content-range")
                raise _Unusable(f"a partial answer with Content-Range {named}")
            first, _, size = found
            if size is not None and total is not None and size != total:
                raise _Unusable(f"Content-Range gives the file {size} bytes, its File {total}")
            if first != self.position:
                raise _Unusable(f"Content-Range starts at byte {first}, the download is at {self.position}")
            if total is None:
                self.sink.total = size
            if self.stop is None:
                self.stop = self.sink.total
            return
        length = _length(response)
        if length is not None and total is not None and length != total:
            raise _Unusable(f"the answer announces {length} bytes, the file holds {total}")
        if self.ranged and self.position:
            raise _NoRanges
        self._whole_only = self._whole_only or _encoded(response)
        self._skip = self.position
        if total is None:
            self.sink.total = length
        if not self.ranged:
            self.stop = self.sink.total

    def write(self, chunk: bytes) -> bool:
        """Write `chunk` at its place; True once a span that ends before the file does is complete (stop
        reading: the rest is another span's). Raises `_Overlong` for a body running past the file's end."""
        if self._skip:
            skipped = min(self._skip, len(chunk))
            self._skip -= skipped
            chunk = chunk[skipped:]
        end = self.sink.total
        if end is not None and self.position + len(chunk) > end:
            raise _Overlong(f"the answer runs past the file's {end} bytes")
        if self.stop is not None and len(chunk) > self.stop - self.position:
            chunk = chunk[: self.stop - self.position]
        if chunk:
            self.sink.write_at(self.position, chunk)
            self.position += len(chunk)
            if self.start == 0 or not self.ranged:  # the file's head, in order
                self.sink.checkpoint(self.position)
        return self.done and self.stop != end

    def ended(self) -> None:
        """The body ended without error: a stream of unknown size is complete, else it was cut."""
        if self.stop is None:
            self.stop = self.position
        elif not self.done:
            self.cut(None)

    def cut(self, error: Exception | None) -> None:
        """The answer broke off or did not fit: resume, unless attempts keep bringing nothing new. What an
        over-long answer wrote is forgotten: none of it can be trusted."""
        if isinstance(error, _Overlong):
            self.sink.restart(self.position - self.start)
            self.position = self.start
        if self.position > self._best:
            self._best, self._stalls = self.position, 0
        else:
            self._stalls += 1
        if self._stalls >= MAX_STALLS:
            expected = self.stop if self.stop is not None else self._best
            raise IncompleteDownloadError(expected=expected, received=self._best) from error


class _Probe(_Span):
    """The opening stream of a large file, timed over its first bytes: fast, it reads on to the end;
    slow, it stops there and parts take the rest (the module's docstring says why)."""

    def __init__(self, sink: _Sink, probe_size: int) -> None:
        super().__init__(sink, 0, probe_size, ranged=True)
        self._started = time.monotonic()
        self.fast: bool | None = None

    def write(self, chunk: bytes) -> bool:
        if self.fast is None and self.stop is not None and self.position + len(chunk) >= self.stop:
            seconds = time.monotonic() - self._started
            self.fast = self.stop / max(seconds, 1e-9) >= FAST_STREAM
            if self.fast:
                self.stop = self.sink.total
                self.sink.tracker.total_parts = 1
        return super().write(chunk)


class _Ranges:
    """The download's planner (see the module's docstring): the spans the file comes in, as the transfer
    engine's scheduler will run them, then the check that they made it whole."""

    def __init__(self, sink: _Sink, start: int, *, part_size: int, concurrency: int) -> None:
        self._sink = sink
        self._part_size = part_size
        self._concurrency = concurrency
        self.spans = [_Span(sink, start, sink.total, ranged=False)]

    def lead(self, response: httpx.Response) -> _Span:
        """The span the opening `response` fills: the whole file, or a probe of its first bytes."""
        sink, size = self._sink, _length(response)
        ranges = response.headers.get("accept-ranges", "").strip().lower() == "bytes"
        fits = sink.total in (None, size) and response.status_code == 200 and not self.spans[0].start
        if sink.positioned and ranges and fits and size and size >= 2 * self._part_size:
            sink.total = size
            sink.tracker.total_parts = 2  # at least: the probe and the rest, counted once planned
            self.spans = [_Probe(sink, min(self._part_size, PROBE_BYTES))]
        return self.spans[0]

    def rest(self) -> Schedule[_Span, None]:
        """The parts after a slow probe (none after a fast one, or the whole file), to be scheduled."""
        probe = self.spans[0]
        if isinstance(probe, _Probe) and not probe.fast:
            size = self._sink.total or 0
            step = self._part_size
            self.spans += [
                _Span(self._sink, at, min(at + step, size), ranged=True)
                for at in range(probe.stop or 0, size, step)
            ]
            self._sink.tracker.total_parts = len(self.spans)
        return Schedule(
            self.spans[1:],
            concurrency=AdaptiveConcurrency.fixed(self._concurrency),
            abort=self._sink.abort,
            done=lambda span, _: None,
            size=lambda span: (span.stop or span.start) - span.start,
        )

    def one_stream(self) -> _Span:
        """Ranges are not honoured: the parts are forgotten, the file comes again as one span."""
        sink = self._sink
        sink.restart(sink.tracker.bytes_done)
        sink.tracker.add(0, parts=-sink.tracker.parts_done)
        sink.tracker.total_parts = 1
        sink.abort = AbortSignal()
        self.spans = [_Span(self._sink, 0, self._sink.total, ranged=False)]
        return self.spans[0]

    def check(self) -> int:
        """The file's size, once exactly that many bytes arrived."""
        sink = self._sink
        size = sink.total if sink.total is not None else max(span.stop or 0 for span in self.spans)
        if sink.tracker.bytes_done != size or not all(span.done for span in self.spans):
            raise IncompleteDownloadError(expected=size, received=sink.tracker.bytes_done)
        return size


class _Fetching(Generic[C]):
    """Fills spans of one file: each answer opened by one attempt of the client, retried by the engine
    (an abort ends its waits), resumed after cuts as `_Span` says."""

    def __init__(self, client: C, file_id: str, sink: _Sink, chunk_size: int | None) -> None:
        self._client = client
        self._file_id = file_id
        self._sink = sink
        self._chunk_size = chunk_size
        self._retry = RetryPolicy(max_retries=client.max_retries)


class _Fetcher(_Fetching["Client"]):
    """Over `Client`, in the caller's thread or a part's."""

    def open(self, span: _Span, opened: contextlib.ExitStack) -> httpx.Response:
        client = self._client.with_options(max_retries=0, headers=span.headers())
        what = f"{self._file_id} from byte {span.position}"
        stream = lambda: opened.enter_context(client.stream(download_file, self._file_id))  # noqa: E731
        return retried(stream, self._retry, self._sink.abort, what)

    def fetch(self, span: _Span, response: httpx.Response | None = None) -> None:
        """Fill `span`, resuming after cuts; `response` is an already opened first answer, if any."""
        while not span.done:
            with contextlib.ExitStack() as opened:
                if response is None:
                    response = self.open(span, opened)
                try:
                    span.begin(response)
                    for chunk in response.iter_bytes(self._chunk_size):
                        if span.write(chunk):
                            break
                    else:
                        span.ended()
                except (httpx.TransportError, httpx.DecodingError, _Unusable) as exc:
                    span.cut(exc)
                finally:
                    response.close()
                    response = None
        span.sink.tracker.add(0, parts=1)


def download(
    client: Client,
    file_id: str,
    destination: Destination,
    *,
    progress: ProgressCallback | None = None,
    chunk_size: int | None = CHUNK_SIZE,
    part_size: int = PART_SIZE,
    concurrency: int = CONCURRENCY,
) -> int:
    """Download a file's content to `destination`; return the number of bytes written (the File's
    `bytes`, read first: every answer is checked against it)."""
    rules.path_id(file_id, param="file_id")
    with _Sink(destination, progress, file_id) as sink:
        start = sink.resume(client.call(retrieve_file, file_id))
        ranges = _Ranges(sink, start, part_size=part_size, concurrency=concurrency)
        fetcher = _Fetcher(client, file_id, sink, chunk_size)
        try:
            with contextlib.ExitStack() as opened:
                response = fetcher.open(ranges.spans[0], opened)
                fetcher.fetch(ranges.lead(response), response)
            parts = ranges.rest()
            run_threads(
                parts, fetcher.fetch, threads=concurrency, name="openai-files-download", abandon=False
            )
        except _NoRanges:
            fetcher.fetch(ranges.one_stream())
        return ranges.check()


class _AsyncFetcher(_Fetching["AsyncClient"]):
    """Over `AsyncClient`, in the caller's task or a part's."""

    async def open(self, span: _Span, opened: contextlib.AsyncExitStack) -> httpx.Response:
        client = self._client.with_options(max_retries=0, headers=span.headers())
        what = f"{self._file_id} from byte {span.position}"
        stream = lambda: opened.enter_async_context(client.stream(download_file, self._file_id))  # noqa: E731
        return await retried_async(stream, self._retry, what)

    async def fetch(self, span: _Span, response: httpx.Response | None = None) -> None:
        """See `_Fetcher.fetch`."""
        while not span.done:
            async with contextlib.AsyncExitStack() as opened:
                if response is None:
                    response = await self.open(span, opened)
                try:
                    span.begin(response)
                    async for chunk in response.aiter_bytes(self._chunk_size):
                        if span.write(chunk):
                            break
                    else:
                        span.ended()
                except (httpx.TransportError, httpx.DecodingError, _Unusable) as exc:
                    span.cut(exc)
                finally:
                    await response.aclose()
                    response = None
        span.sink.tracker.add(0, parts=1)


async def download_async(
    client: AsyncClient,
    file_id: str,
    destination: Destination,
    *,
    progress: ProgressCallback | None = None,
    chunk_size: int | None = CHUNK_SIZE,
    part_size: int = PART_SIZE,
    concurrency: int = CONCURRENCY,
) -> int:
    """See `download`. Disk writes happen on the event loop: one chunk each, into the page cache."""
    rules.path_id(file_id, param="file_id")
    with _Sink(destination, progress, file_id) as sink:
        start = sink.resume(await client.call(retrieve_file, file_id))
        ranges = _Ranges(sink, start, part_size=part_size, concurrency=concurrency)
        fetcher = _AsyncFetcher(client, file_id, sink, chunk_size)
        try:
            async with contextlib.AsyncExitStack() as opened:
                response = await fetcher.open(ranges.spans[0], opened)
                await fetcher.fetch(ranges.lead(response), response)
            await run_tasks(ranges.rest(), fetcher.fetch)
        except _NoRanges:
            await fetcher.fetch(ranges.one_stream())
        return ranges.check()


def iter_lines(client: Client, file_id: str) -> Iterator[str]:
    """A stored text file's lines (without their line ends), handed out once the whole file arrived,
    checked and resumed as `download` does: no line of a cut or stray answer is ever read."""
    with tempfile.SpooledTemporaryFile(SPOOL_BYTES) as buffer:
        download(client, file_id, buffer)
        yield from _lines(buffer)


async def aiter_lines(client: AsyncClient, file_id: str) -> AsyncIterator[str]:
    """See `iter_lines`."""
    with tempfile.SpooledTemporaryFile(SPOOL_BYTES) as buffer:
        await download_async(client, file_id, buffer)
        for line in _lines(buffer):
            yield line


def _lines(buffer: IO[bytes]) -> Iterator[str]:
    buffer.seek(0)
    for raw in buffer:
        yield raw.decode(errors="replace").removesuffix("\n").removesuffix("\r")
