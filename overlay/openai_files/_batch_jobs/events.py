"""Event sources for batch jobs: webhook events wake a waiting job the moment one of its batches ends.

An event only says "look now": the job then retrieves that batch and the manifest decides, so a
duplicate, a late or an out-of-order event changes nothing, and a lost one costs at most one
safety-net poll interval. A source is a `WebhookReceiver` (its events from the moment of waiting on),
or any callable returning an iterable of events, read in a daemon thread while the job waits.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable, Iterator

from ..webhooks import EventInbox, WebhookEvent, WebhookReceiver, batch_id_of

__all__ = ["EventSource", "ended_batches", "inbox_for"]

EventSource = WebhookReceiver | Callable[[], Iterable[WebhookEvent]]


@contextlib.contextmanager
def inbox_for(source: EventSource | None) -> Iterator[EventInbox | None]:
    """An inbox fed by `source` while the block runs; None for no source."""
    if source is None:
        yield None
    elif isinstance(source, WebhookReceiver):
        inbox = source.subscribe()
        try:
            yield inbox
        finally:
            source.unsubscribe(inbox)
    else:
        inbox, stop = EventInbox(), threading.Event()

        def pump() -> None:
            for event in source():
                if stop.is_set():
                    return
                inbox.put(event)

        threading.Thread(target=pump, name="openai-files job events", daemon=True).start()
        try:
            yield inbox
        finally:
            stop.set()


def ended_batches(events: list[WebhookEvent]) -> frozenset[str]:
    """The batches that `events` say ended (every batch event is an ending)."""
    return frozenset(batch for event in events if (batch := batch_id_of(event)) is not None)
