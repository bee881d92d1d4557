"""The `fast` extra (msgspec) changes no result: `parse_line` gives the value, or the error, that the `json`
way gives, for any line, as `json.loads` would."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openai_files import _jsonl
from openai_files._jsonl import parse_line

assert _jsonl.FAST is not None, "the test group installs msgspec: both ways are tested"


def both_ways(raw: bytes | str, *, strict: bool) -> tuple[str, str]:
    """What `parse_line` gives with the fast parser and without it: the value described, or the error's
    type."""
    outcomes = []
    for fast in (_jsonl.FAST, None):
        saved, _jsonl.FAST = _jsonl.FAST, fast
        try:
            outcomes.append(describe(parse_line(raw, strict=strict)))
        except (ValueError, RecursionError) as error:
            outcomes.append(type(error).__name__)
        finally:
            _jsonl.FAST = saved
    return outcomes[0], outcomes[1]


def describe(value: Any) -> str:
    """The value as text, each scalar's repr (so 1, 1.0 and True differ), without recursion: `repr` of a
    value nested 900 deep would run out of it."""
    out, stack = [], [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            out.append("[")
            stack += [CLOSE, *reversed(item)]
        elif isinstance(item, dict):
            out.append("{")
            stack += [CLOSE, *(part for key, v in reversed(item.items()) for part in (v, Key(key)))]
        else:
            out.append(repr(item))
    return " ".join(out)


class Key(str):
    """A dict key in `describe`."""


CLOSE = object()


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


EDGES = [
    b"123456789012345678901234567890",  # beyond 64 bits
    b"-9223372036854775809",
    b"18446744073709551616",
    b'{"n": 18446744073709551615, "m": -9223372036854775808}',
    b'"\\ud800"',  # a lone surrogate escape: `json` reads it, msgspec refuses
    b'"\xed\xa0\x80"',  # a surrogate's bytes: not UTF-8
    b'"\\ud83d\\ude00"',
    b"NaN", b"-Infinity", b'{"x": NaN}', b"1E400", b"1.7976931348623157e309", b"123.456e-789",
    b"\xef\xbb\xbf{}",  # a BOM
    '{"a": 1}'.encode("utf-16"),  # `json.loads` detects the encoding of bytes
    b'{"a":1,"b":2,"a":3}', b"-0.0", b"-0", b"[1,]", b'"a\x01"', b" [1] \n", b"\t{}\r\n", b"\x0c{}",
    b'{"a": 1}\n\n', b"", b"\n", b"{} {}", b'"\\u0000"',
    nested(399), nested(400), nested(990), nested(994), nested(996), nested(1000), nested(1100),
    b'{"a": [' * 390 + b"1" + b"]}" * 390,
]  # fmt: skip


@pytest.mark.parametrize("strict", [False, True])
@pytest.mark.parametrize("raw", EDGES, ids=range(len(EDGES)))
def test_edge_lines_parse_the_same_both_ways(raw: bytes, strict: bool) -> None:
    fast, plain = both_ways(raw, strict=strict)
    assert fast == plain
    if not raw.startswith(b"\xff\xfe"):  # text too, as the merge reads it
        text = raw.decode("utf-8", errors="surrogateescape")
        assert both_ways(text, strict=strict)[0] == both_ways(text, strict=strict)[1]


def refusal_depth(parse: Any) -> int | None:
    """The first nesting depth `parse` refuses for recursion, up to 3,000 (3.13's `json` has none there)."""
    for depth in range(100, 3000):
        try:
            parse(nested(depth))
        except RecursionError:
            return depth
    return None


def test_deep_lines_parse_the_same_both_ways_at_each_parsers_limit() -> None:
    """Why deep lines go the `json` way: each parser runs out of recursion at its own depth (msgspec a few
    levels after `json` on 3.11, both near 1,500 on 3.12), and around either limit `parse_line` gives
    the same outcome with the extra as without it."""
    limits = {refusal_depth(json.loads), refusal_depth(_jsonl.FAST)} - {None}
    for depth in sorted(limits) or [2999]:
        for around in (depth - 1, depth, depth + 1):
            fast, plain = both_ways(nested(around), strict=False)
            assert fast == plain, around


values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(value=values, ascii_only=st.booleans(), indent=st.sampled_from([None, 1]), newline=st.booleans())
def test_any_json_line_parses_the_same_both_ways(
    value: Any, ascii_only: bool, indent: int | None, newline: bool
) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only, indent=indent) + ("\n" if newline else "")
    raw = text.encode("utf-8", errors="surrogatepass")
    for line in (raw, text):
        fast, plain = both_ways(line, strict=True)
        assert fast == plain
    assert both_ways(raw, strict=False)[0] == describe(json.loads(raw))
