"""The emulator's source keeps to stock, public, portable APIs (issue 10), and stays apart from the client.

A private server class or a CPython detail can break every user's tests on the next release of a
dependency or of Python; a Linux-only call breaks them elsewhere. This reads the source, so it fails
the moment such a use comes back.
"""

from __future__ import annotations

import ast
from pathlib import Path

import openai_files_emulator

PACKAGE = Path(openai_files_emulator.__file__).parent
# Modules whose use ties the emulator to one platform or to the kernel's plumbing.
PLATFORM_MODULES = {"mmap", "fcntl", "select", "resource", "ctypes"}
# Calls that are Linux-only, CPython-internal, or reach around the server's public API.
FORBIDDEN_NAMES = {
    "getrefcount",
    "splice",
    "pipe2",
    "pwritev",
    "preadv",
    "setpriority",
    "sendfile",
    "get_buffer",
}


def sources() -> list[tuple[Path, ast.Module]]:
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) > 10
    return [(path, ast.parse(path.read_text(), filename=str(path))) for path in files]


def imported_modules(tree: ast.Module) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found += [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
    return found


def test_no_private_or_platform_modules() -> None:
    for path, tree in sources():
        for module in imported_modules(tree):
            parts = module.split(".")
            private = [p for p in parts if p.startswith("_") and p != "__future__"]
            assert not private, f"{path.name} imports the private {module}"
            assert parts[0] not in PLATFORM_MODULES, f"{path.name} imports {module}"
            assert not module.startswith("uvicorn.protocols"), f"{path.name} imports {module}"


def test_nothing_from_the_client_package() -> None:
    for path, tree in sources():
        for module in imported_modules(tree):
            root = module.split(".")[0]
            assert root not in {"openai_files", "openai_files_api"}, f"{path.name} imports {module}"


def test_no_forbidden_calls_or_class_swaps() -> None:
    for path, tree in sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute | ast.Name):
                name = node.attr if isinstance(node, ast.Attribute) else node.id
                assert name not in FORBIDDEN_NAMES, f"{path.name}:{node.lineno} uses {name}"
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    swapped = isinstance(target, ast.Attribute) and target.attr == "__class__"
                    assert not swapped, f"{path.name}:{node.lineno} swaps a class"


def test_the_rules_catch_what_they_name() -> None:
    """The checks above are not vacuous: each finds its target in a sample."""
    sample = ast.parse(
        "import sys\nfrom uvicorn.protocols.http.httptools_impl import HttpToolsProtocol\n"
        "import mmap\nsys.getrefcount(b)\nx.__class__ = Y\n"
    )
    modules = imported_modules(sample)
    assert "uvicorn.protocols.http.httptools_impl" in modules and "mmap" in modules
    names = {n.attr for n in ast.walk(sample) if isinstance(n, ast.Attribute)}
    assert "getrefcount" in names and "__class__" in names
