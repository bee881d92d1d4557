"""The strict check trusts `_generated.py` to list what the overlay uses: no other module may import
the generated package, or a change that breaks it would pass unflagged."""

import ast

from .project_copy import ROOT, SEAM

OVERLAY = ROOT / "overlay" / "openai_files"


def _imports_generated(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "openai_files_api":
            return True
        if isinstance(node, ast.Import) and any(
            a.name.split(".")[0] == "openai_files_api" for a in node.names
        ):
            return True
    return False


def test_only_the_seam_imports_the_generated_package() -> None:
    importers = [
        path.relative_to(ROOT)
        for path in sorted(OVERLAY.rglob("*.py"))
        if _imports_generated(ast.parse(path.read_text(encoding="utf-8")))
    ]

    assert importers == [SEAM]
