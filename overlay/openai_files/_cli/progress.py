"""Progress for the CLI's transfers: `ProgressBar` drawn on stderr unless `--no-progress`.

The bar writes to `Diagnostics`, which redraws it in place on a terminal and keeps only its final line
anywhere else (a log file, a pipe).
"""

from __future__ import annotations

from .._download import DownloadProgress
from .._transfer import Progress, ProgressBar
from .parser import Context

__all__ = ["download_bar", "upload_bar"]


def upload_bar(ctx: Context) -> ProgressBar | None:
    """The bar for an upload, or None under `--no-progress`."""
    return None if ctx.args.no_progress else ProgressBar(label="upload", stream=ctx.err)


def download_bar(ctx: Context) -> DownloadProgress | None:
    """The same bar fed by a download's byte counts (a download is one part), or None."""
    if ctx.args.no_progress:
        return None
    bar = ProgressBar(label="download", stream=ctx.err)

    def progress(received: int, total: int | None) -> None:
        bar(Progress(received, total or received, int(received == total), 1))

    return progress
