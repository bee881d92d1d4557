"""A job's durable state: one SQLite database (stdlib `sqlite3`, WAL) in the job's folder.

Every side effect on the service is written down before it is made (an intent: `uploading`,
`creating`) and after it succeeded (its id), each in its own transaction, so a process killed at any
point leaves a state from which a rerun can tell what happened (`JobCore.recover`). It is the only
module that writes SQL: every read and write is a named method, and every change of state is checked
against the transition table of `states.py` (`TransitionError`). The rows:

- `meta`: the job's settings (endpoint, totals, whether it is being cancelled);
- `shards`: one row per batch input file, with its model, local file, lifecycle state and ids;
- `requests`: one row per `custom_id`, in input order (`seq`), with where its line is kept locally,
  its state and, once it has one, where its result record is;
- `usage`: one row per ended batch, the tokens the service reports it used (its `usage`).

Result records live beside the database in `results.jsonl`, appended shard by shard: growing a million
rows in place by a kilobyte each would cost far more than parsing them. The file's committed length is
kept in `meta` in the same transaction as the rows pointing into it; what a killed process appended
beyond it is cut off on the next append.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from .._errors import JobStateError
from .states import (
    JOB_MOVES,
    REQUEST_MOVES,
    SHARD_LIVE,
    SHARD_MOVES,
    JobState,
    RequestState,
    ShardState,
    TransitionError,
    sources,
)
from .usage import Usage

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS shards (
    id INTEGER PRIMARY KEY,
    model TEXT NOT NULL,
    round INTEGER NOT NULL,
    requests INTEGER NOT NULL DEFAULT 0,
    bytes INTEGER NOT NULL DEFAULT 0,
    tokens INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL,
    file_id TEXT,
    batch_id TEXT,
    batch_status TEXT,
    output_file_id TEXT,
    error_file_id TEXT,
    batch_error TEXT,
    submits INTEGER NOT NULL DEFAULT 0,
    not_before REAL NOT NULL DEFAULT 0,
    intent_at REAL,
    succeeded INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    cancelled INTEGER NOT NULL DEFAULT 0,
    retried INTEGER NOT NULL DEFAULT 0,
    inputs INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS requests (
    seq INTEGER PRIMARY KEY,
    custom_id TEXT NOT NULL UNIQUE,
    tokens INTEGER NOT NULL,
    shard INTEGER NOT NULL,
    offset INTEGER NOT NULL,
    length INTEGER NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    result_offset INTEGER,
    result_length INTEGER,
    fingerprint BLOB,
    dup_of INTEGER
);
CREATE INDEX IF NOT EXISTS requests_by_shard ON requests (shard);
CREATE TABLE IF NOT EXISTS usage (
    batch_id TEXT PRIMARY KEY,
    shard INTEGER NOT NULL,
    model TEXT NOT NULL,
    input_tokens INTEGER NOT NULL,
    cached_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    reasoning_tokens INTEGER NOT NULL
);
"""

ROWS_PER_STATEMENT = 5000
"""Rows one INSERT binds. Rows go in as statements of exactly this many rows, then the rest a row at a
time, so that SQLite compiles two statements of each kind whatever the number of rows (sqlite3 caches
each one compiled, and a statement this size takes megabytes: one per size would soon take hundreds).
A writer thread is handed whole statements (see `BackgroundWrites`); rows one at a time are for the
caller's own thread. Builds whose parameter limit is below one statement's (999 before SQLite 3.32) bind
fewer rows a statement."""
REQUEST_PARAMS = 6
INSERT_REQUESTS = "INSERT INTO requests (seq, custom_id, tokens, shard, offset, length) VALUES "
REQUEST_ROW = "(?, ?, ?, ?, ?, ?)"
SETTLED = """
CREATE TEMP TABLE IF NOT EXISTS settled (
    seq INTEGER PRIMARY KEY, state TEXT NOT NULL, result_offset INTEGER, result_length INTEGER
)
"""
"""Results on their way into `requests` (see `settle`): three statements settle thousands of requests
(SQLite's `UPDATE ... FROM`, which would take one, is not in builds before 3.33)."""
SETTLED_PARAMS = 4
INSERT_SETTLED = "INSERT INTO temp.settled (state, result_offset, result_length, seq) VALUES "
SETTLED_ROW = "(?, ?, ?, ?)"
CACHE_KIB = 32 * 1024
"""SQLite's page cache: the `custom_id` index of a million requests stays in it while they are added."""


@dataclass(frozen=True)
class Shard:
    id: int
    model: str
    round: int
    requests: int
    bytes: int
    tokens: int
    state: ShardState
    file_id: str | None
    batch_id: str | None
    batch_status: str | None
    output_file_id: str | None
    error_file_id: str | None
    batch_error: str | None
    submits: int
    not_before: float
    intent_at: float | None
    succeeded: int
    failed: int
    cancelled: int
    retried: int
    inputs: int
    """Inputs the shard holds (its requests; for embeddings, the inputs they hold)."""


SHARD_COLUMNS = ", ".join(Shard.__dataclass_fields__)
ADDED_SHARD_COLUMNS = {"inputs": "requests"}
"""Columns added since the first manifests, with what an older manifest reads in their place."""
ADDED_REQUEST_COLUMNS = {"fingerprint": "BLOB", "dup_of": "INTEGER"}
"""Columns of `requests` added since the first manifests (null in older rows; only written when a job
is prepared with dedup or a cache, see `reuse.py`)."""


class Manifest:
    """The job's SQLite database. One writer at a time: a second runner waits for the lock (timeout)."""

    def __init__(self, path: Path, *, timeout: float = 30.0, read_only: bool = False) -> None:
        """Open (or create) the database at `path`; `read_only` opens an existing one for reading only,
        which works in a folder this process may not write to (status and results need no write access).
        """
        self.path = path
        self.folder = path.parent
        self.lock: JobLock | None = None
        """The driver's lock on the job, released with the manifest."""
        # One connection, used by one thread at a time (the async client prepares in a worker thread).
        target = _read_only_uri(path) if read_only else str(path)
        self._db = sqlite3.connect(
            target, timeout=timeout, isolation_level=None, check_same_thread=False, uri=read_only
        )
        self._db.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        if not read_only:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(SCHEMA)
            self._db.execute(SETTLED)
        self._shard_columns = self._upgrade(read_only=read_only)

    def _upgrade(self, *, read_only: bool) -> str:
        """Add the shard columns an older manifest lacks (filled as `ADDED_SHARD_COLUMNS` says); opened
        for reading only, select stand-ins for them instead. Returns the shard columns to select."""
        have = {row[1] for row in self._db.execute("PRAGMA table_info(shards)")}
        missing = {name: fill for name, fill in ADDED_SHARD_COLUMNS.items() if name not in have}
        if read_only:
            return ", ".join(
                f"{missing[name]} AS {name}" if name in missing else name
                for name in Shard.__dataclass_fields__
            )
        for name, fill in missing.items():
            self._db.execute(f"ALTER TABLE shards ADD COLUMN {name} INTEGER NOT NULL DEFAULT 0")
            self._db.execute(f"UPDATE shards SET {name} = {fill}")
        have = {row[1] for row in self._db.execute("PRAGMA table_info(requests)")}
        for name, kind in ADDED_REQUEST_COLUMNS.items():
            if name not in have:
                self._db.execute(f"ALTER TABLE requests ADD COLUMN {name} {kind}")
        return SHARD_COLUMNS

    def close(self) -> None:
        self._db.close()
        if self.lock is not None:
            self.lock.release()

    # -- transactions -----------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One transaction around the block: committed when it ends, rolled back when it raises."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
            self._db.execute("COMMIT")
        except BaseException:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise

    # -- meta -------------------------------------------------------------------------------------

    def get(self, key: str, default: Any = None) -> Any:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return default if row is None else json.loads(row[0])

    def put(self, key: str, value: Any) -> None:
        if key == "state":
            raise TransitionError("a job's state changes through `move_job`")
        self._put(key, value)

    def _put(self, key: str, value: Any) -> None:
        self._db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, json.dumps(value)),
        )

    @property
    def job_state(self) -> JobState:
        """The job's state (`preparing` until its input is recorded)."""
        return JobState(self.get("state", JobState.PREPARING))

    def move_job(self, to: JobState) -> None:
        """Move the job to `to` (staying where it is is no move); `TransitionError` unless allowed."""
        now = self.job_state
        if now != to:
            if to not in JOB_MOVES[now]:
                raise TransitionError(f"job state {now} cannot become {to}")
            self._put("state", str(to))

    def prepared(self, endpoint: str, requests: int) -> None:
        """Within the preparing transaction, once every request is recorded: note the endpoint and
        count, and start the job."""
        self.put("endpoint", endpoint)
        self.put("requests", requests)
        self.move_job(JobState.RUNNING)

    # -- shards -----------------------------------------------------------------------------------

    def shard(self, shard_id: int) -> Shard:
        row = self._db.execute(
            f"SELECT {self._shard_columns} FROM shards WHERE id = ?", (shard_id,)
        ).fetchone()
        return _shard(row)

    def shards(self, *states: ShardState) -> list[Shard]:
        """Shards in any of `states` (every shard when none is given), by id."""
        where = f" WHERE state IN ({', '.join('?' * len(states))})" if states else ""
        rows = self._db.execute(f"SELECT {self._shard_columns} FROM shards{where} ORDER BY id", states)
        return [_shard(row) for row in rows]

    def move_shard(self, shard_id: int, to: ShardState, **values: Any) -> None:
        """Move one shard to `to`, changing `values` too; `TransitionError` unless the table allows the
        move from the state the shard is in. Its own transaction (autocommit) unless one is open."""
        starts = sources(SHARD_MOVES, to)
        assignments = "".join(f", {name} = ?" for name in values)
        cursor = self._db.execute(
            f"UPDATE shards SET state = ?{assignments} "
            f"WHERE id = ? AND state IN ({', '.join('?' * len(starts))})",
            (to, *values.values(), shard_id, *starts),
        )
        if cursor.rowcount != 1:
            raise TransitionError(
                f"shard {shard_id} in state {self.shard(shard_id).state} cannot become {to}"
            )

    def update_shard(self, shard_id: int, **values: Any) -> None:
        """Change columns of one shard but its state (see `move_shard`), in its own transaction
        (autocommit) unless one is open."""
        if "state" in values:
            raise TransitionError("a shard's state changes through `move_shard`")
        assignments = ", ".join(f"{name} = ?" for name in values)
        self._db.execute(f"UPDATE shards SET {assignments} WHERE id = ?", (*values.values(), shard_id))

    def add_shards(self, rows: Iterable[tuple[int, str, int, int, int, int, int]]) -> None:
        """New `sealed` shards: (id, model, round, requests, bytes, tokens, inputs) each."""
        self._db.executemany(
            "INSERT INTO shards (id, model, round, requests, bytes, tokens, inputs, state) "
            f"VALUES (?, ?, ?, ?, ?, ?, ?, '{ShardState.SEALED}')",
            rows,
        )

    def add_pseudo_shard(self, shard_id: int, requests: int, state: ShardState, *, succeeded: int) -> None:
        """A shard of no model holding requests that are not sent (see `reuse.py`)."""
        self._db.execute(
            "INSERT INTO shards (id, model, round, requests, inputs, state, succeeded) "
            "VALUES (?, '', 1, ?, ?, ?, ?)",
            (shard_id, requests, requests, state, succeeded),
        )

    def next_shard_id(self) -> int:
        row = self._db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM shards").fetchone()
        return int(row[0])

    def shard_path(self, shard_id: int) -> Path:
        return self.folder / f"shard-{shard_id}.jsonl"

    def enqueued(self, model: str) -> tuple[int, int]:
        """The estimated tokens and the inputs of `model` enqueued now (in live shards)."""
        row = self._db.execute(
            "SELECT COALESCE(SUM(tokens), 0), COALESCE(SUM(inputs), 0) FROM shards "
            f"WHERE model = ? AND state IN ({', '.join('?' * len(SHARD_LIVE))})",
            (model, *SHARD_LIVE),
        ).fetchone()
        return int(row[0]), int(row[1])

    # -- usage ------------------------------------------------------------------------------------

    def record_usage(self, batch_id: str, shard: int, model: str, usage: Usage) -> None:
        """Keep what an ended batch used (a batch seen ending twice keeps its last report)."""
        self._db.execute(
            "INSERT OR REPLACE INTO usage (batch_id, shard, model, input_tokens, cached_tokens, "
            "output_tokens, reasoning_tokens) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (batch_id, shard, model, usage.input_tokens, usage.cached_tokens, usage.output_tokens,
             usage.reasoning_tokens),
        )  # fmt: skip

    def usage_by_model(self) -> dict[str, Usage]:
        """The tokens the job's ended batches used, per model (empty for a job from before usage was
        kept, opened for reading only)."""
        try:
            rows = self._db.execute(
                "SELECT model, SUM(input_tokens), SUM(cached_tokens), SUM(output_tokens), "
                "SUM(reasoning_tokens) FROM usage GROUP BY model ORDER BY model"
            ).fetchall()
        except sqlite3.OperationalError:  # no such table: a read-only open of an older manifest
            return {}
        return {model: Usage(*(int(v) for v in counts)) for model, *counts in rows}

    # -- requests ---------------------------------------------------------------------------------

    @property
    def results_path(self) -> Path:
        return self.folder / "results.jsonl"

    @contextmanager
    def recording(self) -> Iterator[ResultsFile]:
        """A transaction that appends result records: committed with the file made durable, or nothing.

        The file is opened after its committed length, so what a killed process appended is cut off.
        """
        with self.transaction():
            results = self.results_file()
            try:
                yield results
                results.sync()
                self.put("results_size", results.size)
            finally:
                results.close()

    def results_file(self) -> ResultsFile:
        """The results file, opened for appending after its committed length (what a killed process
        appended beyond it is cut off); its records count once `results_size` is committed."""
        return ResultsFile(self.results_path, committed=int(self.get("results_size", 0)))

    def records(self) -> Iterator[str]:
        """Every request's result record (JSON text), in input order, streamed from disk.

        Raises `JobStateError` before the first record when the results file is missing or shorter than
        its committed length (cut by a full disk, a copy, a hand), and at a record that is not there.
        """
        committed = int(self.get("results_size", 0))
        try:
            results = self.results_path.open("rb", buffering=0)
        except FileNotFoundError:
            raise JobStateError(f"{self.results_path} is missing: the job's results are lost") from None
        with results:
            size = os.fstat(results.fileno()).st_size
            if size < committed:
                raise JobStateError(
                    f"{self.results_path} holds {size} bytes, {committed} were written: the job's results "
                    "file was cut"
                )
            reader = _BlockReader(results)
            cursor = self._db.execute("SELECT result_offset, result_length FROM requests ORDER BY seq")
            while rows := cursor.fetchmany(1000):
                for offset, length in rows:
                    record = b"" if offset is None else reader.read(offset, length)
                    if offset is None or len(record) != length:
                        raise JobStateError(f"{self.results_path} has no record at byte {offset}")
                    yield record.decode()

    def record_at(self, offset: int, length: int) -> str:
        """One committed result record, by where `requests` says it is."""
        with self.results_path.open("rb", buffering=0) as results:
            return _read_at(results, offset, length).decode()

    def add_requests(self, rows: list[int | str]) -> None:
        """New `pending` requests, in `seq` order, as flat rows: seq, custom_id, tokens, shard, offset
        and length of each, one request after another (bound as they are, with no tuple per row).

        Raises `sqlite3.IntegrityError` for a `custom_id` recorded already (`seq_of` finds the first);
        the failed statement's rows are not in the table (SQLite undoes that statement alone).
        """
        self._insert_rows(INSERT_REQUESTS, REQUEST_ROW, REQUEST_PARAMS, rows)

    def _insert_rows(self, head: str, row: str, width: int, flat: Sequence[object]) -> None:
        """Insert `flat` rows of `width` values each: whole statements of `ROWS_PER_STATEMENT` rows,
        then the rest a row at a time."""
        rows = min(ROWS_PER_STATEMENT, self._db.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // width)
        step = rows * width
        whole = len(flat) - len(flat) % step
        statement = head + ", ".join([row] * rows)
        for start in range(0, whole, step):
            self._db.execute(statement, flat[start : start + step])
        if whole < len(flat):
            rest = range(whole, len(flat), width)
            self._db.executemany(head + row, (flat[start : start + width] for start in rest))

    def seq_of(self, custom_id: str) -> int | None:
        """The line number of the request recorded with `custom_id`, if any."""
        row = self._db.execute("SELECT seq FROM requests WHERE custom_id = ?", (custom_id,)).fetchone()
        return None if row is None else int(row[0])

    def pending(self, shard_id: int) -> dict[str, int]:
        """The `custom_id` and `seq` of each `pending` request of a shard."""
        rows = self._db.execute(
            "SELECT custom_id, seq FROM requests WHERE shard = ? AND state = ?",
            (shard_id, RequestState.PENDING),
        )
        return dict(rows.fetchall())

    def awaits_retry(self, shard_id: int) -> bool:
        """True while a request of the shard waits to go out again in a new shard."""
        found = self._db.execute(
            "SELECT 1 FROM requests WHERE shard = ? AND state = ? LIMIT 1", (shard_id, RequestState.RETRY)
        ).fetchone()
        return found is not None

    def request_lines(
        self, shard_id: int, state: RequestState | None = None
    ) -> list[tuple[int, int, int, int]]:
        """(seq, tokens, offset, length) of the shard's requests (those in `state`), in input order."""
        where = "" if state is None else " AND state = ?"
        return self._db.execute(
            f"SELECT seq, tokens, offset, length FROM requests WHERE shard = ?{where} ORDER BY seq",
            (shard_id,) if state is None else (shard_id, state),
        ).fetchall()

    def settle(
        self, rows: Sequence[tuple[str, int, int, int]], *, start: RequestState = RequestState.PENDING
    ) -> None:
        """Requests in state `start` get their results: (state, result offset, result length, seq) each.
        `TransitionError` for a state the table does not allow from `start`, or a request not in it.

        `ROWS_PER_STATEMENT` rows take three statements, so a writer thread runs them with few waits
        for the GIL (see `BackgroundWrites`)."""
        if not rows:
            return
        ends = {row[0] for row in rows}
        if not ends <= REQUEST_MOVES[start]:
            raise TransitionError(f"a {start} request cannot become {sorted(ends)}")
        flat = [value for row in rows for value in row]
        self._insert_rows(INSERT_SETTLED, SETTLED_ROW, SETTLED_PARAMS, flat)
        changed = self._db.execute(
            "UPDATE requests SET (state, result_offset, result_length) = "
            "(SELECT state, result_offset, result_length FROM temp.settled s WHERE s.seq = requests.seq) "
            "WHERE seq IN (SELECT seq FROM temp.settled) AND state = ?",
            (start,),
        ).rowcount
        self._db.execute("DELETE FROM temp.settled")
        if changed != len(rows):
            raise TransitionError(f"{len(rows) - changed} requests were not {start}")

    def move_requests(self, rows: Sequence[tuple[int, int, int]], *, start: RequestState) -> None:
        """Requests that go out again from a new shard's file, (shard, offset, seq) each: a `pending`
        one stays pending (its shard was split), a `retry` one becomes `pending` with no result."""
        if not rows:
            return
        reset = (
            f", state = '{RequestState.PENDING}', result_offset = NULL" if start is RequestState.RETRY else ""
        )
        cursor = self._db.executemany(
            f"UPDATE requests SET shard = ?, offset = ?{reset} WHERE seq = ? AND state = '{start}'", rows
        )
        if cursor.rowcount != len(rows):
            raise TransitionError(f"{len(rows) - cursor.rowcount} requests were not {start}")

    def give_up_retries(self, shard_id: int) -> int:
        """A shard's requests waiting for another batch keep their last failure as final; returns how
        many."""
        cursor = self._db.execute(
            "UPDATE requests SET state = ? WHERE shard = ? AND state = ?",
            (RequestState.FAILED, shard_id, RequestState.RETRY),
        )
        return int(cursor.rowcount)

    def duplicates(self, shard_id: int) -> list[tuple[int, str, str, str, int, int]]:
        """The requests of a duplicates shard, in input order: (seq, custom_id, and the `custom_id`,
        final state, result offset and length of the request each one repeats)."""
        rows = self._db.execute(
            "SELECT d.seq, d.custom_id, p.custom_id, p.state, p.result_offset, p.result_length "
            "FROM requests d JOIN requests p ON p.seq = d.dup_of WHERE d.shard = ? ORDER BY d.seq",
            (shard_id,),
        )
        return rows.fetchall()

    def successes(self, shard_id: int) -> list[tuple[bytes, int, int]]:
        """(fingerprint, result offset, result length) of the shard's successful requests that have a
        fingerprint (the job has a cache)."""
        return self._db.execute(
            "SELECT fingerprint, result_offset, result_length FROM requests "
            "WHERE shard = ? AND state = ? AND fingerprint IS NOT NULL",
            (shard_id, RequestState.SUCCEEDED),
        ).fetchall()

    def record_reuse(
        self,
        cached: Sequence[tuple[int, int, bytes, int]],
        duplicates: Sequence[tuple[int, int]],
        fingerprints: Sequence[tuple[bytes, int]],
    ) -> None:
        """Within the preparing transaction: requests answered from the cache succeed ((result offset,
        result length, fingerprint, seq) each), duplicates point at the request they repeat ((first
        seq, seq) each), and sent requests keep their fingerprint ((fingerprint, seq) each)."""
        self._db.executemany(
            "UPDATE requests SET state = ?, result_offset = ?, result_length = ?, fingerprint = ? "
            "WHERE seq = ?",
            [(RequestState.SUCCEEDED, *row) for row in cached],
        )
        self._db.executemany("UPDATE requests SET dup_of = ? WHERE seq = ?", duplicates)
        self._db.executemany("UPDATE requests SET fingerprint = ? WHERE seq = ?", fingerprints)

    def request_counts(self) -> dict[str, int]:
        """Requests by state: the final ones from the shards' tallies, the rest `pending`."""
        total = int(self.get("requests", 0))
        row = self._db.execute(
            "SELECT COALESCE(SUM(succeeded), 0), COALESCE(SUM(failed), 0), COALESCE(SUM(cancelled), 0) "
            "FROM shards"
        ).fetchone()
        final = dict(zip(("succeeded", "failed", "cancelled"), (int(v) for v in row), strict=True))
        return {"total": total, **final, "pending": total - sum(final.values())}

    def model_progress(self) -> dict[str, dict[str, int]]:
        """Per model: requests (each once, however often retried), done and failed, batches live, and
        estimated tokens and inputs enqueued now. Requests answered from the cache or waiting on a
        duplicate are not in any model."""
        rows = self._db.execute(
            "SELECT model, SUM(CASE WHEN round = 1 THEN requests ELSE 0 END), "
            "SUM(succeeded + failed + cancelled), SUM(failed), "
            f"SUM(state IN ({', '.join('?' * len(SHARD_LIVE))})), "
            f"SUM(CASE WHEN state IN ({', '.join('?' * len(SHARD_LIVE))}) THEN tokens ELSE 0 END) "
            "FROM shards WHERE id > 0 GROUP BY model ORDER BY model",
            (*SHARD_LIVE, *SHARD_LIVE),
        ).fetchall()
        names = ("requests", "done", "failed", "live_batches", "enqueued_tokens")
        return {
            model: dict(zip(names, (int(v or 0) for v in counts), strict=True)) for model, *counts in rows
        }

    def shard_counts(self) -> dict[str, int]:
        rows = self._db.execute("SELECT state, COUNT(*) FROM shards GROUP BY state")
        return {state: int(count) for state, count in rows}


def _shard(row: tuple[Any, ...]) -> Shard:
    values = list(row)
    values[6] = ShardState(values[6])
    return Shard(*values)


def _read_at(handle: BinaryIO, offset: int, length: int) -> bytes:
    """`length` bytes at `offset`: one `pread` where there is one (records are read in input order, not
    in file order, and a buffered read after each seek would read a whole buffer for one record)."""
    if sys.platform != "win32":  # Windows has no pread: a seek and a read do
        return os.pread(handle.fileno(), length, offset)
    handle.seek(offset)
    return handle.read(length) or b""


class _BlockReader:
    """Reads records of the results file through a few blocks kept in memory. Records in input order hop
    between the regions that each shard's merge appended and go forward within each, so nearly every
    record comes from a block read already: a `pread` per 64 KiB rather than one per record."""

    BLOCK = 1 << 16
    KEEP = 64
    """Blocks kept, the oldest dropped first: regions read side by side (one per model, usually)."""

    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle
        self._blocks: dict[int, bytes] = {}

    def read(self, offset: int, length: int) -> bytes:
        """`length` bytes at `offset` (fewer at the end of the file)."""
        index, start = divmod(offset, self.BLOCK)
        if start + length > self.BLOCK:  # across blocks: read as it is
            return _read_at(self._handle, offset, length)
        block = self._blocks.get(index)
        if block is None:
            if len(self._blocks) >= self.KEEP:
                del self._blocks[next(iter(self._blocks))]
            block = self._blocks[index] = _read_at(self._handle, index * self.BLOCK, self.BLOCK)
        return block[start : start + length]


def _read_only_uri(path: Path) -> str:
    """A URI opening `path` for reading only.

    A reader of a WAL database needs its `-shm` index: it makes one beside the database when it may. In
    a folder it may not write to, with no `-wal` file left (the last writer closed cleanly and folded it
    in), the database file alone holds every commit: it is opened as immutable, with no index and no
    lock. A `-wal` left by a killed writer comes with its `-shm`, which a reader may use where they are.
    """
    uri = f"{path.resolve().as_uri()}?mode=ro"
    wal = path.with_name(path.name + "-wal")
    if not os.access(path.parent, os.W_OK) and not wal.exists():
        uri += "&immutable=1"
    return uri


class ResultsFile:
    """Appends result records, one a line, and says where each one went."""

    def __init__(self, path: Path, *, committed: int) -> None:
        self._handle = path.open("ab", buffering=1 << 20)
        self._handle.truncate(committed)  # what a killed process appended was never committed
        self._handle.seek(committed)
        self.size = committed

    def add(self, text: str) -> tuple[int, int]:
        """Append `text`; return (offset, length) of its bytes."""
        data = text.encode()
        offset = self.size
        self._handle.write(data + b"\n")
        self.size += len(data) + 1
        return offset, len(data)

    def sync(self) -> None:
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def close(self) -> None:
        self._handle.close()


class JobLock:
    """An exclusive lock on a job's folder for the one process that drives the job (`flock`, released by
    the kernel when the process ends however it ends). Where `fcntl` is missing (Windows) it always
    succeeds: run one driver at a time yourself there."""

    def __init__(self, folder: Path) -> None:
        self._path = folder / ".lock"
        self._fd: int | None = None

    def acquire(self) -> bool:
        """Take the lock now, or return False when another process holds it."""
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        if sys.platform != "win32":
            import fcntl  # noqa: PLC0415 - POSIX only

            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                return False
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return True

    def holder(self) -> str:
        """The process id the lock file names (for messages)."""
        try:
            return self._path.read_text() or "?"
        except OSError:
            return "?"

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class BackgroundWrites:
    """Manifest writes (and fsyncs) run in a worker thread, one batch in flight, while the caller parses
    the next: sqlite3 lets go of the GIL while SQLite works, so writing overlaps parsing on another core.
    It pays only when each statement does much (thousands of rows): after each one the worker waits for
    the busy caller to let go of the GIL (up to the interpreter's switch interval, 5 ms), and a statement
    per row loses more in those waits than it overlaps. Preparing inserts and merging settles that way.

    `submit` waits for the batch before (so memory holds two at most and an error surfaces at once);
    `finish` waits for the last; `close` stops the thread. Use it within a `with`.
    """

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="openai-files-manifest")
        self._pending: Future[object] | None = None

    def submit(self, write: Callable[..., object], *args: Any) -> None:
        self.finish()
        self._pending = self._pool.submit(write, *args)

    def finish(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def __enter__(self) -> BackgroundWrites:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)  # a failed run's last write ends first
