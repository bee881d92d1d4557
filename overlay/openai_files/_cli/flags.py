"""Argument types: each refuses a bad flag value with one line naming the rule, before anything is sent.

argparse turns an `ArgumentTypeError` into `openai-files: error: argument --flag: <message>` and exit 2.
"""

from __future__ import annotations

import argparse
import math
import os
from pathlib import Path

from dateutil import parser as dates

from .._rules import MAX_PART_BYTES

__all__ = [
    "count",
    "dollars",
    "key_value",
    "local_path",
    "mebibytes",
    "moment",
    "retries",
    "seconds",
    "whole_seconds",
]

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


def seconds(text: str) -> float:
    """A duration: finite and above zero (`inf`, `nan` and negatives are refused)."""
    value = _number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds, got {text!r}")
    return value


def dollars(text: str) -> float:
    """An amount of US dollars: finite and not negative."""
    value = _number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 USD or more, got {text!r}")
    return value


def whole_seconds(text: str) -> int:
    """A whole number of seconds above zero (the service checks its own range and names it)."""
    value = _whole(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 second or more, got {text!r}")
    return value


def moment(text: str) -> float:
    """A point in time as Unix seconds: a number, or a date as people write it (`2026-12-07`,
    `7 Dec 2026 14:30`, ISO 8601); without a zone it is local time."""
    try:
        number = float(text)
    except ValueError:
        pass
    else:
        if not math.isfinite(number):
            raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
        return number
    try:
        parsed = dates.parse(text)
    except (ValueError, OverflowError):
        raise argparse.ArgumentTypeError(f"not a date or time: {text!r}") from None
    return parsed.timestamp()


def count(text: str) -> int:
    """A whole number of at least 1 (items, parts in flight)."""
    value = _whole(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {text!r}")
    return value


def retries(text: str) -> int:
    """A whole number of at least 0."""
    value = _whole(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text!r}")
    return value


def mebibytes(text: str) -> int:
    """A part size given in MiB (fractions allowed), returned in bytes; checked in the unit it was given."""
    value = _number(text)
    size = int(value * MiB)
    if size < 1 or size > MAX_PART_BYTES:
        high = MAX_PART_BYTES / MiB
        raise argparse.ArgumentTypeError(f"must be more than 0 and at most {high:g} MiB, got {text!r}")
    return size


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
