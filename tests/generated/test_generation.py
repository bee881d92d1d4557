"""Golden record: generated/ is exactly what openapi.yaml generates, and nothing was dropped."""

import filecmp
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "generated" / "openai_files_api"
OPERATIONS = {
    "batch": {"create_batch", "retrieve_batch", "list_batches", "cancel_batch"},
    "files": {"create_file", "list_files", "retrieve_file", "delete_file", "download_file"},
    "uploads": {"create_upload", "add_upload_part", "complete_upload", "cancel_upload"},
}
FUNCTIONS = ("sync", "sync_detailed", "asyncio", "asyncio_detailed")


def _differences(fresh: Path, committed: Path) -> list[str]:
    comparison = filecmp.dircmp(fresh, committed, ignore=["__pycache__"])
    found = [f"only in fresh output: {name}" for name in comparison.left_only]
    found += [f"only in generated/: {name}" for name in comparison.right_only]
    _, mismatch, errors = filecmp.cmpfiles(fresh, committed, comparison.common_files, shallow=False)
    found += [f"differs: {name}" for name in mismatch + errors]
    for sub in comparison.common_dirs:
        found += [f"{sub}/{line}" for line in _differences(fresh / sub, committed / sub)]
    return found


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("gen") / "openai_files_api"
    run = subprocess.run(
        ["make", "-s", "--no-print-directory", "--old-file=.venv/.installed-stamp", "generate", f"OUT={out}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return out, run.stdout + run.stderr


def test_generation_matches_committed_tree(fresh: tuple[Path, str]) -> None:
    out, _ = fresh
    assert _differences(out, COMMITTED) == []


def test_generation_prints_no_warning(fresh: tuple[Path, str]) -> None:
    _, log = fresh
    assert "warning" not in log.lower(), log


@pytest.mark.parametrize(("tag", "operation"), [(t, op) for t, ops in OPERATIONS.items() for op in ops])
def test_every_operation_has_four_callables(tag: str, operation: str) -> None:
    source = (COMMITTED / "api" / tag / f"{operation}.py").read_text()
    for function in FUNCTIONS:
        prefix = "async def" if function.startswith("asyncio") else "def"
        assert f"\n{prefix} {function}(" in source, f"{tag}/{operation} lacks {function}"


def test_no_operation_beyond_the_thirteen() -> None:
    modules = (COMMITTED / "api").glob("*/*.py")
    found = {(path.parent.name, path.stem) for path in modules if path.stem != "__init__"}
    assert found == {(t, op) for t, ops in OPERATIONS.items() for op in ops}
