"""`openai-files upload PATH` and `openai-files uploads ...`: send a large file, cancel an Upload, and
manage the resume journals that `upload --resume` keeps."""

from __future__ import annotations

import datetime

from .._rules import UPLOAD_PURPOSES
from .._transfer import TransferConfig
from .._transfer.journal import Journal
from . import flags
from .files import FILE_COLUMNS
from .parser import Commands, Context
from .progress import upload_bar
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
        "--part-size", type=flags.mebibytes, metavar="MIB", help="MiB per part (default: cut for the file)"
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
    stored = ctx.client.uploads.upload_file(
        ctx.args.path,
        purpose=ctx.args.purpose,
        mime_type=ctx.args.mime_type,
        part_size=ctx.args.part_size,
        concurrency=ctx.args.concurrency,
        md5=ctx.args.md5,
        resume=ctx.args.resume,
        progress=upload_bar(ctx),
    )
    if stored.file:
        ctx.out.model(stored.file, FILE_COLUMNS)
    else:
        ctx.out.model(stored, UPLOAD_COLUMNS)
    return EXIT_OK


def cancel_(ctx: Context) -> int:
    ctx.out.model(ctx.client.uploads.cancel(ctx.args.upload_id), UPLOAD_COLUMNS)
    for journal in _journals():
        if journal.upload_id == ctx.args.upload_id:
            journal.delete()
    return EXIT_OK


def _journals() -> list[Journal]:
    directory = TransferConfig().journal_dir
    found = (Journal.load(path) for path in sorted(directory.glob("*.json")))
    return [journal for journal in found if journal is not None]


def journals_ls(ctx: Context) -> int:
    for journal in _journals():
        size = journal.fingerprint.size
        total = -(-size // journal.part_size)
        expires = datetime.datetime.fromtimestamp(journal.expires_at, datetime.UTC)
        document = {
            "upload_id": journal.upload_id,
            "bytes": size,
            "part_size": journal.part_size,
            "parts_sent": len(journal.parts),
            "parts": total,
            "expires_at": journal.expires_at,
            "journal": str(journal.path),
        }
        line = f"{journal.upload_id}  parts {len(journal.parts)}/{total}  expires {expires:%Y-%m-%d %H:%M}Z"
        ctx.out.emit(document, f"{line}  {journal.path}")
    return EXIT_OK


def journals_rm(ctx: Context) -> int:
    chosen = [j for j in _journals() if ctx.args.all or j.upload_id == ctx.args.upload_id]
    for journal in chosen:
        journal.delete()
        document = {"upload_id": journal.upload_id, "journal": str(journal.path)}
        ctx.out.emit(document, f"removed {journal.path}")
    if not chosen and not ctx.args.all:
        ctx.err.error(f"no journal for Upload {ctx.args.upload_id}")
        return EXIT_NOT_FOUND
    return EXIT_OK
