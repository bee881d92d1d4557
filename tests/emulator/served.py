"""The operations of openapi.yaml, split by whether the emulator declares it serves them."""

from pathlib import Path

from openai_files_emulator.operations import SERVED_OPERATIONS
from openai_files_spec import load
from openai_files_spec._names import operation_module
from openai_files_spec._seam import overlay_usage
from openai_files_spec._tree import HTTP_METHODS, Node, operations

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "openapi.yaml"
# The operations the overlay builds on: the emulator must serve every one of them.
BUILT_ON = overlay_usage(ROOT / "overlay" / "openai_files" / "_generated.py").modules


def spec_operations() -> list[tuple[str, str, str]]:
    """(module, METHOD, path) of every operation in openapi.yaml, `files/create_file` style."""
    return [(operation_module(op), method.upper(), path) for path, method, op in operations(load(SPEC))]


def served_only(spec: Node) -> Node:
    """`spec` without the operations the emulator does not serve (components stay: refs still resolve)."""
    paths: Node = {}
    for path, item in spec["paths"].items():
        served = {key for key in item if (key.upper(), path) in SERVED_OPERATIONS}
        if served:
            paths[path] = {k: v for k, v in item.items() if k in served or k not in HTTP_METHODS}
    return {**spec, "paths": paths}
