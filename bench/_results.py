"""Where every benchmark's table goes: `bench/results/<name>.md`, with the command that printed it and the
machine it ran on. `docs/BENCHMARKS.md` and `README.md` quote these files between markers, never a typed
table; `python bench/_results.py` refreshes every quote, and `tests/bench/test_results_quoted.py` fails
while a quote differs from its file.

A quote is written as

    <!-- results: bench/results/calls.md -->
    ...the file's text, verbatim...
    <!-- end results -->
"""

from __future__ import annotations

import datetime
import os
import platform
import re
import sys
from pathlib import Path

from _machine import cpu_model

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
QUOTING = (
    ROOT / "README.md",
    ROOT / "docs" / "BENCHMARKS.md",
    ROOT / "emulator" / "openai_files_emulator" / "README.md",
)
QUOTE = re.compile(r"(<!-- results: (?P<path>\S+) -->\n)(?P<body>.*?)(<!-- end results -->)", re.S)


def machine() -> str:
    """One line: CPUs, memory, kernel, Python, and the load average other work put on the machine."""
    memory = next(
        (
            int(line.split()[1]) / 2**20
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal:")
        ),
        0.0,
    )
    load = os.getloadavg()
    return (
        f"{os.cpu_count()} CPUs ({cpu_model()}), {memory:.0f} GiB RAM, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}; load average {load[0]:.1f} "
        f"(1 min) when the table was written"
    )


def write(name: str, table: str) -> Path:
    """Write `table` to `bench/results/<name>.md` under the command line that ran and the machine."""
    script = Path(sys.argv[0]).resolve().relative_to(ROOT)
    command = " ".join([".venv/bin/python", str(script), *sys.argv[1:]])
    today = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d")
    path = RESULTS / f"{name}.md"
    RESULTS.mkdir(exist_ok=True)
    path.write_text(f"Printed by `{command}` on {today}.\n{machine()}.\n\n{table.rstrip()}\n")
    print(f"wrote {path.relative_to(ROOT)}", file=sys.stderr)
    return path


def quoted(text: str) -> str:
    """`text` with every quote replaced by its results file's current content."""

    def current(quote: re.Match[str]) -> str:
        source = ROOT / quote["path"]
        if not source.is_file():
            sys.exit(f"{quote['path']} is quoted but missing: run the benchmark that writes it")
        return quote[1] + source.read_text() + quote[4]

    return QUOTE.sub(current, text)


def main() -> None:
    for doc in QUOTING:
        if doc.exists() and (new := quoted(doc.read_text())) != doc.read_text():
            doc.write_text(new)
            print(f"updated {doc.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
