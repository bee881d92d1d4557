"""The end of the vendoring report: what is new, what already serves it, and what to do about the rest.

A new operation works at once through `client.call(<module>, ...)`, typed and retried; it has an overlay
method only when `overlay/openai_files/_generated.py` imports its module, and the contract tests cover
it only once the emulator declares it (`emulator/openai_files_emulator/operations.py`).
"""

from openai_files_spec._changes import Change, Usage
from openai_files_spec._names import operation_module
from openai_files_spec._tree import Node, operations

EMULATOR_README = "emulator/openai_files_emulator/README.md"


def next_steps(
    *, spec: Node, changes: list[Change], usage: Usage, served: frozenset[tuple[str, str]]
) -> list[str]:
    """The report's closing lines for `spec`, given its `changes` against the current one.

    Args:
        spec: the vendored spec.
        changes: what `compare` found against the current spec.
        usage: what the overlay imports from the generated package.
        served: the (lower-case method, path) pairs the emulator serves.

    Returns:
        Lines to print under `next steps:`; one naming each new operation and what serves it.
    """
    new_modules = {c.owner for c in changes if c.sign == "+" and c.text.startswith("operation ")}
    lines = []
    new = [
        (p, m, operation_module(op)) for p, m, op in operations(spec) if operation_module(op) in new_modules
    ]
    if new:
        lines.append(f"{_count(len(new), 'operation')} new:")
        lines += [
            f"  {module} ({method.upper()} {path}): {_serving(module, (method, path), usage, served)}"
            for path, method, module in new
        ]
    fields = [c.text.split(" ", 2)[-1] for c in changes if c.sign == "+" and c.text.startswith("field ")]
    if fields:
        lines.append(
            f"{_count(len(fields), 'optional field')} new ({', '.join(fields)}): the generated models carry"
            " them at once (None where an answer lacks one); the emulator does not send or read them yet"
        )
    unserved = [operation_module(op) for path, method, op in operations(spec) if (method, path) not in served]
    if older := [module for module in unserved if module not in new_modules]:
        lines.append(f"the emulator still does not serve {', '.join(older)}: see {EMULATOR_README}")
    lines.append("then: make test (the contract tests cover what the emulator serves and name the rest)")
    return lines


def _serving(module: str, key: tuple[str, str], usage: Usage, served: frozenset[tuple[str, str]]) -> str:
    name = module.rsplit("/", 1)[-1]
    overlay = (
        "the overlay uses it"
        if module in usage.modules
        else f"no overlay method: call it with client.call({name}, ...)"
    )
    emulator = (
        "the emulator serves it"
        if key in served
        else f"the emulator does not serve it yet: see {EMULATOR_README}"
    )
    return f"{overlay}; {emulator}"


def _count(number: int, noun: str) -> str:
    return f"1 {noun} is" if number == 1 else f"{number} {noun}s are"
