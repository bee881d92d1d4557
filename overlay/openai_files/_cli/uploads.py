"""`openai-files upload PATH` and `openai-files uploads ...`: send a large file, cancel an Upload, and
manage the resume journals that `upload --resume` keeps."""

from __future__ import annotations

import datetime

from .. import TransferConfig, upload_journals
from .._rules import UPLOAD_PURPOSES
from . import flags
from .files import FILE_COLUMNS
from .parser import Commands, Context
from .render import EXIT_NOT_FOUND, EXIT_OK, Column, field, when

__all__ = ["register"]

UPLOAD_COLUMNS: tuple[Column, ...] = (
    field("id"),
    field("status"),
    field("filename"),
    field("bytes"),
    field("purpose"),
    when("created_at"),
)


def register(commands: Commands) -> None:
    up = commands.command("upload", help="send a file (up to 8 GiB) in parallel parts", run=upload)
    up.add_argument("path", type=flags.local_path, help="the file to send")
    up.add_argument(
        "-p",
        "--purpose",
        required=True,
        metavar="PURPOSE",
        help=f"what the file is for: {', '.join(UPLOAD_PURPOSES)} (an Upload takes these; "
        "`files create` takes every purpose)",
    )
    up.add_argument("--mime-type", help="default: guessed from the file name")
    up.add_argument(
        "--part-size",
        type=flags.size(flags.MiB, "MiB", TransferConfig().max_part_size),
        metavar="MIB",
        help="MiB per part (default: cut for the file)",
    )
    up.add_argument(
        "--concurrency",
        type=flags.count,
        metavar="N",
        help="parts in flight (default: every part of a file up to 1 GiB at once, beyond that it adapts)",
    )
    up.add_argument(
        "--md5",
        action="store_true",
        help="also have the service check the file's md5 (a pass over the file here and one there)",
    )
    up.add_argument(
        "--resume",
        action="store_true",
        help="journal the parts sent; an interrupted upload is kept and a rerun sends only the rest",
    )

    uploads = commands.group("uploads", help="cancel an Upload; list or remove resume journals")
    cancel = uploads.command("cancel", help="cancel a pending Upload and forget its journal", run=cancel_)
    cancel.add_argument("upload_id", help="the Upload's id (upload_...)")
    journals = uploads.group("journals", help="the resume journals that upload --resume keeps")
    journals.command(
        "ls",
        aliases=["list"],
        help="list journals: Upload, parts sent, expiry, journal file",
        run=journals_ls,
    )
    rm = journals.command(
        "rm",
        aliases=["delete"],
        help="remove journals (the Uploads expire on their own; see uploads cancel)",
        run=journals_rm,
    )
    which = rm.add_mutually_exclusive_group(required=True)
    which.add_argument("upload_id", nargs="?", help="the Upload whose journal to remove")
    which.add_argument("--all", action="store_true", help="remove every journal")


def upload(ctx: Context) -> int:
    try:
        stored = ctx.client.uploads.upload_file(
            ctx.args.path,
            purpose=ctx.args.purpose,
            mime_type=ctx.args.mime_type,
            part_size=ctx.args.part_size,
            concurrency=ctx.args.concurrency,
            md5=ctx.args.md5,
            resume=ctx.args.resume,
            progress=ctx.progress("upload"),
        )
    except KeyboardInterrupt as stop:  # the library notes an Upload it kept for resume: say how to go on
        if getattr(stop, "__notes__", None):
            stop.add_note("rerun the same command to send the rest")
        raise
    if stored.file:
        ctx.out.model(stored.file, FILE_COLUMNS)
    else:
        ctx.out.model(stored, UPLOAD_COLUMNS)
    return EXIT_OK


def cancel_(ctx: Context) -> int:
    ctx.out.model(ctx.client.uploads.cancel(ctx.args.upload_id), UPLOAD_COLUMNS)
    for journal in upload_journals():
        if journal.upload_id == ctx.args.upload_id:
            journal.path.unlink(missing_ok=True)
    return EXIT_OK


def journals_ls(ctx: Context) -> int:
    for journal in upload_journals():
        expires = datetime.datetime.fromtimestamp(journal.expires_at, datetime.UTC)
        document = {
            "upload_id": journal.upload_id,
            "bytes": journal.bytes,
            "part_size": journal.part_size,
            "parts_sent": journal.parts_sent,
            "parts": journal.parts,
            "expires_at": journal.expires_at,
            "journal": str(journal.path),
        }
        sent = f"parts {journal.parts_sent}/{journal.parts}"
        ctx.out.emit(
            document, f"{journal.upload_id}  {sent}  expires {expires:%Y-%m-%d %H:%M}Z  {journal.path}"
        )
    return EXIT_OK


def journals_rm(ctx: Context) -> int:
    chosen = [j for j in upload_journals() if ctx.args.all or j.upload_id == ctx.args.upload_id]
    for journal in chosen:
        journal.path.unlink(missing_ok=True)
        document = {"upload_id": journal.upload_id, "journal": str(journal.path)}
        ctx.out.emit(document, f"removed {journal.path}")
    if not chosen and not ctx.args.all:
        ctx.err.error(f"no journal for Upload {ctx.args.upload_id}")
        return EXIT_NOT_FOUND
    return EXIT_OK
