"""The CLI's two streams: results on stdout, everything else (progress, warnings, errors) on stderr.

Neither may fail a transfer that succeeded: a stdout closed early (`| head`) ends the command quietly, as
`ls | head` does, and a closed or broken stderr (`2>&-`) only loses the diagnostics. Progress is redrawn in
place only on a terminal; a log file gets the final line of each bar and no carriage returns.
"""

from __future__ import annotations

import os
import sys
from typing import IO, Any, TextIO

__all__ = ["Diagnostics", "OutputClosed", "is_terminal", "open_streams", "wants_color"]


class OutputClosed(Exception):
    """Whoever read stdout stopped reading (`| head`): stop quietly."""


def _reserve_standard_fds() -> None:
    """Point closed descriptors 0-2 at /dev/null so that no file or socket we open takes their number."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            opened = os.open(os.devnull, os.O_RDWR)
            if opened != fd:  # pragma: no cover - a lower descriptor was free, so fd is open by now
                os.close(opened)


def is_terminal(stream: object) -> bool:
    """Whether `stream` is a terminal; a stream without `isatty`, closed or broken, is not."""
    try:
        return bool(getattr(stream, "isatty", lambda: False)())
    except (OSError, ValueError):
        return False


def wants_color(stream: IO[Any] | None) -> bool:
    """Color only on a terminal, and never under `NO_COLOR` (https://no-color.org) or `TERM=dumb`."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return is_terminal(stream)


class Diagnostics:
    """stderr as the CLI uses it: writes never raise, and a line always starts on a fresh line.

    On a terminal a progress bar writes `\\r`-led redraws and the line stays open until the bar ends it,
    so a note printed meanwhile first ends the bar's line; elsewhere the bar writes only its final line.
    The object is a text stream (`write`, `flush`, `isatty`), so it can be handed to `ProgressBar`
    and to a logging handler.
    """

    def __init__(self, stream: TextIO | None) -> None:
        self._stream = stream
        self.is_terminal = is_terminal(stream)
        self.color = wants_color(stream)
        self._line_open = False

    def write(self, text: str) -> int:
        if not text:
            return 0
        if text.startswith("\r") and not self.is_terminal:  # a redraw: elsewhere only its final line
            if not text.endswith("\n"):
                return len(text)
            text = text[1:]
        if text.startswith("\r"):
            self._line_open = not text.endswith("\n")
        elif self._line_open:
            text = "\n" + text
            self._line_open = False
        self._emit(text)
        return len(text)

    def note(self, message: str) -> None:
        """One line of diagnostics."""
        self.write(message + "\n")

    def error(self, message: str) -> None:
        """`openai-files: error: ...`, the prefix in red on a terminal that allows color."""
        prefix = "\x1b[31merror:\x1b[0m" if self.color else "error:"
        self.write(f"openai-files: {prefix} {message}\n")

    def _emit(self, text: str) -> None:
        if self._stream is None:
            return
        try:
            self._stream.write(text)
            self._stream.flush()
        except (OSError, ValueError):  # closed or broken: diagnostics are lost, the work is not
            self._stream = None

    def end_line(self) -> None:
        """End a bar's line left open (a download of unknown size), before the shell prompt."""
        if self._line_open:
            self._line_open = False
            self._emit("\n")

    def flush(self) -> None:
        """Writes are flushed as they happen."""

    def isatty(self) -> bool:
        """Whether the stream under it is a terminal: a bar handed this object redraws in place then."""
        return self.is_terminal


def open_streams() -> tuple[TextIO | None, Diagnostics]:
    """The result stream and the diagnostics stream for this process, with closed descriptors reserved."""
    _reserve_standard_fds()
    return sys.stdout, Diagnostics(sys.stderr)
