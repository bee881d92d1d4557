"""Golden record: generated/ is exactly what openapi.yaml generates, and nothing was dropped.

The operations expected are read from openapi.yaml, so a vendored operation is checked like the others.
"""

import filecmp
import importlib
import inspect
import subprocess
from pathlib import Path

import pytest

from openai_files._operation import Operation
from openai_files_spec import load
from openai_files_spec._names import operation_module
from openai_files_spec._seam import overlay_usage
from openai_files_spec._tree import operations

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "generated" / "openai_files_api"
# (tag module, operation module) of every operation in openapi.yaml: ("files", "create_file").
OPERATIONS = sorted(
    tuple(operation_module(op).split("/")) for _, _, op in operations(load(ROOT / "openapi.yaml"))
)
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


@pytest.mark.parametrize(("tag", "operation"), OPERATIONS)
def test_every_operation_has_four_callables(tag: str, operation: str) -> None:
    source = (COMMITTED / "api" / tag / f"{operation}.py").read_text()
    for function in FUNCTIONS:
        prefix = "async def" if function.startswith("asyncio") else "def"
        assert f"\n{prefix} {function}(" in source, f"{tag}/{operation} lacks {function}"


@pytest.mark.parametrize(("tag", "operation"), OPERATIONS)
def test_every_operation_has_the_public_functions_client_call_runs(tag: str, operation: str) -> None:
    """`client.call` builds each request with `request_kwargs` and parses it with `parse_response`: the
    members of the overlay's `Operation` protocol, public in our template, with the same parameters."""
    module = importlib.import_module(f"openai_files_api.api.{tag}.{operation}")
    relied_on = {name for name in vars(Operation) if not name.startswith("_")}
    assert relied_on == {"request_kwargs", "parse_response"}
    for name in relied_on:
        assert callable(getattr(module, name, None)), f"{tag}/{operation} lacks {name}"
    parse = inspect.signature(module.parse_response).parameters
    assert [(p.name, p.kind) for p in parse.values()] == [
        ("client", inspect.Parameter.KEYWORD_ONLY),
        ("response", inspect.Parameter.KEYWORD_ONLY),
    ]


def test_no_operation_beyond_the_spec() -> None:
    modules = (COMMITTED / "api").glob("*/*.py")
    found = {(path.parent.name, path.stem) for path in modules if path.stem != "__init__"}
    assert found == set(OPERATIONS)


def test_the_spec_has_every_operation_the_overlay_builds_on() -> None:
    """The thirteen the seam imports; `make vendor` refuses a spec that drops one before this runs."""
    built_on = overlay_usage(ROOT / "overlay" / "openai_files" / "_generated.py").modules
    assert len(built_on) == 13
    assert built_on <= {"/".join(pair) for pair in OPERATIONS}
