"""Each known upstream defect, reintroduced in a tiny upstream-shaped spec, is fixed and reported."""

import copy

import pytest

from openai_files_spec import FIXES, Vendored, load, vendor
from openai_files_spec._examples import example_evidence
from openai_files_spec._fixes import nullable_refs
from openai_files_spec._tree import Node, keyword_nodes, operations

from .upstream_shape import FIXTURES

MINI = FIXTURES / "mini_upstream.yaml"
FILE_REF = {"$ref": "#/components/schemas/OpenAIFile"}


@pytest.fixture(scope="module")
def mini() -> Vendored:
    return vendor(load(MINI), None)


def _schemas(result: Vendored) -> Node:
    schemas: Node = result.spec["components"]["schemas"]
    return schemas


def test_keeps_our_tags_and_only_what_they_reach(mini: Vendored) -> None:
    assert {op["operationId"] for _, _, op in operations(mini.spec)} == {
        "createFile",
        "listFiles",
        "downloadFile",
        "createUpload",
        "createBatch",
    }
    assert [tag["name"] for tag in mini.spec["tags"]] == ["Files", "Uploads", "Batch"]
    assert "Model" not in _schemas(mini)
    assert set(mini.spec["components"]["securitySchemes"]) == {"ApiKeyAuth"}


def test_duplicate_titles_are_dropped(mini: Vendored) -> None:
    schemas = _schemas(mini)

    assert "title" not in schemas["FileExpirationAfter"]
    assert "title" not in schemas["BatchFileExpirationAfter"]
    assert schemas["OpenAIFile"]["title"] == "OpenAIFile"
    (report,) = mini.fixes["duplicate-titles"]
    assert "BatchFileExpirationAfter, FileExpirationAfter" in report and "Expiry policy" in report


def test_nullable_reference_becomes_any_of_with_null(mini: Vendored) -> None:
    assert _schemas(mini)["Upload"]["properties"]["file"] == {
        "description": "The file, once completed.",
        "anyOf": [FILE_REF, {"type": "null"}],
    }
    assert mini.fixes["nullable-refs"] == ["Upload.file: nullable OpenAIFile written as anyOf [$ref, null]"]


def test_nullable_sibling_of_a_reference_is_fixed_too() -> None:
    spec = {"components": {"schemas": {"Upload": {"properties": {"file": {**FILE_REF, "nullable": True}}}}}}

    assert nullable_refs(spec) == ["Upload.file: nullable OpenAIFile written as anyOf [$ref, null]"]
    assert spec["components"]["schemas"]["Upload"]["properties"]["file"] == {
        "anyOf": [FILE_REF, {"type": "null"}]
    }


def test_examples_make_a_field_shown_null_nullable_and_one_left_out_optional(mini: Vendored) -> None:
    file = _schemas(mini)["OpenAIFile"]

    assert file["properties"]["note"] == {
        "description": "A remark.",
        "anyOf": [{"type": "object", "properties": {"text": {"type": "string"}}}, {"type": "null"}],
    }
    assert file["required"] == ["id", "purpose"]
    assert mini.fixes["example-evidence"] == [
        "OpenAIFile.note: nullable (null in upstream's example of the OpenAIFile object)",
        "OpenAIFile.status: no longer required (left out of upstream's example of createFile)",
    ]


def test_an_example_and_so_on_is_no_evidence() -> None:
    """`{ ... }` in a documented list stands for more items: it leaves out nothing."""
    item = {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}
    page = {"type": "object", "properties": {"data": {"type": "array", "items": item}}}
    example = '{"data": [{"id": "a", }, { ... }]}'
    spec = {"components": {"schemas": {"Page": {**page, "x-oaiMeta": {"example": example}}}}}

    assert example_evidence(spec) == []
    assert item["required"] == ["id"]


def test_examples_that_are_not_json_are_no_evidence() -> None:
    item = {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}
    spec = {"components": {"schemas": {"Item": {**item, "x-oaiMeta": {"example": "curl {: ["}}}}}

    assert example_evidence(spec) == []


def test_download_is_declared_as_binary(mini: Vendored) -> None:
    response = mini.spec["paths"]["/files/{file_id}/content"]["get"]["responses"]["200"]

    assert response["content"] == {
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
    }
    (report,) = mini.fixes["binary-downloads"]
    assert report.startswith("GET /files/{file_id}/content 200:")


def test_every_operation_declares_error_responses(mini: Vendored) -> None:
    error = {"$ref": "#/components/responses/ErrorResponse"}
    for _, _, operation in operations(mini.spec):
        assert operation["responses"]["4XX"] == error
        assert operation["responses"]["5XX"] == error
    assert mini.spec["components"]["responses"]["ErrorResponse"]["content"] == {
        "application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}
    }
    # upstream's own envelope is kept when it has one
    assert _schemas(mini)["Error"]["required"] == ["message", "type", "param", "code"]
    assert mini.fixes["error-responses"] == [
        "declared 4XX/5XX error responses on 5 operations",
        "added components.responses.ErrorResponse",
    ]


def test_error_schemas_are_supplied_when_upstream_has_none() -> None:
    upstream = load(MINI)
    del upstream["components"]["schemas"]["Error"]
    del upstream["components"]["schemas"]["ErrorResponse"]

    result = vendor(upstream, None)

    assert _schemas(result)["ErrorResponse"]["properties"]["error"] == {"$ref": "#/components/schemas/Error"}
    assert set(_schemas(result)["Error"]["required"]) == {"type", "message", "param", "code"}
    assert "added the Error schema" in result.fixes["error-responses"]


def test_echoed_enum_gets_the_values_requests_accept(mini: Vendored) -> None:
    assert _schemas(mini)["OpenAIFile"]["properties"]["purpose"]["enum"] == ["batch", "user_data", "evals"]
    assert mini.fixes["enum-gaps"] == [
        "OpenAIFile.purpose: added evals (accepted by CreateFileRequest.purpose)"
    ]


def test_page_cursors_may_be_null(mini: Vendored) -> None:
    fields = _schemas(mini)["ListFilesResponse"]["properties"]

    assert fields["first_id"] == fields["last_id"] == {"anyOf": [{"type": "string"}, {"type": "null"}]}
    assert mini.fixes["page-cursors"] == [
        "ListFilesResponse.first_id: string or null (an empty page has no cursor)",
        "ListFilesResponse.last_id: string or null (an empty page has no cursor)",
    ]


def test_upstream_only_keys_go_but_fields_named_like_them_stay(mini: Vendored) -> None:
    keys = {key for _, node in keyword_nodes(mini.spec) for key in node}

    assert not {key for key in keys if key.startswith("x-")}
    assert "example" not in _schemas(mini)["Upload"]["properties"]["id"]
    assert _schemas(mini)["OpenAIFile"]["properties"]["example"]["type"] == "string"
    (report,) = mini.fixes["drop-upstream-extras"]
    assert "x-oaiMeta x2" in report and "x-stainless-const x2" in report and "example x3" in report


def test_every_fix_is_a_no_op_once_upstream_is_fixed(mini: Vendored) -> None:
    again = vendor(copy.deepcopy(mini.spec), None)

    assert again.fixes == {fix.name: [] for fix in FIXES}
    assert again.spec == mini.spec


def test_every_fix_found_something_in_the_fixture(mini: Vendored) -> None:
    """The fixture must keep reintroducing every defect, or the tests above prove nothing.

    `stable-names` keeps the names of our current spec, which a first vendoring has not: its
    upstream-shaped specs are in test_stable_names.py.
    """
    assert [name for name, lines in mini.fixes.items() if not lines] == ["stable-names"]
