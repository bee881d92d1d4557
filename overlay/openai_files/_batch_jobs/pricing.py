"""The user's price table: USD per million tokens per model, read from their JSON or TOML file.

Prices change and differ by account, so none is written in the code: the user names a file (a dated
example ships in `examples/`). Its shape, in JSON or TOML:

    {"as_of": "2026-12-07", "models": {"gpt-4o-mini": {"input": 0.15, "cached_input": 0.075,
     "output": 0.6, "batch_discount": 0.5}, "*": {...}}}

`input`, `cached_input` and `output` are list prices in USD per million tokens; `batch_discount` is the
share taken off them for batches (0.5: batches cost half), default 0. Key `"*"` prices every model not
named. Other top-level keys (`as_of`, a note) are kept for display and otherwise ignored.
"""

from __future__ import annotations

import json
import math
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._errors import InvalidInputError
from .config import ANY_MODEL

PER = 1_000_000
"""Prices are per this many tokens."""
PRICE_FIELDS = ("input", "cached_input", "output")


@dataclass(frozen=True)
class Price:
    """One model's prices in USD per million tokens, and the share batches take off them."""

    input: float
    cached_input: float
    output: float
    batch_discount: float = 0.0

    def cost(self, *, input_tokens: int, output_tokens: int, cached_tokens: int = 0) -> float:
        """USD for a batch's tokens: cached input at its own price, the batch discount taken off.

        `input_tokens` includes `cached_tokens` (as the service's `usage` counts them); reasoning
        tokens are part of `output_tokens`.
        """
        listed = (
            (input_tokens - cached_tokens) * self.input
            + cached_tokens * self.cached_input
            + output_tokens * self.output
        )
        return listed / PER * (1 - self.batch_discount)


@dataclass(frozen=True)
class PriceTable:
    """Prices by model (`"*"` for the rest), from the user's file; see the module docstring."""

    prices: Mapping[str, Price]
    as_of: str | None = None
    source: str | None = None
    """The file it was read from, for display."""

    def price(self, model: str) -> Price | None:
        """The price of `model`, else the `"*"` price, else None."""
        return self.prices.get(model, self.prices.get(ANY_MODEL))

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> PriceTable:
        """Read a `.toml` file as TOML, anything else as JSON.

        Raises `InvalidInputError` (param `price_table`) for a file that cannot be read or parsed, or a
        price that is missing, not a number, negative, or a discount outside [0, 1).
        """
        file = Path(path)
        try:
            text = file.read_text(encoding="utf-8")
            document = tomllib.loads(text) if file.suffix.lower() == ".toml" else json.loads(text)
        except (OSError, UnicodeDecodeError, ValueError) as error:
            raise InvalidInputError(f"price table {file}: {error}", param="price_table") from None
        return cls.from_dict(document, source=str(file))

    @classmethod
    def from_dict(cls, document: Any, *, source: str | None = None) -> PriceTable:
        """A table from its parsed form; raises `InvalidInputError` as `load` does."""
        where = f"price table {source}" if source else "price table"
        models = document.get("models") if isinstance(document, Mapping) else None
        if not isinstance(models, Mapping) or not models:
            raise InvalidInputError(f"{where}: expected a non-empty `models` table", param="price_table")
        as_of = document.get("as_of")
        return cls(
            prices={str(name): _price(entry, f"{where}, model {name!r}") for name, entry in models.items()},
            as_of=None if as_of is None else str(as_of),
            source=source,
        )


def _price(entry: Any, where: str) -> Price:
    if not isinstance(entry, Mapping):
        raise InvalidInputError(f"{where}: expected a table of prices", param="price_table")
    values: dict[str, float] = {}
    for name in (*PRICE_FIELDS, "batch_discount"):
        value = entry.get(name, 0.0 if name == "batch_discount" else None)
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise InvalidInputError(f"{where}: `{name}` must be a number", param="price_table")
        if value < 0 or (name == "batch_discount" and value >= 1):
            limits = "at least 0 and below 1" if name == "batch_discount" else "at least 0"
            raise InvalidInputError(f"{where}: `{name}` must be {limits}", param="price_table")
        values[name] = float(value)
    return Price(**values)


Prices = PriceTable | str | os.PathLike[str]
"""A price table, or the path of the user's JSON or TOML file holding one."""


def price_table(prices: Prices | None) -> PriceTable | None:
    """The table given, or read from the path given; raises `InvalidInputError` for a bad file."""
    return prices if prices is None or isinstance(prices, PriceTable) else PriceTable.load(prices)
