"""Reading which operations the emulator serves, without importing it (it needs the server packages).

`emulator/openai_files_emulator/operations.py` declares them as plain data: `SERVED_OPERATIONS`, a set
of (HTTP method, path) pairs written as `openapi.yaml` writes them.
"""

import ast
from pathlib import Path

from openai_files_spec._yamlio import SpecError

NAME = "SERVED_OPERATIONS"


def served_operations(declaration: Path) -> frozenset[tuple[str, str]]:
    """The (lower-case method, path) pairs the emulator serves; none when there is no declaration.

    Raises:
        SpecError: the file assigns `SERVED_OPERATIONS` something other than literal pairs.
    """
    if not declaration.exists():
        return frozenset()
    for node in ast.walk(ast.parse(declaration.read_text(encoding="utf-8"))):
        if isinstance(node, ast.AnnAssign | ast.Assign):
            targets = [node.target] if isinstance(node, ast.AnnAssign) else node.targets
            if any(isinstance(t, ast.Name) and t.id == NAME for t in targets) and node.value is not None:
                return _pairs(declaration, node.value)
    return frozenset()


def _pairs(declaration: Path, value: ast.expr) -> frozenset[tuple[str, str]]:
    literal = value.args[0] if isinstance(value, ast.Call) and value.args else value
    try:
        pairs = ast.literal_eval(literal)
        return frozenset((str(method).lower(), str(path)) for method, path in pairs)
    except (ValueError, TypeError) as exc:
        raise SpecError(f"{declaration}: {NAME} is not a literal set of (method, path) pairs") from exc
