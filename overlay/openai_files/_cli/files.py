"""`openai-files files ...`: store, list, show, delete, download and print stored files."""

from __future__ import annotations

import os
from pathlib import Path, PurePath

from .._rules import FILE_ORDERS, FILE_PURPOSES, STORED_PURPOSES
from . import flags
from .listing import listing_options, show_listed
from .parser import Commands, Context
from .render import EXIT_OK, Column, UsageError, field, when

__all__ = ["FILE_COLUMNS", "register"]

FILE_COLUMNS: tuple[Column, ...] = (
    field("id"),
    field("filename"),
    field("bytes"),
    field("purpose"),
    field("status"),
    when("created_at"),
)


def register(commands: Commands) -> None:
    files = commands.group("files", help="store, list, show, delete, download or print stored files")
    create = files.command(
        "create",
        help="store a file for any purpose (one request; large ones as Upload parts)",
        run=files_create,
    )
    create.add_argument("path", type=flags.local_path, help="the file to store")
    create.add_argument(
        "-p",
        "--purpose",
        required=True,
        metavar="PURPOSE",
        help=f"what the file is for: {', '.join(FILE_PURPOSES)}",
    )
    create.add_argument(
        "--expires-after",
        type=flags.whole_seconds,
        metavar="SECONDS",
        help="delete the file this long after it was stored (3600 to 2592000)",
    )
    ls = files.command(
        "ls", aliases=["list"], help="list stored files, newest first, one per line", run=files_ls
    )
    ls.add_argument("-p", "--purpose", choices=STORED_PURPOSES, help="only files stored for this purpose")
    ls.add_argument(
        "--order", choices=FILE_ORDERS, help="by creation time: desc (default, newest first) or asc"
    )
    listing_options(ls, item="file")
    get = files.command("get", help="show one file", run=files_get)
    get.add_argument("file_id", help="the file's id (file-...)")
    rm = files.command("rm", aliases=["delete"], help="delete a stored file", run=files_rm)
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


def files_create(ctx: Context) -> int:
    stored = ctx.client.files.create(
        ctx.args.path, purpose=ctx.args.purpose, expires_after_seconds=ctx.args.expires_after
    )
    ctx.out.model(stored, FILE_COLUMNS)
    return EXIT_OK


def files_ls(ctx: Context) -> int:
    listed = ctx.client.files.list(purpose=ctx.args.purpose, order=ctx.args.order, after=ctx.args.after)
    return show_listed(ctx, listed, FILE_COLUMNS, ascending=ctx.args.order == "asc")


def files_get(ctx: Context) -> int:
    ctx.out.model(ctx.client.files.retrieve(ctx.args.file_id), FILE_COLUMNS)
    return EXIT_OK


def files_rm(ctx: Context) -> int:
    deleted = ctx.client.files.delete(ctx.args.file_id)
    ctx.out.emit(deleted.to_dict(), f"deleted {deleted.id}")
    return EXIT_OK


def files_download(ctx: Context) -> int:
    if ctx.args.destination == "-":
        return files_content(ctx)
    target = _target(ctx, ctx.args.file_id, ctx.args.destination)
    size = ctx.client.files.download(ctx.args.file_id, target, progress=ctx.progress("download"))
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
