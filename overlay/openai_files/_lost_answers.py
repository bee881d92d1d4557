"""Finding what a create made when its answer was lost, without counting on the Idempotency-Key.

The client sends an Idempotency-Key with every POST, but nothing public says the service honours it.
So when the answer to a create may be lost (cut, timed out, a 5xx: `answer_lost`), the client looks for
the object before it sends the request again, as it does for an Upload's complete: a batch by the token
it put in the batch's metadata, a file by name, size and purpose, among the objects listed newest first
down to the moment the request was sent (less `CLOCK_SKEW_SECONDS`, for the service's clock). One match
is the answer; none means nothing was made, and the request goes again; several, or a look that fails,
raise `UnconfirmedCreateError` (nothing is sent again) rather than guess.

`Search` is pure, shared by the sync and async clients, which only feed it the listed objects.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

from . import _rules as rules
from ._errors import UnconfirmedCreateError
from ._generated import Batch, CreateBatchRequest, MetadataType0, OpenAIFile

__all__ = [
    "CLOCK_SKEW_SECONDS",
    "CREATE_TOKEN",
    "MAX_SEARCHED",
    "Search",
    "batch_search",
    "file_search",
    "tag",
]

CREATE_TOKEN = "openai_files_create"
"""The metadata key of the token that finds a batch again when the answer to its create was lost."""
CLOCK_SKEW_SECONDS = 600
"""How far the service's clock may be behind ours when an object is looked for by its creation time."""
MAX_SEARCHED = 10_000
"""Objects listed at most in one look."""


class _Created(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def created_at(self) -> int: ...


T = TypeVar("T", bound=_Created)


class Search(Generic[T]):
    """One look for the object a lost create made, fed a newest-first listing."""

    def __init__(self, what: str, sent_at: float, matches: Callable[[T], bool]) -> None:
        self._what = what
        self._since = sent_at - CLOCK_SKEW_SECONDS
        self._matches = matches
        self.found: list[T] = []
        self._seen = 0

    def add(self, item: T) -> bool:
        """Take one listed object; False once the listing is older than the request, or too long."""
        self._seen += 1
        if item.created_at < self._since or self._seen > MAX_SEARCHED:
            return False
        if self._matches(item):
            self.found.append(item)
        return True

    def result(self) -> T | None:
        """The one object the lost create made, None when it made none; raises when several could be it."""
        if len(self.found) > 1:
            ids = tuple(item.id for item in self.found)
            raise UnconfirmedCreateError(
                f"the answer to creating {self._what} was lost, and {len(ids)} objects created since could be"
                f" it ({', '.join(ids)}); nothing was sent again: check them before creating anew",
                candidates=ids,
            )
        return self.found[0] if self.found else None

    def failed(self, error: Exception) -> UnconfirmedCreateError:
        """The error for a look that could not be made (raise it `from error`)."""
        return UnconfirmedCreateError(
            f"the answer to creating {self._what} was lost, and looking for what it made failed ({error});"
            " nothing was sent again: check before creating anew"
        )


def tag(body: CreateBatchRequest) -> str | None:
    """Put a fresh token in the batch's metadata, when it has room for one more pair; return it."""
    pairs = body.metadata.to_dict() if isinstance(body.metadata, MetadataType0) else {}
    if len(pairs) >= rules.MAX_METADATA_PAIRS:
        return None
    token = uuid.uuid4().hex
    body.metadata = MetadataType0.from_dict({**pairs, CREATE_TOKEN: token})
    return token


def batch_search(body: CreateBatchRequest, token: str | None, sent_at: float) -> Search[Batch]:
    """The batch `body` made: the one carrying `token`; without one (metadata full), the one over the same
    input file and endpoint."""

    def matches(batch: Batch) -> bool:
        if token is not None:
            return (batch.to_dict().get("metadata") or {}).get(CREATE_TOKEN) == token
        return batch.input_file_id == body.input_file_id and batch.endpoint == str(body.endpoint)

    return Search(f"a batch over {body.input_file_id}", sent_at, matches)


def file_search(filename: str, size: int, purpose: str, sent_at: float) -> Search[OpenAIFile]:
    """The file a create of `filename` (`size` bytes, `purpose`) made."""

    def matches(stored: OpenAIFile) -> bool:
        return stored.filename == filename and stored.bytes_ == size and str(stored.purpose) == purpose

    return Search(f"the file {filename}", sent_at, matches)
