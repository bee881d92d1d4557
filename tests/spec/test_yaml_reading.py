"""Upstream's YAML is read as YAML 1.2 reads it: reused anchor names, and the 1.2 core schema's scalars."""

import copy
import re
from pathlib import Path

import pytest
import yaml

from openai_files_spec import load, vendor
from openai_files_spec._yamlio import load_styled

from .project_copy import ROOT
from .upstream_shape import upstream_shaped

CURSOR = {"type": "string", "description": "A cursor, shared by two fields."}


def _with_reused_anchors(tmp_path: Path) -> tuple[Path, dict[str, object]]:
    """Upstream-shaped YAML where one anchor name is defined twice, each time with its own aliases."""
    spec = upstream_shaped(load(ROOT / "openapi.yaml"))
    schemas = spec["components"]["schemas"]
    for page, marker in (("ListFilesResponse", "file"), ("ListBatchesResponse", "batch")):
        cursor = {**CURSOR, "example": f"{marker}-abc"}  # one object per page: the dumper anchors it
        for field in ("first_id", "last_id"):
            schemas[page]["properties"][field] = cursor
    text = yaml.safe_dump(spec, sort_keys=False)
    assert len(re.findall(r"&id\d+", text)) == 2  # two anchors, each followed by its own alias
    path = tmp_path / "upstream.yaml"
    path.write_text(re.sub(r"([&*])id\d+", r"\1cursor", text))
    return path, copy.deepcopy(spec)


def test_a_reused_anchor_name_names_the_latest_node(tmp_path: Path) -> None:
    path, expected = _with_reused_anchors(tmp_path)
    with pytest.raises(yaml.YAMLError, match="found duplicate anchor"):  # what YAML 1.1 readers say
        yaml.load(path.read_text(), Loader=yaml.CSafeLoader)

    assert load(path) == expected


def test_a_spec_with_reused_anchors_vendors_like_one_without(tmp_path: Path) -> None:
    path, expected = _with_reused_anchors(tmp_path)
    current = load_styled(ROOT / "openapi.yaml")

    assert vendor(load(path), current).text == vendor(expected, current).text


def test_plain_scalars_follow_the_yaml_1_2_core_schema(tmp_path: Path) -> None:
    """`yes`, `on`, a date and a leading zero: strings or decimals in 1.2 (1.1: booleans, a date, octal)."""
    path = tmp_path / "scalars.yaml"
    path.write_text(
        "openapi: 3.1.0\n"
        "values: [yes, no, on, off, 2024-10-01, 012, 0o17, 0x1F, 1e3, -.5, true, False, ~, null, '', 1_000]\n"
    )

    assert load(path)["values"] == [
        "yes", "no", "on", "off", "2024-10-01", 12, 15, 31, 1000.0, -0.5,
        True, False, None, None, "", "1_000",
    ]  # fmt: skip
