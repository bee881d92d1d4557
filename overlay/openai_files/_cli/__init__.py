"""`openai-files` / `python -m openai_files`: upload, files and batches from a shell.

Settings come from the environment (`OPENAI_API_KEY`, `OPENAI_BASE_URL`, ...): the key is never an
argument, so it never shows in a process list or a shell history. Errors print as one line on stderr
with an exit code that says what kind of failure it was (see `render.py`); `--debug` adds the
traceback and debug logging, both scrubbed of the key.
"""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from .._client import Client
from .._rules import BATCH_ENDPOINTS, UPLOAD_PURPOSES
from . import commands
from .render import EXIT_INTERRUPTED, Printer, exit_code

__all__ = ["main"]

MiB = 1024 * 1024


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="openai-files", description="OpenAI Files, Uploads and Batches.")
    parser.add_argument("--json", action="store_true", help="print one JSON object per line")
    parser.add_argument("--debug", action="store_true", help="debug logging and tracebacks")
    parser.add_argument("--no-progress", action="store_true", help="no progress output on stderr")
    parser.add_argument("--base-url", help="default: $OPENAI_BASE_URL or https://api.openai.com/v1")
    parser.add_argument("--timeout", type=float, help="seconds per network operation")
    parser.add_argument("--max-retries", type=int, help="retries per request (default 2)")
    groups = parser.add_subparsers(dest="command", required=True)

    up = groups.add_parser("upload", help="send a file (up to 8 GiB) in parallel parts")
    up.add_argument("path", type=Path)
    up.add_argument("--purpose", required=True, help=f"one of {', '.join(UPLOAD_PURPOSES)}")
    up.add_argument("--mime-type")
    up.add_argument(
        "--part-size", type=lambda mb: int(float(mb) * MiB), help="MiB per part (default: cut for the file)"
    )
    up.add_argument("--concurrency", type=int, help="parts in flight (default: adapts to the link)")
    up.add_argument("--resume", action="store_true", help="keep a journal and resume an interrupted upload")
    up.set_defaults(run=commands.upload)

    files = groups.add_parser("files", help="list, show, delete or download files").add_subparsers(
        dest="action", required=True
    )
    ls = files.add_parser("ls")
    ls.add_argument("--purpose")
    ls.add_argument("--limit", type=int, help="at most this many files")
    ls.set_defaults(run=commands.files_ls)
    for name, run in (("get", commands.files_get), ("rm", commands.files_rm)):
        action = files.add_parser(name)
        action.add_argument("file_id")
        action.set_defaults(run=run)
    download = files.add_parser("download")
    download.add_argument("file_id")
    download.add_argument("destination", type=Path)
    download.set_defaults(run=commands.files_download)

    batches = groups.add_parser("batches", help="create, wait for, list, cancel batches; read results")
    actions = batches.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="check a JSONL file, store it and start a batch")
    create.add_argument("path", type=Path)
    create.add_argument(
        "--endpoint", help=f"one of {', '.join(BATCH_ENDPOINTS)}; default: the first line's url"
    )
    create.add_argument("--metadata", action="append", metavar="KEY=VALUE")
    create.set_defaults(run=commands.batches_create)
    wait = actions.add_parser("wait", help="poll until the batch ends (exit 6 unless completed)")
    wait.add_argument("batch_id")
    wait.add_argument("--timeout", type=float, default=24 * 3600.0, dest="timeout")
    wait.add_argument("--poll", type=float, default=2.0, help="first poll interval, seconds")
    wait.set_defaults(run=commands.batches_wait)
    batch_ls = actions.add_parser("ls")
    batch_ls.add_argument("--limit", type=int)
    batch_ls.set_defaults(run=commands.batches_ls)
    for name, run in (("cancel", commands.batches_cancel), ("results", commands.batches_results)):
        action = actions.add_parser(name)
        action.add_argument("batch_id")
        action.set_defaults(run=run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code."""
    args = _parser().parse_args(argv)
    if args.debug:
        logging.basicConfig(level=logging.DEBUG, format="%(levelname)s %(name)s: %(message)s")
    client: Client | None = None
    try:
        # `wait --timeout` is the wait's budget; the global --timeout is per network operation.
        network_timeout = None if args.command == "batches" and args.action == "wait" else args.timeout
        client = Client(base_url=args.base_url, timeout=network_timeout, max_retries=args.max_retries)
        with client:
            code: int = args.run(args, client, Printer(args.json))
            return code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as error:  # one readable line for every failure, a traceback only on request
        redact = client._settings.redact if client is not None else str
        if args.debug:
            print(redact("".join(traceback.format_exception(error))), file=sys.stderr, end="")
        print(f"openai-files: error: {redact(str(error))}", file=sys.stderr)
        return exit_code(error)
