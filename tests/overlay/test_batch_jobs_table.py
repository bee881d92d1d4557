"""A job's results as an Arrow table (`results_table`) and a Parquet file (`jobs results --format parquet`),
against the emulator: one row per request in input order, values from the input and the documented rules.

The emulator answers a chat request with "Stand-in response for CUSTOM_ID.", the request's model, and
`prompt_tokens` = the JSONL line's bytes (its newline included) // 4, at least 1 (emulator README).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from openai_files import AsyncClient, Client, MissingExtraError
from openai_files_emulator import EmulatorServer

from .conftest import collect, resolve
from .test_batch_jobs import MODELS, small_config, write_job
from .test_cli_jobs import run

COLUMNS = [
    "custom_id", "status", "status_code", "model", "input_tokens", "output_tokens", "from_cache",
    "duplicate_of", "error", "text",
]  # fmt: skip
TYPES = {"status_code": pa.int32(), "input_tokens": pa.int64(), "output_tokens": pa.int64()}


def check_rows(rows: list[dict[str, Any]], source: Path, records: list[dict[str, Any]]) -> None:
    """`rows` hold one row per line of `source`, in its order, as the documented rules have them;
    `records` (the results as `jobs results` prints them) say which requests failed and how."""
    lines = source.read_bytes().splitlines(keepends=True)
    assert [row["custom_id"] for row in rows] == [f"r{n}" for n in range(len(lines))]
    assert [r["custom_id"] for r in records] == [row["custom_id"] for row in rows]
    for n, (row, line, record) in enumerate(zip(rows, lines, records, strict=True)):
        assert (row["status"], row["status_code"]) == (record["status"], record["status_code"])
        assert row["from_cache"] is False and row["duplicate_of"] is None
        if row["status"] == "succeeded":
            assert row["status_code"] == 200 and row["error"] is None
            assert row["text"] == f"Stand-in response for r{n}."
            assert row["model"] == MODELS[n % len(MODELS)]
            assert row["input_tokens"] == max(1, len(line) // 4)
            assert row["output_tokens"] == record["body"]["usage"]["completion_tokens"] > 0
        else:
            assert row["status_code"] == 400 and row["text"] is None and row["model"] is None
            assert row["error"].endswith(": " + record["error"]["message"])
    assert {row["status"] for row in rows} == {"succeeded", "failed"}


@pytest.mark.anyio
async def test_results_table_one_row_per_request_in_input_order(
    any_client: Client | AsyncClient, fresh_emulator: EmulatorServer, tmp_path: Path
) -> None:
    fresh_emulator.batch_settings.set(line_status_rate=0.2, line_statuses=(400,), seed=3)
    config = small_config(tmp_path, max_shard_requests=40)
    source = write_job(tmp_path / "in.jsonl", 150)
    await resolve(any_client.batch_jobs.run(source, job_id="t", config=config))
    table = await resolve(any_client.batch_jobs.results_table("t", state_dir=config.state_dir))
    assert isinstance(table, pa.Table) and table.column_names == COLUMNS
    assert {name: table.schema.field(name).type for name in TYPES} == TYPES
    results = await collect(any_client.batch_jobs.results("t", state_dir=config.state_dir))
    records = [{"body": r.body, **vars(r)} for r in results]
    check_rows(table.to_pylist(), source, records)


def test_parquet_file_read_back_in_row_groups(
    env: EmulatorServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    env.batch_settings.set(line_status_rate=0.2, line_statuses=(400,), seed=5)
    source = write_job(tmp_path / "in.jsonl", 150)
    state = ["--state-dir", str(tmp_path / "state")]
    code, _, err = run(
        capsys, "--no-progress", "jobs", "run", str(source), "--job-id", "p", "--poll", "0.01",
        "--max-shard-requests", "60", *state,
    )  # fmt: skip
    assert code == 6, err  # some requests were refused with 400
    target = tmp_path / "out.parquet"
    code, out, err = run(
        capsys, "jobs", "results", "p", "--format", "parquet", "--output", str(target),
        "--rows-per-group", "16", *state,
    )  # fmt: skip
    assert (code, out, err) == (0, "", "")
    assert not list(tmp_path.glob("*.part"))
    parquet = pq.ParquetFile(target)
    # 150 rows 16 at a time: the writer held one group of rows at once.
    sizes = [parquet.metadata.row_group(i).num_rows for i in range(parquet.num_row_groups)]
    assert sizes == [16] * 9 + [6]
    code, out, _ = run(capsys, "jobs", "results", "p", *state)
    records = [json.loads(line) for line in out.splitlines()]
    check_rows(parquet.read().to_pylist(), source, records)


def test_without_pyarrow_one_typed_error_and_no_file(
    env: EmulatorServer, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = write_job(tmp_path / "in.jsonl", 5)
    state = ["--state-dir", str(tmp_path / "state")]
    code, _, err = run(
        capsys, "--no-progress", "jobs", "run", str(source), "--job-id", "n", "--poll", "0.01", *state
    )
    assert code == 0, err
    for name in ("pyarrow", "pyarrow.parquet"):  # an import of either now fails, as when not installed
        monkeypatch.setitem(sys.modules, name, None)
    target = tmp_path / "out.parquet"
    code, out, err = run(
        capsys, "jobs", "results", "n", "--format", "parquet", "--output", str(target), *state
    )
    assert (code, out) == (2, "") and err.count("\n") == 1
    assert "pip install 'openai-files[parquet]'" in err
    assert not target.exists() and not list(tmp_path.glob("*.part"))
    with Client(api_key=env.api_key, base_url=env.base_url, timeout=10.0) as client:
        for job_id in ("n", "no-such-job"):  # said before the job is looked at
            with pytest.raises(MissingExtraError) as raised:
                client.batch_jobs.results_table(job_id, state_dir=tmp_path / "state")
            assert isinstance(raised.value, ImportError) and raised.value.param == "parquet"


def test_parquet_needs_an_output_path(
    env: EmulatorServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(
        capsys, "jobs", "results", "any", "--format", "parquet", "--state-dir", str(tmp_path)
    )
    assert (code, out) == (2, "") and "--format parquet needs --output PATH" in err and err.count("\n") == 1
