"""`make vendor` end to end, in scratch copies of the project: written, regenerated, checked, or refused."""

import shutil
import subprocess
from pathlib import Path

import yaml

from openai_files_spec import FIXES, load
from openai_files_spec._slice import prune, slice_tags

from .project_copy import ROOT, SEAM, SERVED, copy_project, make, spec_tool
from .upstream_shape import FIXTURES, patched, upstream_shaped, write

FORMS = ("def sync(", "def sync_detailed(", "async def asyncio(", "async def asyncio_detailed(")


def test_fixed_mini_spec_generates_every_operation(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project", seam=False)

    run = make(project, "vendor", f"UPSTREAM={FIXTURES / 'mini_upstream.yaml'}")

    assert run.returncode == 0, run.stdout + run.stderr
    assert "warning" not in (run.stdout + run.stderr).replace("--fail-on-warning", "").lower()
    assert run.stdout.startswith(
        "make vendor: wrote openapi.yaml and generated/openai_files_api, every operation generated"
    )
    api = project / "generated" / "openai_files_api" / "api"
    assert {p.stem for p in api.glob("*/*.py")} - {"__init__"} == {
        "create_file",
        "list_files",
        "download_file",
        "create_upload",
        "create_batch",
    }


def test_unfixed_mini_spec_fails_generation(tmp_path: Path) -> None:
    """Without the fixes the generator drops createFile and createUpload: the guard must catch that."""
    project = copy_project(tmp_path / "project", seam=False)
    unfixed = slice_tags(load(FIXTURES / "mini_upstream.yaml"))
    prune(unfixed)
    write(unfixed, project / "openapi.yaml")

    run = make(project, "generate")

    assert run.returncode != 0
    assert "duplicate" in (run.stdout + run.stderr).lower()


def _upstream(tmp_path: Path, patch: str) -> Path:
    """Our spec, upstream-shaped, with a fixture patch applied, as a file."""
    return write(patched(upstream_shaped(load(ROOT / "openapi.yaml")), patch), tmp_path / "up.yaml")


def _make_vendor(tmp_path: Path, patch: str) -> tuple[Path, subprocess.CompletedProcess[str]]:
    project = copy_project(tmp_path / "project")
    return project, make(project, "vendor", f"UPSTREAM={_upstream(tmp_path, patch)}")


def _untouched(project: Path) -> bool:
    same_spec = (project / "openapi.yaml").read_bytes() == (ROOT / "openapi.yaml").read_bytes()
    return same_spec and not (project / "generated").exists()


def test_new_operation_is_generated_in_its_four_forms(tmp_path: Path) -> None:
    project, run = _make_vendor(tmp_path, "add_operation.yaml")

    assert run.returncode == 0, run.stdout + run.stderr
    assert "+ operation files/archive_file (POST /files/{file_id}/archive)" in run.stdout
    source = (project / "generated" / "openai_files_api" / "api" / "files" / "archive_file.py").read_text()
    assert all(f"\n{form}" in source for form in FORMS)


def test_next_steps_name_an_overlay_method_and_the_emulator_when_they_exist(tmp_path: Path) -> None:
    """An operation the seam already imports and the emulator already declares, as when both came first."""
    project = copy_project(tmp_path / "project")
    seam, served = project / SEAM, project / SERVED
    seam.write_text(seam.read_text() + "\nfrom openai_files_api.api.files import archive_file\n")
    served.write_text(
        served.read_text().replace("{\n", '{\n        ("POST", "/files/{file_id}/archive"),\n', 1)
    )

    run = spec_tool(project, "vendor", str(_upstream(tmp_path, "add_operation.yaml")))

    assert run.returncode == 0, run.stderr
    steps = run.stdout[run.stdout.index("next steps:") :].splitlines()
    assert steps[1:3] == [
        "  1 operation is new:",
        "    files/archive_file (POST /files/{file_id}/archive): the overlay uses it; the emulator serves it",
    ]


def test_removing_a_field_the_overlay_uses_is_refused(tmp_path: Path) -> None:
    project, run = _make_vendor(tmp_path, "remove_used_field.yaml")

    assert run.returncode != 0
    assert "- field OpenAIFile.bytes   <- BREAKS the overlay (it uses OpenAIFile)" in run.stdout
    assert run.stderr.startswith(
        "refused: 1 change breaks what overlay/openai_files/_generated.py imports (- field OpenAIFile.bytes)"
    )
    assert "next steps:" not in run.stdout
    assert _untouched(project)


def test_strict_vendoring_refuses_removing_an_operation_the_overlay_uses_and_says_so_first(
    tmp_path: Path,
) -> None:
    project = copy_project(tmp_path / "project")
    upstream = upstream_shaped(load(ROOT / "openapi.yaml"))
    del upstream["paths"]["/uploads/{upload_id}/cancel"]

    run = spec_tool(project, "vendor", str(write(upstream, tmp_path / "up.yaml")), "--strict")

    assert run.returncode == 1
    assert run.stderr.splitlines()[0].startswith(
        "refused: 1 change breaks what overlay/openai_files/_generated.py imports"
        " (- operation uploads/cancel_upload (POST /uploads/{upload_id}/cancel)); openapi.yaml is unchanged."
    )
    assert _untouched(project)


def test_a_defect_no_fix_knows_is_refused_before_anything_changes(tmp_path: Path) -> None:
    project, run = _make_vendor(tmp_path, "unknown_defect.yaml")

    assert run.returncode != 0
    assert run.stderr.startswith(
        "make vendor: refused: openapi-python-client failed or warned on the vendored spec"
    )
    assert "Unsupported content type application/xml" in run.stdout
    assert "+ operation files/label_file (POST /files/{file_id}/labels)" in run.stdout
    assert "next steps:" not in run.stdout
    assert _untouched(project)


def test_without_strict_the_breaking_change_is_written_and_flagged(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    upstream = _upstream(tmp_path, "remove_used_field.yaml")

    run = spec_tool(project, "vendor", str(upstream))

    assert run.returncode == 0, run.stderr
    assert "BREAKS the overlay" in run.stdout
    written = yaml.safe_load((project / "openapi.yaml").read_text())
    assert "bytes" not in written["components"]["schemas"]["OpenAIFile"]["properties"]


def test_vendor_needs_an_upstream(tmp_path: Path) -> None:
    run = make(copy_project(tmp_path / "project"), "vendor")

    assert run.returncode != 0
    assert "usage: make vendor UPSTREAM=" in run.stdout


def test_unusable_upstream_is_refused_with_the_reason(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    (tmp_path / "not-a-spec.yaml").write_text("just: a mapping\n")

    missing = spec_tool(project, "vendor", str(tmp_path / "absent.yaml"))
    wrong = spec_tool(project, "vendor", str(tmp_path / "not-a-spec.yaml"))

    assert missing.returncode == 2 and "cannot read" in missing.stderr
    assert wrong.returncode == 2 and "not an OpenAPI 3 document" in wrong.stderr


def test_check_operations_names_what_is_missing(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    package = tmp_path / "openai_files_api"
    shutil.copytree(ROOT / "generated" / "openai_files_api", package)
    (package / "api" / "files" / "download_file.py").unlink()
    spec = yaml.safe_load((project / "openapi.yaml").read_text())
    del spec["paths"]["/uploads/{upload_id}/cancel"]
    write(spec, project / "openapi.yaml")

    run = spec_tool(project, "check-operations", "--package", str(package))

    assert run.returncode == 1
    assert run.stderr.splitlines() == [
        "missing: uploads/cancel_upload: the overlay needs it, but the spec has no such operation",
        "missing: files/download_file: not generated",
    ]


def test_fixes_are_listed_in_the_order_they_run(tmp_path: Path) -> None:
    run = spec_tool(tmp_path, "fixes")

    assert run.returncode == 0
    assert [line.split()[0] for line in run.stdout.splitlines()] == [fix.name for fix in FIXES]
