"""The change report between our spec and a vendored one, and what it flags as breaking the overlay."""

from collections.abc import Callable

import pytest

from openai_files_api import models
from openai_files_spec import Usage, compare, load, vendor
from openai_files_spec._changes import breaking, render
from openai_files_spec._names import class_names
from openai_files_spec._tree import Node

from .project_copy import ROOT
from .upstream_shape import inline, patched, upstream_shaped

BREAKS = "   <- BREAKS the overlay (it uses {})"


def _report(ours: Node, usage: Usage, patch: str) -> tuple[Node, list[str]]:
    result = vendor(patched(upstream_shaped(ours), patch), ours)
    return result.spec, render(result.changes, usage)


def test_upstream_shaped_copy_of_our_spec_vendors_back_to_it(ours: Node) -> None:
    result = vendor(upstream_shaped(ours), ours)

    assert result.changes == []
    assert result.spec == ours


def test_added_enum_value_is_reported(ours: Node, usage: Usage) -> None:
    spec, report = _report(ours, usage, "add_enum_value.yaml")

    assert report == ["~ Batch.status: enum values added: paused"]
    assert spec["components"]["schemas"]["Batch"]["properties"]["status"]["enum"][-1] == "paused"


def test_added_value_of_a_named_enum_gets_a_member_name(ours: Node, usage: Usage) -> None:
    spec, report = _report(ours, usage, "add_enum_value_named.yaml")

    endpoint = spec["components"]["schemas"]["CreateBatchRequest"]["properties"]["endpoint"]
    current = ours["components"]["schemas"]["CreateBatchRequest"]["properties"]["endpoint"]
    assert endpoint["x-enum-varnames"] == [*current["x-enum-varnames"], "AUDIO_SPEECH"]
    assert report == ["~ CreateBatchRequest.endpoint: enum values added: /v1/audio/speech"]


def test_added_optional_field_is_reported_with_upstream_text(ours: Node, usage: Usage) -> None:
    spec, report = _report(ours, usage, "add_optional_field.yaml")

    assert report == ["+ field OpenAIFile.checksum"]
    checksum = spec["components"]["schemas"]["OpenAIFile"]["properties"]["checksum"]
    assert checksum == {"type": "string", "description": "A digest of the stored bytes."}


def test_added_operation_is_reported_and_fixed_like_the_others(ours: Node, usage: Usage) -> None:
    spec, report = _report(ours, usage, "add_operation.yaml")

    assert report == ["+ operation files/archive_file (POST /files/{file_id}/archive)"]
    archive = spec["paths"]["/files/{file_id}/archive"]["post"]
    assert archive["summary"] == "Move a file to cold storage."
    assert set(archive["responses"]) == {"200", "4XX", "5XX"}


def test_removing_a_field_the_overlay_reads_breaks_it(ours: Node, usage: Usage) -> None:
    _, report = _report(ours, usage, "remove_used_field.yaml")

    assert report == ["- field OpenAIFile.bytes" + BREAKS.format("OpenAIFile")]


def test_risky_changes_outside_the_overlay_do_not_break_it(ours: Node) -> None:
    changed = patched(ours, "remove_used_field.yaml")

    (change,) = compare(ours, changed)
    assert change.risky
    assert breaking([change], Usage(frozenset({"Batch"}), frozenset())) == []


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            lambda s: s["components"]["schemas"]["Batch"]["properties"]["created_at"].update(type="string"),
            "~ Batch.created_at: integer (unixtime) -> string (unixtime)",
        ),
        (
            lambda s: s["components"]["schemas"]["CreateUploadRequest"]["required"].remove("mime_type"),
            "~ CreateUploadRequest.mime_type is no longer required",
        ),
        (
            lambda s: s["components"]["schemas"]["Upload"]["properties"]["status"]["enum"].remove("expired"),
            "~ Upload.status: enum values removed: expired",
        ),
        (
            lambda s: s["paths"]["/files"]["get"]["parameters"][0].update(required=True),
            "~ files/list_files parameter purpose is now required",
        ),
        (
            lambda s: s["components"]["schemas"]["CreateUploadRequest"].update(
                properties={**s["components"]["schemas"]["CreateUploadRequest"]["properties"], "md5": {}},
                required=["filename", "purpose", "bytes", "mime_type", "md5"],
            ),
            "+ required field CreateUploadRequest.md5",
        ),
        (
            lambda s: s["paths"]["/files/{file_id}/content"]["get"]["responses"]["200"].update(
                content={"application/json": {"schema": {"type": "string"}}}
            ),
            "~ files/download_file response 200: application/octet-stream string (binary) ->"
            " application/json string",
        ),
        (
            lambda s: s["paths"].pop("/uploads/{upload_id}/cancel"),
            "- operation uploads/cancel_upload (POST /uploads/{upload_id}/cancel)",
        ),
    ],
)
def test_risky_changes_to_what_the_overlay_uses_break_it(
    ours: Node, usage: Usage, edit: Callable[[Node], object], expected: str
) -> None:
    changed = load(ROOT / "openapi.yaml")
    edit(changed)

    report = render(compare(ours, changed), usage)

    assert len(report) == 1
    assert report[0].startswith(expected) and "BREAKS" in report[0]


def test_a_new_response_status_is_reported_without_breaking(ours: Node, usage: Usage) -> None:
    changed = load(ROOT / "openapi.yaml")
    changed["paths"]["/files"]["get"]["responses"]["429"] = {"$ref": "#/components/responses/ErrorResponse"}

    assert render(compare(ours, changed), usage) == [
        "~ files/list_files responses added: 429 (ErrorResponse)"
    ]


def test_the_seam_lists_every_operation_and_the_models(usage: Usage) -> None:
    assert len(usage.modules) == 13
    assert {"files/create_file", "uploads/add_upload_part", "batch/cancel_batch"} <= usage.modules
    assert {"OpenAIFile", "Upload", "Batch", "CreateFileRequestPurpose"} <= usage.classes


def test_class_names_match_the_generated_models(ours: Node) -> None:
    """The report names classes as the generator does; checked against the committed generated/."""
    assert set(class_names(ours).values()) == set(models.__all__)


def test_a_response_schema_written_inline_is_naming_only_and_still_breaks_the_import(
    ours: Node, usage: Usage
) -> None:
    """The wire is the same, but an inline response schema is named after its operation
    (`AddUploadPartUploadPart`): the class the overlay imports is gone, and that alone refuses it."""
    changed = load(ROOT / "openapi.yaml")
    inline(changed, "UploadPart")

    changes = compare(ours, changed)

    assert not any(change.wire for change in changes)
    assert render(changes, usage) == [
        "- generated class UploadPartObject",
        "- schema UploadPart" + BREAKS.format("UploadPart"),
        "~ uploads/add_upload_part response 200: application/json UploadPart -> application/json object,"
        " the same on the wire",
    ]
