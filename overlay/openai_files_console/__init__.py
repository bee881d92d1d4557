"""The `openai-files` console script's entry point, kept apart from the `openai_files` package.

Loading the package takes a moment (on a busy machine, seconds); a Ctrl-C meanwhile would end in a
traceback from whatever was being imported. Here nothing is imported before the `try`, so Ctrl-C ends
the command the same way at every moment: one line, exit 130.

After Ctrl-C or SIGTERM the process ends at once, once the command has cleaned up (an Upload cancelled
or kept for resume): the interpreter would otherwise wait for upload part threads still writing their
last read to a slow socket, which cannot be interrupted. Nothing is lost by not waiting: what they
finish is not recorded, and every state file is written so that a kill at any moment leaves it whole.
"""

from __future__ import annotations

import contextlib
import os
import sys

__all__ = ["main"]

# As openai_files._cli.render has them (tests/overlay/test_cli_user.py), which is not loaded yet.
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143


def main() -> int:
    """Load the command line and run it."""
    lost: list[KeyboardInterrupt] = []
    previous_hook = sys.unraisablehook

    def keep_interrupt(unraisable: sys.UnraisableHookArgs) -> None:
        """A Ctrl-C that lands in a finaliser or a weakref callback run by an import cannot rise from
        there: Python hands it here ("Exception ignored in ..."), and it ends the command once loaded."""
        if isinstance(unraisable.exc_value, KeyboardInterrupt):
            lost.append(unraisable.exc_value)
        else:
            previous_hook(unraisable)

    try:
        sys.unraisablehook = keep_interrupt
        try:
            from openai_files._cli import main as run  # noqa: PLC0415 - after the guard is in place
        finally:
            sys.unraisablehook = previous_hook
        if lost:
            raise lost[0]
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return EXIT_INTERRUPTED
    code = run()
    if code in (EXIT_INTERRUPTED, EXIT_TERMINATED):
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        os._exit(code)
    return code
