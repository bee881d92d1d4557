"""The vendoring pipeline: slice, fix, prune, keep our text, compare."""

from dataclasses import dataclass, field

from openai_files_spec._changes import Change, compare
from openai_files_spec._fixes import ERROR_SCHEMA, FIXES
from openai_files_spec._merge import adopt_current
from openai_files_spec._slice import prune, slice_tags
from openai_files_spec._tree import Node, operations
from openai_files_spec._webhooks import batch_webhooks, payload_roots, with_webhooks
from openai_files_spec._yamlio import dump


@dataclass(frozen=True)
class Vendored:
    spec: Node
    text: str
    fixes: dict[str, list[str]]  # fix name -> what it changed (empty: upstream is already right)
    changes: list[Change] = field(default_factory=list)

    def summary(self) -> str:
        schemas = len(self.spec.get("components", {}).get("schemas") or {})
        return f"{sum(1 for _ in operations(self.spec))} operations, {schemas} schemas"


def vendor(upstream: Node, current: Node | None) -> Vendored:
    """Our spec from a full upstream one; `current` (our openapi.yaml) lends its text and order."""
    webhooks = batch_webhooks(upstream)
    spec = with_webhooks(slice_tags(upstream, extra_roots=(ERROR_SCHEMA, *payload_roots(webhooks))), webhooks)
    fixes = {fix.name: fix.apply(spec, current) for fix in FIXES}
    prune(spec)
    if current is not None:
        spec = adopt_current(spec, current)
    changes = compare(current, spec) if current is not None else []
    return Vendored(spec, dump(spec), fixes, changes)
