"""Batch jobs for people who pay: the plan before sending, `max_cost`, usage and events after, against
the emulator.

Expected figures are worked out here from the input lines and the price table, by the documented rules:
the default estimator counts a line's bytes / 3 (rounded up) plus its output cap; a price is USD per
million tokens with the batch discount taken off; the plan prices every estimated token as uncached input
and each output cap as output.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from openai_files import (
    AsyncClient,
    BatchEnded,
    Client,
    CostLimitError,
    InvalidInputError,
    JobFinished,
    JobPlan,
    PriceTable,
    RetryScheduled,
    ShardSubmitted,
)
from openai_files_emulator import EmulatorServer

from .conftest import resolve
from .test_batch_jobs import small_config
from .test_cli_jobs import run

URL = "/v1/chat/completions"
PRICES = {
    "as_of": "2026-12-07",
    "models": {
        "gpt-4o-mini": {"input": 0.15, "cached_input": 0.075, "output": 0.6, "batch_discount": 0.5},
        "*": {"input": 2.0, "cached_input": 1.0, "output": 8.0},
    },
}
TOML_PRICES = """as_of = "2026-12-07"
[models."gpt-4o-mini"]
input = 0.15
cached_input = 0.075
output = 0.6
batch_discount = 0.5
[models."*"]
input = 2.0
cached_input = 1.0
output = 8.0
"""


def write_input(path: Path, count: int) -> list[bytes]:
    """`count` requests over two models, every third with an output cap; returns the lines written."""
    lines = []
    for n in range(count):
        body: dict[str, Any] = {
            "model": "gpt-4o-mini" if n % 2 else "o3-mini",
            "messages": [{"role": "user", "content": f"question {n} " + "y" * (n % 53)}],
        }
        if n % 3 == 0:
            body["max_tokens"] = 40 + n % 7
        lines.append(json.dumps({"custom_id": f"c{n}", "method": "POST", "url": URL, "body": body}).encode())
    path.write_bytes(b"\n".join(lines) + b"\n")
    return lines


def expected(lines: list[bytes], *, per_shard: int) -> dict[str, dict[str, Any]]:
    """Per model: requests, estimated tokens, output caps, shards and cost, from the lines themselves."""
    models: dict[str, dict[str, Any]] = {}
    for raw in lines:
        body = json.loads(raw)["body"]
        cap = body.get("max_tokens", 0)
        figures = models.setdefault(body["model"], {"requests": 0, "tokens": 0, "output": 0})
        figures["requests"] += 1
        figures["tokens"] += math.ceil((len(raw) + 1) / 3) + cap  # the line with its newline
        figures["output"] += cap
    for model, figures in models.items():
        price = PRICES["models"].get(model) or PRICES["models"]["*"]
        off = 1 - price.get("batch_discount", 0)
        figures["shards"] = math.ceil(figures["requests"] / per_shard)
        figures["cost"] = (
            (figures["tokens"] * price["input"] + figures["output"] * price["output"]) / 1e6 * off
        )
    return models


def requests_seen(emulator: EmulatorServer) -> list[str]:
    return [f"{seen.method} {seen.path}" for seen in emulator.emulator.requests.recent()]


@pytest.mark.anyio
async def test_plan_counts_and_prices_the_input_without_a_request(
    any_client: Client | AsyncClient, fresh_emulator: EmulatorServer, tmp_path: Path
) -> None:
    lines = write_input(tmp_path / "in.jsonl", 500)
    table = tmp_path / "prices.json"
    table.write_text(json.dumps(PRICES))
    fresh_emulator.emulator.requests.clear()
    plan: JobPlan = await resolve(
        any_client.batch_jobs.plan(
            tmp_path / "in.jsonl", config=small_config(tmp_path, max_shard_requests=60), prices=table
        )
    )
    want = expected(lines, per_shard=60)
    got = {
        m.model: {"requests": m.requests, "tokens": m.tokens, "output": m.output_tokens, "shards": m.shards}
        for m in plan.models
    }
    assert got == {model: {k: v for k, v in f.items() if k != "cost"} for model, f in want.items()}
    for m in plan.models:
        assert m.cost == pytest.approx(want[m.model]["cost"])
        assert m.waves == 1  # no token budget: every shard may run at once
    assert plan.cost == pytest.approx(sum(f["cost"] for f in want.values()))
    assert (plan.requests, plan.endpoint, plan.max_hours) == (500, URL, 24)
    assert requests_seen(fresh_emulator) == []
    assert not (tmp_path / "state").exists()  # nothing written either


def test_plan_waves_follow_the_token_budget(client: Client, tmp_path: Path) -> None:
    lines = write_input(tmp_path / "in.jsonl", 400)
    budget = 4000
    plan = client.batch_jobs.plan(
        tmp_path / "in.jsonl", config=small_config(tmp_path, max_shard_requests=40, token_budget=budget)
    )
    for m in plan.models:
        # shards are cut by request count or by the budget, whichever comes first; then each wave holds
        # as many whole shards, in order, as the budget admits
        shards: list[int] = []
        count = 0
        for raw in lines:
            body = json.loads(raw)["body"]
            if body["model"] != m.model:
                continue
            tokens = math.ceil((len(raw) + 1) / 3) + body.get("max_tokens", 0)
            if not shards or count == 40 or shards[-1] + tokens > budget:
                shards.append(0)
                count = 0
            shards[-1] += tokens
            count += 1
        waves, room = 0, 0
        for tokens in shards:
            if waves == 0 or room + tokens > budget:
                waves, room = waves + 1, 0
            room += tokens
        assert (m.shards, m.waves) == (len(shards), waves)
        assert m.waves > 1 and m.to_dict()["max_hours"] == 24 * waves
        assert m.cost is None  # no price table


def test_price_table_in_toml_reads_as_json_does(tmp_path: Path) -> None:
    (tmp_path / "p.toml").write_text(TOML_PRICES)
    (tmp_path / "p.json").write_text(json.dumps(PRICES))
    assert PriceTable.load(tmp_path / "p.toml").prices == PriceTable.load(tmp_path / "p.json").prices
    table = PriceTable.load(tmp_path / "p.toml")
    assert table.as_of == "2026-12-07" and table.price("anything") == table.price("*")
    # 1M input of which 400k cached, 100k output, half off
    assert table.price("gpt-4o-mini").cost(  # type: ignore[union-attr]
        input_tokens=1_000_000, cached_tokens=400_000, output_tokens=100_000
    ) == pytest.approx((600_000 * 0.15 + 400_000 * 0.075 + 100_000 * 0.6) / 1e6 * 0.5)


@pytest.mark.parametrize(
    "document",
    [
        {"models": {}},
        {"models": {"m": {"input": 1, "cached_input": 1}}},
        {"models": {"m": {"input": -1, "cached_input": 1, "output": 1}}},
        {"models": {"m": {"input": 1, "cached_input": 1, "output": "2"}}},
        {"models": {"m": {"input": 1, "cached_input": 1, "output": 1, "batch_discount": 1.5}}},
    ],
)
def test_a_bad_price_table_is_refused_with_one_line(tmp_path: Path, document: dict[str, Any]) -> None:
    (tmp_path / "p.json").write_text(json.dumps(document))
    with pytest.raises(InvalidInputError) as caught:
        PriceTable.load(tmp_path / "p.json")
    assert caught.value.param == "price_table" and "\n" not in str(caught.value)


@pytest.mark.anyio
async def test_max_cost_refuses_a_dearer_job_before_anything_is_sent(
    any_client: Client | AsyncClient, fresh_emulator: EmulatorServer, tmp_path: Path
) -> None:
    lines = write_input(tmp_path / "in.jsonl", 300)
    cost = sum(f["cost"] for f in expected(lines, per_shard=300).values())
    config = small_config(tmp_path)
    fresh_emulator.emulator.requests.clear()
    prices = PriceTable.from_dict(PRICES)
    with pytest.raises(CostLimitError) as caught:
        await resolve(
            any_client.batch_jobs.submit(
                tmp_path / "in.jsonl", job_id="dear", config=config, max_cost=cost * 0.99, prices=prices
            )
        )
    assert caught.value.cost == pytest.approx(cost)
    assert requests_seen(fresh_emulator) == []
    assert not (config.state_dir / "dear").exists()  # no job kept

    status = await resolve(
        any_client.batch_jobs.submit(
            tmp_path / "in.jsonl", job_id="dear", config=config, max_cost=cost * 1.01, prices=prices
        )
    )
    assert status.requests["total"] == 300 and status.batches
    assert any(seen.endswith("/v1/batches") for seen in requests_seen(fresh_emulator))


def test_max_cost_needs_a_price_for_every_model(client: Client, tmp_path: Path) -> None:
    write_input(tmp_path / "in.jsonl", 10)
    only_mini = PriceTable.from_dict({"models": {"gpt-4o-mini": PRICES["models"]["gpt-4o-mini"]}})
    with pytest.raises(InvalidInputError, match="'o3-mini'"):
        client.batch_jobs.submit(
            tmp_path / "in.jsonl", config=small_config(tmp_path), max_cost=100.0, prices=only_mini
        )


def test_cli_plan_and_max_cost(
    env: EmulatorServer, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = write_input(tmp_path / "in.jsonl", 200)
    (tmp_path / "p.toml").write_text(TOML_PRICES)
    want = expected(lines, per_shard=50)
    cost = sum(f["cost"] for f in want.values())
    env.emulator.requests.clear()
    monkeypatch.delenv("OPENAI_API_KEY")  # a plan needs no key: no client is made
    common = [
        str(tmp_path / "in.jsonl"),
        "--max-shard-requests",
        "50",
        "--price-table",
        str(tmp_path / "p.toml"),
    ]
    code, out, err = run(capsys, "--json", "jobs", "plan", *common)
    assert code == 0, err
    document = json.loads(out)
    assert document["cost"] == pytest.approx(cost) and document["requests"] == 200
    assert document["prices"]["as_of"] == "2026-12-07"
    assert {m["model"]: m["shards"] for m in document["models"]} == {m: f["shards"] for m, f in want.items()}
    code, out, err = run(capsys, "jobs", "plan", *common)
    assert code == 0, err
    total = next(line for line in out.splitlines() if line.startswith("total"))
    assert total.split()[-1] == f"{cost:.4f}" and total.split()[2] == "200"
    assert requests_seen(env) == []

    monkeypatch.setenv("OPENAI_API_KEY", env.api_key)
    state = ["--state-dir", str(tmp_path / "state")]
    code, out, err = run(capsys, "jobs", "submit", *common, "--max-cost", f"{cost / 2}", *state)
    assert (code, out) == (9, "") and "above max_cost" in err and err.count("\n") == 1
    assert requests_seen(env) == []
    code, out, err = run(capsys, "jobs", "submit", str(tmp_path / "in.jsonl"), "--max-cost", "1", *state)
    assert code == 2 and "--max-cost needs --price-table" in err


@pytest.mark.anyio
async def test_usage_is_recorded_per_model_and_priced(
    any_client: Client | AsyncClient,
    client: Client,
    fresh_emulator: EmulatorServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fresh_emulator.batch_settings.set(cached_fraction=0.5, reasoning_tokens=3)
    lines = write_input(tmp_path / "in.jsonl", 240)
    config = small_config(tmp_path, max_shard_requests=50)
    status = await resolve(any_client.batch_jobs.run(tmp_path / "in.jsonl", job_id="paid", config=config))
    assert status.requests["succeeded"] == 240

    # what the service reported, request by request, summed per model of the input
    model_of = {json.loads(raw)["custom_id"]: json.loads(raw)["body"]["model"] for raw in lines}
    want: dict[str, list[int]] = {}
    for result in client.batch_jobs.results("paid", state_dir=config.state_dir):
        usage = result.body["usage"]
        figures = want.setdefault(model_of[result.custom_id], [0, 0, 0, 0])
        figures[0] += usage["prompt_tokens"]
        figures[1] += usage["prompt_tokens_details"]["cached_tokens"]
        figures[2] += usage["completion_tokens"]
        figures[3] += usage["completion_tokens_details"]["reasoning_tokens"]
    # and batch by batch, as each Batch's `usage` says
    batches = [b.to_dict() for b in client.batches.list()]
    ours = [b for b in batches if (b.get("metadata") or {}).get("openai_files_job") == "paid"]
    assert len(ours) == 2 * math.ceil(120 / 50)  # two models of 120 requests, 50 a shard
    assert sum(b["usage"]["input_tokens"] for b in ours) == sum(f[0] for f in want.values())
    assert sum(b["usage"]["output_tokens"] for b in ours) == sum(f[2] for f in want.values())

    status = client.batch_jobs.status("paid", state_dir=config.state_dir, prices=PriceTable.from_dict(PRICES))
    got = {
        model: [u.input_tokens, u.cached_tokens, u.output_tokens, u.reasoning_tokens]
        for model, u in status.usage.items()
    }
    assert got == want and all(f[1] > 0 and f[3] == 3 * 120 for f in want.values())
    total = [sum(f[i] for f in want.values()) for i in range(4)]
    assert status.to_dict()["usage"]["total"] == dict(
        zip(["input_tokens", "cached_tokens", "output_tokens", "reasoning_tokens"], total, strict=True)
    )
    cost = {}
    for model, (prompt, cached, output, _) in want.items():
        price = PRICES["models"].get(model) or PRICES["models"]["*"]
        listed = (
            (prompt - cached) * price["input"] + cached * price["cached_input"] + output * price["output"]
        )
        cost[model] = listed / 1e6 * (1 - price.get("batch_discount", 0))
    assert status.cost == pytest.approx(cost)
    assert status.total_cost == pytest.approx(sum(cost.values()))
    assert client.batch_jobs.status("paid", state_dir=config.state_dir).cost is None

    (tmp_path / "p.json").write_text(json.dumps(PRICES))
    argv = [
        "jobs",
        "status",
        "paid",
        "--state-dir",
        str(config.state_dir),
        "--price-table",
        str(tmp_path / "p.json"),
    ]
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    last = out.splitlines()[-1].split()
    assert last[:3] == ["usage", "total", "input"] and last[3] == str(total[0])
    assert last[-2:] == [f"{sum(cost.values()):.4f}", "USD"]


@pytest.mark.anyio
async def test_on_event_tells_each_submission_ending_retry_and_the_finish(
    any_client: Client | AsyncClient, client: Client, fresh_emulator: EmulatorServer, tmp_path: Path
) -> None:
    fresh_emulator.batch_settings.set(line_status_rate=0.1, line_statuses=(500,), seed=3)
    write_input(tmp_path / "in.jsonl", 240)
    config = small_config(tmp_path, max_shard_requests=50)
    events: list[Any] = []
    status = await resolve(
        any_client.batch_jobs.run(tmp_path / "in.jsonl", job_id="ev", config=config, on_event=events.append)
    )
    results = list(client.batch_jobs.results("ev", state_dir=config.state_dir))
    batches = {b.id: b.to_dict() for b in client.batches.list()}
    submitted = [e for e in events if isinstance(e, ShardSubmitted)]
    ended = [e for e in events if isinstance(e, BatchEnded)]
    retried = [e for e in events if isinstance(e, RetryScheduled)]
    assert sorted(e.batch_id for e in submitted) == sorted(e.batch_id for e in ended) == sorted(batches)
    assert all(e.status == batches[e.batch_id]["status"] == "completed" for e in ended)
    assert all(e.usage is not None and e.usage.input_tokens > 0 for e in ended)
    # every request a 500 sent to another batch is counted once per retry
    assert sum(e.requests for e in retried) == sum(r.attempts - 1 for r in results) > 0
    assert sum(e.requests for e in submitted) == sum(r.attempts for r in results)
    assert events[-1] == JobFinished("ev", "finished", status.requests)
    assert status.requests["total"] == 240
