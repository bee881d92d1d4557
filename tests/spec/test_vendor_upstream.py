"""The real upstream spec, vendored in a scratch copy of the project: clean generation, and the
generated-client and overlay tests pass on the regenerated code. Skipped only without ../shared/upstream/.
"""

from pathlib import Path

import pytest

from openai_files_spec import load, vendor
from openai_files_spec._changes import render
from openai_files_spec._seam import overlay_usage
from openai_files_spec._yamlio import load_styled

from .project_copy import ROOT, SEAM, copy_project, make, run_tests
from .upstream_shape import earlier_batch_release

UPSTREAMS = sorted((ROOT.parent / "shared" / "upstream").glob("openai-openapi-*.yaml"))
# Enough to prove the overlay works on regenerated code, small enough for the suite's time budget.
SUITES = ("tests/generated", "tests/overlay")

pytestmark = pytest.mark.skipif(not UPSTREAMS, reason="../shared/upstream/ is absent")


@pytest.fixture(scope="module")
def upstream() -> Path:
    return UPSTREAMS[-1]


@pytest.fixture(scope="module")
def regenerated(upstream: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    project = copy_project(tmp_path_factory.mktemp("vendored") / "project", whole=True)
    run = make(project, "vendor", f"UPSTREAM={upstream}")
    assert run.returncode == 0, run.stdout + run.stderr
    return project, run.stdout + run.stderr


def test_vendoring_upstream_gives_back_our_spec(upstream: Path) -> None:
    """Our openapi.yaml is upstream plus the named fixes and our words: nothing else drifted."""
    ours = load(ROOT / "openapi.yaml")

    result = vendor(load(upstream), ours)

    assert render(result.changes, overlay_usage(ROOT / SEAM)) == []
    assert result.spec == ours


def test_vendoring_twice_writes_the_same_bytes(upstream: Path, tmp_path: Path) -> None:
    """Once vendored, re-vendoring the same upstream leaves openapi.yaml untouched: diffs stay readable."""
    first = vendor(load(upstream), load_styled(ROOT / "openapi.yaml")).text
    (tmp_path / "openapi.yaml").write_text(first)

    assert vendor(load(upstream), load_styled(tmp_path / "openapi.yaml")).text == first


def test_the_batch_schemas_inline_as_in_an_earlier_release_vendor_to_the_same_bytes(upstream: Path) -> None:
    """Upstream's counts, error items and createBatch body written inline: the wire is the same, and
    so are our openapi.yaml and the names the overlay imports."""
    earlier = load(upstream)
    earlier_batch_release(earlier)

    result = vendor(earlier, load_styled(ROOT / "openapi.yaml"))

    assert len(result.fixes["stable-names"]) == 3
    assert result.changes == []
    assert result.text == (ROOT / "openapi.yaml").read_text(encoding="utf-8")


def test_make_vendor_generates_every_operation_without_warning(regenerated: tuple[Path, str]) -> None:
    _, log = regenerated

    assert "warning" not in log.replace("--fail-on-warning", "").lower()
    assert "make vendor: wrote openapi.yaml and generated/openai_files_api, every operation generated" in log


@pytest.mark.timeout(300)
def test_client_and_overlay_tests_pass_on_the_regenerated_code(regenerated: tuple[Path, str]) -> None:
    project, _ = regenerated

    run = run_tests(project, *SUITES)

    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert " passed" in run.stdout
