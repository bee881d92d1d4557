"""Reading the upstream spec fast and writing ours in the layout the hand-written file uses.

The upstream document is about 3 MB, so it is read with libyaml (`CSafeLoader`). Our slice is small,
so it is written with the pure-Python dumper, which lets sequences be indented and short lists stay on
one line, as in the committed `openapi.yaml`.
"""

from pathlib import Path
from typing import Any

import yaml

from openai_files_spec._tree import Node

WIDTH = 100


class SpecError(Exception):
    """The input cannot be vendored; the message says why."""


def load(source: str | Path) -> Node:
    """A spec from a path, or from an http(s) URL (a maintainer's machine only)."""
    name = str(source)
    text = _fetch(name) if name.startswith(("http://", "https://")) else _read(Path(name))
    try:
        document = yaml.load(text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError as exc:
        raise SpecError(f"{source} is not valid YAML: {exc}") from exc
    if not isinstance(document, dict) or not str(document.get("openapi", "")).startswith("3."):
        raise SpecError(f"{source} is not an OpenAPI 3 document (no `openapi: 3.x` at the top)")
    return document


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"cannot read {path}: {exc.strerror}") from exc


def _fetch(url: str) -> str:
    import httpx  # noqa: PLC0415 - only the URL form needs the network

    response = httpx.get(url, timeout=httpx.Timeout(60.0), follow_redirects=True)
    if response.status_code != 200:
        raise SpecError(f"GET {url} answered {response.status_code}")
    return response.text


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_list(dumper: yaml.SafeDumper, items: list[Any]) -> yaml.Node:
    scalars = all(isinstance(item, str | int | float | bool) for item in items)
    short = scalars and len(", ".join(map(str, items))) < 60
    return dumper.represent_sequence("tag:yaml.org,2002:seq", items, flow_style=short)


def _represent_str(dumper: yaml.SafeDumper, text: str) -> yaml.Node:
    style = None
    if "\n" in text.rstrip("\n"):
        style = "|"
    elif len(text) > WIDTH - 20:
        style = ">"
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(list, _represent_list)
_Dumper.add_representer(str, _represent_str)


def dump(spec: Node) -> str:
    return yaml.dump(spec, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=WIDTH)
