"""`openai-files webhooks listen`: receive the service's webhooks locally and print each event, like
`stripe listen`: verified, repeats dropped, one line each (or JSON Lines), optionally forwarded on."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping

import httpx

from ..webhooks import WebhookEvent, WebhookReceiver, WebhookVerificationError, listen
from ..webhooks._events import UnknownWebhookEvent
from ..webhooks._signature import SECRET_ENV
from .parser import Commands, Context
from .render import EXIT_OK, UsageError

__all__ = ["event_document", "register"]

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

    try:
        hooks = WebhookReceiver(secret=args.secret, on_event=show)
    except WebhookVerificationError as exc:
        raise UsageError(str(exc)) from None
    forward = _forwarder(ctx, args.forward_to) if args.forward_to else None
    server = listen(hooks, host=args.host, port=args.port, after=forward)
    host, port = server.server_address[:2]
    ctx.err.note(f"listening for webhooks on http://{host!s}:{port}/ (Ctrl-C to stop)")
    try:
        threading.Event().wait()
    finally:
        server.shutdown()
        server.server_close()
    return EXIT_OK


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
