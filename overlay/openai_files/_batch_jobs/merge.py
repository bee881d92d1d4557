"""Merging one ended batch into the manifest: every line of its output and error files, then every
request that has no line, each given its outcome and result record, in one transaction.

Requests are found through a map of the shard's pending `custom_id`s (at most one shard's worth, 50,000
by default), so each line costs a parse and an update by row id, which a worker thread makes
thousands at a time; a line whose `custom_id` is not pending in this shard (repeated, or foreign) is
ignored, and what is left in the map had no line.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .._errors import IncompleteDownloadError
from .._jsonl import parse_line
from .manifest import ROWS_PER_STATEMENT, BackgroundWrites, Manifest, ResultsFile, Shard
from .outcome import CANCELLED, FAILED, RETRY, SUCCEEDED, Records, classify_line, missing_outcome

READ_BUFFER = 1 << 20
"""Bytes read and decoded at a time: larger than the default 8 KiB, so that fewer reads hand the GIL
over while the merge parses."""


def _cut_short(path: Path) -> IncompleteDownloadError:
    """What a last line that does not end the file and does not parse means: the file was cut short."""
    size = path.stat().st_size
    return IncompleteDownloadError(expected=size + 1, received=size)


class ShardMerge:
    """One shard's merge; `add_file` for each downloaded file, then `add_missing`, then `tally`.

    `output_lost`: a file of the batch is gone from the service, so a request with no line may well
    have been answered: it goes to another batch rather than being given `missing_result`.

    The caller holds the transaction: rows and the results file are only durable once it commits. Row
    updates go to the caller's `background` writer thread, a whole statement's worth at a time, while
    this thread parses the next lines; each file's last ones go in here.
    """

    def __init__(
        self,
        manifest: Manifest,
        shard: Shard,
        results: ResultsFile,
        background: BackgroundWrites,
        *,
        last_attempt: bool,
        cancelling: bool,
        output_lost: bool = False,
    ) -> None:
        self._m = manifest
        self._shard = shard
        self._results = results
        self._background = background
        self._last_attempt = last_attempt
        self._cancelling = cancelling
        self._output_lost = output_lost
        self._records = Records(attempts=shard.round, batch_id=shard.batch_id)
        self._pending = manifest.pending(shard.id)
        self._rows: list[tuple[str, int, int, int]] = []
        self.tally = {SUCCEEDED: 0, FAILED: 0, CANCELLED: 0, RETRY: 0}

    def add_file(self, path: Path) -> None:
        """Every line of an output or error file."""
        pending, records, add = self._pending, self._records, self._add  # looked up once, not per line
        last_attempt, cancelling = self._last_attempt, self._cancelling
        with path.open(encoding="utf-8", buffering=READ_BUFFER) as lines:
            for raw in lines:
                if raw.isspace():  # not `strip()`, which copies every line
                    continue
                try:  # inline, not a function per line
                    line = parse_line(raw)
                except ValueError:
                    if raw.endswith("\n"):
                        raise
                    raise _cut_short(path) from None
                custom_id = str(line.get("custom_id"))
                seq = pending.pop(custom_id, None)
                if seq is not None:
                    outcome = classify_line(line, last_attempt=last_attempt, cancelling=cancelling)
                    add(outcome.state, records(custom_id, outcome, raw), seq)
        self._flush()

    def add_missing(self) -> None:
        """The requests no file had a line for: what that means depends on how the batch ended, the same
        for each of them."""
        batch_error: Any = json.loads(self._shard.batch_error) if self._shard.batch_error else None
        outcome = missing_outcome(
            self._shard.batch_status or "",
            batch_error,
            last_attempt=self._last_attempt,
            cancelling=self._cancelling,
            output_lost=self._output_lost,
        )
        for custom_id, seq in self._pending.items():
            self._add(outcome.state, self._records(custom_id, outcome, None), seq)
        self._pending.clear()
        self._flush()

    def _add(self, state: str, record: str, seq: int) -> None:
        offset, length = self._results.add(record)
        self._rows.append((state, offset, length, seq))
        self.tally[state] += 1
        if len(self._rows) == ROWS_PER_STATEMENT:
            self._background.submit(self._m.settle, self._rows)  # whole statements: the writer thread's
            self._rows = []

    def _flush(self) -> None:
        """The rows left, a row at a time: here, where no thread waits for the GIL."""
        self._background.finish()
        self._m.settle(self._rows)
        self._rows = []
