"""Preparing a job: every request checked and written into shard files, in one pass and one transaction.

Input is streamed (a JSONL path of any size, or an iterable of request dicts); memory holds one open
shard per model and two batches of manifest rows: one being filled, one being inserted by a worker
thread, in one statement, which also flushes sealed shard files to disk (sqlite3 and fsync let go of
the GIL, so that work overlaps the parsing; see `BackgroundWrites`). `custom_id` uniqueness is the
manifest's UNIQUE index, so it costs disk, not memory. Nothing is committed until the last line
passed: a bad line, a crash or Ctrl-C leaves no job behind.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from .._batches import check_line, check_request
from .._errors import BatchInputError, InvalidInputError
from .._rules import MAX_EMBEDDING_INPUTS, batch_endpoint, embedding_inputs
from .config import JobConfig
from .estimate import TokenEstimator
from .manifest import REQUEST_PARAMS, ROWS_PER_STATEMENT, BackgroundWrites, Manifest
from .reuse import Reuse

JobInput = str | os.PathLike[str] | Iterable[Mapping[str, Any]]
"""A JSONL path, or request dicts (`custom_id`, `method`, `url`, `body`) in order."""

EMBEDDINGS = "/v1/embeddings"
"""The endpoint whose requests count as many inputs as they hold."""
READ_BUFFER = 1 << 20
"""Bytes read from the input at a time."""
WRITE_BUFFER = 1 << 20
"""Bytes buffered per open shard file: one write call per MiB rather than per line."""


@dataclass(slots=True)
class ShardFill:
    """What one shard holds so far against its limits: the one rule for where shards are cut, shared by
    preparing a job and planning it."""

    max_requests: int
    max_bytes: int
    max_tokens: int | None
    max_inputs: int
    """Inputs: a request is one, an embeddings request as many as it holds (`request_inputs`)."""
    requests: int = 0
    bytes: int = 0
    tokens: int = 0
    inputs: int = 0

    @classmethod
    def of(cls, config: JobConfig, model: str) -> ShardFill:
        """An empty shard of `model` under `config`'s limits. Its inputs are capped by what one batch
        may hold (50,000 inputs an embeddings batch, as many as its requests any other) and by the
        model's request budget."""
        budget = config.requests_budget(model)
        inputs = MAX_EMBEDDING_INPUTS if budget is None else min(budget, MAX_EMBEDDING_INPUTS)
        return cls(config.max_shard_requests, config.max_shard_bytes, config.shard_tokens(model), inputs)

    def add(self, size: int, tokens: int, inputs: int) -> bool:
        """Count a request line of `size` bytes, `tokens` estimated tokens and `inputs` inputs in this
        shard if it fits; False (nothing counted) if it does not."""
        if (
            self.requests < self.max_requests
            and self.bytes + size <= self.max_bytes
            and (self.max_tokens is None or self.tokens + tokens <= self.max_tokens)
            and self.inputs + inputs <= self.max_inputs
        ):
            self.requests += 1
            self.bytes += size
            self.tokens += tokens
            self.inputs += inputs
            return True
        return False

    def check_alone(self, size: int, tokens: int, inputs: int, *, seq: int) -> None:
        """Raise `BatchInputError` for a request that no shard can hold on its own."""
        if (
            size > self.max_bytes
            or (self.max_tokens is not None and tokens > self.max_tokens)
            or inputs > self.max_inputs
        ):
            raise BatchInputError(
                f"request of {size} bytes (~{tokens} tokens, {inputs} inputs) is larger than one shard may "
                "hold",
                line=seq,
            )


@dataclass(slots=True)
class _OpenShard:
    id: int
    model: str
    round: int
    handle: BinaryIO
    fill: ShardFill


class ShardWriter:
    """Appends request lines to one open shard file per model, sealing a shard before it would overflow.

    A sealed shard's file is written but not yet on disk: `take_syncs` hands over the files to flush to
    disk (fsync) and close, which a worker thread may do while the caller goes on (`sync` does it here).
    Shard rows (state `sealed`) are inserted by `close`, inside the caller's transaction; until then
    the writer does not touch the manifest, so another thread may be writing request rows meanwhile.
    """

    def __init__(self, manifest: Manifest, config: JobConfig) -> None:
        self._manifest = manifest
        self._config = config
        self._next_id = manifest.next_shard_id()
        self._open: dict[tuple[str, int], _OpenShard] = {}
        self._files: list[tuple[Path, BinaryIO]] = []
        """Every file written, to delete if the transaction is rolled back."""
        self._unsynced: list[BinaryIO] = []
        self._sealed: list[tuple[int, str, int, int, int, int, int]] = []

    def add(
        self, model: str, line: bytes, tokens: int, *, seq: int, round_: int = 1, inputs: int = 1
    ) -> tuple[int, int]:
        """Write `line` (ending in a newline, holding `inputs` inputs) to a shard of `model` for attempt
        `round_`; return (shard id, offset). A shard holds requests of one model on the same attempt."""
        shard = self._open.get((model, round_))
        size = len(line)
        if shard is None or not shard.fill.add(size, tokens, inputs):
            if shard is not None:
                self._seal(shard)
            shard = self._start(model, round_)
            shard.fill.check_alone(size, tokens, inputs, seq=seq)
            shard.fill.add(size, tokens, inputs)
        shard.handle.write(line)
        return shard.id, shard.fill.bytes - size

    def seal_all(self) -> None:
        """Seal every open shard."""
        for shard in list(self._open.values()):
            self._seal(shard)

    def take_syncs(self) -> list[BinaryIO]:
        """The files of the shards sealed since the last call, written and to be synced and closed
        (`sync`) before the transaction commits."""
        files, self._unsynced = self._unsynced, []
        return files

    def close(self) -> None:
        """Seal every open shard, sync every file and insert the rows of all shards."""
        self.seal_all()
        sync(self.take_syncs())
        self.add_rows()

    def add_rows(self) -> None:
        """Insert the rows of every sealed shard."""
        self._manifest.add_shards(self._sealed)
        self._sealed = []

    def discard(self) -> None:
        """Close and delete every file written (the transaction is being rolled back); call it once
        no thread syncs this writer's files any more."""
        for path, handle in self._files:
            handle.close()
            path.unlink(missing_ok=True)
        self._open.clear()

    def _start(self, model: str, round_: int) -> _OpenShard:
        shard_id, self._next_id = self._next_id, self._next_id + 1
        path = self._manifest.shard_path(shard_id)
        handle = path.open("wb", buffering=WRITE_BUFFER)
        self._files.append((path, handle))
        shard = _OpenShard(shard_id, model, round_, handle, ShardFill.of(self._config, model))
        self._open[(model, round_)] = shard
        return shard

    def _seal(self, shard: _OpenShard) -> None:
        shard.handle.flush()
        self._unsynced.append(shard.handle)
        del self._open[(shard.model, shard.round)]
        fill = shard.fill
        self._sealed.append(
            (shard.id, shard.model, shard.round, fill.requests, fill.bytes, fill.tokens, fill.inputs)
        )


def sync(files: list[BinaryIO]) -> None:
    """Flush written shard files to disk and close them. It lets go of the GIL while the disk works, so
    a worker thread may run it while another parses."""
    for handle in files:
        os.fsync(handle.fileno())
        handle.close()


def _path_lines(path: Path, endpoint: str | None) -> Iterator[tuple[int, dict[str, Any], bytes, str]]:
    with path.open("rb", buffering=READ_BUFFER) as source:
        for number, raw in enumerate(source, start=1):
            line = raw if raw.endswith(b"}\n") else raw.strip() + b"\n"  # the usual line is kept as read
            if line == b"\n":
                continue
            request, endpoint = check_line(line, line=number, endpoint=endpoint)
            yield number, request, line, endpoint


def _dict_lines(
    requests: Iterable[Mapping[str, Any]], endpoint: str | None
) -> Iterator[tuple[int, dict[str, Any], bytes, str]]:
    for number, item in enumerate(requests, start=1):
        request = dict(item) if isinstance(item, Mapping) else item
        endpoint = check_request(request, line=number, endpoint=endpoint)
        try:
            line = json.dumps(request, ensure_ascii=False, allow_nan=False).encode()
        except (TypeError, ValueError) as exc:
            raise BatchInputError(f"not serialisable as JSON ({exc})", line=number) from None
        yield number, request, line + b"\n", endpoint


def request_lines(source: JobInput, endpoint: str | None) -> Iterator[tuple[int, dict[str, Any], bytes, str]]:
    """(line number, request, its JSONL line, endpoint) for each request of `source`, each checked;
    raises `BatchInputError` at the first bad one, `InvalidInputError` for a path that is no file or an
    `endpoint` that is not a batch endpoint (as `check_batch_input` words it)."""
    if endpoint is not None:
        batch_endpoint(endpoint)
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        if not path.is_file() or not os.access(path, os.R_OK):
            raise InvalidInputError(f"{path}: not a readable file", param="source")
        return _path_lines(path, endpoint)
    return _dict_lines(source, endpoint)


def request_inputs(request: Mapping[str, Any], endpoint: str) -> int:
    """How many inputs a checked request counts for, in a shard and against the request budget."""
    return embedding_inputs(request["body"]) if endpoint == EMBEDDINGS else 1


def request_model(request: Mapping[str, Any]) -> str:
    """The model a checked request names (`""` for none): a shard holds one model."""
    model = request["body"].get("model")
    return model if isinstance(model, str) else ""


def _store(manifest: Manifest, rows: list[int | str], files: list[BinaryIO]) -> None:
    """The writer thread's work: sealed shard files synced, request rows into the manifest."""
    sync(files)
    _insert(manifest, rows)


def _insert(manifest: Manifest, rows: list[int | str]) -> None:
    """Insert request rows (flat, as `Manifest.add_requests` takes them); a repeated `custom_id` raises
    `BatchInputError` naming both lines."""
    try:
        manifest.add_requests(rows)
    except sqlite3.IntegrityError:
        unsaved: dict[str, int] = {}
        for seq, custom_id in zip(rows[::REQUEST_PARAMS], rows[1::REQUEST_PARAMS], strict=True):
            found = manifest.seq_of(str(custom_id))
            first = unsaved.setdefault(str(custom_id), int(seq)) if found is None else found
            if first != seq:
                raise BatchInputError(
                    f"custom_id {custom_id!r} is used twice (first on line {first})", line=int(seq)
                ) from None
        raise


def prepare(
    manifest: Manifest,
    source: JobInput,
    *,
    endpoint: str | None,
    config: JobConfig,
    estimator: TokenEstimator,
    reuse: Reuse | None = None,
) -> tuple[str, int]:
    """Check and shard every request into `manifest`; return (endpoint, requests). With `reuse`, the
    requests it answers from the cache or finds repeated are recorded but not sharded.

    Raises `BatchInputError` (naming the line) or `InvalidInputError`; then nothing is kept.
    """
    writer = ShardWriter(manifest, config)
    try:
        with manifest.transaction(), BackgroundWrites() as background:
            rows: list[int | str] = []
            count = 0
            for seq, request, line, checked in request_lines(source, endpoint):
                count += 1
                endpoint = checked
                if reuse is not None and (pseudo := reuse.pseudo_shard(seq, request)) is not None:
                    rows += (seq, request["custom_id"], 0, pseudo, 0, 0)  # recorded, not sent
                else:
                    size = len(line)
                    tokens = estimator(request, size)
                    inputs = request_inputs(request, checked)
                    model = request_model(request)
                    shard_id, offset = writer.add(model, line, tokens, seq=seq, inputs=inputs)
                    rows += (seq, request["custom_id"], tokens, shard_id, offset, size)
                if len(rows) == ROWS_PER_STATEMENT * REQUEST_PARAMS:  # a whole statement
                    background.submit(_store, manifest, rows, writer.take_syncs())
                    rows = []
            if count == 0 or endpoint is None:
                raise InvalidInputError("the job's input holds no requests", param="source")
            writer.seal_all()
            background.submit(sync, writer.take_syncs())  # the last files reach the disk meanwhile
            _insert(manifest, rows)  # the rest, a row at a time: here, where no thread waits for the GIL
            writer.add_rows()
            if reuse is not None:
                reuse.record(manifest)
            manifest.prepared(endpoint, count)
            background.finish()
    except BaseException:
        writer.discard()
        raise
    return endpoint, count
