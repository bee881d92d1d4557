"""`openai-files batches ...`: create, show, wait for, list and cancel batches; read their results."""

from __future__ import annotations

import json
from itertools import islice
from typing import Any

from .._generated import Batch
from .._rules import BATCH_ENDPOINTS
from . import flags
from .parser import Commands, Context
from .render import EXIT_BATCH_UNSUCCESSFUL, EXIT_OK

__all__ = ["BATCH_FIELDS", "register"]

BATCH_FIELDS = ("id", "status", "endpoint", "input_file_id", "output_file_id")
UNSUCCESSFUL = ("failed", "expired", "cancelled")
SHOWN_LINES = 5
"""Line numbers named for an error the batch found on several lines."""


def register(commands: Commands) -> None:
    batches = commands.group("batches", help="create, show, wait for, list or cancel batches; read results")
    create = batches.command("create", help="check a JSONL file, store it, start a batch", run=create_)
    create.add_argument("path", type=flags.local_path, help="the JSONL input, one request per line")
    create.add_argument(
        "--endpoint", help=f"one of {', '.join(BATCH_ENDPOINTS)}; default: the first line's url"
    )
    create.add_argument(
        "--metadata",
        action="append",
        type=flags.key_value,
        metavar="KEY=VALUE",
        help="a metadata pair to attach (repeatable)",
    )
    get = batches.command("get", help="show a batch's status now, and why it failed", run=get_)
    get.add_argument("batch_id", help="the batch's id (batch_...)")
    wait = batches.command(
        "wait", help="poll until the batch ends; exit 0 if completed, 6 otherwise", run=wait_
    )
    wait.add_argument("batch_id", help="the batch's id (batch_...)")
    wait.add_argument(
        "--max-wait",
        type=flags.seconds,
        default=24 * 3600.0,
        metavar="SECONDS",
        help="give up (exit 7) after this long (default 24 h)",
    )
    wait.add_argument(
        "--poll", type=flags.seconds, default=2.0, metavar="SECONDS", help="first poll interval (default 2)"
    )
    ls = batches.command("ls", help="list batches, newest first, one per line", run=ls_)
    ls.add_argument("--limit", type=flags.count, metavar="N", help="at most N batches")
    cancel = batches.command("cancel", help="ask the service to stop a batch", run=cancel_)
    cancel.add_argument("batch_id", help="the batch's id (batch_...)")
    results = batches.command(
        "results", help="each request's result, JSON Lines: custom_id, status_code, body, error", run=results_
    )
    results.add_argument("batch_id", help="the batch's id (batch_...)")


def create_(ctx: Context) -> int:
    metadata = dict(ctx.args.metadata) if ctx.args.metadata else None
    batch = ctx.client.batches.create_from_file(ctx.args.path, endpoint=ctx.args.endpoint, metadata=metadata)
    ctx.out.model(batch, *BATCH_FIELDS)
    return EXIT_OK


def _outcome(ctx: Context, batch: Batch) -> int:
    """Print the batch; for one that ended badly, say why on stderr and exit 6."""
    ctx.out.model(batch, *BATCH_FIELDS)
    document = batch.to_dict()
    if document.get("status") not in UNSUCCESSFUL:
        return EXIT_OK
    for reason in _reasons(document):
        ctx.err.note(f"openai-files: batch {batch.id} {document['status']}: {reason}")
    return EXIT_BATCH_UNSUCCESSFUL


def _reasons(document: dict[str, Any]) -> list[str]:
    """One line per distinct error (code and message), naming its lines and how many there are."""
    lines: dict[tuple[str, str], list[int | None]] = {}
    for error in (document.get("errors") or {}).get("data") or []:
        key = (f"{error['code']}: " if error.get("code") else "", str(error.get("message") or "no message"))
        lines.setdefault(key, []).append(error.get("line"))
    reasons = [f"{_where(numbers)}{code}{message}" for (code, message), numbers in lines.items()]
    counts = document.get("request_counts")
    if counts:
        reasons.append(f"{counts['completed']} of {counts['total']} requests done, {counts['failed']} failed")
    return reasons


def _where(numbers: list[int | None]) -> str:
    """`line 4: `, or for an error seen on several lines `3 times, lines 4, 5, 9 and 97 more: `."""
    known = [n for n in numbers if n is not None]
    shown = ", ".join(map(str, known[:SHOWN_LINES]))
    more = f" and {len(known) - SHOWN_LINES} more" if len(known) > SHOWN_LINES else ""
    if len(numbers) == 1:
        return f"line {shown}: " if known else ""
    return f"{len(numbers)} times" + (f", lines {shown}{more}: " if known else ": ")


def get_(ctx: Context) -> int:
    return _outcome(ctx, ctx.client.batches.retrieve(ctx.args.batch_id))


def wait_(ctx: Context) -> int:
    def report(batch: Batch) -> None:
        if not ctx.args.no_progress:
            counts = batch.to_dict().get("request_counts")
            done = f" {counts['completed']}/{counts['total']} done" if counts else ""
            ctx.err.note(f"{batch.id}: {batch.status}{done}")

    batch = ctx.client.batches.wait(
        ctx.args.batch_id, timeout=ctx.args.max_wait, poll_interval=ctx.args.poll, on_progress=report
    )
    return _outcome(ctx, batch)


def ls_(ctx: Context) -> int:
    for batch in islice(ctx.client.batches.list(), ctx.args.limit):
        ctx.out.model(batch, *BATCH_FIELDS)
    return EXIT_OK


def cancel_(ctx: Context) -> int:
    ctx.out.model(ctx.client.batches.cancel(ctx.args.batch_id), *BATCH_FIELDS)
    return EXIT_OK


def results_(ctx: Context) -> int:
    """JSON Lines whatever `--json` says: a result's body is a JSON document."""
    for result in ctx.client.batches.results(ctx.args.batch_id):
        document = {
            "custom_id": result.custom_id,
            "status_code": result.status_code,
            "body": result.body,
            "error": result.error,
        }
        ctx.out.line(json.dumps(document, sort_keys=True))
    return EXIT_OK
