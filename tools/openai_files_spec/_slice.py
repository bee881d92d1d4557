"""Cutting our three tags, and every component they reach, out of the full upstream spec."""

import copy

from openai_files_spec._tree import HTTP_METHODS, Node, operations, refs
from openai_files_spec._yamlio import SpecError

TAGS = ("Batch", "Files", "Uploads")


def slice_tags(upstream: Node, tags: tuple[str, ...] = TAGS, extra_roots: tuple[str, ...] = ()) -> Node:
    """A new document with the operations of `tags` and the components they (or `extra_roots`) reach.

    Only what is kept is copied, so later fixes never touch the (large) upstream document.
    """
    paths: Node = {}
    for path, method, operation in operations(upstream):
        if set(operation.get("tags") or ()) & set(tags):
            paths.setdefault(path, {})[method] = copy.deepcopy(operation)
    if not paths:
        raise SpecError(f"the upstream spec has no operation tagged {', '.join(tags)}")
    for path, kept in paths.items():
        shared = {k: v for k, v in upstream["paths"][path].items() if k not in HTTP_METHODS}
        kept.update(copy.deepcopy(shared))
    spec: Node = {
        key: copy.deepcopy(upstream[key]) for key in ("openapi", "info", "servers") if key in upstream
    }
    if "security" in upstream:
        spec["security"] = copy.deepcopy(upstream["security"])
    spec["tags"] = [copy.deepcopy(t) for t in upstream.get("tags") or () if t.get("name") in tags]
    spec["paths"] = paths
    spec["components"] = {}
    _copy_reachable(upstream, spec, extra_roots)
    return spec


def prune(spec: Node) -> None:
    """Drop components that no operation or webhook reaches any more (after a fix rewired a reference)."""
    everything = spec.get("components") or {}
    spec["components"] = {}
    _copy_reachable({"components": everything}, spec, (), copy_nodes=False)


def _copy_reachable(source: Node, spec: Node, extra_roots: tuple[str, ...], copy_nodes: bool = True) -> None:
    available = source.get("components") or {}
    kept = spec["components"]
    schemes = available.get("securitySchemes") or {}
    for requirement in spec.get("security") or ():
        for name in requirement:
            if name in schemes:
                kept.setdefault("securitySchemes", {})[name] = schemes[name]
    pending = [*refs(spec["paths"]), *refs(spec.get("webhooks") or {}), *extra_roots]
    while pending:
        target = pending.pop()
        parts = target.split("/")
        if len(parts) != 4 or parts[:2] != ["#", "components"]:
            raise SpecError(f"unsupported reference {target!r}: only #/components/<kind>/<name>")
        _, _, kind, name = parts
        if name in kept.get(kind, {}):
            continue
        if name not in available.get(kind, {}):
            if target in extra_roots:
                continue
            raise SpecError(f"reference {target!r} points at nothing in the upstream spec")
        node = available[kind][name]
        kept.setdefault(kind, {})[name] = copy.deepcopy(node) if copy_nodes else node
        pending.extend(refs(node))
    for kind in kept:
        kept[kind] = dict(sorted(kept[kind].items()))
    order = ("securitySchemes", "responses", "parameters", "requestBodies", "headers", "schemas")
    spec["components"] = {k: kept[k] for k in order if k in kept} | {
        k: v for k, v in kept.items() if k not in order
    }
