"""`openai-files` / `python -m openai_files`: upload, files and batches from a shell.

Settings come from the environment (`OPENAI_API_KEY`, `OPENAI_BASE_URL`, ...): the key is never an
argument, so it never shows in a process list or a shell history. Errors print as one line on stderr
with an exit code that says what kind of failure it was (see `render.py`); `--debug` adds the
traceback and debug logging, both scrubbed of the key. SIGTERM stops a command as Ctrl-C does: an
upload's Upload is cancelled, or kept for a rerun under `--resume`.
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

from .. import _errors
from . import batches, completion, files, jobs, uploads, webhooks
from .parser import Context, Register, build_parser, parse
from .render import EXIT_INTERRUPTED, EXIT_OUTPUT_CLOSED, EXIT_TERMINATED, Printer, exit_code
from .terminal import Diagnostics, OutputClosed, open_streams

__all__ = ["main"]

# Each command group registers itself; a new group is one more entry.
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
    if isinstance(error, _errors.NotFoundError) and ctx.has_client:
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
    except Terminated:
        err.note("terminated")
        return EXIT_TERMINATED
    except KeyboardInterrupt:
        err.note("interrupted")
        return EXIT_INTERRUPTED
    finally:
        err.end_line()


def _run(argv: Sequence[str] | None, out: TextIO | None, err: Diagnostics) -> int:
    args = parse(build_parser(GROUPS), argv)
    ctx = Context(args=args, out=Printer(as_json=args.json, out=out), err=err)
    try:
        with _sigterm_as_interrupt(), _logging_to(err, debug=args.debug, verbose=args.verbose):
            try:
                code: int = args.run(ctx)
                ctx.out.close()
                return code
            finally:
                ctx.close()
    except (OutputClosed, KeyboardInterrupt):
        raise
    except Exception as error:  # one readable line for every failure, a traceback only on request
        if args.debug:
            err.write(ctx.redact("".join(traceback.format_exception(error))))
        err.error(ctx.redact(str(error) + _hint(ctx, error)))
        return exit_code(error)
