"""The states of a job, its shards and its requests, and the one table of moves between them.

The values are the strings the manifest stores (so a manifest written before these enums opens as it
did). `Manifest` is the only writer of states and refuses a move this table does not list
(`TransitionError`).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

from .._errors import JobStateError


class JobState(StrEnum):
    """A job's state: `preparing` until its input is sharded and recorded, then `running`; `cancelling`
    once a cancel was asked; `finished` or `cancelled` once every shard is settled."""

    PREPARING = "preparing"
    RUNNING = "running"
    CANCELLING = "cancelling"
    FINISHED = "finished"
    CANCELLED = "cancelled"


class ShardState(StrEnum):
    """A shard's state. `sealed`: its local file is complete. `uploading`/`creating`: an intent, a call
    is (or was, when the process died) under way. `stored`: its input file is on the service.
    `submitted`: its batch runs. `ended`: the batch is terminal, results not yet merged. `merged`:
    results are in the manifest. `done`: files cleaned up. `cancelled`: never ran, the job was
    cancelled. `fanout`: the pseudo-shard of duplicates, waiting for the requests they repeat."""

    SEALED = "sealed"
    UPLOADING = "uploading"
    STORED = "stored"
    CREATING = "creating"
    SUBMITTED = "submitted"
    ENDED = "ended"
    MERGED = "merged"
    FANOUT = "fanout"
    DONE = "done"
    CANCELLED = "cancelled"


class RequestState(StrEnum):
    """A request's state: `pending` until its batch's results are merged; then final, or `retry` while
    it waits to go out again in a new shard."""

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    RETRY = "retry"


S, R, J = ShardState, RequestState, JobState
SHARD_MOVES: Mapping[ShardState, frozenset[ShardState]] = {
    S.SEALED: frozenset({S.UPLOADING, S.CANCELLED}),
    S.UPLOADING: frozenset({S.STORED, S.SEALED}),  # stored, or the intent undone by `recover`
    S.STORED: frozenset({S.CREATING, S.CANCELLED}),
    S.CREATING: frozenset({S.SUBMITTED, S.STORED}),  # submitted, or refused / not found by `recover`
    S.SUBMITTED: frozenset({S.ENDED, S.STORED, S.MERGED, S.SEALED}),  # ended; requeued; split; gone
    S.ENDED: frozenset({S.MERGED}),
    S.MERGED: frozenset({S.DONE}),
    S.FANOUT: frozenset({S.DONE}),
    S.DONE: frozenset(),
    S.CANCELLED: frozenset(),
}
"""Where each shard state may go. A shard starts `sealed` (`done` or `fanout` for the pseudo-shards)."""
REQUEST_MOVES: Mapping[RequestState, frozenset[RequestState]] = {
    R.PENDING: frozenset({R.SUCCEEDED, R.FAILED, R.CANCELLED, R.RETRY}),
    R.RETRY: frozenset({R.PENDING, R.FAILED}),  # into a new shard, or its last failure kept on cancel
    R.SUCCEEDED: frozenset(),
    R.FAILED: frozenset(),
    R.CANCELLED: frozenset(),
}
"""Where each request state may go. A request starts `pending`."""
JOB_MOVES: Mapping[JobState, frozenset[JobState]] = {
    J.PREPARING: frozenset({J.RUNNING}),
    J.RUNNING: frozenset({J.CANCELLING, J.FINISHED}),
    J.CANCELLING: frozenset({J.CANCELLED}),
    J.FINISHED: frozenset(),
    J.CANCELLED: frozenset(),
}
"""Where each job state may go."""

SHARD_SETTLED = frozenset({S.DONE, S.CANCELLED})
"""Shards with no work and no files left."""
SHARD_OPEN = tuple(s for s in ShardState if s not in SHARD_SETTLED)
"""Every other shard state: the shard still has work or files."""
SHARD_LIVE = (S.CREATING, S.SUBMITTED)
"""Shards whose estimated tokens count as enqueued on the service."""
JOB_ENDED = frozenset({J.FINISHED, J.CANCELLED})
"""Jobs that will change no more."""


E = TypeVar("E", bound=StrEnum)


def sources(moves: Mapping[E, frozenset[E]], to: E) -> tuple[E, ...]:
    """The states a move to `to` may start from."""
    return tuple(start for start, ends in moves.items() if to in ends)


class TransitionError(JobStateError):
    """A move the transition table does not allow: a bug, or a manifest changed behind the job's back."""
