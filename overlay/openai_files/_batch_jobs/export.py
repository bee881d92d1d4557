"""A job's results as an Arrow table or a Parquet file, with the optional `parquet` extra (pyarrow).

The columns are `table.COLUMNS` with one type each, one row per `custom_id` in input order. Rows are
built `rows_per_group` at a time: a Parquet file gets one row group per batch of rows, so memory holds
one group whatever the job's size (a Table, being in memory, holds them all).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from .._errors import InvalidInputError, MissingExtraError
from .outcome import JobResult
from .table import COLUMNS

ROWS_PER_GROUP = 65_536
"""Rows per Parquet row group by default: the most rows held in memory at once while writing."""
_TYPES = {
    "status_code": "int32",
    "input_tokens": "int64",
    "output_tokens": "int64",
    "from_cache": "bool_",
}
"""Columns that are not text."""


def arrow() -> Any:
    """The `pyarrow` module; raises `MissingExtraError` when it is not installed."""
    try:
        import pyarrow  # noqa: PLC0415 - an optional extra, imported when asked for
        import pyarrow.parquet  # noqa: PLC0415
    except ImportError:
        raise MissingExtraError(
            "results as a table or Parquet need pyarrow: pip install 'openai-files[parquet]'",
            param="parquet",
        ) from None
    return pyarrow


def _schema(pa: Any) -> Any:
    return pa.schema([(name, getattr(pa, _TYPES.get(name, "string"))()) for name in COLUMNS])


def _groups(pa: Any, records: Iterable[str], rows_per_group: int) -> Iterator[Any]:
    """Record batches of at most `rows_per_group` rows, from result records (JSON text) in order."""
    schema, records = _schema(pa), iter(records)
    while rows := [JobResult.from_record(text).to_row() for text in islice(records, rows_per_group)]:
        yield pa.RecordBatch.from_pylist(rows, schema=schema)


def results_table(records: Iterable[str], *, rows_per_group: int = ROWS_PER_GROUP) -> Any:
    """A `pyarrow.Table` of the records, one chunk per `rows_per_group` rows."""
    pa = arrow()
    return pa.Table.from_batches(list(_groups(pa, records, rows_per_group)), schema=_schema(pa))


def write_parquet(records: Iterable[str], path: Path, *, rows_per_group: int = ROWS_PER_GROUP) -> int:
    """Write the records to a Parquet file at `path`, one row group per `rows_per_group` rows; return the
    rows written. The file is written beside `path` and renamed into place once whole."""
    if rows_per_group < 1:
        raise InvalidInputError(
            f"rows_per_group must be 1 or more, got {rows_per_group}", param="rows_per_group"
        )
    pa = arrow()
    partial = path.with_name(path.name + ".part")
    rows = 0
    try:
        with pa.parquet.ParquetWriter(partial, _schema(pa)) as writer:
            for group in _groups(pa, records, rows_per_group):
                writer.write_batch(group)
                rows += group.num_rows
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return rows
