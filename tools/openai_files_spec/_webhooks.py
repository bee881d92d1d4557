"""Keeping upstream's batch webhooks: the events the service POSTs when a batch ends.

The generator reads no `webhooks:` section, so vendoring keeps the batch entries there (what is sent,
and to acknowledge it) and their payload schemas as components under upstream's names, which the
generator then turns into models like any other schema.
"""

import copy

from openai_files_spec._tree import Node, ref_name, refs

PREFIX = "batch_"  # upstream names the batch events' webhooks batch_completed, batch_failed, ...


def batch_webhooks(upstream: Node) -> Node:
    """Upstream's batch webhooks, copied (an empty mapping when it has none)."""
    return {
        name: copy.deepcopy(item)
        for name, item in (upstream.get("webhooks") or {}).items()
        if name.startswith(PREFIX)
    }


def payload_roots(webhooks: Node) -> tuple[str, ...]:
    """The component references the kept webhooks' payloads start from."""
    return tuple(refs(webhooks))


def with_webhooks(spec: Node, webhooks: Node) -> Node:
    """`spec` with a `webhooks:` section right after `paths:`, when there are any."""
    if not webhooks:
        return spec
    ordered: Node = {}
    for key, value in spec.items():
        ordered[key] = value
        if key == "paths":
            ordered["webhooks"] = webhooks
    return ordered


def event_titles(spec: Node) -> list[str]:
    """Drop the event-type titles (`batch.completed`) of webhook payloads: a title names the generated
    class, and the payloads keep upstream's component names (`WebhookBatchCompleted`)."""
    schemas = spec.get("components", {}).get("schemas", {})
    changes = []
    for target in sorted(set(refs(spec.get("webhooks") or {}))):
        name = ref_name(target)
        title = schemas.get(name, {}).pop("title", None)
        if title is not None:
            changes.append(f"{name}: dropped the title {title!r}, so its class keeps the component's name")
    return changes
