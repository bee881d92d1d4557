"""`openai-files files ...`: list, show, delete, download and print stored files."""

from __future__ import annotations

import os
from itertools import islice
from pathlib import Path, PurePath

from . import flags
from .parser import Commands, Context
from .progress import download_bar
from .render import EXIT_OK, UsageError

__all__ = ["FILE_FIELDS", "register"]

FILE_FIELDS = ("id", "filename", "bytes", "purpose", "status")


def register(commands: Commands) -> None:
    files = commands.group("files", help="list, show, delete, download or print stored files")
    ls = files.command("ls", help="list stored files, newest first, one per line", run=files_ls)
    ls.add_argument("--purpose", help="only files stored for this purpose (batch, fine-tune, ...)")
    ls.add_argument("--limit", type=flags.count, metavar="N", help="at most N files")
    get = files.command("get", help="show one file", run=files_get)
    get.add_argument("file_id", help="the file's id (file-...)")
    rm = files.command("rm", help="delete a stored file", run=files_rm)
    rm.add_argument("file_id", help="the file's id (file-...)")
    download = files.command(
        "download", help="save a file's content (a failure leaves no partial file)", run=files_download
    )
    download.add_argument("file_id", help="the file's id (file-...)")
    download.add_argument(
        "destination",
        help="a file path, - for stdout, or a folder (keeps the service's file name)",
    )
    content = files.command("content", help="write a file's content to stdout", run=files_content)
    content.add_argument("file_id", help="the file's id (file-...)")


def files_ls(ctx: Context) -> int:
    for stored in islice(ctx.client.files.list(purpose=ctx.args.purpose), ctx.args.limit):
        ctx.out.model(stored, *FILE_FIELDS)
    return EXIT_OK


def files_get(ctx: Context) -> int:
    ctx.out.model(ctx.client.files.retrieve(ctx.args.file_id), *FILE_FIELDS)
    return EXIT_OK


def files_rm(ctx: Context) -> int:
    deleted = ctx.client.files.delete(ctx.args.file_id)
    ctx.out.emit(deleted.to_dict(), f"deleted {deleted.id}")
    return EXIT_OK


def files_download(ctx: Context) -> int:
    if ctx.args.destination == "-":
        return files_content(ctx)
    target = _target(ctx, ctx.args.file_id, ctx.args.destination)
    size = ctx.client.files.download(ctx.args.file_id, target, progress=download_bar(ctx))
    ctx.out.emit({"id": ctx.args.file_id, "path": str(target), "bytes": size}, f"{target}  {size}")
    return EXIT_OK


def _target(ctx: Context, file_id: str, destination: str) -> Path:
    """`destination`, or inside it the file's own name when it is a folder (as `cp` does)."""
    path = Path(destination)
    if not (destination.endswith(os.sep) or path.is_dir()):
        return path
    name = PurePath(ctx.client.files.retrieve(file_id).filename).name
    if name in ("", ".", ".."):
        raise UsageError(f"file {file_id} has no usable file name ({name!r}): give a file path")
    return path / name


def files_content(ctx: Context) -> int:
    sink = ctx.out.binary()
    if sink is not None:
        with ctx.out.guard():
            ctx.client.files.download(ctx.args.file_id, sink)
            sink.flush()
    return EXIT_OK
