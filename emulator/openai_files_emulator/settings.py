"""Settings objects (faults, batch behaviour) to and from JSON, type-checked field by field.

The control plane takes these from any client, so a value of the wrong shape must be refused
before it is stored: a string where a list is due would become a list of characters, NaN or a
fraction where whole bytes are due would break every later request.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from collections.abc import Mapping
from typing import Any, TypeVar

C = TypeVar("C")


def settings_to_json(settings: object) -> dict[str, Any]:
    """A settings dataclass as JSON-ready values: tuples become lists, mappings plain objects."""
    assert dataclasses.is_dataclass(settings) and not isinstance(settings, type)
    return {f.name: _plain(getattr(settings, f.name)) for f in dataclasses.fields(settings)}


def settings_from_json(cls: type[C], data: Mapping[str, Any], what: str) -> C:
    """Build `cls` from JSON values, each checked against its field's type first.

    Raises `ValueError` naming the first unknown or ill-typed field; the class's own checks
    (ranges, combinations) run after, in its constructor.
    """
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
    unknown = sorted(set(data) - set(names))
    if unknown:
        raise ValueError(f"unknown {what} settings {unknown}")
    values = {name: _convert(name, hints[name], value) for name, value in data.items()}
    return cls(**values)


def check_finite(name: str, value: float) -> None:
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value}")


def _plain(value: object) -> object:
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, Mapping):
        return dict(value)
    return value


def _convert(name: str, kind: Any, value: object) -> object:
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (types.UnionType, typing.Union):
        if value is None and type(None) in args:
            return None
        (inner,) = [arg for arg in args if arg is not type(None)]
        return _convert(name, inner, value)
    if kind is bool:
        if isinstance(value, bool):
            return value
    elif kind is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif kind is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            check_finite(name, float(value))
            return float(value)
    elif kind is str:
        if isinstance(value, str):
            return value
    elif origin is tuple and isinstance(value, list):
        return tuple(_convert(f"{name}[]", args[0], item) for item in value)
    elif origin in (dict, Mapping) and isinstance(value, dict):
        return {
            _convert(f"{name} key", args[0], k): _convert(f"{name}[{k}]", args[1], v)
            for k, v in value.items()
        }
    raise ValueError(f"{name} must be {_describe(kind)}, got {type(value).__name__} {value!r:.40}")


def _describe(kind: Any) -> str:
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (types.UnionType, typing.Union):
        return " or ".join("null" if a is type(None) else _describe(a) for a in args)
    if origin is tuple:
        return f"a list, each item {_describe(args[0])}"
    if origin in (dict, Mapping):
        return f"an object, each value {_describe(args[1])}"
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string"}.get(kind, str(kind))
