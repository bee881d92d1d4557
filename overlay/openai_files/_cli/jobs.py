"""`openai-files jobs ...`: batch jobs of any size, kept in a state directory between commands.

`plan` says what a job would send and cost, with no network call; `submit` checks and shards the input
and starts what the token budget admits; `wait` drives the job to
the end with a progress bar; `run` is both; `status`, `results` and `ls` read the job's manifest;
`cancel` stops it; `rm` forgets a finished job. Any of them can run in another process, later, on the
same state directory.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import dataclasses
import functools
import inspect
import io
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from .. import (
    JobConfig,
    JobPlan,
    JobResult,
    JobStatus,
    job_results,
    job_status,
    list_jobs,
    plan_job,
    write_job_parquet,
)
from ..webhooks import WebhookReceiver
from . import flags
from .batches import input_arguments
from .parser import Commands, Context
from .render import EXIT_BATCH_UNSUCCESSFUL, EXIT_OK, UsageError
from .results import job_result
from .webhooks import host_port, listening

__all__ = ["register"]

DEFAULTS = JobConfig()
"""Where every default of the options below comes from: an option not given is left to `JobConfig`."""
CONFIG_FIELDS = frozenset(f.name for f in dataclasses.fields(JobConfig))
ROWS_PER_GROUP = inspect.signature(write_job_parquet).parameters["rows_per_group"].default
"""`--rows-per-group`'s default, read from its one source."""
CLEAR = "\x1b[H\x1b[2J"
"""Cursor home, clear the screen: each frame of `jobs status --watch` replaces the last."""


def _budget(text: str) -> tuple[str | None, int]:
    """`N` (every model) or `MODEL=N`."""
    model, equals, number = text.rpartition("=")
    tokens = flags.count(number)
    if equals and not model:
        raise argparse.ArgumentTypeError(f"expected N or MODEL=N, got {text!r}")
    return (model if equals else None), tokens


def register(commands: Commands) -> None:
    jobs = commands.group(
        "jobs", help="batch jobs of any size: sharded, paced under the token quota, retried, merged in order"
    )
    submit = jobs.command(
        "submit", help="check a JSONL file, cut it into shards, start the first batches", run=submit_
    )
    run = jobs.command(
        "run",
        help="submit, then wait: exit 0 if every request succeeded, 6 if some failed or were cancelled",
        run=run_,
    )
    for parser in (submit, run):
        _job_options(parser)
        parser.add_argument(
            "--max-cost",
            type=flags.dollars,
            metavar="USD",
            help="refuse (exit 9, nothing sent) a job whose estimated cost (`jobs plan`) is above this; "
            "needs --price-table",
        )
        parser.add_argument(
            "--dedup",
            action="store_true",
            help="send each distinct request once; its repeats get its result under their own custom_id",
        )
        parser.add_argument(
            "--cache",
            type=Path,
            metavar="PATH",
            help="a SQLite file kept across jobs: requests answered successfully before are not sent again, "
            "their results come from it (`from_cache` in results); this job's successes are added",
        )
    _wait_options(run)
    plan = jobs.command(
        "plan",
        help="what `submit` would send, with no network call: shards, requests, estimated tokens, waves "
        "under the token budget, and the estimated cost with --price-table",
        run=plan_,
    )
    _input_options(plan)
    _register_rest(jobs)


def _job_options(submit: argparse.ArgumentParser) -> None:
    """What `submit` and `run` take: the input, the job's name, its limits and pacing."""
    _input_options(submit)
    submit.add_argument("--job-id", help="name the job (default: a new id, printed); rerun to resume it")
    submit.add_argument(
        "--max-attempts",
        type=flags.count,
        metavar="N",
        help="batches a request may go through when it fails with 429, 5xx or expiry "
        f"(default {DEFAULTS.max_attempts})",
    )
    submit.add_argument(
        "--poll",
        dest="poll_interval",
        type=flags.seconds,
        metavar="SECONDS",
        help=f"first poll interval (default {DEFAULTS.poll_interval:g})",
    )
    submit.add_argument(
        "--delete-outputs",
        action="store_true",
        default=None,
        help="delete each batch's output and error files once merged",
    )
    submit.add_argument(
        "--stuck-after",
        type=flags.seconds,
        metavar="SECONDS",
        help="report a batch held in validating or finalizing this long (default: never)",
    )
    submit.add_argument(
        "--cancel-stuck",
        action="store_true",
        default=None,
        help="cancel a batch reported stuck; its unanswered requests go again in a new batch",
    )
    _state_dir(submit)


def _input_options(submit: argparse.ArgumentParser) -> None:
    """What `plan`, `submit` and `run` take: the input, how it is cut into shards, and prices."""
    input_arguments(submit)
    _price_table(submit)
    submit.add_argument(
        "--max-shard-requests",
        type=flags.count,
        metavar="N",
        help=f"requests per batch (default and service limit: {DEFAULTS.max_shard_requests})",
    )
    submit.add_argument(
        "--max-shard-mb",
        dest="max_shard_bytes",
        type=flags.size(flags.MB, "MB", DEFAULTS.max_shard_bytes),
        metavar="MB",
        help=f"MB of JSONL per batch (default and service limit: {DEFAULTS.max_shard_bytes / flags.MB:g})",
    )
    submit.add_argument(
        "--max-shard-tokens",
        type=flags.count,
        metavar="N",
        help="estimated tokens per batch (default: no cap)",
    )
    submit.add_argument(
        "--token-budget",
        type=_budget,
        action="append",
        metavar="N|MODEL=N",
        help="estimated tokens enqueued at once per model: N for each model, MODEL=N for one (repeatable; "
        "default: no budget)",
    )
    submit.add_argument(
        "--request-budget",
        type=_budget,
        action="append",
        metavar="N|MODEL=N",
        help="requests enqueued at once per model (an embeddings request counts its inputs): N for each "
        "model, MODEL=N for one (repeatable; default: no budget)",
    )


def _price_table(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--price-table",
        type=flags.local_path,
        metavar="FILE",
        help="your prices, a JSON or TOML file (USD per million tokens per model; see examples/prices.toml)",
    )


def _wait_options(parser: argparse.ArgumentParser) -> None:
    """What `wait` and `run` take: how long to wait, and where webhook events may wake them."""
    parser.add_argument(
        "--max-wait",
        type=flags.seconds,
        metavar="SECONDS",
        help="give up (exit 7) after this long; the job goes on (default never)",
    )
    parser.add_argument(
        "--listen",
        type=host_port,
        metavar="HOST:PORT",
        help="receive webhook events here (secret: $OPENAI_WEBHOOK_SECRET) and act on an ended batch at once;"
        " polling stays as a safety net",
    )


def _register_rest(jobs: Commands) -> None:
    wait = jobs.command(
        "wait",
        help="drive the job to its end: poll, merge, retry, clean up; exit 0 if every request succeeded, "
        "6 if some failed or were cancelled",
        run=wait_,
    )
    _job_id(wait)
    _wait_options(wait)
    status = jobs.command(
        "status",
        help="shards and requests by state, live batches, tokens used per model and, with --price-table, "
        "the cost (no network call)",
        run=status_,
    )
    _job_id(status)
    _price_table(status)
    status.add_argument(
        "--watch",
        type=flags.seconds,
        nargs="?",
        const=2.0,
        metavar="SECONDS",
        help="on a terminal: redraw per model (requests done and failed, batches live, tokens enqueued "
        "against the budget, cost so far) every SECONDS (default 2) until the job ends",
    )
    results = jobs.command(
        "results",
        help="JSON Lines, one per request in input order: custom_id, status, status_code, body, error, "
        "request_id, batch_id, attempts (as batches results); from_cache and duplicate_of where reused",
        run=results_,
    )
    _job_id(results)
    results.add_argument(
        "--format",
        choices=("jsonl", "csv", "parquet"),
        default="jsonl",
        help="jsonl (default): as above; csv: one row per request with columns "
        + ", ".join(JobResult.COLUMNS)
        + "; parquet: the same rows in a Parquet file (needs --output, and pyarrow: "
        "pip install 'openai-files[parquet]')",
    )
    results.add_argument(
        "--output", type=Path, metavar="PATH", help="write to PATH (whole or not at all) instead of stdout"
    )
    results.add_argument(
        "--rows-per-group",
        type=flags.count,
        default=ROWS_PER_GROUP,
        metavar="N",
        help=f"parquet: rows per row group, the most held in memory at once (default {ROWS_PER_GROUP:,})",
    )
    cancel = jobs.command("cancel", help="cancel the job's live batches, keep what finished", run=cancel_)
    _job_id(cancel)
    ls = jobs.command("ls", aliases=["list"], help="the jobs in the state directory, one per line", run=ls_)
    _state_dir(ls)
    rm = jobs.command(
        "rm", aliases=["delete"], help="forget a finished or cancelled job's local state", run=rm_
    )
    _job_id(rm)
    rm.add_argument(
        "--delete-files",
        action="store_true",
        help="also delete the output and error files its batches left on the service",
    )


def _job_id(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("job_id", help="the job's id, as `jobs submit` printed it")
    _state_dir(parser)


def _state_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="where jobs are kept (default: $XDG_STATE_HOME/openai-files/jobs, "
        "else ~/.local/state/openai-files/jobs)",
    )


def _budgets(given: list[tuple[str | None, int]]) -> int | dict[str, int] | None:
    """Repeated `--...-budget` values as `JobConfig` takes them: one number, or a mapping by model."""
    every = [count for model, count in given if model is None]
    per_model = {model: count for model, count in given if model is not None}
    if per_model:
        return {**({JobConfig.ANY_MODEL: every[-1]} if every else {}), **per_model}
    return every[-1] if every else None


def _config(args: argparse.Namespace) -> JobConfig:
    """The job's config: each option given (named as its `JobConfig` field), the defaults for the rest."""
    given: dict[str, Any] = {k: v for k, v in vars(args).items() if k in CONFIG_FIELDS and v is not None}
    for budget in ("token_budget", "request_budget"):
        if budget in given:
            given[budget] = _budgets(given[budget])
    return JobConfig(**given)


def _costs(args: argparse.Namespace) -> dict[str, Any]:
    """`max_cost`, `prices`, `dedup` and `cache` for `submit` and `run`; --max-cost without a table is a
    usage error."""
    if args.max_cost is not None and args.price_table is None:
        raise UsageError("--max-cost needs --price-table FILE (your prices)")
    return {"max_cost": args.max_cost, "prices": args.price_table, "dedup": args.dedup, "cache": args.cache}


def _show(ctx: Context, status: JobStatus) -> None:
    """The status as one JSON document, or as a small table."""
    if ctx.out.as_json:
        ctx.out.line(json.dumps(status.to_dict(), sort_keys=True))
        return
    requests = status.requests
    shards = "  ".join(f"{state} {count}" for state, count in sorted(status.shards.items()))
    ctx.out.line(f"job       {status.job_id}  {status.state}  {status.endpoint}")
    ctx.out.line(
        "requests  "
        + "  ".join(
            f"{name} {requests[name]}" for name in ("total", "succeeded", "failed", "cancelled", "pending")
        )
    )
    ctx.out.line(f"shards    {shards}")
    for batch in status.batches:
        ctx.out.line(
            f"batch     {batch['batch_id'] or '-'}  {batch['status']}  {batch['model']}  "
            f"shard {batch['shard']}"
        )
    cost = status.cost
    models = list(status.usage.items())
    for model, used in [*models, *([("total", status.total_usage)] if models else [])]:
        dollars = status.total_cost if model == "total" else None if cost is None else cost.get(model)
        priced = "" if cost is None else f"  cost {_dollars(dollars)} USD"
        ctx.out.line(
            f"usage     {model or '-'}  input {used.input_tokens} (cached {used.cached_tokens})  "
            f"output {used.output_tokens} (reasoning {used.reasoning_tokens}){priced}"
        )


def _outcome(status: JobStatus) -> int:
    requests = status.requests
    return EXIT_OK if requests["succeeded"] == requests["total"] else EXIT_BATCH_UNSUCCESSFUL


def _dollars(cost: float | None) -> str:
    return "-" if cost is None else f"{cost:.4f}"


def _show_plan(ctx: Context, plan: JobPlan) -> None:
    """The plan as one JSON document, or as a table of models with a total row."""
    if ctx.out.as_json:
        ctx.out.line(json.dumps(plan.to_dict(), sort_keys=True))
        return
    rows = [("MODEL", "SHARDS", "REQUESTS", "EST_TOKENS", "MAX_OUTPUT", "WAVES", "MAX_HOURS", "COST_USD")]
    for m in plan.models:
        entry = m.to_dict()
        rows.append(
            (m.model or "-", str(m.shards), str(m.requests), str(m.tokens), str(m.output_tokens),
             str(m.waves), str(entry["max_hours"]), _dollars(m.cost))
        )  # fmt: skip
    rows.append(
        ("total", str(plan.shards), str(plan.requests), str(plan.tokens),
         str(sum(m.output_tokens for m in plan.models)), "", str(plan.max_hours), _dollars(plan.cost))
    )  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    ctx.out.line(f"plan      {plan.requests} requests to {plan.endpoint} in {plan.shards} batches")
    for row in rows:
        ctx.out.line("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    uncapped = sum(m.uncapped for m in plan.models)
    if plan.prices is not None:
        dated = f" (as of {plan.prices.as_of})" if plan.prices.as_of else ""
        ctx.out.line(
            f"prices    {plan.prices.source}{dated}; cached input not assumed, batch discount applied"
        )
        if unpriced := plan.unpriced():
            ctx.out.line(f"unpriced  {', '.join(repr(m) for m in unpriced)}: no price in the table")
    if uncapped:
        ctx.out.line(f"uncapped  {uncapped} requests set no output cap: their output is not in the cost")


def plan_(ctx: Context) -> int:
    """No client and no network: the plan is read from the input alone."""
    plan = plan_job(
        ctx.args.path, endpoint=ctx.args.endpoint, config=_config(ctx.args), prices=ctx.args.price_table
    )
    _show_plan(ctx, plan)
    return EXIT_OK


def submit_(ctx: Context) -> int:
    status = ctx.client.batch_jobs.submit(
        ctx.args.path,
        endpoint=ctx.args.endpoint,
        job_id=ctx.args.job_id,
        config=_config(ctx.args),
        **_costs(ctx.args),
    )
    _show(ctx, status)
    return EXIT_OK


def run_(ctx: Context) -> int:
    with _events(ctx) as events:
        status = ctx.client.batch_jobs.run(
            ctx.args.path,
            endpoint=ctx.args.endpoint,
            job_id=ctx.args.job_id,
            config=_config(ctx.args),
            **_costs(ctx.args),
            timeout=ctx.args.max_wait,
            on_progress=_progress(ctx),
            events=events,
        )
    _show(ctx, status)
    return _outcome(status)


def _events(ctx: Context) -> contextlib.AbstractContextManager[WebhookReceiver | None]:
    """A webhook receiver on `--listen` while the block runs, or None without the flag."""
    if ctx.args.listen is None:
        return contextlib.nullcontext()
    host, port = ctx.args.listen
    return listening(ctx, host=host, port=port)


def _progress(ctx: Context) -> Callable[[JobStatus], None] | None:
    """The CLI's bar for a job: requests done of all, failures, batches running; None under --no-progress."""
    bar = functools.cache(lambda job_id: ctx.progress(f"job {job_id}"))

    def show(status: JobStatus) -> None:
        requests = status.requests
        done = requests["total"] - requests["pending"]
        text = f"requests {done}/{requests['total']} ({requests['failed']} failed)"
        text += f" batches running {len(status.batches)}"
        if drawn := bar(status.job_id):
            drawn.show(text, fraction=done / (requests["total"] or 1), finished=status.finished)

    return None if ctx.options.no_progress else show


def wait_(ctx: Context) -> int:
    with _events(ctx) as events:
        status = ctx.client.batch_jobs.wait(
            ctx.args.job_id,
            state_dir=ctx.args.state_dir,
            timeout=ctx.args.max_wait,
            on_progress=_progress(ctx),
            events=events,
        )
    _show(ctx, status)
    return _outcome(status)


def status_(ctx: Context) -> int:
    """The status; with `--watch`, a live view on stderr (a terminal) first, until the job ends."""
    if ctx.args.watch is not None and not ctx.err.isatty():
        raise UsageError("--watch draws on a terminal; in a script, poll `jobs status --json` instead")
    while True:
        status = job_status(ctx.args.job_id, state_dir=ctx.args.state_dir, prices=ctx.args.price_table)
        if ctx.args.watch is None:
            break
        ctx.err.write(CLEAR + "\n".join(_live_view(status)) + "\n")
        if status.finished:
            break
        time.sleep(ctx.args.watch)
    _show(ctx, status)
    return EXIT_OK


def _live_view(status: JobStatus) -> list[str]:
    """One line per model: requests done of all (failed), batches live, tokens enqueued of the budget,
    and the cost so far when a price table was given."""
    lines = [f"job {status.job_id}  {status.state}  {time.strftime('%H:%M:%S')}"]
    for model, m in status.models.items():
        budget = m["token_budget"]
        enqueued = f"{m['enqueued_tokens']}" + (f"/{budget}" if budget is not None else "")
        cost = "" if status.cost is None else f"  cost {_dollars(status.cost.get(model))} USD"
        lines.append(
            f"{model or '-'}  done {m['done']}/{m['requests']} ({m['failed']} failed)  "
            f"batches {m['live_batches']}  tokens enqueued {enqueued}{cost}"
        )
    return lines


def results_(ctx: Context) -> int:
    """JSON Lines whatever `--json` says (each record holds the service's JSON line), or CSV rows; to
    stdout, or to `--output`, written beside it and renamed into place once whole; or a Parquet file."""
    if ctx.args.format == "parquet":
        if ctx.args.output is None:
            raise UsageError("--format parquet needs --output PATH: Parquet is a binary file")
        rows = ctx.args.rows_per_group
        write_job_parquet(ctx.args.job_id, ctx.args.output, rows_per_group=rows, state_dir=ctx.args.state_dir)
        return EXIT_OK
    results = job_results(ctx.args.job_id, state_dir=ctx.args.state_dir)
    if ctx.args.output is None:
        _write_results(results, ctx.args.format, ctx.out.line)
        return EXIT_OK
    partial = ctx.args.output.with_name(ctx.args.output.name + ".part")
    try:
        with partial.open("w", encoding="utf-8", newline="") as out:
            _write_results(results, ctx.args.format, lambda text: out.write(text + "\n"))
        partial.replace(ctx.args.output)
    finally:
        partial.unlink(missing_ok=True)
    return EXIT_OK


def _write_results(results: Iterator[JobResult], form: str, put: Callable[[str], object]) -> None:
    if form == "jsonl":
        for result in results:
            put(job_result(result))
        return
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=JobResult.COLUMNS, lineterminator="")

    def flush() -> None:
        put(buffer.getvalue())
        buffer.seek(0)
        buffer.truncate()

    writer.writeheader()
    flush()
    for result in results:  # one row at a time: memory holds one whatever the job's size
        writer.writerow(result.to_row())
        flush()


def cancel_(ctx: Context) -> int:
    """Exit 0 once the job is cancelled or marked: the requests' outcome is `wait`'s and `results`'."""
    _show(ctx, ctx.client.batch_jobs.cancel(ctx.args.job_id, state_dir=ctx.args.state_dir))
    return EXIT_OK


def rm_(ctx: Context) -> int:
    deleted = ctx.client.batch_jobs.remove(
        ctx.args.job_id, state_dir=ctx.args.state_dir, delete_files=ctx.args.delete_files
    )
    document = {"job_id": ctx.args.job_id, "deleted_files": deleted}
    files = f" and {len(deleted)} files on the service" if deleted else ""
    ctx.out.emit(document, f"removed job {ctx.args.job_id}{files}")
    return EXIT_OK


def ls_(ctx: Context) -> int:
    for status in list_jobs(state_dir=ctx.args.state_dir):
        requests = status.requests
        ctx.out.emit(
            status.to_dict(),
            f"{status.job_id}  {status.state}  {requests['total'] - requests['pending']}/{requests['total']} "
            f"done  {requests['failed']} failed",
        )
    return EXIT_OK
