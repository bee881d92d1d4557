"""Parsing one JSONL line, as `json.loads` does but with less work per line: batch input checks and the
batch-job merge parse a million lines at a time, and there the per-call layers of `json.loads` (on bytes,
its encoding detection; on text, its whitespace passes) are a large part of the parse: a line is decoded
once and handed to `raw_decode` (`make bench-jobs` times both steps beside a bare `json.loads` loop)."""

from __future__ import annotations

import json
from typing import Any

_DECODER = json.JSONDecoder()


class NonStandardJSON(ValueError):
    """A value Python's `json` reads but standard JSON (RFC 8259) has not: NaN, Infinity, -Infinity."""


def _refuse_constant(name: str) -> Any:
    raise NonStandardJSON(f"{name} is not a JSON number")


_STRICT_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)


def parse_line(raw: bytes | str, *, strict: bool = False) -> Any:
    """The value of one JSONL line; raises `ValueError` (or `RecursionError`) as `json.loads(raw)` would.

    The usual line (UTF-8, starting with its value, ending in at most a newline) is decoded once as str
    and handed to `JSONDecoder.raw_decode`, without the encoding detection and the two whitespace passes
    `json.loads` adds per call. Any other line goes to `json.loads` itself, so what is accepted or
    refused, and how, stays exactly its rule.

    `strict`: also refuse NaN, Infinity and -Infinity (`NonStandardJSON`), which `json` reads but a
    service speaking standard JSON does not: for what we send, while what we read stays liberal.
    """
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
