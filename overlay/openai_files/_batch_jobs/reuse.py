"""Paying once: requests with identical bodies sent once per job, and answers kept across jobs.

A request's fingerprint is a hash of its method, url and body (keys sorted, so the same JSON written
two ways is the same request). With `dedup`, a request whose fingerprint an earlier line of the job has
is not sent: it waits in a pseudo-shard (`DUPLICATES`, state `fanout`) until every other shard ended,
then gets its first's result under its own `custom_id`. With a cache (a SQLite file the user names), a
request answered successfully before, by any job using that file, is not sent: its result is taken from
the cache when the job is prepared (pseudo-shard `CACHED`, `done` at once), and every success a job
merges is added to the cache. Records say which: `from_cache`, `duplicate_of`.

Dedup keeps one fingerprint per distinct request in memory while preparing (about 100 bytes each).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .manifest import Manifest
from .states import ShardState

CACHED = 0
"""The pseudo-shard of requests answered from the cache."""
DUPLICATES = -1
"""The pseudo-shard of requests that repeat an earlier one of the job."""


def fingerprint(request: Mapping[str, Any]) -> bytes:
    """A 16-byte hash of the request's method, url and body, whatever the order of its keys."""
    canonical = json.dumps(
        [request.get("method"), request.get("url"), request.get("body")],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.blake2b(canonical.encode(), digest_size=16).digest()


def reused(record: str, custom_id: str, **marks: Any) -> str:
    """`record` (a job's result record) for another request: its `custom_id`, with `marks` added."""
    data = json.loads(record)
    data["custom_id"] = custom_id
    data.update(marks)
    return json.dumps(data)


class ResultCache:
    """The user's cache file: the result record of each request answered successfully, by fingerprint."""

    def __init__(self, path: str | os.PathLike[str], *, timeout: float = 30.0) -> None:
        """Open (or create) the cache at `path`."""
        self.path = Path(path)
        self._db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS results (fingerprint BLOB PRIMARY KEY, record TEXT NOT NULL)"
        )

    def get(self, key: bytes) -> str | None:
        """The cached record of the request of fingerprint `key`, or None."""
        row = self._db.execute("SELECT record FROM results WHERE fingerprint = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def put(self, rows: Iterable[tuple[bytes, str]]) -> None:
        """Keep (fingerprint, record) pairs, in one transaction; a newer answer replaces an older."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.executemany("INSERT OR REPLACE INTO results (fingerprint, record) VALUES (?, ?)", rows)
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    def close(self) -> None:
        self._db.close()


class Reuse:
    """While a job is prepared: which requests are sent, answered from the cache, or repeat another."""

    def __init__(self, *, dedup: bool, cache: ResultCache | None) -> None:
        self.dedup = dedup
        self.cache = cache
        self._first: dict[bytes, int] = {}
        self._cached: list[tuple[int, str, bytes, str]] = []
        self._duplicates: list[tuple[int, int]] = []
        self._sent: list[tuple[bytes, int]] = []

    def pseudo_shard(self, seq: int, request: Mapping[str, Any]) -> int | None:
        """`CACHED` or `DUPLICATES` for a request that is not sent, None for one that is."""
        key = fingerprint(request)
        if self.cache is not None:
            record = self.cache.get(key)
            if record is not None:
                self._cached.append((seq, str(request["custom_id"]), key, record))
                return CACHED
        if self.dedup:
            first = self._first.setdefault(key, seq)
            if first != seq:
                self._duplicates.append((first, seq))
                return DUPLICATES
        if self.cache is not None:
            self._sent.append((key, seq))
        return None

    def record(self, manifest: Manifest) -> None:
        """Within the preparing transaction, after every request row: the cached results and their
        shard (done), the duplicates' links and their shard (`fanout`), the sent requests'
        fingerprints (so that their successes go into the cache)."""
        cached = []
        if self._cached:
            results = manifest.results_file()
            try:
                cached = [
                    (*results.add(reused(record, custom_id, from_cache=True)), key, seq)
                    for seq, custom_id, key, record in self._cached
                ]
                results.sync()
            finally:
                results.close()
            manifest.put("results_size", results.size)
            manifest.add_pseudo_shard(CACHED, len(cached), ShardState.DONE, succeeded=len(cached))
        if self._duplicates:
            count = len(self._duplicates)
            manifest.add_pseudo_shard(DUPLICATES, count, ShardState.FANOUT, succeeded=0)
        manifest.record_reuse(cached, self._duplicates, self._sent)
