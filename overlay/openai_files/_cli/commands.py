"""One function per command; each takes the parsed arguments, a client and a printer, returns an exit code."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from itertools import islice

from .._client import Client
from .._generated import Batch
from .._transfer import Progress, ProgressBar
from .render import EXIT_BATCH_UNSUCCESSFUL, EXIT_OK, Printer

FILE_FIELDS = ("id", "filename", "bytes", "purpose", "status")
BATCH_FIELDS = ("id", "status", "endpoint", "input_file_id", "output_file_id")

Command = Callable[[argparse.Namespace, Client, Printer], int]


def _bar(args: argparse.Namespace, label: str) -> ProgressBar | None:
    return None if args.no_progress else ProgressBar(label=label, stream=sys.stderr)


def upload(args: argparse.Namespace, client: Client, out: Printer) -> int:
    stored = client.uploads.upload_file(
        args.path,
        purpose=args.purpose,
        mime_type=args.mime_type,
        part_size=args.part_size,
        concurrency=args.concurrency,
        resume=args.resume,
        progress=_bar(args, "upload"),
    )
    out.model(stored.file if stored.file else stored, *FILE_FIELDS)
    return EXIT_OK


def files_ls(args: argparse.Namespace, client: Client, out: Printer) -> int:
    for stored in islice(client.files.list(purpose=args.purpose), args.limit):
        out.model(stored, *FILE_FIELDS)
    return EXIT_OK


def files_get(args: argparse.Namespace, client: Client, out: Printer) -> int:
    out.model(client.files.retrieve(args.file_id), *FILE_FIELDS)
    return EXIT_OK


def files_rm(args: argparse.Namespace, client: Client, out: Printer) -> int:
    out.model(client.files.delete(args.file_id), "id", "deleted")
    return EXIT_OK


def files_download(args: argparse.Namespace, client: Client, out: Printer) -> int:
    bar = _bar(args, "download")

    def progress(received: int, total: int | None) -> None:
        if bar is not None:
            bar(Progress(received, total or received, int(received == total), 1))

    size = client.files.download(args.file_id, args.destination, progress=progress)
    out.emit(
        {"id": args.file_id, "path": str(args.destination), "bytes": size}, f"{args.destination}  {size}"
    )
    return EXIT_OK


def batches_create(args: argparse.Namespace, client: Client, out: Printer) -> int:
    metadata = dict(pair.split("=", 1) for pair in args.metadata) if args.metadata else None
    batch = client.batches.create_from_file(args.path, endpoint=args.endpoint, metadata=metadata)
    out.model(batch, *BATCH_FIELDS)
    return EXIT_OK


def _counts(batch: Batch) -> str:
    counts = batch.request_counts
    return f" {counts.completed}/{counts.total} done" if counts is not None else ""


def batches_wait(args: argparse.Namespace, client: Client, out: Printer) -> int:
    def report(batch: Batch) -> None:
        if not args.no_progress:
            print(f"{batch.id}: {batch.status}{_counts(batch)}", file=sys.stderr)

    batch = client.batches.wait(
        args.batch_id, timeout=args.timeout, poll_interval=args.poll, on_progress=report
    )
    out.model(batch, *BATCH_FIELDS)
    return EXIT_OK if batch.status == "completed" else EXIT_BATCH_UNSUCCESSFUL


def batches_ls(args: argparse.Namespace, client: Client, out: Printer) -> int:
    for batch in islice(client.batches.list(), args.limit):
        out.model(batch, *BATCH_FIELDS)
    return EXIT_OK


def batches_cancel(args: argparse.Namespace, client: Client, out: Printer) -> int:
    out.model(client.batches.cancel(args.batch_id), *BATCH_FIELDS)
    return EXIT_OK


def batches_results(args: argparse.Namespace, client: Client, out: Printer) -> int:
    """One JSON line per request (`custom_id`, `status_code`, `body`, `error`), whatever `--json` says."""
    for result in client.batches.results(args.batch_id):
        document = {
            "custom_id": result.custom_id,
            "status_code": result.status_code,
            "body": result.body,
            "error": result.error,
        }
        print(json.dumps(document, sort_keys=True), file=out.out)
    return EXIT_OK
