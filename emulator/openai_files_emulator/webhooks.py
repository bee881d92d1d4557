"""Webhook delivery: when a batch ends, a signed `batch.<status>` event is POSTed to every registered URL.

Signed in the Standard Webhooks scheme the service uses (`webhook-id`, `webhook-timestamp`,
`webhook-signature: v1,<base64 HMAC-SHA256 of id.timestamp.body>`, key from a `whsec_` secret). At
least once, like the service: a non-2xx answer, a timeout or a refused connection is retried with
doubling backoff, with the same `webhook-id` and body, so a receiver can drop repeats. Faults, each
drawn per delivery from `seed`: a duplicate delivery, a random hold of up to `reorder_window` seconds
(events ending close together arrive out of order), a fixed `delay`, a wrong signature on the first
try, and a first try that is never made (`drop_rate`). Every attempt is in the request log.

Under the `time` and `instant` paces batches end by themselves (`batches.runner`), so they are
announced with no client polling; under `retrieve` pace a batch ends when it is retrieved.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import dataclasses
import hashlib
import hmac
import json
import random
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx

from .recorder import RequestLog, SeenRequest
from .settings import check_finite, settings_to_json

if TYPE_CHECKING:
    from .batches.backend import BatchRecord
    from .clock import Clock

SECRET_PREFIX = "whsec_"
SECRET_ENV = "OPENAI_WEBHOOK_SECRET"
RATES = ("duplicate_rate", "wrong_signature_rate", "drop_rate")
IDLE_TICK = 0.2
"""Seconds between looks while no URL is registered."""


@dataclass(frozen=True)
class WebhookConfig:
    urls: tuple[str, ...] = ()
    """Endpoints every batch event is POSTed to; none: webhooks off."""
    secret: str = field(default="", repr=False)
    """The signing secret, `whsec_` + base64 (required with `urls`); never shown by the control plane."""
    duplicate_rate: float = 0.0
    """Fraction of deliveries made twice (same `webhook-id`), each retried on its own."""
    reorder_window: float = 0.0
    """Each delivery waits a random time up to this many seconds before its first try."""
    delay: float = 0.0
    """Seconds every delivery waits before its first try."""
    wrong_signature_rate: float = 0.0
    """Fraction of deliveries whose first try is signed with the wrong key (then retried right)."""
    drop_rate: float = 0.0
    """Fraction of deliveries whose first try is never made (the retry brings it)."""
    retry_base: float = 0.5
    """Seconds before the first retry; each further one waits twice as long, up to `retry_max`."""
    retry_max: float = 30.0
    max_attempts: int = 12
    timeout: float = 5.0
    """Seconds an attempt may take before it counts as failed."""
    tick: float = 0.05
    """How often due deliveries are looked for and sent."""
    seed: int = 0

    def __post_init__(self) -> None:
        for name in (*RATES, "reorder_window", "delay", "retry_base", "retry_max", "timeout", "tick"):
            check_finite(name, getattr(self, name))
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        for name in RATES:
            if getattr(self, name) > 1:
                raise ValueError(f"{name} must be between 0 and 1")
        if self.max_attempts < 1 or self.timeout <= 0 or self.tick <= 0:
            raise ValueError("max_attempts must be at least 1, timeout and tick positive")
        for url in self.urls:
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"webhook urls must be http(s) URLs, got {url!r}")
        if self.urls:
            signing_key(self.secret)

    def to_json(self) -> dict[str, Any]:
        return settings_to_json(self) | {"secret": "(set)" if self.secret else ""}


def signing_key(secret: str) -> bytes:
    """The HMAC key of a `whsec_` secret; `ValueError` (not quoting it) when it is not one."""
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError(f"the webhook secret must start with {SECRET_PREFIX!r}, followed by base64")
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"the webhook secret is not base64 after {SECRET_PREFIX!r}") from None
    if not key:
        raise ValueError("the webhook secret is empty")
    return key


def signature(key: bytes, webhook_id: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(
        key, b".".join((webhook_id.encode(), timestamp.encode(), body)), hashlib.sha256
    ).digest()
    return f"v1,{base64.b64encode(digest).decode()}"


@dataclass
class Delivery:
    url: str
    webhook_id: str
    body: bytes
    due: float
    """time.monotonic() of the next try."""
    attempt: int = 0
    drop_first: bool = False
    wrong_first: bool = False
    generation: int = 0
    """The sender's reset count when queued: a reset forgets every delivery, those in flight too."""


class Webhooks:
    """The live webhook settings of one emulator, its pending deliveries, and the task that sends them."""

    def __init__(self, config: WebhookConfig, clock: Clock, log: RequestLog) -> None:
        self._initial = self._config = config
        self._clock = clock
        self._log = log
        self._lock = threading.Lock()
        self._pending: list[Delivery] = []
        self._rng = random.Random(config.seed)
        self._counter = 0
        self._generation = 0

    @property
    def config(self) -> WebhookConfig:
        return self._config

    def set(self, config: WebhookConfig | None = None, **changes: Any) -> WebhookConfig:
        """Replace the settings; keywords amend `config` (or the defaults). Raises `ValueError`."""
        new = dataclasses.replace(config or WebhookConfig(), **changes)
        with self._lock:
            self._config = new
            self._rng = random.Random(new.seed)
        return new

    def clear(self) -> None:
        """Back to the starting settings; deliveries not yet made are forgotten."""
        with self._lock:
            self._config = self._initial
            self._rng = random.Random(self._initial.seed)
            self._pending.clear()
            self._generation += 1

    def batch_ended(self, batch: BatchRecord) -> None:
        """Queue the event of a batch that just reached a terminal status, once per URL."""
        config = self._config
        if not config.urls:
            return
        with self._lock:
            self._counter += 1
            token = f"{self._counter:08x}{self._rng.getrandbits(96):024x}"
            event = {
                "id": f"evt_{token}",
                "object": "event",
                "type": f"batch.{batch.status}",
                "created_at": batch.times.get(f"{batch.status}_at", self._clock.timestamp()),
                "data": {"id": batch.id},
            }
            body = json.dumps(event, separators=(",", ":")).encode()
            now = time.monotonic()
            for url in config.urls:
                copies = 2 if self._rng.random() < config.duplicate_rate else 1
                for _ in range(copies):
                    self._pending.append(
                        Delivery(
                            url=url,
                            webhook_id=f"wh_{token}",
                            body=body,
                            due=now + config.delay + self._rng.uniform(0, config.reorder_window),
                            drop_first=self._rng.random() < config.drop_rate,
                            wrong_first=self._rng.random() < config.wrong_signature_rate,
                            generation=self._generation,
                        )
                    )

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Send due deliveries in the background while the server runs."""
        task = asyncio.create_task(self._run(), name="openai-files-emulator webhooks")
        try:
            yield
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _run(self) -> None:
        sending: set[asyncio.Task[None]] = set()
        async with httpx.AsyncClient() as client:
            while True:
                config = self._config
                for delivery in self._take_due():
                    task = asyncio.create_task(self._attempt(client, delivery, config))
                    sending.add(task)
                    task.add_done_callback(sending.discard)
                await asyncio.sleep(config.tick if config.urls or sending else IDLE_TICK)

    def _take_due(self) -> list[Delivery]:
        now = time.monotonic()
        with self._lock:
            due = [d for d in self._pending if d.due <= now]
            self._pending = [d for d in self._pending if d.due > now]
        return due

    async def _attempt(self, client: httpx.AsyncClient, delivery: Delivery, config: WebhookConfig) -> None:
        if delivery.url not in config.urls:
            return  # unregistered since it was queued
        first = delivery.attempt == 0
        delivery.attempt += 1
        timestamp = str(int(time.time()))
        key = signing_key(config.secret)
        if first and delivery.wrong_first:
            key = hashlib.sha256(b"not the secret" + key).digest()
        headers = {
            "webhook-id": delivery.webhook_id,
            "webhook-timestamp": timestamp,
            "webhook-signature": signature(key, delivery.webhook_id, timestamp, delivery.body),
            "content-type": "application/json",
            "user-agent": "openai-files-emulator webhooks",
        }
        if first and delivery.drop_first:
            outcome = "dropped (fault)"
        else:
            try:
                response = await client.post(
                    delivery.url, content=delivery.body, headers=headers, timeout=config.timeout
                )
                outcome = str(response.status_code)
            except httpx.TimeoutException:
                outcome = "timeout"
            except Exception as exc:  # any failure, the HTTP stack's own bugs too: the retry still comes
                outcome = f"failed ({type(exc).__name__})"
        if delivery.generation != self._generation:
            return  # reset while it was out: forgotten, like the requests logged before the reset
        self._log.add(SeenRequest("POST", delivery.url, headers, outcome=f"webhook {outcome}"))
        if (outcome.isdigit() and 200 <= int(outcome) < 300) or delivery.attempt >= config.max_attempts:
            return
        delivery.due = time.monotonic() + min(
            config.retry_base * 2 ** (delivery.attempt - 1), config.retry_max
        )
        with self._lock:
            if delivery.generation == self._generation:  # no reset while this attempt was out
                self._pending.append(delivery)
