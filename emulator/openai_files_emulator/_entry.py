"""The `openai-files-emulator` command's entry point: the standard library only, so that without the
server packages (the `emulator` extra) it says in one line what to install instead of a traceback."""

from __future__ import annotations

import importlib

SERVER_PACKAGES = ("starlette", "uvicorn", "python_multipart")
INSTALL_HINT = "pip install 'openai-files[emulator]'"


def missing_packages() -> list[str]:
    """The server packages that cannot be imported here."""
    missing = []
    for name in SERVER_PACKAGES:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    return missing


def main() -> None:
    """Run `openai_files_emulator.__main__.main`, or exit with one line naming the extra to install."""
    if missing := missing_packages():
        raise SystemExit(
            f"openai-files-emulator: the emulator needs the `emulator` extra ({', '.join(missing)} missing): "
            f"{INSTALL_HINT}"
        )
    from .__main__ import main as serve  # noqa: PLC0415 - only once the server packages are known present

    serve()
