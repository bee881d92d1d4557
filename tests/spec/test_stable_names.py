"""Upstream moves schemas between inline and named without changing the wire format: the generated
names stay. Each direction is reintroduced in an upstream-shaped copy of our spec, which must vendor
back to the same bytes (and, through `make vendor --strict`, to the same generated/)."""

from pathlib import Path

import pytest

from openai_files_spec import Usage, Vendored, compare, dump, load, vendor
from openai_files_spec._changes import breaking, render
from openai_files_spec._tree import Node
from openai_files_spec._yamlio import load_styled

from .project_copy import ROOT, copy_project, make
from .upstream_shape import (
    Refactor,
    earlier_batch_release,
    inline,
    inlined_response_and_union,
    named_enums,
    named_objects,
    renamed_components,
    retitled,
    upstream_shaped,
    write,
)

REFACTORS: dict[Refactor, list[str]] = {
    earlier_batch_release: [
        "Batch.errors.anyOf[0].data.items: upstream's inline object is BatchError again",
        "Batch.request_counts: upstream's inline object is BatchRequestCounts again",
        "POST /batches request body application/json: upstream's inline object is CreateBatchRequest again",
    ],
    inlined_response_and_union: [
        "Batch.metadata: upstream's inline anyOf is Metadata again",
        "CreateBatchRequest.metadata: upstream's inline anyOf is Metadata again",
        "DELETE /files/{file_id} 200 application/json: upstream's inline object is DeleteFileResponse again",
    ],
    named_objects: [
        "Batch.errors: upstream's BatchErrorList written inline again, as ours",
        "Batch.usage.input_tokens_details: upstream's InputTokensDetails written inline again, as ours",
        "Batch.usage: upstream's BatchUsage written inline again, as ours",
    ],
    named_enums: [
        "CreateBatchRequest.completion_window: upstream's BatchCompletionWindow written inline again,"
        " as ours",
        "CreateBatchRequest.endpoint: upstream's BatchEndpoint written inline again, as ours",
        "Upload.status: upstream's UploadStatus written inline again, as ours",
    ],
    renamed_components: [
        "Batch.request_counts: upstream's BatchRequestCountsObject is BatchRequestCounts again",
        "CreateBatchRequest.output_expires_after: upstream's ExpiresAfter is BatchFileExpirationAfter again",
        "CreateFileRequest.expires_after: upstream's ExpiresAfter is FileExpirationAfter again",
        "CreateUploadRequest.expires_after: upstream's ExpiresAfter is FileExpirationAfter again",
        "POST /uploads/{upload_id}/parts 200 application/json: upstream's UploadPartResource is"
        " UploadPart again",
    ],
    retitled: [
        "Batch.errors: title 'Batch error list' -> none, as ours",
        "BatchRequestCounts: title 'Request counts' -> none, as ours",
    ],
}


def refactored(ours: Node, *refactors: Refactor) -> Node:
    spec = upstream_shaped(ours)
    for refactor in refactors:
        refactor(spec)
    return spec


def _vendored(upstream: Node) -> Vendored:
    return vendor(upstream, load_styled(ROOT / "openapi.yaml"))


@pytest.mark.parametrize("refactor", list(REFACTORS), ids=lambda r: r.__name__)
def test_a_refactor_upstream_vendors_to_the_same_bytes(ours: Node, refactor: Refactor) -> None:
    result = _vendored(refactored(ours, refactor))

    assert result.fixes["stable-names"] == REFACTORS[refactor]
    assert result.changes == []
    assert result.text == (ROOT / "openapi.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize("refactor", list(REFACTORS), ids=lambda r: r.__name__)
def test_the_same_refactor_in_our_spec_is_kept_against_upstream(ours: Node, refactor: Refactor) -> None:
    """The other way round: ours has the refactored form (a named enum, an inline body...), upstream not."""
    current = load_styled(ROOT / "openapi.yaml")
    refactor(current)

    result = vendor(upstream_shaped(ours), current)

    assert len(result.fixes["stable-names"]) == len(REFACTORS[refactor])
    assert result.changes == []
    assert result.text == dump(current)


def test_stable_names_is_a_no_op_on_our_own_names(ours: Node) -> None:
    assert _vendored(upstream_shaped(ours)).fixes["stable-names"] == []


def test_a_hoisted_object_with_a_new_field_keeps_its_name_and_reports_the_field(
    ours: Node, usage: Usage
) -> None:
    upstream = upstream_shaped(ours)
    counts = upstream["components"]["schemas"]["BatchRequestCounts"]
    counts["properties"]["expired"] = {"type": "integer"}
    inline(upstream, "BatchRequestCounts")

    result = _vendored(upstream)

    assert "expired" in result.spec["components"]["schemas"]["BatchRequestCounts"]["properties"]
    assert render(result.changes, usage) == ["+ field BatchRequestCounts.expired"]
    assert [change.wire for change in result.changes] == [True]


def test_an_inline_object_unlike_upstreams_own_component_is_a_real_change(ours: Node, usage: Usage) -> None:
    """Upstream still has BatchRequestCounts (for a new field) but inlines something else in its place."""
    upstream = upstream_shaped(ours)
    batch = upstream["components"]["schemas"]["Batch"]["properties"]
    batch["totals"] = {"$ref": "#/components/schemas/BatchRequestCounts"}
    batch["request_counts"] = {"type": "object", "properties": {"total": {"type": "integer"}}}

    result = _vendored(upstream)

    assert result.fixes["stable-names"] == []
    assert render(result.changes, usage) == [
        "~ Batch.request_counts: BatchRequestCounts -> object   <- BREAKS the overlay (it uses Batch)",
        "+ field Batch.totals",
    ]
    assert all(change.wire for change in result.changes)


def test_a_place_turned_into_another_kind_is_not_renamed(ours: Node, usage: Usage) -> None:
    upstream = upstream_shaped(ours)
    upstream["components"]["schemas"]["Batch"]["properties"]["request_counts"] = {"type": "integer"}

    result = _vendored(upstream)

    assert result.fixes["stable-names"] == []
    assert [c.text for c in breaking(result.changes, usage)] == [
        "Batch.request_counts: BatchRequestCounts -> integer",
        "schema BatchRequestCounts",
    ]


def test_without_the_fix_the_report_sees_naming_only_changes(ours: Node, usage: Usage) -> None:
    """The report on its own tells a move from a wire change; only classes the overlay imports and
    that are no longer generated break it."""
    moved = load(ROOT / "openapi.yaml")
    earlier_batch_release(moved)

    changes = compare(ours, moved)

    assert [change for change in changes if change.wire] == []
    assert render(changes, usage) == [
        "~ Batch.errors.anyOf[0].data: array of BatchError -> array of object, the same on the wire",
        "~ Batch.request_counts: BatchRequestCounts -> object, the same on the wire",
        "~ batch/create_batch request body: application/json CreateBatchRequest -> application/json object,"
        " the same on the wire",
        "- generated class CreateBatchRequestCompletionWindow"
        "   <- BREAKS the overlay (it uses CreateBatchRequestCompletionWindow)",
        "- generated class CreateBatchRequestEndpoint"
        "   <- BREAKS the overlay (it uses CreateBatchRequestEndpoint)",
        "- schema BatchError   <- BREAKS the overlay (it uses BatchError)",
        "- schema BatchRequestCounts",  # Batch.request_counts inline is generated as BatchRequestCounts too
        "- schema CreateBatchRequest   <- BREAKS the overlay (it uses CreateBatchRequest)",
    ]


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


@pytest.fixture(scope="module")
def generated() -> dict[str, bytes]:
    return _files(ROOT / "generated")


@pytest.mark.parametrize(
    "refactors",
    [
        (earlier_batch_release,),
        (inlined_response_and_union, named_objects, named_enums, retitled, renamed_components),
    ],
    ids=["earlier-batch-release", "every-other-refactor"],
)
def test_make_vendor_strict_keeps_openapi_yaml_and_generated(
    ours: Node, generated: dict[str, bytes], refactors: tuple[Refactor, ...], tmp_path: Path
) -> None:
    project = copy_project(tmp_path / "project")
    upstream = write(refactored(ours, *refactors), tmp_path / "up.yaml")

    run = make(project, "vendor", f"UPSTREAM={upstream}")

    assert run.returncode == 0, run.stdout + run.stderr
    assert "wire changes against openapi.yaml:\n  (none)\n" in run.stdout
    assert "naming-only changes (the same on the wire) against openapi.yaml:\n  (none)\n" in run.stdout
    assert (project / "openapi.yaml").read_bytes() == (ROOT / "openapi.yaml").read_bytes()
    assert _files(project / "generated") == generated
