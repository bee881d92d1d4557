"""The async side is anyio throughout: the clients' waits, the upload engine's tasks, the downloads' parts.

Services often run on anyio (Starlette, FastAPI), whose cancel scopes cancel again at every await: only
anyio's own shielding lets a cancelled upload still cancel its Upload. So the client uses anyio's tasks,
scopes and threads everywhere, imports no other async library, and declares anyio as a dependency.
"""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import openai_files

OTHER_ASYNC_LIBRARIES = {"asyncio", "trio", "curio"}
ROOT = Path(__file__).resolve().parents[2]


def _imported(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    names |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    return {name.split(".")[0] for name in names}


def test_the_overlay_imports_no_async_library_but_anyio() -> None:
    package = Path(openai_files.__file__).parent
    modules = sorted(package.rglob("*.py"))
    offenders = {str(m.relative_to(package)): _imported(m) & OTHER_ASYNC_LIBRARIES for m in modules}

    assert any("anyio" in _imported(m) for m in modules)
    assert {name: found for name, found in offenders.items() if found} == {}


def test_the_client_depends_on_anyio_and_no_other_async_library() -> None:
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    names = {re.split(r"[\s<>=!~;\[]", dep)[0] for dep in dependencies}

    assert "anyio" in names
    assert names & OTHER_ASYNC_LIBRARIES == set()
