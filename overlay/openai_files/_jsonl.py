"""Parsing one JSONL line, as `json.loads` does but with less work per line: batch input checks, the
batch-job merge and its results parse a million lines at a time, and there the per-call layers of
`json.loads` (on bytes, its encoding detection; on text, its whitespace passes) are a large part of the
parse: a line is decoded once and handed to `raw_decode` (`make bench-jobs` times both steps beside a bare
`json.loads` loop).

With the `fast` extra (orjson) installed, a line is parsed by orjson first, for the same value: every line
orjson refuses, and every line where its value could differ from `json`'s (an integer beyond 64 bits,
which it reads as a float; nesting near the depth where `json` runs out of recursion), goes the `json`
way, so what is accepted or refused, and how, stays `json`'s rule. `make bench-jobs` shows both ways.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

_DECODER = json.JSONDecoder()
NESTING_FOR_JSON = 500
"""Lines with at least this many `[` and `{` (in strings too) are parsed by `json` alone: orjson reads
nesting deeper than `json`'s recursion allows (about 1,000 levels), so the two could disagree."""
_LONG_NUMBER = re.compile(rb"\d{19}")
"""19 digits in a row: possibly an integer beyond 64 bits (18 digits never are); `json` reads that line."""


class NonStandardJSON(ValueError):
    """A value Python's `json` reads but standard JSON (RFC 8259) has not: NaN, Infinity, -Infinity."""


def _refuse_constant(name: str) -> Any:
    raise NonStandardJSON(f"{name} is not a JSON number")


_STRICT_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)


def _fast_parser() -> Callable[[bytes | str], Any] | None:
    """orjson's `loads` where the `fast` extra is installed."""
    try:
        from orjson import loads  # noqa: PLC0415 - an optional extra
    except ImportError:
        return None
    return loads


FAST: Callable[[bytes | str], Any] | None = _fast_parser()
"""The optional faster parser, or None (the bench sets it to None to time the `json` way)."""


def parse_line(raw: bytes | str, *, strict: bool = False) -> Any:
    """The value of one JSONL line; raises `ValueError` (or `RecursionError`) as `json.loads(raw)` would.

    The usual line (UTF-8, starting with its value, ending in at most a newline) is decoded once as str
    and handed to `JSONDecoder.raw_decode`, without the encoding detection and the two whitespace passes
    `json.loads` adds per call; or parsed by orjson (see above). Any other line goes to `json.loads`
    itself, so what is accepted or refused, and how, stays exactly its rule.

    `strict`: also refuse NaN, Infinity and -Infinity (`NonStandardJSON`), which `json` reads but a
    service speaking standard JSON does not: for what we send, while what we read stays liberal.
    """
    if FAST is not None:
        data = raw if isinstance(raw, bytes) else raw.encode(errors="surrogatepass")
        if data.count(b"[") + data.count(b"{") < NESTING_FOR_JSON and not _LONG_NUMBER.search(data):
            try:
                return FAST(data)
            except (
                ValueError
            ):  # orjson refuses what `json` may read (NaN, a lone surrogate): its rule decides
                pass
    decoder = _STRICT_DECODER if strict else _DECODER
    try:
        text = raw.decode() if isinstance(raw, bytes) else raw
        value, end = decoder.raw_decode(text)
    except NonStandardJSON:
        raise
    except ValueError:  # UnicodeDecodeError and JSONDecodeError both are
        return json.loads(raw, parse_constant=decoder.parse_constant)
    if end == len(text) or text[end:] == "\n":
        return value
    return json.loads(raw, parse_constant=decoder.parse_constant)
