"""Every benchmark table in the documentation is a quote of the results file the benchmark wrote.

`bench/_results.py` writes `bench/results/<name>.md` and refreshes the quotes between
`<!-- results: ... -->` and `<!-- end results -->`; these tests fail while a quote differs from its file,
a quote names no file, or a results file is quoted nowhere. No server: they read files only.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [
    ROOT / "README.md",
    ROOT / "docs" / "BENCHMARKS.md",
    ROOT / "emulator" / "openai_files_emulator" / "README.md",
]
OPEN, CLOSE = re.compile(r"<!-- results: (\S+) -->\n"), "<!-- end results -->"


def quotes(doc: Path) -> list[tuple[str, str]]:
    """(results path, quoted text) for every quote in `doc`; a quote left open is an error."""
    text, found = doc.read_text(encoding="utf-8"), []
    for start in OPEN.finditer(text):
        end = text.find(CLOSE, start.end())
        assert end != -1, f"{doc.name}: the quote of {start[1]} is never closed"
        found.append((start[1], text[start.end() : end]))
    return found


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: str(d.relative_to(ROOT)))
def test_each_quote_is_its_results_file_verbatim(doc: Path) -> None:
    for name, quoted in quotes(doc):
        source = ROOT / name
        assert source.parent == ROOT / "bench" / "results", f"{doc.name} quotes {name}, not a results file"
        assert source.is_file(), f"{doc.name} quotes {name}, which no benchmark wrote"
        assert quoted == source.read_text(encoding="utf-8"), (
            f"{doc.name}: the quote of {name} differs from the file; run `python bench/_results.py`"
        )


def test_every_results_file_is_quoted() -> None:
    quoted = {name for doc in DOCS for name, _ in quotes(doc)}
    written = {str(p.relative_to(ROOT)) for p in (ROOT / "bench" / "results").glob("*.md")}
    assert written <= quoted, f"results no document shows: {sorted(written - quoted)}"
    assert quoted, "no document quotes a results file"


def test_each_results_file_names_its_command_and_machine() -> None:
    for path in (ROOT / "bench" / "results").glob("*.md"):
        first, machine = path.read_text(encoding="utf-8").splitlines()[:2]
        assert re.fullmatch(r"Printed by `\.venv/bin/python bench/\w+\.py[^`]*` on \d{4}-\d\d-\d\d\.", first)
        assert "CPUs (" in machine and "Python 3." in machine, machine


def test_a_changed_figure_is_caught(tmp_path: Path) -> None:
    """The check itself: a quote one digit off from its file fails."""
    results = ROOT / "bench" / "results"
    name = next(results.glob("*.md"))
    text = name.read_text(encoding="utf-8")
    digit = re.search(r"\d", text.split("\n\n", 1)[1])
    assert digit is not None
    at = len(text.split("\n\n", 1)[0]) + 2 + digit.start()
    changed = text[:at] + str((int(text[at]) + 1) % 10) + text[at + 1 :]
    doc = tmp_path / "doc.md"
    doc.write_text(f"<!-- results: {name.relative_to(ROOT)} -->\n{changed}{CLOSE}\n")
    with pytest.raises(AssertionError, match="differs from the file"):
        test_each_quote_is_its_results_file_verbatim(doc)
