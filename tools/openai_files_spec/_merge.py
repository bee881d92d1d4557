"""Keeping our words: where the current `openapi.yaml` has an item, its text and layout win.

An item is any keyword mapping found at the same place in both documents (an operation, a parameter
matched by name, a schema, a field). For such an item the current file's `summary` and `description`
stay, including their absence, so upstream prose never creeps into items we already describe; its
`x-enum-varnames` keep naming the same values; keys and list entries keep the current order. Items
that are new upstream arrive with upstream's text, and the change report lists them.
"""

import re
from typing import Any

from openai_files_spec._tree import NAME_MAPS, VALUE_KEYWORDS, Node

PROSE = ("summary", "description")
VARNAMES = "x-enum-varnames"


def adopt_current(new: Node, current: Node) -> Node:
    """`new` with the current document's text, names and order on every item both have."""
    merged: Node = _merge(new, current, "")
    info = dict(current.get("info") or new.get("info") or {})
    if "version" in (new.get("info") or {}):
        info["version"] = new["info"]["version"]
    merged["info"] = info
    return merged


def _merge(new: Any, current: Any, key: str) -> Any:
    if isinstance(new, dict) and isinstance(current, dict):
        if key in NAME_MAPS:
            return _ordered({k: _merge(v, current.get(k), "") for k, v in new.items()}, current)
        return _merge_item(new, current)
    if isinstance(new, list) and isinstance(current, list):
        return _like(current, _merge_list(new, current))
    return new


def _merge_item(new: Node, current: Node) -> Node:
    merged = {k: (v if k in VALUE_KEYWORDS else _merge(v, current.get(k), k)) for k, v in new.items()}
    for prose in PROSE:
        merged.pop(prose, None)
        if prose in current:
            merged[prose] = current[prose]
    if isinstance(new.get("enum"), list) and isinstance(current.get("enum"), list):
        merged["enum"] = _like(current["enum"], _ordered_values(new["enum"], current["enum"]))
        if VARNAMES in current and VARNAMES not in new:
            names = _varnames(merged["enum"], current["enum"], current[VARNAMES])
            merged[VARNAMES] = _like(current[VARNAMES], names)
    if isinstance(new.get("required"), list) and isinstance(current.get("required"), list):
        merged["required"] = _like(current["required"], _ordered_values(new["required"], current["required"]))
    return _ordered(merged, current)


def _merge_list(new: list[Any], current: list[Any]) -> list[Any]:
    """Entries matched by parameter (in, name), tag name, or else by position."""
    keyed = {_entry_key(entry, i): entry for i, entry in enumerate(current)}
    merged = [
        (_entry_key(entry, i), _merge(entry, keyed.get(_entry_key(entry, i)), ""))
        for i, entry in enumerate(new)
    ]
    position = {key: i for i, key in enumerate(keyed)}
    if all(isinstance(key, tuple) for key, _ in merged):
        merged.sort(key=lambda pair: position.get(pair[0], len(position)))
    return [entry for _, entry in merged]


def _entry_key(entry: Any, index: int) -> object:
    if isinstance(entry, dict) and "name" in entry:
        return (entry.get("in"), entry["name"])
    return index


def _ordered(merged: Node, current: Node) -> Node:
    """Keys in the current order; new keys after them, in upstream order."""
    first = {k: merged[k] for k in current if k in merged}
    return first | {k: v for k, v in merged.items() if k not in first}


def _like(current: list[Any], merged: list[Any]) -> list[Any]:
    """`merged` laid out like `current` (one line or one entry a line)."""
    return type(current)(merged) if type(current) is not list else merged


def _ordered_values(new: list[Any], current: list[Any]) -> list[Any]:
    return [v for v in current if v in new] + [v for v in new if v not in current]


def _varnames(values: list[Any], current: list[Any], names: list[str]) -> list[str]:
    """Keep each value's member name; name new values the way the current names were made."""
    known = dict(zip(current, names, strict=False))
    taken = set(names)
    result = []
    for value in values:
        name = known.get(value) or _member_name(value, values)
        while value not in known and name in taken:
            name += "_"
        taken.add(name)
        result.append(name)
    return result


def _member_name(value: Any, siblings: list[Any]) -> str:
    """`/v1/audio/speech` among `/v1/...` values -> `AUDIO_SPEECH`; `12h` -> `VALUE_12H`."""
    words = [re.findall(r"[A-Za-z0-9]+", str(v)) for v in siblings]
    shared = 0
    while len(words) > 1 and all(len(w) > shared + 1 and w[shared] == words[0][shared] for w in words):
        shared += 1
    name = "_".join(re.findall(r"[A-Za-z0-9]+", str(value))[shared:]).upper() or "VALUE"
    return name if name[0].isalpha() else f"VALUE_{name}"
