"""Cursor pagination for the list endpoints: pages, and iterators over every item across pages.

The service pages with `after=<id of the last item seen>` and says `has_more`; a pager follows that
until `has_more` is false. It also stops on an empty page or a cursor it has already followed, so a
misbehaving proxy cannot make it loop forever.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

__all__ = ["AsyncPager", "Page", "SyncPager"]


class _Identified(Protocol):
    @property
    def id(self) -> str: ...


T = TypeVar("T", bound=_Identified)


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page as the service sent it."""

    data: list[T]
    has_more: bool
    first_id: str | None = None
    last_id: str | None = None

    @property
    def next_cursor(self) -> str | None:
        """The `after` for the next page, or None when this is the last one."""
        if not self.has_more or not self.data:
            return None
        return self.last_id or self.data[-1].id


class _Cursor:
    """The cursor bookkeeping both pagers share."""

    def __init__(self) -> None:
        self.after: str | None = None
        self._followed: set[str] = set()
        self.done = False

    def advance(self, page: Page[T]) -> None:
        cursor = page.next_cursor
        self.done = cursor is None or cursor in self._followed
        if cursor is not None:
            self._followed.add(cursor)
            self.after = cursor


class SyncPager(Generic[T]):
    """Iterate every item (`for f in client.files.list()`), or `.pages()` for the pages themselves.

    Each iteration starts again from the first page; nothing is fetched until you iterate.
    """

    def __init__(self, fetch: Callable[[str | None], Page[T]]) -> None:
        """A pager over `fetch(after)`, which returns the page after cursor `after` (None: the first)."""
        self._fetch = fetch

    def pages(self) -> Iterator[Page[T]]:
        """Every page in turn, fetched as you iterate; raises what `fetch` raises (see `Client.call`)."""
        cursor = _Cursor()
        while not cursor.done:
            page = self._fetch(cursor.after)
            yield page
            cursor.advance(page)

    def first_page(self) -> Page[T]:
        """The first page only: one request."""
        return self._fetch(None)

    def __iter__(self) -> Iterator[T]:
        for page in self.pages():
            yield from page.data


class AsyncPager(Generic[T]):
    """The asyncio twin: `async for f in client.files.list()`, or `async for page in ....pages()`."""

    def __init__(self, fetch: Callable[[str | None], Awaitable[Page[T]]]) -> None:
        """See `SyncPager`; `fetch` is awaited."""
        self._fetch = fetch

    async def pages(self) -> AsyncIterator[Page[T]]:
        """See `SyncPager.pages`; iterate with `async for`."""
        cursor = _Cursor()
        while not cursor.done:
            page = await self._fetch(cursor.after)
            yield page
            cursor.advance(page)

    async def first_page(self) -> Page[T]:
        """See `SyncPager.first_page`."""
        return await self._fetch(None)

    async def __aiter__(self) -> AsyncIterator[T]:
        async for page in self.pages():
            for item in page.data:
                yield item
