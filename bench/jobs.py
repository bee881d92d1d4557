"""Benchmark: a generated 1 GB, 1,000,000-request JSONL through `client.batch_jobs` on the emulator.

    .venv/bin/python bench/jobs.py [--requests 1000000] [--line-bytes 1000] [--trials 3]
        [--parsers json,fast] [--results-name jobs]

Reports, for each JSON parser (`json`: the standard library, as without the `fast` extra; `fast`: with
msgspec, the `fast` extra, when installed), from one run in a child process each (the emulator runs in
another), the same steps and the same number of trials each:
- preparation (every line checked, `custom_id`s made unique, shards cut and written, manifest rows) beside
  a bare `for line in f: json.loads(line)` loop over the same file (target: within 2x); each is run
  `--trials` times, interleaved, and the fastest kept, since the machine is shared; CPU seconds beside
  wall seconds, as the CPU time of a process is less disturbed by other work on the machine;
- merging results (every output and error line parsed, classified and recorded, in one transaction per
  shard; downloads not counted) beside a bare read-and-parse of each downloaded file just before it is
  merged (target: within 2x). The code is not touched: the job's steps (a generator of effects,
  `drive_sync` performs them) are passed through, and the merge time is that of each merge effect
  (`LocalWork` of kind `merge`), as the driver runs it;
- streaming the results back in input order, once the job ended, beside a bare read-and-parse of the
  merged files (target: within 2x), `--trials` times each, interleaved, the fastest kept (the downloaded
  files are kept for it by a second link, which costs the job nothing);
- the client process's peak RSS over the whole job (target: at most 150 MB), and the size of the job's
  manifest (SQLite) and results store on disk;
- `client.batch_jobs.plan` of the same file (every line checked, shards counted, tokens estimated, no
  network and nothing written), run as often, interleaved with the others, fastest kept (target: less
  than the preparation `jobs submit` makes).

Each step also shows microseconds per request, so that runs of different sizes show whether time grows
linearly (`make bench-jobs-10m`: 10,000,000 requests, one trial, to `bench/results/jobs-10m.md`).
The table goes to `bench/results/<results-name>.md`.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from _machine import filesystem, peak_rss_mib
from _results import write

from openai_files_emulator.child import child_emulator

API_KEY = "sk-bench"
MODELS = ("gpt-4o-mini", "gpt-4.1-mini", "gpt-4o", "o4-mini")
PARSERS = ("json", "fast")


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


def observed(
    steps: Generator[Any, Any, Any], merge: Stopwatch, bare: Stopwatch, read: list[int], keep: Path
) -> Any:
    """The job's `steps`, passed through unchanged for `drive_sync`, timing each merge (the `LocalWork`
    effect of kind `merge`, which the driver runs) on `merge`; first, the bare loop reads each file
    just downloaded, and a second link to it in `keep` outlives the job's own."""
    from openai_files._batch_jobs.effects import Download, LocalWork  # noqa: PLC0415

    result: Any = None
    error: Exception | None = None
    while True:
        try:
            effect = steps.throw(error) if error is not None else steps.send(result)
        except StopIteration as stop:
            return stop.value
        merging = isinstance(effect, LocalWork) and effect.kind == "merge"
        try:
            with merge.span() if merging else contextlib.nullcontext():
                result, error = (yield effect), None
        except Exception as exc:  # the driver hands a failed effect back to the job
            result, error = None, exc
        if isinstance(effect, Download) and error is None:
            bare_parse(effect.path, bare)
            read.append(effect.path.stat().st_size)
            os.link(effect.path, keep / f"{len(read)}.jsonl")


def child(base_url: str, source: Path, state_dir: Path, parser: str, trials: int) -> dict[str, Any]:
    """The measured process: prepare, run the job, merge, stream results; then the bare baselines.
    `parser` "json" turns the `fast` extra off in this process, as if msgspec were not installed."""
    from openai_files import Client, JobConfig, _jsonl  # noqa: PLC0415
    from openai_files._batch_jobs.drivers import drive_sync  # noqa: PLC0415
    from openai_files._batch_jobs.store import create_job  # noqa: PLC0415

    if parser == "json":
        _jsonl.FAST = None
    merge, bare_output = Stopwatch(), Stopwatch()
    downloaded: list[int] = []
    config = JobConfig(poll_interval=0.2, max_poll_interval=1.0, delete_outputs=True, state_dir=state_dir)
    with Client(api_key=API_KEY, base_url=base_url, timeout=600.0) as client:
        prepare, bare_input, plan = [], [], []
        for trial in range(trials):  # interleaved with the bare loop, so both see the same load
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
            if trial < trials - 1:
                manifest.close()
                shutil.rmtree(state_dir / f"bench{trial}")
        shards = len(manifest.shards())
        keep = state_dir.with_name(state_dir.name + "-outputs")
        keep.mkdir()
        run = Stopwatch()
        with run.span():
            status = drive_sync(client, observed(core.run(), merge, bare_output, downloaded, keep))
        manifest.close()
        results, bare_results = [], []
        for _ in range(trials):  # interleaved, as above
            bare_results.append(Stopwatch())
            for path in sorted(keep.iterdir()):
                bare_parse(path, bare_results[-1])
            results.append(Stopwatch())
            with results[-1].span():
                count = sum(1 for _ in client.batch_jobs.results(core.job_id, state_dir=state_dir))
        shutil.rmtree(keep)
    folder = state_dir / core.job_id
    stored = {path.name: path.stat().st_size for path in folder.iterdir() if path.is_file()}
    fastest = min(prepare, key=lambda w: w.wall)
    fastest_plan = min(plan, key=lambda w: w.wall)
    fastest_results = min(results, key=lambda w: w.wall)
    return {
        "prepare": [fastest.wall, fastest.cpu],
        "plan": [fastest_plan.wall, fastest_plan.cpu],
        "planned_shards": planned.shards,
        "bare_input": [min(w.wall for w in bare_input), min(w.cpu for w in bare_input)],
        "run": run.wall,
        "merge": [merge.wall, merge.cpu],
        "bare_output": [bare_output.wall, bare_output.cpu],
        "output_bytes": sum(downloaded),
        "results": [fastest_results.wall, fastest_results.cpu],
        "bare_results": [min(w.wall for w in bare_results), min(w.cpu for w in bare_results)],
        "results_count": count,
        "manifest_bytes": sum(size for name, size in stored.items() if name.startswith("manifest")),
        "store_bytes": sum(stored.values()),
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
    parser.add_argument(
        "--trials", type=int, default=3, help="preparation, plan, streaming and bare loop runs each"
    )
    parser.add_argument(
        "--parsers",
        default=",".join(PARSERS),
        help="json (the standard library) and/or fast (msgspec, the `fast` extra), comma-separated",
    )
    parser.add_argument("--results-name", default="jobs", help="write bench/results/NAME.md")
    parser.add_argument(
        "--scratch",
        default=None,
        help="folder for the input and the job (default: /dev/shm when it has room, else the temp folder)",
    )
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        base_url, source, state, way, trials = args.child
        print(json.dumps(child(base_url, Path(source), Path(state), way, int(trials))))
        return
    ways = args.parsers.split(",")
    if not set(ways) <= set(PARSERS):
        sys.exit(f"--parsers: each of {', '.join(PARSERS)}")
    if "fast" in ways and importlib.util.find_spec("msgspec") is None:
        sys.exit("--parsers fast needs the fast extra: pip install 'openai-files[fast]'")
    need = 5 * args.requests * args.line_bytes
    scratch = args.scratch or ("/dev/shm" if shutil.disk_usage("/dev/shm").free > need else None)
    work = Path(tempfile.mkdtemp(prefix="openai-files-bench-jobs-", dir=scratch))
    reports = {}
    try:
        source = work / "requests.jsonl"
        print(f"writing {args.requests:,} requests to {source} ...", file=sys.stderr)
        size = generate(source, args.requests, args.line_bytes)
        for way in ways:
            print(f"running the job with the {way} parser ...", file=sys.stderr)
            with child_emulator(work / f"emulator-{way}", "--api-key", API_KEY) as emulator:
                state = work / f"state-{way}"
                command = [
                    sys.executable, __file__, "--child", emulator.base_url, str(source), str(state), way,
                    str(args.trials),
                ]  # fmt: skip
                out = subprocess.run(command, check=False, capture_output=True, text=True)
            shutil.rmtree(work / f"emulator-{way}", ignore_errors=True)
            shutil.rmtree(state, ignore_errors=True)
            if out.returncode != 0:
                sys.exit(f"the job failed:\n{out.stderr}")
            reports[way] = json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    table = render(reports, args.requests, size, args.trials, filesystem(work.parent))
    print(table)
    write(args.results_name, table)


WAYS = {"json": "json (no extra)", "fast": "msgspec (`fast` extra)"}


def render(reports: dict[str, dict[str, Any]], requests: int, size: int, trials: int, scratch: str) -> str:
    first = next(iter(reports.values()))
    lines = [
        f"A job of {requests:,} requests ({size / 1e9:.2f} GB of JSONL, {len(MODELS)} models, "
        f"{first['shards']} shards) on the local emulator, once with "
        f"{'each parser' if len(reports) > 1 else WAYS[next(iter(reports))]}; preparation, plan, "
        f"streaming and their bare loops run {trials} time{'s' if trials > 1 else ''} each, interleaved, "
        "the fastest kept; each merge runs once, beside a bare loop over its files just before it. "
        f"The bare loops always parse with `json.loads`. The input and the job's files are on {scratch}.",
        "",
        "| step | parser | ours wall s | µs per request | bare loop wall s | wall ratio | ours CPU s "
        "| bare loop CPU s | CPU ratio | target |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    steps = [
        ("preparation: check + shard + manifest", "prepare", "bare_input", "<= 2x"),
        ("plan: check + count, nothing written", "plan", "bare_input", "< preparation"),
        ("merging output files into the manifest", "merge", "bare_output", "<= 2x"),
        ("streaming results back in input order", "results", "bare_results", "<= 2x"),
    ]
    for name, key, base, target in steps:
        for way, r in reports.items():
            ours, bare = r[key], r[base]
            lines.append(
                f"| {name} | {WAYS[way]} | {ours[0]:.2f} | {ours[0] / requests * 1e6:.1f} | {bare[0]:.2f} "
                f"| {ours[0] / bare[0]:.2f}x | {ours[1]:.2f} | {bare[1]:.2f} | {ours[1] / bare[1]:.2f}x "
                f"| {target} |"
            )
    lines.append("")
    for way, r in reports.items():
        ok = r["results_count"] == requests and r["succeeded"] == requests
        lines += [
            f"With {WAYS[way]}: results {'complete' if ok else 'INCOMPLETE'} ({r['results_count']:,} "
            f"records, {r['succeeded']:,} succeeded); whole job after preparation (upload, batches on the "
            f"emulator, downloads, merge, cleanup) {r['run']:.1f} s ({r['run'] / requests * 1e6:.1f} µs per "
            f"request); output files merged {r['output_bytes'] / 1e9:.2f} GB; client peak RSS over the "
            f"whole job {r['peak_rss_mb']:.0f} MB (target <= 150 MB); manifest "
            f"{r['manifest_bytes'] / 1e6:.0f} MB, job folder with the results store "
            f"{r['store_bytes'] / 1e9:.2f} GB; the plan counted {r['planned_shards']} shards, the "
            f"preparation cut {r['shards']}.",
            "",
        ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
