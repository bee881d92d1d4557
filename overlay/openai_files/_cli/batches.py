"""`openai-files batches ...`: check input, create, show, wait for, list and cancel batches; read results."""

from __future__ import annotations

import argparse
from typing import Any

from .. import Batch, check_batch_input
from .._rules import BATCH_ENDPOINTS, BATCH_STATUSES
from . import flags
from .listing import listing_options, show_listed
from .parser import Commands, Context
from .render import EXIT_BATCH_UNSUCCESSFUL, EXIT_OK, Column, field, when
from .results import batch_result

__all__ = ["BATCH_COLUMNS", "input_arguments", "register"]

UNSUCCESSFUL = ("failed", "expired", "cancelled")
SHOWN_LINES = 5
"""Line numbers named for an error the batch found on several lines."""


def _counts(document: dict[str, Any]) -> dict[str, Any]:
    counts = document.get("request_counts")
    return counts if isinstance(counts, dict) else {}


def _done(document: dict[str, Any]) -> object:
    counts = _counts(document)
    return f"{counts.get('completed')}/{counts.get('total')}" if counts else None


BATCH_COLUMNS: tuple[Column, ...] = (
    field("id"),
    field("status"),
    field("endpoint"),
    ("done", _done),
    ("failed", lambda document: _counts(document).get("failed")),
    when("created_at"),
    field("input_file_id"),
    field("output_file_id"),
)


def register(commands: Commands) -> None:
    batches = commands.group(
        "batches", help="check input, create, show, wait for, list or cancel batches; read results"
    )
    check = batches.command(
        "check",
        help="every local check of a JSONL input, nothing sent: exit 0, or 2 naming the line",
        run=check_,
    )
    input_arguments(check)
    create = batches.command("create", help="check a JSONL file, store it, start a batch", run=create_)
    input_arguments(create)
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
        "wait",
        help="poll until the batch ends; exit 0 if completed, 6 if it failed, expired or was cancelled",
        run=wait_,
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
    ls = batches.command("ls", aliases=["list"], help="list batches, newest first, one per line", run=ls_)
    ls.add_argument(
        "--status", choices=BATCH_STATUSES, action="append", help="only batches in this status (repeatable)"
    )
    listing_options(ls, item="batch")
    cancel = batches.command("cancel", help="ask the service to stop a batch", run=cancel_)
    cancel.add_argument("batch_id", help="the batch's id (batch_...)")
    results = batches.command(
        "results",
        help="each request's result, JSON Lines: custom_id, status, status_code, body, error, request_id, "
        "batch_id, attempts (as jobs results)",
        run=results_,
    )
    results.add_argument("batch_id", help="the batch's id (batch_...)")


def input_arguments(parser: argparse.ArgumentParser) -> None:
    """The JSONL input and its `--endpoint`, for every command that takes them; the library checks the
    endpoint, so a bad one reads the same from the CLI as from Python."""
    parser.add_argument("path", type=flags.local_path, help="the JSONL input, one request per line")
    parser.add_argument(
        "--endpoint", help=f"one of {', '.join(BATCH_ENDPOINTS)}; default: the first line's url"
    )


def check_(ctx: Context) -> int:
    checked = check_batch_input(ctx.args.path, endpoint=ctx.args.endpoint)
    document = {"path": str(ctx.args.path), "endpoint": checked.endpoint, "requests": checked.requests}
    ctx.out.emit(document, f"{ctx.args.path}: {checked.requests} requests for {checked.endpoint}, ok")
    return EXIT_OK


def create_(ctx: Context) -> int:
    metadata = dict(ctx.args.metadata) if ctx.args.metadata else None
    batch = ctx.client.batches.create_from_file(ctx.args.path, endpoint=ctx.args.endpoint, metadata=metadata)
    ctx.out.model(batch, BATCH_COLUMNS)
    return EXIT_OK


def _show(ctx: Context, batch: Batch) -> bool:
    """Print the batch; for one that ended badly, say why on stderr and return False."""
    ctx.out.model(batch, BATCH_COLUMNS)
    document = batch.to_dict()
    if document.get("status") not in UNSUCCESSFUL:
        return True
    for reason in _reasons(document):
        ctx.err.note(f"openai-files: batch {batch.id} {document['status']}: {reason}")
    return False


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
    """Exit 0 whatever the status: the batch was shown (`wait` is the command that judges it)."""
    _show(ctx, ctx.client.batches.retrieve(ctx.args.batch_id))
    return EXIT_OK


def wait_(ctx: Context) -> int:
    def report(batch: Batch) -> None:
        if not ctx.options.no_progress:
            counts = batch.to_dict().get("request_counts")
            done = f" {counts['completed']}/{counts['total']} done" if counts else ""
            ctx.err.note(f"{batch.id}: {batch.status}{done}")

    batch = ctx.client.batches.wait(
        ctx.args.batch_id, timeout=ctx.args.max_wait, poll_interval=ctx.args.poll, on_progress=report
    )
    return EXIT_OK if _show(ctx, batch) else EXIT_BATCH_UNSUCCESSFUL


def ls_(ctx: Context) -> int:
    listed = ctx.client.batches.list(after=ctx.args.after)
    wanted = (b for b in listed if ctx.args.status is None or b.status in ctx.args.status)
    return show_listed(ctx, wanted, BATCH_COLUMNS, ascending=False)


def cancel_(ctx: Context) -> int:
    ctx.out.model(ctx.client.batches.cancel(ctx.args.batch_id), BATCH_COLUMNS)
    return EXIT_OK


def results_(ctx: Context) -> int:
    """JSON Lines whatever `--json` says: a result's body is a JSON document."""
    batch = ctx.client.batches.retrieve(ctx.args.batch_id)
    for result in ctx.client.batches.results(batch):
        ctx.out.line(batch_result(result, batch_id=batch.id))
    return EXIT_OK
