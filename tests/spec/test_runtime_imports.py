"""PyYAML is a dev dependency: importing the client, generated or overlay, must never pull it in."""

import subprocess
import sys

PROBE = """
import importlib, pkgutil, sys
for package in ("openai_files_api", "openai_files"):
    root = importlib.import_module(package)
    for module in pkgutil.walk_packages(root.__path__, package + "."):
        importlib.import_module(module.name)
print(sorted(name for name in sys.modules if name.split(".")[0] in ("yaml", "openai_files_spec")))
"""


def test_client_packages_never_import_yaml_or_the_spec_tool() -> None:
    run = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60, check=False
    )

    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"
