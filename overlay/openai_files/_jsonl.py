"""Parsing one JSONL line, as `json.loads` does but with less work per line: batch input checks, the
batch-job merge and its results parse a million lines at a time, and there the per-call layers of
`json.loads` (on bytes, its encoding detection; on text, its whitespace passes) are a large part of the
parse: a line is decoded once and handed to `raw_decode` (`make bench-jobs` times both steps beside a bare
`json.loads` loop, with and without the `fast` extra).

With the `fast` extra (msgspec) installed, a line is parsed by msgspec first, for the same value (integers
of any size too): every line it refuses goes the `json` way, so what is accepted or refused, and how,
stays `json`'s rule. So does a line that may nest 400 levels or more: each parser runs out of recursion
at its own depth (on 3.11 msgspec a few levels after `json`), so msgspec could accept a line `json`
refuses as nested too deeply. That
holds while `json` has 400 levels to recurse, that is while the call stack is under about 600 frames deep
(Python's default recursion limit is 1,000).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

_DECODER = json.JSONDecoder()
DEEP = 400
"""Nesting levels from which `json` alone reads a line. A line with fewer than 2 x DEEP bytes cannot nest
so deep; a longer one is counted: fewer than DEEP `[` and `{` (in strings too) cannot either."""


class NonStandardJSON(ValueError):
    """A value Python's `json` reads but standard JSON (RFC 8259) has not: NaN, Infinity, -Infinity."""


def _refuse_constant(name: str) -> Any:
    raise NonStandardJSON(f"{name} is not a JSON number")


_STRICT_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)


def _fast_parser() -> Callable[[bytes | str], Any] | None:
    """msgspec's JSON `decode` where the `fast` extra is installed."""
    try:
        from msgspec.json import Decoder  # noqa: PLC0415 - an optional extra
    except ImportError:
        return None
    decode: Callable[[bytes | str], Any] = Decoder().decode
    return decode


FAST: Callable[[bytes | str], Any] | None = _fast_parser()
"""The optional faster parser, or None (the bench sets it to None to time the `json` way)."""


def _shallow(raw: bytes | str) -> bool:
    """Whether the line surely nests fewer than `DEEP` levels."""
    if len(raw) < 2 * DEEP:
        return True
    if isinstance(raw, bytes):
        return raw.count(b"[") + raw.count(b"{") < DEEP
    return raw.count("[") + raw.count("{") < DEEP


def parse_line(raw: bytes | str, *, strict: bool = False) -> Any:
    """The value of one JSONL line; raises `ValueError` (or `RecursionError`) as `json.loads(raw)` would
    (`read_line` says how)."""
    return read_line(raw, strict=strict)[0]


def read_line(raw: bytes | str, *, strict: bool = False) -> tuple[Any, bool]:
    """(the value of one JSONL line, whether msgspec read it); raises as `parse_line`. msgspec refuses
    every lone surrogate (`"\\ud800"`), so a value it read holds none: a caller refusing them skips its check.

    The usual line (UTF-8, starting with its value, ending in at most a newline) is decoded once as str
    and handed to `JSONDecoder.raw_decode`, without the encoding detection and the two whitespace passes
    `json.loads` adds per call; or parsed by msgspec (see above). Any other line goes to `json.loads`
    itself, so what is accepted or refused, and how, stays exactly its rule.

    `strict`: also refuse NaN, Infinity and -Infinity (`NonStandardJSON`), which `json` reads but a
    service speaking standard JSON does not: for what we send, while what we read stays liberal.
    """
    if FAST is not None and _shallow(raw):
        try:
            return FAST(raw), True
        except (ValueError, RecursionError):  # msgspec refuses NaN, a lone surrogate...: `json` decides
            pass
    decoder = _STRICT_DECODER if strict else _DECODER
    try:
        text = raw.decode() if isinstance(raw, bytes) else raw
        value, end = decoder.raw_decode(text)
    except NonStandardJSON:
        raise
    except ValueError:  # UnicodeDecodeError and JSONDecodeError both are
        return json.loads(raw, parse_constant=decoder.parse_constant), False
    if end == len(text) or text[end:] == "\n":
        return value, False
    return json.loads(raw, parse_constant=decoder.parse_constant), False
