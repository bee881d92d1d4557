"""Progress for the CLI's transfers: `ProgressBar` drawn on stderr unless `--no-progress`.

The bar writes to `Diagnostics`, which redraws it in place on a terminal and keeps only its final line
anywhere else (a log file, a pipe).
"""

from __future__ import annotations

from .._transfer import ProgressBar
from .parser import Context

__all__ = ["download_bar", "upload_bar"]


def _bar(ctx: Context, label: str) -> ProgressBar | None:
    return None if ctx.args.no_progress else ProgressBar(label=label, stream=ctx.err)


def upload_bar(ctx: Context) -> ProgressBar | None:
    """The bar for an upload, or None under `--no-progress`."""
    return _bar(ctx, "upload")


def download_bar(ctx: Context) -> ProgressBar | None:
    """The same bar for a download (uploads and downloads report the same `Progress`), or None."""
    return _bar(ctx, "download")
