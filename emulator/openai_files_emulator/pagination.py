"""Cursor pages as the service returns them: `after` is the id of the last object already seen."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, TypeVar

from .errors import invalid_value


class Listed(Protocol):
    @property
    def id(self) -> str: ...

    def to_json(self) -> dict[str, Any]: ...


T = TypeVar("T", bound=Listed)


def page(
    items: Sequence[T],
    *,
    after: str | None,
    limit: int,
    max_limit: int,
    descending: bool,
    sequence: Mapping[str, int],
) -> dict[str, Any]:
    """Slice `items` (in creation order, already filtered) after the cursor, at most `limit` of them.

    `sequence` numbers every id ever created, deleted ones included, so a cursor whose object was
    deleted between two pages still resumes at the right place. Raises `InvalidRequest` for a limit out
    of range or an unknown cursor.
    """
    if not 1 <= limit <= max_limit:
        raise invalid_value("limit", f"must be between 1 and {max_limit}, got {limit}.")
    ordered = list(reversed(items)) if descending else list(items)
    if after is not None:
        cursor = sequence.get(after)
        if cursor is None:
            raise invalid_value("after", f"no object with id '{after}' to continue after.")
        ordered = [
            item
            for item in ordered
            if (sequence[item.id] < cursor if descending else sequence[item.id] > cursor)
        ]
    chosen = ordered[:limit]
    return {
        "object": "list",
        "data": [item.to_json() for item in chosen],
        "first_id": chosen[0].id if chosen else None,
        "last_id": chosen[-1].id if chosen else None,
        "has_more": len(ordered) > limit,
    }
