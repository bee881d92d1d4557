"""Argument types: each refuses a bad flag value with one line naming the rule, before anything is sent.

argparse turns an `ArgumentTypeError` into `openai-files: error: argument --flag: <message>` and exit 2.
"""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from dateutil import parser as dates

__all__ = [
    "count",
    "dollars",
    "key_value",
    "local_path",
    "moment",
    "retries",
    "seconds",
    "size",
    "whole_seconds",
]

N = TypeVar("N", int, float)
MB = 1_000_000
MiB = 1024 * 1024


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
    return value


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None


def _at_least(read: Callable[[str], N], low: N, unit: str = "", *, above: bool = False) -> Callable[[str], N]:
    """The number `read` makes of the text, refused under `low` (or at it, when it must be `above`)."""
    rule = f"more than {low:g}{unit}" if above else f"{low:g}{unit} or more"

    def parse(text: str) -> N:
        value = read(text)
        if value < low or (above and value == low):
            raise argparse.ArgumentTypeError(f"must be {rule}, got {text!r}")
        return value

    return parse


seconds = _at_least(_number, 0.0, " seconds", above=True)
"""A duration: finite and above zero (`inf`, `nan` and negatives are refused)."""
dollars = _at_least(_number, 0.0, " USD")
"""An amount of US dollars: finite and not negative."""
whole_seconds = _at_least(_whole, 1, " second")
"""A whole number of seconds above zero (the service checks its own range and names it)."""
count = _at_least(_whole, 1)
"""A whole number of at least 1 (items, parts in flight)."""
retries = _at_least(_whole, 0)
"""A whole number of at least 0."""


def moment(text: str) -> float:
    """A point in time as Unix seconds: a number, or a date as people write it (`2026-12-07`,
    `7 Dec 2026 14:30`, ISO 8601); without a zone it is local time."""
    try:
        float(text)
    except ValueError:
        pass
    else:
        return _number(text)
    try:
        parsed = dates.parse(text)
    except (ValueError, OverflowError):
        raise argparse.ArgumentTypeError(f"not a date or time: {text!r}") from None
    return parsed.timestamp()


def size(unit: int, name: str, most: int) -> Callable[[str], int]:
    """A size given in `name`s of `unit` bytes (fractions allowed), returned in bytes: more than 0 and at
    most `most` bytes, refused in the unit it was given (`at most 64 MiB`)."""

    def parse(text: str) -> int:
        value = int(_number(text) * unit)
        if not 1 <= value <= most:
            raise argparse.ArgumentTypeError(
                f"must be more than 0 and at most {most / unit:g} {name}, got {text!r}"
            )
        return value

    return parse


def key_value(text: str) -> tuple[str, str]:
    """`KEY=VALUE`, split at the first `=`; the key must not be empty."""
    key, equals, value = text.partition("=")
    if not equals or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key, value


def local_path(text: str) -> Path:
    """A file to send, refused when its name is not UTF-8: file names travel to the service as UTF-8."""
    try:
        os.fsencode(text).decode("utf-8")
    except UnicodeDecodeError:
        shown = os.fsencode(text).decode("utf-8", "backslashreplace")
        raise argparse.ArgumentTypeError(f"file name is not valid UTF-8: {shown}") from None
    return Path(text)
