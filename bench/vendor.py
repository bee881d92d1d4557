"""Time `make vendor` on the real upstream spec, step by step, without touching the working tree.

`make vendor` = vendor into a temporary openapi.yaml, generate from it, check the operations, then copy
both into place; this runs the same three steps into a temporary folder, five times, and prints medians.
Usage: .venv/bin/python bench/vendor.py [UPSTREAM]   (default: the newest ../shared/upstream/*.yaml)
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = 5

# The spec tool is not installed: it runs from tools/, as `make vendor` runs it.
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "tools")}


def _timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True, timeout=120, env=ENV)
    return time.perf_counter() - start


def main() -> None:
    upstreams = sorted((ROOT.parent / "shared" / "upstream").glob("openai-openapi-*.yaml"))
    upstream = Path(sys.argv[1]) if len(sys.argv) > 1 else upstreams[-1]
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
    print(f"{upstream.name} ({size:.1f} MB), median of {RUNS} runs:")
    for name, seconds in steps.items():
        print(f"  {name:<17} {statistics.median(seconds):5.2f} s")
    total = statistics.median(map(sum, zip(*steps.values(), strict=True)))
    print(f"  {'total':<17} {total:5.2f} s   (make vendor adds two file copies)")


if __name__ == "__main__":
    main()
