"""Reading what the overlay imports from the generated package, without importing anything.

`overlay/openai_files/_generated.py` is the overlay's one seam to `openai_files_api`; its import
statements are the list of classes and endpoint modules a change must not break.
"""

import ast
from pathlib import Path

from openai_files_spec._changes import Usage

PACKAGE = "openai_files_api"


def overlay_usage(seam: Path) -> Usage:
    if not seam.exists():
        return Usage(frozenset(), frozenset())
    classes: set[str] = set()
    modules: set[str] = set()
    for node in ast.walk(ast.parse(seam.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.ImportFrom) or not (node.module or "").startswith(PACKAGE):
            continue
        names = {alias.name for alias in node.names}
        if node.module == f"{PACKAGE}.models":
            classes |= names
        elif (node.module or "").startswith(f"{PACKAGE}.api."):
            tag = str(node.module).rsplit(".", 1)[-1]
            modules |= {f"{tag}/{name}" for name in names}
    return Usage(frozenset(classes), frozenset(modules))
