"""`openai-files webhooks listen`: receive the service's webhooks locally and print each event, like
`stripe listen`: verified, repeats dropped, one line each (or JSON Lines), optionally forwarded on."""

from __future__ import annotations

import argparse
import contextlib
import threading
from collections.abc import Callable, Iterator, Mapping

import httpx

from ..webhooks import (
    SECRET_ENV,
    UnknownWebhookEvent,
    WebhookEvent,
    WebhookReceiver,
    WebhookVerificationError,
    listen,
)
from .parser import Commands, Context
from .render import EXIT_OK, UsageError

__all__ = ["event_document", "host_port", "listening", "register"]

FORWARD_TIMEOUT = 10.0


def register(commands: Commands) -> None:
    hooks = commands.group("webhooks", help="receive the service's webhook events (batch ended)")
    listen_ = hooks.command(
        "listen", help="serve a webhook endpoint; print each verified, new event as it comes", run=listen_cmd
    )
    listen_.add_argument("--port", type=int, required=True, help="port to listen on (0: any free one)")
    listen_.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    listen_.add_argument(
        "--secret", help=f"the endpoint's signing secret, whsec_... (default: ${SECRET_ENV})"
    )
    listen_.add_argument("--forward-to", metavar="URL", help="also POST each new event, as received, here")


def event_document(event: WebhookEvent) -> dict[str, object]:
    """The event as sent: its JSON object."""
    return dict(event.raw) if isinstance(event, UnknownWebhookEvent) else event.to_dict()


def listen_cmd(ctx: Context) -> int:
    args = ctx.args
    lock = threading.Lock()

    def show(event: WebhookEvent) -> None:
        document = event_document(event)
        data = document.get("data")
        subject = data.get("id", "-") if isinstance(data, dict) else "-"
        with lock:
            ctx.out.emit(document, f"{document.get('type')}  {subject}  {event.id}")
            ctx.out.close()

    forward = _forwarder(ctx, args.forward_to) if args.forward_to else None
    hooks = _receiver(args.secret, show)
    with listening(ctx, hooks, host=args.host, port=args.port, after=forward):
        ctx.err.note("(Ctrl-C to stop)")
        threading.Event().wait()
    return EXIT_OK


def host_port(text: str) -> tuple[str, int]:
    """`HOST:PORT` (an argument type)."""
    host, colon, port = text.rpartition(":")
    if not colon or not host or not port.isdigit() or int(port) > 65535:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {text!r}")
    return host, int(port)


def _receiver(secret: str | None, on_event: Callable[[WebhookEvent], None] | None) -> WebhookReceiver:
    try:
        return WebhookReceiver(secret=secret, on_event=on_event)
    except WebhookVerificationError as exc:  # no usable secret: fix the command line or environment
        raise UsageError(str(exc)) from None


@contextlib.contextmanager
def listening(
    ctx: Context,
    hooks: WebhookReceiver | None = None,
    *,
    host: str,
    port: int,
    after: Callable[[bytes, Mapping[str, str], WebhookEvent], None] | None = None,
) -> Iterator[WebhookReceiver]:
    """Serve a receiver (by default one with `$OPENAI_WEBHOOK_SECRET`) while the block runs."""
    hooks = hooks if hooks is not None else _receiver(None, None)
    server = listen(hooks, host=host, port=port, after=after)
    bound_host, bound_port = server.server_address[:2]
    ctx.err.note(f"listening for webhook events on http://{bound_host!s}:{bound_port}/")
    try:
        yield hooks
    finally:
        server.shutdown()
        server.server_close()


def _forwarder(ctx: Context, url: str) -> Callable[[bytes, Mapping[str, str], WebhookEvent], None]:
    """POST each new event's body and `webhook-*` headers, unchanged, to `url` (the signature holds)."""
    client = httpx.Client(timeout=FORWARD_TIMEOUT)

    def forward(body: bytes, headers: Mapping[str, str], event: WebhookEvent) -> None:
        sent = {k: v for k, v in headers.items() if k.startswith("webhook-") or k == "content-type"}
        try:
            status = str(client.post(url, content=body, headers=sent).status_code)
        except httpx.HTTPError as exc:
            status = type(exc).__name__
        ctx.err.note(f"forwarded {event.id} to {url}: {status}")

    return forward
