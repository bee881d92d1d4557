"""Reading the upstream spec fast and writing ours in the layout the hand-written file uses.

Both specs are read as YAML 1.2 reads them, as the generator (ruamel.yaml) does: libyaml's parser (the
upstream document is about 3 MB), then a composer that lets an anchor name be defined again, the later
definition serving the aliases after it (PyYAML refuses that as `found duplicate anchor`), and the 1.2
core schema for plain scalars (`yes`, `on`, `2024-01-01` and `012` stay the strings and decimal they are in
1.2, not 1.1's booleans, dates and octal). Our slice is small, so it is written with the pure-Python
dumper, which lets sequences be indented and short lists stay on one line, as in `openapi.yaml`.
"""

import re
import textwrap
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.events import CollectionStartEvent, ScalarEvent
from yaml.nodes import Node as YamlNode
from yaml.resolver import BaseResolver

from openai_files_spec._tree import Node

# Characters of text a line in a folded block, whatever its indentation (as in our openapi.yaml).
PROSE_WIDTH = 91


class SpecError(Exception):
    """The input cannot be vendored; the message says why."""


class _CoreSchema(BaseResolver):
    """Plain scalars resolved by the YAML 1.2 core schema (null, bool, int, float; the rest strings)."""


for _tag, _pattern, _first in (
    ("null", r"~|null|Null|NULL|", ["~", "n", "N", ""]),
    ("bool", r"true|True|TRUE|false|False|FALSE", "tTfF"),
    ("int", r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+", "-+0123456789"),
    (
        "float",
        r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)",
        "-+.0123456789",
    ),
    ("merge", r"<<", "<"),  # not 1.2 core, but the generator's reader honours merge keys too
):
    _CoreSchema.add_implicit_resolver(
        f"tag:yaml.org,2002:{_tag}", re.compile(rf"^(?:{_pattern})$"), list(_first)
    )


class _Loader(_CoreSchema, yaml.CSafeLoader):
    """libyaml parses and composes, the 1.2 core schema resolves plain scalars."""


class _ReusedAnchorsLoader(Composer, _Loader):
    """libyaml's parser (its events) under PyYAML's composer, made to accept YAML 1.2's reused anchors.

    Composing in Python costs about a third more time on the 3 MB upstream, so `load` uses it only for
    a document that may reuse a name.
    """

    def __init__(self, stream: str) -> None:
        _Loader.__init__(self, stream)
        Composer.__init__(self)

    def compose_node(self, parent: YamlNode | None, index: int) -> YamlNode | None:
        """A name defined again names the new node from there on (PyYAML refuses it)."""
        event = self.peek_event()
        if isinstance(event, ScalarEvent | CollectionStartEvent):
            self.anchors.pop(event.anchor, None)
        return super().compose_node(parent, index)


def _core_int(loader: _Loader, node: yaml.ScalarNode) -> int:
    """1.2 integers: decimal (`012` is twelve), `0o` octal, `0x` hexadecimal."""
    text = str(loader.construct_scalar(node))
    base = {"0o": 8, "0x": 16}.get(text[:2], 10)
    return int(text[2:] if base != 10 else text, base)


_Loader.add_constructor("tag:yaml.org,2002:int", _core_int)
# Whatever could be an anchor: every real one matches (and `&` in prose may too, which costs only time).
_ANCHOR = re.compile(r"&([^\s,\[\]{}]+)")


def _parse(text: str, loader: type[_Loader]) -> Any:
    reader = loader(text)
    try:
        return reader.get_single_data()
    finally:
        reader.dispose()


def load(source: str | Path) -> Node:
    """A spec from a path, or from an http(s) URL (a maintainer's machine only)."""
    name = str(source)
    text = _fetch(name) if name.startswith(("http://", "https://")) else _read(Path(name))
    anchors = _ANCHOR.findall(text)
    loader = _ReusedAnchorsLoader if len(anchors) != len(set(anchors)) else _Loader
    try:
        document = _parse(text, loader)
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


class Folded(str):
    """Text the current file writes as a folded block (`>-`)."""


class Flow(list[Any]):
    """A list the current file writes on one line."""


class Block(list[Any]):
    """A list the current file writes one entry a line."""


class _StyledLoader(_ReusedAnchorsLoader):
    """Remembers how the current file writes its strings and lists, so a rewrite keeps its layout."""


def _construct_str(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> str:
    text = loader.construct_scalar(node)
    return Folded(text) if node.style == ">" else str(text)


def _construct_list(loader: yaml.SafeLoader, node: yaml.SequenceNode) -> list[Any]:
    items = loader.construct_sequence(node, deep=True)
    return Flow(items) if node.flow_style else Block(items)


_StyledLoader.add_constructor("tag:yaml.org,2002:str", _construct_str)
_StyledLoader.add_constructor("tag:yaml.org,2002:seq", _construct_list)


def load_styled(path: Path) -> Node:
    """Our own spec (small), with the layout marks `dump` honours."""
    document = _parse(_read(path), _StyledLoader)
    if not isinstance(document, dict):
        raise SpecError(f"{path} is not an OpenAPI document")
    return document


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_list(dumper: yaml.SafeDumper, items: list[Any]) -> yaml.Node:
    if isinstance(items, Flow | Block):
        flow = isinstance(items, Flow)
    else:
        flow = (
            all(isinstance(i, str | int | float | bool) for i in items)
            and len(", ".join(map(str, items))) < 60
        )
    return dumper.represent_sequence("tag:yaml.org,2002:seq", items, flow_style=flow)


def _represent_str(dumper: yaml.SafeDumper, text: str) -> yaml.Node:
    style = None
    if "\n" in text.rstrip("\n"):
        style = "|"
    elif isinstance(text, Folded) or len(text) > PROSE_WIDTH:
        style = ">"
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(list, _represent_list)
_Dumper.add_representer(Flow, _represent_list)
_Dumper.add_representer(Block, _represent_list)
_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(Folded, _represent_str)


def dump(spec: Node) -> str:
    text = yaml.dump(spec, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1_000_000)
    return _wrap_folded(text)


def _wrap_folded(text: str) -> str:
    """Folded blocks wrapped at PROSE_WIDTH characters of text, however deep they are indented.

    The dumper writes each folded block on one line; any break between single-spaced words folds back
    into that space when read, so wrapping here keeps the value.
    """
    lines: list[str] = []
    folding = False
    for line in text.splitlines():
        body = line.lstrip(" ")
        plain_words = body and "  " not in body and "\t" not in body
        if folding and plain_words and _indent(line) > _indent(lines[-1]):
            parts = textwrap.wrap(body, PROSE_WIDTH, break_on_hyphens=False, break_long_words=False)
            lines += [" " * _indent(line) + part for part in parts]
            folding = False
            continue
        folding = line.endswith((": >-", ": >", "- >-", "- >"))
        lines.append(line)
    return "\n".join(lines) + "\n"


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))
