"""The tokens a batch was billed for, as the service reports them in the Batch's `usage`.

Read leniently: a missing or malformed figure counts as 0 (an older service, a batch that never ran),
so a status never fails over what is only a report.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .pricing import Price


@dataclass(frozen=True)
class Usage:
    """Input tokens (of which `cached_tokens` were cached) and output tokens (of which `reasoning_tokens`
    were reasoning), as the service's `usage` counts them."""

    input_tokens: int = 0
    cached_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0

    @classmethod
    def from_wire(cls, usage: Any) -> Usage | None:
        """From a Batch's `usage` object; None when the batch has none."""
        if not isinstance(usage, Mapping):
            return None
        return cls(
            input_tokens=_count(usage.get("input_tokens")),
            cached_tokens=_count(_detail(usage, "input_tokens_details", "cached_tokens")),
            output_tokens=_count(usage.get("output_tokens")),
            reasoning_tokens=_count(_detail(usage, "output_tokens_details", "reasoning_tokens")),
        )

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.input_tokens + other.input_tokens,
            self.cached_tokens + other.cached_tokens,
            self.output_tokens + other.output_tokens,
            self.reasoning_tokens + other.reasoning_tokens,
        )

    def cost(self, price: Price) -> float:
        """USD for these tokens at `price` (cached input at its own price, the batch discount taken off)."""
        return price.cost(
            input_tokens=self.input_tokens, cached_tokens=self.cached_tokens, output_tokens=self.output_tokens
        )

    def to_dict(self) -> dict[str, int]:
        """The four counts as plain JSON types."""
        return {
            "input_tokens": self.input_tokens,
            "cached_tokens": self.cached_tokens,
            "output_tokens": self.output_tokens,
            "reasoning_tokens": self.reasoning_tokens,
        }


def _detail(usage: Mapping[str, Any], details: str, name: str) -> Any:
    found = usage.get(details)
    return found.get(name) if isinstance(found, Mapping) else None


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0
