"""A regeneration as a user meets it: new upstream operations and fields, then a green suite.

`make vendor` brings in one new operation per tag and one new optional field per main model (the
`new_in_every_tag.yaml` patch) into a whole copy of the project; its report ends by naming each new
operation and what serves it. The generated-layer tests, the overlay's tests for each tag and the
emulator's served-operations test then pass on the copy, the last naming the operations the emulator
does not serve as skips; it fails only when one the overlay builds on is not served.
"""

import re
from pathlib import Path

import pytest

from openai_files_spec import load

from .project_copy import ROOT, copy_project, make, run_tests
from .upstream_shape import patched, upstream_shaped, write

README = "emulator/openai_files_emulator/README.md"
NEW_OPERATIONS = {  # module -> method and path, as the patch declares them
    "files/copy_file": "POST /files/{file_id}/copy",
    "uploads/retrieve_upload": "GET /uploads/{upload_id}",
    "batch/pause_batch": "POST /batches/{batch_id}/pause",
}
NEW_FIELDS = ("Batch.priority", "OpenAIFile.sha256", "Upload.part_count")
SUITES = (
    "tests/generated",
    "tests/overlay/test_seam.py",
    "tests/overlay/test_public_api.py",
    "tests/overlay/test_files.py",
    "tests/overlay/test_uploads.py",
    "tests/overlay/test_batches.py",
    "tests/emulator/test_served_operations.py",
)


@pytest.fixture(scope="module")
def vendored(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    scratch = tmp_path_factory.mktemp("regenerating")
    upstream = patched(upstream_shaped(load(ROOT / "openapi.yaml")), "new_in_every_tag.yaml")
    project = copy_project(scratch / "project", whole=True)
    run = make(project, "vendor", f"UPSTREAM={write(upstream, scratch / 'upstream.yaml')}")
    assert run.returncode == 0, run.stdout + run.stderr
    return project, run.stdout


def test_the_report_ends_naming_each_new_operation_and_what_serves_it(vendored: tuple[Path, str]) -> None:
    _, report = vendored
    steps = report[report.index("\nnext steps:\n") + 1 :].splitlines()

    assert steps[1] == "  3 operations are new:"
    assert sorted(steps[2:5]) == sorted(
        f"    {module} ({route}): no overlay method: call it with client.call({module.split('/')[1]}, ...);"
        f" the emulator does not serve it yet: see {README}"
        for module, route in NEW_OPERATIONS.items()
    )
    assert steps[5].startswith(f"  3 optional fields are new ({', '.join(NEW_FIELDS)}): ")
    assert steps[-1].startswith("  then: make test")
    for field in NEW_FIELDS:
        assert f"+ field {field}\n" in report


def test_the_readme_walkthrough_quotes_the_report(vendored: tuple[Path, str]) -> None:
    _, report = vendored
    readme = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    excerpt = re.search(r"<!-- vendor report excerpt: [^>]*-->\n(.*?)<!-- end excerpt -->", readme, re.S)
    assert excerpt is not None
    quoted = [line.removeprefix("    ") for line in excerpt.group(1).splitlines() if line.strip() != "..."]

    assert len(quoted) > 10
    assert [line for line in quoted if line not in report.splitlines()] == []


@pytest.mark.timeout(300)
def test_the_generated_layer_and_overlay_tests_pass_on_the_result(vendored: tuple[Path, str]) -> None:
    project, _ = vendored
    api = project / "generated" / "openai_files_api" / "api"
    assert all((api / f"{module}.py").is_file() for module in NEW_OPERATIONS)

    run = run_tests(project, *SUITES)

    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert " passed" in run.stdout and " failed" not in run.stdout
    skipped = [line for line in run.stdout.splitlines() if line.startswith("SKIPPED")]
    for module, route in NEW_OPERATIONS.items():
        assert any(f"the emulator does not serve {module} ({route}) yet" in line for line in skipped), skipped


def test_an_operation_the_overlay_builds_on_and_the_emulator_stops_serving_fails(tmp_path: Path) -> None:
    """The skip is for new operations only: one of the 13 unserved (route and declaration gone) fails."""
    project = copy_project(tmp_path / "project", whole=True)
    package = project / "emulator" / "openai_files_emulator"
    for name, line in (
        ("uploads/routes.py", '        resource("/uploads/{upload_id}/cancel", POST=cancel),\n'),
        ("operations.py", '        ("POST", "/uploads/{upload_id}/cancel"),\n'),
    ):
        source = (package / name).read_text()
        assert line in source
        (package / name).write_text(source.replace(line, ""))

    run = run_tests(project, "tests/emulator/test_served_operations.py")

    assert run.returncode == 1, run.stdout[-3000:]
    assert (
        "1 failed" in run.stdout
        and "test_every_operation_is_served_or_named[uploads/cancel_upload]" in run.stdout
    )
    assert "the overlay builds on uploads/cancel_upload (POST /uploads/{upload_id}/cancel)" in run.stdout
