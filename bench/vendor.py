"""Time `make vendor` on the real upstream spec, step by step, without touching the working tree.

`make vendor` = vendor into a temporary openapi.yaml, generate from it, check the operations, then copy
both into place; this runs the same three steps into a temporary folder, five times, and writes the
medians to `bench/results/vendor.md`.

    UPSTREAM=<path of OpenAI's openapi.yaml> .venv/bin/python bench/vendor.py
    make bench-vendor UPSTREAM=<path>

Without UPSTREAM it takes the newest `../shared/upstream/openai-openapi-*.yaml` when that folder exists
(the maintainers' machines and CI), and otherwise stops with one line saying what it needs.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _results import write

ROOT = Path(__file__).resolve().parents[1]
RUNS = 5

# The spec tool is not installed: it runs from tools/, as `make vendor` runs it.
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "tools")}


def _timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True, timeout=120, env=ENV)
    return time.perf_counter() - start


def upstream_spec() -> Path:
    """$UPSTREAM, else the newest spec in ../shared/upstream/; exits with one line when there is none."""
    if os.environ.get("UPSTREAM"):
        path = Path(os.environ["UPSTREAM"])
        if not path.is_file():
            sys.exit(f"bench/vendor.py: UPSTREAM={path} is not a file")
        return path
    found = sorted((ROOT.parent / "shared" / "upstream").glob("openai-openapi-*.yaml"))
    if not found:
        sys.exit("bench/vendor.py needs OpenAI's openapi.yaml: UPSTREAM=<path> make bench-vendor")
    return found[-1]


def main() -> None:
    upstream = upstream_spec()
    steps: dict[str, list[float]] = {"vendor": [], "generate": [], "check-operations": []}
    for _ in range(RUNS):
        with tempfile.TemporaryDirectory() as tmp:
            spec, package = f"{tmp}/openapi.yaml", f"{tmp}/openai_files_api"
            tool = [sys.executable, "-m", "openai_files_spec"]
            steps["vendor"].append(_timed([*tool, "vendor", str(upstream), "--strict", "--output", spec]))
            make = ["make", "--no-print-directory", "generate", f"SPEC={spec}", f"OUT={package}"]
            steps["generate"].append(_timed(make))
            check = [*tool, "check-operations", "--spec", spec, "--package", package]
            steps["check-operations"].append(_timed(check))
    size = upstream.stat().st_size / 1e6
    total = statistics.median(map(sum, zip(*steps.values(), strict=True)))
    table = "\n".join(
        [
            f"`make vendor`'s steps on {upstream.name} ({size:.1f} MB), median of {RUNS} runs "
            "(`make vendor` adds two file copies).",
            "",
            "| step | seconds |",
            "|---|---:|",
            *(f"| {name} | {statistics.median(seconds):.2f} |" for name, seconds in steps.items()),
            f"| total | {total:.2f} |",
        ]
    )
    print(table)
    write("vendor", table)


if __name__ == "__main__":
    main()
