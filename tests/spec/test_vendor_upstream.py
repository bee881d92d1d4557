"""The upstream spec, vendored: our openapi.yaml comes back, vendoring twice writes the same bytes, an
earlier release's shape gives the same result; and in a scratch copy of the project, `make vendor`
generates cleanly, byte for byte the spec and generated/ this suite tests, and the generated-client tests
pass on it.

The upstream file comes from `UPSTREAM=<path>` (as `make vendor` takes it), else the newest
`../shared/upstream/openai-openapi-*.yaml`. Without either, the checks that need the real file skip with
one line saying so, and the first three run on an upstream-shaped copy of our own spec (our spec with
upstream's metadata and every defect our fixes know, `upstream_shape.upstream_shaped`) instead.
"""

import os
from pathlib import Path

import pytest

from openai_files_spec import load, vendor
from openai_files_spec._changes import render
from openai_files_spec._seam import overlay_usage
from openai_files_spec._yamlio import dump, load_styled

from .project_copy import ROOT, SEAM, copy_project, make, run_tests
from .upstream_shape import earlier_batch_release, upstream_shaped


def _real_upstream() -> Path | None:
    if os.environ.get("UPSTREAM"):
        return Path(os.environ["UPSTREAM"])
    found = sorted((ROOT.parent / "shared" / "upstream").glob("openai-openapi-*.yaml"))
    return found[-1] if found else None


REAL = _real_upstream()
NEEDS = "needs OpenAI's openapi.yaml: UPSTREAM=<path> pytest tests/spec/test_vendor_upstream.py"
NEEDS_REAL = pytest.mark.skipif(REAL is None, reason=NEEDS)
# The regenerated tree is the committed one (checked byte for byte below), so the rest of this suite
# already runs every overlay test on it; here only the generated layer's tests and the seam run again, in
# the scratch copy, to show that copy works on its own.
SUITES = ("tests/generated", "tests/overlay/test_seam.py")


@pytest.fixture(scope="module", params=["real", "upstream-shaped"])
def upstream(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real upstream spec, or our own spec written the way upstream publishes it."""
    if request.param == "real":
        if REAL is None:
            pytest.skip(f"{NEEDS} (the upstream-shaped copy runs instead)")
        return REAL
    path = tmp_path_factory.mktemp("shaped") / "openai-openapi-shaped.yaml"
    path.write_text(dump(upstream_shaped(load(ROOT / "openapi.yaml"))), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    if REAL is None:
        pytest.skip(NEEDS)
    project = copy_project(tmp_path_factory.mktemp("vendored") / "project", whole=True)
    run = make(project, "vendor", f"UPSTREAM={REAL}")
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
    assert result.spec == load(ROOT / "openapi.yaml")
    if upstream == REAL:  # the bytes too: our words folded as upstream's layout gives them
        assert result.text == (ROOT / "openapi.yaml").read_text(encoding="utf-8")


@NEEDS_REAL
def test_make_vendor_generates_every_operation_without_warning(regenerated: tuple[Path, str]) -> None:
    _, log = regenerated

    assert "warning" not in log.replace("--fail-on-warning", "").lower()
    assert "make vendor: wrote openapi.yaml and generated/openai_files_api, every operation generated" in log


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


@NEEDS_REAL
def test_make_vendor_writes_the_spec_and_generated_tree_this_suite_tests(
    regenerated: tuple[Path, str],
) -> None:
    project, _ = regenerated

    assert (project / "openapi.yaml").read_bytes() == (ROOT / "openapi.yaml").read_bytes()
    assert _tree(project / "generated") == _tree(ROOT / "generated")


@NEEDS_REAL
@pytest.mark.timeout(300)
def test_client_tests_pass_on_the_regenerated_code(regenerated: tuple[Path, str]) -> None:
    project, _ = regenerated

    run = run_tests(project, *SUITES)

    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert " passed" in run.stdout
