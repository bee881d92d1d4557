"""A job's plan before anything is sent: shards, requests, tokens, waves under the budget, and cost.

The input is read and checked as `submit` reads it, and cut by the same rule (`ShardFill`), but nothing
is written: no manifest, no shard file, no network. The cost is an estimate from above: every input
token at the uncached price (the estimator's count), and each request's output cap (`max_tokens` and
the like) at the output price; requests that set no cap add no output cost and are counted as
`uncapped`, so the user knows what the figure leaves out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .._errors import CostLimitError, InvalidInputError
from .config import JobConfig
from .estimate import TokenEstimator, conservative_estimate, output_cap
from .prepare import JobInput, ShardFill, request_inputs, request_lines, request_model
from .pricing import Prices, PriceTable, price_table

WINDOW_HOURS = 24
"""The completion window the job's batches ask for: each batch ends within it."""


@dataclass
class ModelPlan:
    """One model's share of a job's plan."""

    model: str
    shards: int = 0
    requests: int = 0
    inputs: int = 0
    """Inputs, as the request budget counts them: one a request, an embeddings request as many as it
    holds."""
    bytes: int = 0
    tokens: int = 0
    """Estimated input tokens (the job's estimator), as the token budget counts them."""
    output_tokens: int = 0
    """The sum of the requests' output caps: the most output they may be billed for."""
    uncapped: int = 0
    """Requests that set no output cap: their output is not in `cost`."""
    waves: int = 0
    """Rounds of batches that run one after another because the token and request budgets hold only so
    many at once (1 without a budget)."""
    cost: float | None = None
    """Estimated USD (see the module docstring); None without a price for the model."""
    shard_sizes: list[tuple[int, int]] = field(default_factory=list, repr=False)
    """(tokens, inputs) of each shard, in order."""

    def to_dict(self) -> dict[str, Any]:
        """The model's plan as plain JSON types."""
        return {
            "model": self.model,
            "shards": self.shards,
            "requests": self.requests,
            "inputs": self.inputs,
            "bytes": self.bytes,
            "tokens": self.tokens,
            "output_tokens": self.output_tokens,
            "uncapped": self.uncapped,
            "waves": self.waves,
            "max_hours": self.waves * WINDOW_HOURS,
            "cost": self.cost,
        }


@dataclass(frozen=True)
class JobPlan:
    """What a job would send: per model and in total, and its estimated cost when prices were given."""

    endpoint: str
    models: list[ModelPlan]
    prices: PriceTable | None = None

    @property
    def requests(self) -> int:
        """Requests in the input, every model together."""
        return sum(m.requests for m in self.models)

    @property
    def shards(self) -> int:
        """Batches the job would create, every model together."""
        return sum(m.shards for m in self.models)

    @property
    def tokens(self) -> int:
        """Estimated input tokens (the job's own estimator), every model together."""
        return sum(m.tokens for m in self.models)

    @property
    def max_hours(self) -> int:
        """Models run side by side: the job takes as long as its model with the most waves, at most."""
        return max((m.waves for m in self.models), default=0) * WINDOW_HOURS

    @property
    def cost(self) -> float | None:
        """Estimated USD for the whole job; None when a model has no price (or no table was given)."""
        costs = [m.cost for m in self.models]
        return None if not costs or any(c is None for c in costs) else sum(c for c in costs if c is not None)

    def unpriced(self) -> list[str]:
        """The models the price table has no price for (every model without a table)."""
        return [m.model for m in self.models if m.cost is None]

    def check_cost(self, max_cost: float) -> None:
        """Raise `CostLimitError` when the estimated cost is above `max_cost` USD, `InvalidInputError`
        when it cannot be known (no table, or a model without a price)."""
        cost = self.cost
        if cost is None:
            missing = ", ".join(repr(m) for m in self.unpriced())
            raise InvalidInputError(
                f"max_cost needs a price for every model of the job; none for {missing}", param="prices"
            )
        if cost > max_cost:
            raise CostLimitError(cost=cost, max_cost=max_cost)

    def to_dict(self) -> dict[str, Any]:
        """The plan as plain JSON types, for `--json`."""
        return {
            "endpoint": self.endpoint,
            "requests": self.requests,
            "shards": self.shards,
            "tokens": self.tokens,
            "max_hours": self.max_hours,
            "cost": self.cost,
            "prices": None
            if self.prices is None
            else {"source": self.prices.source, "as_of": self.prices.as_of},
            "models": [m.to_dict() for m in self.models],
        }


def plan_job(
    source: JobInput,
    *,
    endpoint: str | None = None,
    config: JobConfig | None = None,
    estimator: TokenEstimator | None = None,
    prices: Prices | None = None,
) -> JobPlan:
    """What `client.batch_jobs.submit` would send, with no client, no network call and nothing written.

    The plan holds shards and batches per model, requests, estimated input tokens (by `estimator`,
    default `conservative_estimate`, as the token budget counts them), the waves of batches the token
    budget makes run one after another (each at most the 24 h completion window), and with `prices` (a
    `PriceTable` or the path of a JSON or TOML price file) the estimated cost per model and in total,
    from above (see `JobPlan`). `endpoint` defaults to the first request's url; `config` to `JobConfig()`.

    Raises `BatchInputError` naming the first bad line, or `InvalidInputError` (a bad price table).
    """
    config = config or JobConfig()
    estimator = estimator or conservative_estimate
    table = price_table(prices)
    models: dict[str, ModelPlan] = {}
    open_shards: dict[str, ShardFill] = {}
    checked: str | None = None
    for seq, request, line, endpoint_of_line in request_lines(source, endpoint):
        checked = endpoint_of_line
        model = request_model(request)
        size, tokens = len(line), estimator(request, len(line))
        inputs = request_inputs(request, checked)
        plan = models.get(model) or models.setdefault(model, ModelPlan(model))
        fill = open_shards.get(model)
        if fill is None or not fill.add(size, tokens, inputs):
            if fill is not None:
                plan.shard_sizes.append((fill.tokens, fill.inputs))
            fill = open_shards[model] = ShardFill.of(config, model)
            fill.check_alone(size, tokens, inputs, seq=seq)
            fill.add(size, tokens, inputs)
            plan.shards += 1
        cap = output_cap(request)
        plan.requests += 1
        plan.inputs += inputs
        plan.bytes += size
        plan.tokens += tokens
        plan.output_tokens += cap
        plan.uncapped += cap == 0
    if checked is None:
        raise InvalidInputError("the job's input holds no requests", param="source")
    for model, fill in open_shards.items():
        plan = models[model]
        plan.shard_sizes.append((fill.tokens, fill.inputs))
        plan.waves = _waves(plan.shard_sizes, config.budget(model), config.requests_budget(model))
        price = table.price(model) if table is not None else None
        if price is not None:
            plan.cost = price.cost(input_tokens=plan.tokens, output_tokens=plan.output_tokens)
    return JobPlan(endpoint=checked, models=list(models.values()), prices=table)


def _waves(shards: list[tuple[int, int]], tokens_budget: int | None, inputs_budget: int | None) -> int:
    """How many rounds the shards, (tokens, inputs) each, take when a round holds at most the budgets (a
    shard alone always goes), in order, as the job admits them."""
    if tokens_budget is None and inputs_budget is None:
        return 1
    waves, tokens, inputs = 0, 0, 0
    for shard_tokens, shard_inputs in shards:
        if (
            waves == 0
            or (tokens_budget is not None and tokens + shard_tokens > tokens_budget)
            or (inputs_budget is not None and inputs + shard_inputs > inputs_budget)
        ):
            waves, tokens, inputs = waves + 1, 0, 0
        tokens += shard_tokens
        inputs += shard_inputs
    return waves
