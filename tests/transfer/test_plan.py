"""The part planner's rules and the adaptive window's decisions, on numbers alone (no clock, no I/O)."""

from __future__ import annotations

import heapq

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openai_files._transfer import TransferConfig
from openai_files._transfer.concurrency import AdaptiveConcurrency
from openai_files._transfer.config import GiB, MiB
from openai_files._transfer.plan import UploadPlan, choose_part_size, make_plan, sends_in_parts

CONFIG = TransferConfig()


def _parts(size: int, part: int) -> int:
    return -(-size // part)


@pytest.mark.parametrize(
    ("size", "window", "part", "parts"),
    [
        (200 * MiB, 8, 25 * MiB, 8),  # one round: every connection carries one part to the end
        (1 * GiB, 8, 64 * MiB, 16),  # two rounds, each part at the service's maximum
        (1 * GiB + 1, 8, -(-(1 * GiB + 1) // 24), 24),  # one byte more: a third round, not a 65th MiB
        (100 * 10**6, 16, -(-(100 * 10**6) // 11), 11),  # 16 parts would be under the 8 MiB floor
        (5 * MiB, 8, 5 * MiB, 1),  # smaller than the floor: one part
        (8 * GiB, 16, 64 * MiB, 128),
    ],
)
def test_parts_come_in_whole_rounds_within_the_floor_and_the_maximum(
    size: int, window: int, part: int, parts: int
) -> None:
    chosen = choose_part_size(size, window=window, config=CONFIG)
    assert (chosen, _parts(size, chosen)) == (part, parts)


@given(size=st.integers(1, 8 * GiB), window=st.integers(1, 64))
def test_chosen_parts_always_fit_the_service(size: int, window: int) -> None:
    """The documented rules, each checked on its own: parts within the service's maximum and our floor
    (unless the file is smaller), at most 10,000 of them, and whenever one round of `window` parts of at
    least the floor fits in the file, whole rounds, as few as parts of at most the maximum allow."""
    floor, maximum = CONFIG.min_chosen_part_size, CONFIG.max_part_size
    part = choose_part_size(size, window=window, config=CONFIG)
    assert min(size, floor) <= part <= maximum
    count = _parts(size, part)
    assert count <= 10_000  # the service's part count limit
    if size >= window * floor:
        fewest_rounds = -(-size // (window * maximum))  # rounds of `window` parts of the maximum size
        assert count == window * fewest_rounds
    else:  # not even one round of parts of the floor: as many parts as the floor allows, or one
        assert count <= max(1, size // floor)


def test_explicit_part_size_and_concurrency_win() -> None:
    plan = make_plan(
        filename="in.jsonl", size=200 * MiB, purpose="batch", mime_type=None, part_size=5 * MiB,
        concurrency=3, md5=True, expires_after=None, config=CONFIG,
    )  # fmt: skip
    assert (plan.part_size, plan.concurrency, plan.adaptive) == (5 * MiB, 3, False)


def _untuned(size: int, config: TransferConfig = CONFIG) -> UploadPlan:
    return make_plan(
        filename="in.jsonl", size=size, purpose="batch", mime_type=None, part_size=None,
        concurrency=None, md5=False, expires_after=None, config=config,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("size", "parts"),
    [(100 * 10**6, 11), (200 * MiB, 16), (1 * GiB, 16)],  # 11: 16 parts would be under the 8 MiB floor
)
def test_a_file_that_fits_in_one_round_sends_every_part_at_once(size: int, parts: int) -> None:
    plan = _untuned(size)
    assert (plan.part_count, plan.concurrency, plan.adaptive) == (parts, parts, False)


def test_a_larger_file_gets_an_adaptive_window_bounded_by_memory() -> None:
    plan = _untuned(1 * GiB + 1)
    assert plan.adaptive and plan.concurrency == CONFIG.max_concurrency == 16
    assert plan.part_count == 32  # two rounds of the ceiling, not a 65th MiB in a part
    tight = TransferConfig(window_memory=8 * MiB, read_size=1 * MiB, initial_concurrency=2)  # 2 reads/part
    assert tight.adaptive_ceiling == 4
    assert _untuned(200 * MiB, tight).concurrency == 4


@pytest.mark.parametrize(
    ("size", "purpose", "name", "in_parts"),
    [
        (16 * MiB, "batch", "in.jsonl", True),
        (16 * MiB - 1, "batch", "in.jsonl", False),  # below the threshold: one request
        (600 * MiB, "user_data", "in.jsonl", False),  # a purpose Uploads do not take
        (600 * MiB, "batch", "no-suffix", False),  # no mime type to declare
    ],
)
def test_path_choice(size: int, purpose: str, name: str, in_parts: bool) -> None:
    from openai_files._transfer.plan import infer_mime_type  # noqa: PLC0415

    mime = infer_mime_type(name)
    assert sends_in_parts(size, purpose=purpose, mime_type=mime, config=CONFIG) is in_parts


def _drive(window: AdaptiveConcurrency, *, per_connection: float, total: float, parts: int = 400) -> int:
    """A model link: a part started with n in flight runs at min(per_connection, total / n) for its
    whole life, after a 50 ms round trip. Parts start as the schedule would; returns the peak window."""
    size, clock, peak = 16 * MiB, 0.0, window.limit
    running: list[tuple[float, float, int, bool]] = []  # (end, start, window at start, full)
    todo = parts
    while todo or running:
        while todo and len(running) < window.limit:
            todo -= 1
            rate = min(per_connection, total / (len(running) + 1))
            full = bool(todo) or len(running) + 1 >= window.limit
            heapq.heappush(running, (clock + 0.05 + size / rate, clock, window.limit, full))
            peak = max(peak, len(running))
        end, start, started_window, full = heapq.heappop(running)
        clock = end
        window.part_done(nbytes=size, seconds=end - start, window=started_window, full=full)
    return peak


def test_window_fills_a_link_capped_per_connection() -> None:
    window = AdaptiveConcurrency(initial=8, ceiling=32)
    assert _drive(window, per_connection=25e6, total=float("inf")) == 32
    assert window.settled and window.limit == 32


def test_window_stops_at_a_shared_cap_with_the_connections_it_needs() -> None:
    window = AdaptiveConcurrency(initial=4, ceiling=32)
    peak = _drive(window, per_connection=10e6, total=100e6)
    assert window.settled and 10 <= window.limit <= 12  # 10 fill the cap; round trips cost a little
    assert peak <= 13  # one step past what the cap needs, no more


def test_window_does_not_grow_when_more_connections_give_nothing() -> None:
    window = AdaptiveConcurrency(initial=8, ceiling=16)
    _drive(window, per_connection=100e6, total=300e6)  # the CPUs are the limit
    assert window.settled and window.limit == 8


def test_window_learns_only_from_full_windows_of_its_current_size() -> None:
    window = AdaptiveConcurrency(initial=8, ceiling=16)
    for _ in range(20):
        window.part_done(nbytes=MiB, seconds=0.1, window=8, full=False)  # the last parts
        window.part_done(nbytes=MiB, seconds=0.1, window=4, full=True)  # started before a change
    assert (window.limit, window.settled) == (8, False)
    for _ in range(4):
        window.part_done(nbytes=MiB, seconds=0.1, window=8, full=True)
    assert window.limit == 12
