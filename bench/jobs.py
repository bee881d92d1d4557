"""Benchmark: a generated 1 GB, 1,000,000-request JSONL through `client.batch_jobs` on the emulator.

    .venv/bin/python bench/jobs.py [--requests 1000000] [--line-bytes 1000]

Reports, from one run in a child process (the emulator runs in another):
- preparation (every line checked, `custom_id`s made unique, shards cut and written, manifest rows) beside
  a bare `for line in f: json.loads(line)` loop over the same file (target: within 2x); each is run three
  times, interleaved, and the fastest kept, since the machine is shared; CPU seconds beside wall seconds,
  as the CPU time of a process is less disturbed by other work on the machine;
- merging results (every output and error line parsed, classified and recorded, in one transaction per
  shard; downloads not counted) beside a bare read-and-parse of each downloaded file just before it is
  merged (target: within 2x), and streaming the million results back in input order. The code is not
  touched: the job's steps (a generator of calls, `drive_sync` performs them) are passed through, and
  the merge time is the job's own time after each download up to its next call, which holds the merge
  and a little bookkeeping besides;
- the client process's peak RSS over the whole job (target: at most 150 MB);
- `client.batch_jobs.plan` of the same file (every line checked, shards counted, tokens estimated, no
  network and nothing written), run three times interleaved with the others, fastest kept (target: less
  than the preparation `jobs submit` makes).

The table goes to `bench/results/jobs.md`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from _machine import peak_rss_mib
from _results import write

from openai_files_emulator.child import child_emulator

API_KEY = "sk-bench"
MODELS = ("gpt-4o-mini", "gpt-4.1-mini", "gpt-4o", "o4-mini")
PREPARE_TRIALS = 3


def generate(path: Path, requests: int, line_bytes: int) -> int:
    """`requests` chat requests over four models, each line padded to about `line_bytes`."""
    written = 0
    with path.open("w") as out:
        for n in range(requests):
            body = {"model": MODELS[n % len(MODELS)], "messages": [{"role": "user", "content": ""}]}
            line = {
                "custom_id": f"request-{n:08d}",
                "method": "POST",
                "url": "/v1/chat/completions",
                "body": body,
            }
            base = len(json.dumps(line)) + 1
            body["messages"][0]["content"] = f"Summarise document {n}: " + "lorem ipsum " * max(
                0, (line_bytes - base - 30) // 12
            )
            text = json.dumps(line) + "\n"
            out.write(text)
            written += len(text)
    return written


class Stopwatch:
    """Wall and CPU seconds of this process, summed over the spans it timed."""

    def __init__(self) -> None:
        self.wall = self.cpu = 0.0

    @contextmanager
    def span(self) -> Iterator[None]:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.wall += time.perf_counter() - wall
            self.cpu += time.process_time() - cpu


def bare_parse(path: Path, watch: Stopwatch) -> None:
    """The loop a user writes: lines read as text, each parsed (quicker than reading bytes, whose
    `json.loads` detects their encoding on every call)."""
    with watch.span(), path.open(encoding="utf-8") as f:
        for line in f:
            json.loads(line)


def observed(steps: Generator[Any, Any, Any], merge: Stopwatch, bare: Stopwatch, read: list[int]) -> Any:
    """The job's `steps`, passed through unchanged for `drive_sync`, timing the job's own work after each
    download (where it merges) on `merge`; first, the bare loop reads the file just downloaded."""
    result: Any = None
    error: Exception | None = None
    after_download = False
    while True:
        with merge.span() if after_download else contextlib.nullcontext():
            try:
                call = steps.throw(error) if error is not None else steps.send(result)
            except StopIteration as stop:
                return stop.value
        try:
            result, error = (yield call), None
        except Exception as exc:  # the driver hands a failed call back to the job
            result, error = None, exc
        after_download = call.op == "download" and error is None
        if after_download:
            path = Path(call.args[1])
            bare_parse(path, bare)
            read.append(path.stat().st_size)


def child(base_url: str, source: Path, state_dir: Path) -> dict[str, Any]:
    """The measured process: prepare, run the job, merge, stream results; then the bare baselines."""
    from openai_files import Client, JobConfig  # noqa: PLC0415
    from openai_files._batch_jobs.drivers import SyncJobApi, drive_sync  # noqa: PLC0415
    from openai_files._batch_jobs.store import create_job  # noqa: PLC0415

    merge, bare_output = Stopwatch(), Stopwatch()
    downloaded: list[int] = []
    config = JobConfig(poll_interval=0.2, max_poll_interval=1.0, delete_outputs=True, state_dir=state_dir)
    with Client(api_key=API_KEY, base_url=base_url, timeout=600.0) as client:
        prepare, bare_input, plan = [], [], []
        for trial in range(PREPARE_TRIALS):  # interleaved with the bare loop, so both see the same load
            bare_input.append(Stopwatch())
            bare_parse(source, bare_input[-1])
            plan.append(Stopwatch())
            with plan[-1].span():
                planned = client.batch_jobs.plan(source, config=config)
            prepare.append(Stopwatch())
            with prepare[-1].span():
                manifest, core = create_job(
                    source, endpoint=None, job_id=f"bench{trial}", config=config, estimator=None
                )
            if trial < PREPARE_TRIALS - 1:
                manifest.close()
                shutil.rmtree(state_dir / f"bench{trial}")
        shards = len(manifest.shards())
        run = Stopwatch()
        with run.span():
            status = drive_sync(SyncJobApi(client), observed(core.run(), merge, bare_output, downloaded))
        manifest.close()
        results = Stopwatch()
        with results.span():
            count = sum(1 for _ in client.batch_jobs.results(core.job_id, state_dir=state_dir))
    fastest = min(prepare, key=lambda w: w.wall)
    fastest_plan = min(plan, key=lambda w: w.wall)
    return {
        "prepare": [fastest.wall, fastest.cpu],
        "plan": [fastest_plan.wall, fastest_plan.cpu],
        "planned_shards": planned.shards,
        "bare_input": [min(w.wall for w in bare_input), min(w.cpu for w in bare_input)],
        "run": run.wall,
        "merge": [merge.wall, merge.cpu],
        "bare_output": [bare_output.wall, bare_output.cpu],
        "output_bytes": sum(downloaded),
        "results": results.wall,
        "results_count": count,
        "succeeded": status.requests["succeeded"],
        "shards": shards,
        "peak_rss_mb": peak_rss_mib() * 2**20 / 1e6,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--line-bytes", type=int, default=1000)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], Path(args.child[1]), Path(args.child[2]))))
        return
    need = 4 * args.requests * args.line_bytes
    scratch = "/dev/shm" if shutil.disk_usage("/dev/shm").free > need else None
    work = Path(tempfile.mkdtemp(prefix="openai-files-bench-jobs-", dir=scratch))
    try:
        source = work / "requests.jsonl"
        print(f"writing {args.requests:,} requests to {source} ...", file=sys.stderr)
        size = generate(source, args.requests, args.line_bytes)
        with child_emulator(work / "emulator", "--api-key", API_KEY) as emulator:
            command = [
                sys.executable,
                __file__,
                "--child",
                emulator.base_url,
                str(source),
                str(work / "state"),
            ]
            out = subprocess.run(command, check=False, capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"the job failed:\n{out.stderr}")
        report = json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    table = render(report, args.requests, size)
    print(table)
    write("jobs", table)


def render(r: dict[str, Any], requests: int, size: int) -> str:
    ok = r["results_count"] == requests and r["succeeded"] == requests
    rows = [
        ("preparation: check + shard + manifest", r["prepare"], r["bare_input"], "<= 2x"),
        ("plan: check + count, nothing written", r["plan"], r["bare_input"], "< preparation"),
        ("merging output files into the manifest", r["merge"], r["bare_output"], "<= 2x"),
    ]
    lines = [
        f"A job of {requests:,} requests ({size / 1e9:.2f} GB of JSONL, {len(MODELS)} models, {r['shards']} "
        "shards) on the local emulator. "
        f"Results {'complete' if ok else 'INCOMPLETE'}: {r['results_count']:,} records, "
        f"{r['succeeded']:,} succeeded.",
        "",
        "| step | ours wall s | bare loop wall s | wall ratio | ours CPU s | bare loop CPU s | CPU ratio "
        "| target |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
        *(
            f"| {name} | {ours[0]:.2f} | {bare[0]:.2f} | {ours[0] / bare[0]:.2f}x "
            f"| {ours[1]:.2f} | {bare[1]:.2f} | {ours[1] / bare[1]:.2f}x | {target} |"
            for name, ours, bare, target in rows
        ),
        "",
        "- whole job after preparation (upload, batches on the emulator, downloads, merge, cleanup): "
        f"{r['run']:.1f} s",
        f"- streaming {r['results_count']:,} results back in input order: {r['results']:.2f} s",
        f"- output files merged: {r['output_bytes'] / 1e9:.2f} GB",
        f"- client peak RSS over the whole job: {r['peak_rss_mb']:.0f} MB (target <= 150 MB)",
        f"- the plan counted {r['planned_shards']} shards, the preparation cut {r['shards']}",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
