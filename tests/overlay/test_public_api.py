"""`openai_files.__all__` is the public surface: every name in it exists, every public name is in it."""

from __future__ import annotations

import ast
import types
from pathlib import Path

import openai_files


def test_all_matches_public_names() -> None:
    """Submodules count only when listed: pytest imports `openai_files.pytest_plugin` (its fixtures, not
    names to import), which sets it on the package."""
    public = {
        name
        for name in dir(openai_files)
        if not name.startswith("_")
        and (name in openai_files.__all__ or not isinstance(getattr(openai_files, name), types.ModuleType))
    }
    assert set(openai_files.__all__) == public
    assert openai_files.__all__ == sorted(openai_files.__all__)


def test_the_command_line_imports_only_public_names() -> None:
    """The CLI is a user of the library like any other: from the package it imports the top level and
    the public `webhooks`, plus `_rules`' lists of the service's choices (their one source)."""
    allowed = {"openai_files", "openai_files.webhooks", "openai_files._rules"}
    cli = Path(openai_files.__file__).parent / "_cli"
    found = set()
    for path in sorted(cli.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.level == 2:
                found.add(".".join(["openai_files", *([node.module] if node.module else [])]))
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
    assert {name for name in found if name.startswith("openai_files")} <= allowed
    assert "openai_files" in found  # the walk saw the imports it judges
