"""Writing openapi.yaml: the current file's layout is kept, and no rewrap ever changes a value."""

from pathlib import Path

import pytest
import yaml

from openai_files_spec import dump
from openai_files_spec._merge import adopt_current
from openai_files_spec._yamlio import load_styled

LONG = "A description long enough to be folded over more than one line, " * 3
TRICKY = [
    LONG.strip(),
    LONG + "with  a double space and a `code span`: and a colon",
    "tab\tseparated " * 12,
    "# starts like a comment, " + LONG,
    "first paragraph\n\nsecond paragraph\n",
    "short",
    "200",
    "null",
]


@pytest.mark.parametrize("text", TRICKY)
def test_every_string_reads_back_unchanged(text: str) -> None:
    document = {"components": {"schemas": {"S": {"type": "object", "description": text}}}}

    assert yaml.safe_load(dump(document)) == document


def test_folded_prose_is_wrapped_at_the_same_width_at_any_depth() -> None:
    shallow = dump({"description": LONG.strip()}).splitlines()
    deep = dump({"a": {"b": {"c": {"description": LONG.strip()}}}}).splitlines()

    assert shallow[0].endswith(": >-") and deep[3].endswith(": >-")
    assert [line.strip() for line in shallow[1:]] == [line.strip() for line in deep[4:]]
    assert len(shallow) > 2 and max(len(line.strip()) for line in shallow) <= 91


def test_current_layout_survives_a_merge(tmp_path: Path) -> None:
    current = tmp_path / "openapi.yaml"
    current.write_text(
        "info:\n  title: T\n  description: >-\n    Our own words, folded.\n"
        "tags: [Files]\nrequired:\n  - id\n  - name\n"
    )
    new = {"info": {"title": "T", "description": "upstream"}, "tags": ["Files"], "required": ["id", "name"]}

    merged = adopt_current(new, load_styled(current))

    assert dump(merged) == current.read_text()
