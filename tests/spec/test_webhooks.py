"""Vendoring keeps upstream's batch webhooks and their payload schemas, named as upstream names them."""

import pytest

from openai_files_spec import Vendored, load, vendor

from .project_copy import ROOT
from .test_vendor_upstream import NEEDS_REAL, REAL
from .upstream_shape import FIXTURES


@pytest.fixture(scope="module")
def mini() -> Vendored:
    return vendor(load(FIXTURES / "mini_upstream.yaml"), None)


def test_batch_webhooks_kept_others_dropped(mini: Vendored) -> None:
    assert list(mini.spec["webhooks"]) == ["batch_completed"]
    schemas = mini.spec["components"]["schemas"]
    assert "WebhookBatchCompleted" in schemas
    assert "WebhookResponseCompleted" not in schemas


def test_event_title_dropped_so_the_class_keeps_the_component_name(mini: Vendored) -> None:
    assert "title" not in mini.spec["components"]["schemas"]["WebhookBatchCompleted"]
    assert mini.fixes["webhook-titles"] == [
        "WebhookBatchCompleted: dropped the title 'batch.completed', so its class keeps the component's name"
    ]


def test_revendoring_keeps_the_webhooks_unchanged(mini: Vendored) -> None:
    again = vendor(load(FIXTURES / "mini_upstream.yaml"), mini.spec)
    assert again.spec["webhooks"] == mini.spec["webhooks"]
    assert not [change for change in again.changes if "Webhook" in str(change)]


@NEEDS_REAL
def test_the_real_upstream_gives_the_four_batch_events() -> None:
    """(That vendoring it gives back our openapi.yaml exactly is test_vendor_upstream's.)"""
    assert REAL is not None
    result = vendor(load(REAL), load(ROOT / "openapi.yaml"))
    assert sorted(result.spec["webhooks"]) == [
        f"batch_{end}" for end in ("cancelled", "completed", "expired", "failed")
    ]
    assert {
        "WebhookBatchCancelled",
        "WebhookBatchCompleted",
        "WebhookBatchExpired",
        "WebhookBatchFailed",
    } <= set(result.spec["components"]["schemas"])
