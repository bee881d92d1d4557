"""`openai-files` / `python -m openai_files`: upload, files and batches from a shell.

A map, in the order a command runs (the CLI only calls the library's public names):
- Registered: each group module (`files.py`, `batches.py`, `jobs.py`, ...) has `register(commands)`,
  adding its commands with `commands.command(name, help=..., run=function)`; `GROUPS` below lists them.
- Parsed: `parser.build_parser` makes one argparse tree; the global options are the fields of
  `parser.Options` (defined there once, taken before or after the command, read once by `Options.read`);
  argument types that refuse bad values with one line live in `flags.py`.
- Run: `main` builds a `Context` (arguments, options, a `Client` made on first use, stdout, stderr)
  and calls the command's `run(ctx)`, which calls the library and returns an exit code.
- Rendered: results go to stdout through `render.Printer` (a line, or JSON Lines under `--json`);
  progress (`ctx.progress`, the library's `ProgressBar`), notes and errors to stderr through
  `terminal.Diagnostics`.
- Mapped: an exception that ends a command prints as one line; `render.exit_code` maps it to the one
  table of exit codes (`render.EXIT_TABLE`, printed by `--help`). Ctrl-C and SIGTERM print one line too.

Settings come from the environment (`OPENAI_API_KEY`, `OPENAI_BASE_URL`, ...): the key is never an
argument, so it never shows in a process list or a shell history. `--debug` adds the traceback and debug
logging, both scrubbed of the key. SIGTERM stops a command as Ctrl-C does: an upload's Upload is
cancelled, or kept for a rerun under `--resume`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import traceback
from collections.abc import Iterator, Sequence
from types import FrameType
from typing import TextIO

from .. import NotFoundError
from . import batches, completion, files, jobs, uploads, webhooks
from .parser import Context, Options, Register, build_parser
from .render import EXIT_INTERRUPTED, EXIT_OUTPUT_CLOSED, EXIT_TERMINATED, Printer, exit_code
from .terminal import Diagnostics, OutputClosed, open_streams

__all__ = ["main"]

GROUPS: tuple[Register, ...] = (
    uploads.register,
    files.register,
    batches.register,
    jobs.register,
    webhooks.register,
    completion.register,
)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Ctrl-C would be so that every cleanup path for Ctrl-C runs for it too."""


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise Terminated


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Unless SIGTERM is ignored (as Python leaves an ignored SIGINT ignored, for `nohup`-style runs)."""
    if signal.getsignal(signal.SIGTERM) == signal.SIG_IGN:
        yield
        return
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def _logging_to(err: Diagnostics, *, debug: bool, verbose: bool) -> Iterator[None]:
    """Library warnings (an Upload kept for resume, ...) on stderr; what is being done under `-v`; every
    record under `--debug`."""
    handler = logging.StreamHandler(err)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s" if debug else "%(message)s"))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.INFO if verbose else logging.WARNING)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def _hint(ctx: Context, error: Exception) -> str:
    """What is probably wrong, where the service's answer alone would mislead."""
    if isinstance(error, NotFoundError) and ctx.has_client:
        base = ctx.client.base_url
        if not base.rstrip("/").endswith("/v1"):
            return f" (the base URL {base} does not end in /v1; the API usually lives under .../v1)"
    return ""


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code. Ctrl-C at any moment, parsing included, ends it with one
    line and exit 130."""
    out, err = open_streams()
    try:
        return _run(argv, out, err)
    except OutputClosed:
        # Nothing more reaches the reader; keep the interpreter's final flush from failing too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
        return EXIT_OUTPUT_CLOSED
    except KeyboardInterrupt as stop:  # one line; what was kept (an Upload for resume) rides as notes
        said = "terminated" if isinstance(stop, Terminated) else "interrupted"
        notes = "; ".join(getattr(stop, "__notes__", ()))
        err.note(f"{said}: {notes}" if notes else said)
        return EXIT_TERMINATED if isinstance(stop, Terminated) else EXIT_INTERRUPTED
    finally:
        err.end_line()


def _run(argv: Sequence[str] | None, out: TextIO | None, err: Diagnostics) -> int:
    args = build_parser(GROUPS).parse_args(argv)
    options = Options.read(args)
    ctx = Context(args=args, options=options, out=Printer(as_json=options.json, out=out), err=err)
    try:
        with _sigterm_as_interrupt(), _logging_to(err, debug=options.debug, verbose=options.verbose):
            try:
                code: int = args.run(ctx)
                ctx.out.close()
                return code
            finally:
                ctx.close()
    except (OutputClosed, KeyboardInterrupt):
        raise
    except Exception as error:  # one readable line for every failure, a traceback only on request
        if options.debug:
            err.write(ctx.redact("".join(traceback.format_exception(error))))
        err.error(ctx.redact(str(error) + _hint(ctx, error)))
        return exit_code(error)
