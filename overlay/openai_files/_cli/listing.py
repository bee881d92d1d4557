"""What `files ls` and `batches ls` share: a page cursor, a count, and a window of creation times.

The service filters by neither time: the window is applied here while the pager walks newest first (or
oldest first), and the walk stops at the first object outside it, so a narrow window near the top of a
long listing costs a page or two.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any, Protocol, TypeVar

from . import flags
from .parser import Context
from .render import EXIT_OK, Column

__all__ = ["listing_options", "show_listed"]


class _Listed(Protocol):
    @property
    def created_at(self) -> int: ...

    def to_dict(self) -> dict[str, Any]: ...


T = TypeVar("T", bound=_Listed)


def listing_options(parser: argparse.ArgumentParser, *, item: str) -> None:
    """`--limit`, `--after`, `--created-after` and `--created-before` for a listing of `item`s."""
    parser.add_argument("-n", "--limit", type=flags.count, metavar="N", help=f"at most N {item}s")
    parser.add_argument("--after", metavar="ID", help=f"start after this {item} id (a cursor)")
    for edge, which in (("after", "at or after"), ("before", "before")):
        parser.add_argument(
            f"--created-{edge}",
            type=flags.moment,
            metavar="WHEN",
            help=f"only {item}s created {which} WHEN: a date and time as people write them "
            "(2026-12-07, '2026-12-07 14:30', ISO 8601 with or without a zone: local time unless one "
            "is given) or Unix seconds",
        )


def show_listed(
    ctx: Context, objects: Iterable[_Listed], columns: tuple[Column, ...], *, ascending: bool
) -> int:
    """Print the objects in the window, at most `--limit` of them, in the order they come; exit 0."""
    for obj in islice(_created_between(objects, ctx.args, ascending=ascending), ctx.args.limit):
        ctx.out.model(obj, columns)
    return EXIT_OK


def _created_between(objects: Iterable[T], args: argparse.Namespace, *, ascending: bool) -> Iterator[T]:
    """The objects created in [`--created-after`, `--created-before`), in the order they come."""
    low: float | None = args.created_after
    high: float | None = args.created_before
    for obj in objects:
        if low is not None and obj.created_at < low:
            if ascending:
                continue
            return
        if high is not None and obj.created_at >= high:
            if ascending:
                return
            continue
        yield obj
