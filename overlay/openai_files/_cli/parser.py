"""The argument parser: global options accepted before or after the command, and a registry of commands.

A command group lives in a module of its own with a `register(commands: Commands)` function; adding a
group is one entry in `GROUPS` (see `__init__.py`). Every command and argument carries a one-line help.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from .._client import Client
from .._errors import ConfigurationError
from .._version import __version__
from . import flags
from .render import EXIT_USAGE, Printer, exit_table
from .terminal import Diagnostics

__all__ = ["Command", "Commands", "Context", "build_parser", "parse"]


@dataclass
class Context:
    """What a command works with: its arguments, a client made on first use, stdout and stderr."""

    args: argparse.Namespace
    out: Printer
    err: Diagnostics
    _client: Client | None = field(default=None, init=False, repr=False)

    @property
    def client(self) -> Client:
        """The client, made from the global options and the environment the first time it is needed."""
        if self._client is None:
            key = None
            if self.args.api_key_file is not None:
                key = _read_key(self.args.api_key_file)
            elif not os.environ.get("OPENAI_API_KEY"):
                raise ConfigurationError(
                    "no API key: set OPENAI_API_KEY, or pass --api-key-file PATH (a file holding the key)",
                    param="api_key",
                )
            self._client = Client(
                api_key=key,
                base_url=self.args.base_url,
                timeout=self.args.timeout,
                max_retries=self.args.max_retries,
            )
        return self._client

    @property
    def has_client(self) -> bool:
        """Whether a client was made (and so the settings were read)."""
        return self._client is not None

    def redact(self, text: str) -> str:
        """`text` without the API key, once a client holds one."""
        return self._client.redact(text) if self._client is not None else text

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


def _read_key(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
        raise ConfigurationError(f"--api-key-file {path}: {reason}", param="api_key") from None


Command = Callable[[Context], int]

# (flags, keyword arguments, default): parsed into `args.<dest>` wherever they appear on the line.
GLOBAL_OPTIONS: tuple[tuple[tuple[str, ...], dict[str, Any], object], ...] = (
    (("--json",), {"action": "store_true", "help": "print JSON Lines: one JSON object per line"}, False),
    (
        ("-v", "--verbose"),
        {"action": "store_true", "help": "say what is being done: requests, retries, resumed work"},
        False,
    ),
    (("--debug",), {"action": "store_true", "help": "debug logging and tracebacks (key scrubbed)"}, False),
    (("--no-progress",), {"action": "store_true", "help": "no progress output on stderr"}, False),
    (
        ("--base-url",),
        {"metavar": "URL", "help": "service URL (default: $OPENAI_BASE_URL or https://api.openai.com/v1)"},
        None,
    ),
    (
        ("--api-key-file",),
        {"metavar": "PATH", "help": "read the API key from this file (default: $OPENAI_API_KEY)"},
        None,
    ),
    (
        ("--timeout",),
        {"type": flags.seconds, "metavar": "SECONDS", "help": "network timeout per operation"},
        None,
    ),
    (
        ("--max-retries",),
        {"type": flags.retries, "metavar": "N", "help": "retries per request (default 2)"},
        None,
    ),
)


class _Parser(argparse.ArgumentParser):
    """Usage errors as one line on stderr and exit 2, like every other error of the CLI."""

    def error(self, message: str) -> NoReturn:
        Diagnostics(sys.stderr).error(f"{message} (see: {self.prog} --help)")
        sys.exit(EXIT_USAGE)


def _global_options() -> _Parser:
    # SUPPRESS: an option absent after the command must not reset one given before it.
    parent = _Parser(add_help=False, argument_default=argparse.SUPPRESS)
    group = parent.add_argument_group("global options (before or after the command)")
    for names, options, _ in GLOBAL_OPTIONS:
        group.add_argument(*names, **options)
    return parent


class Commands:
    """Where a group registers its commands; each one gets the global options and a help line."""

    def __init__(
        self,
        actions: argparse._SubParsersAction[_Parser],
        parents: list[_Parser],
        root: argparse.ArgumentParser,
    ):
        self._actions = actions
        self._parents = parents
        self.root = root
        """The `openai-files` parser itself (shell completion is written from it)."""

    def _add(self, name: str, help: str, aliases: Sequence[str]) -> _Parser:
        return self._actions.add_parser(
            name, help=help, description=help, parents=self._parents, aliases=list(aliases)
        )

    def group(self, name: str, *, help: str) -> Commands:
        """A command that only holds commands (`files`, `batches`): `openai-files NAME COMMAND`."""
        parser = self._add(name, help, ())
        return Commands(_subcommands(parser), self._parents, self.root)

    def command(
        self, name: str, *, help: str, run: Command, aliases: Sequence[str] = ()
    ) -> argparse.ArgumentParser:
        """A command that runs `run`, also called by its `aliases` (`list` for `ls`); add its arguments,
        each with a `help=`, to the parser returned."""
        parser = self._add(name, help, aliases)
        parser.set_defaults(run=run)
        return parser


def _subcommands(parser: argparse.ArgumentParser) -> argparse._SubParsersAction[_Parser]:
    return parser.add_subparsers(title="commands", metavar="COMMAND", required=True, parser_class=_Parser)


Register = Callable[[Commands], None]


def build_parser(groups: Sequence[Register]) -> argparse.ArgumentParser:
    """The `openai-files` parser with every group's commands."""
    parents = [_global_options()]
    parser = _Parser(
        prog="openai-files",
        description="OpenAI Files, Uploads and Batches from the shell. The API key comes from "
        "$OPENAI_API_KEY (or --api-key-file), never from an argument.",
        epilog=f"exit codes:\n{exit_table()}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=parents,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = Commands(_subcommands(parser), parents, parser)
    for register in groups:
        register(commands)
    return parser


@functools.cache
def _defaults() -> dict[str, object]:
    return {names[-1].lstrip("-").replace("-", "_"): default for names, _, default in GLOBAL_OPTIONS}


def parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse `argv`; a global option keeps its default only when given nowhere on the line."""
    return parser.parse_args(argv, namespace=argparse.Namespace(**_defaults()))
