"""The argument parser: global options accepted before or after the command, and a registry of commands.

A command group lives in a module of its own with a `register(commands: Commands)` function; adding a
group is one entry in `GROUPS` (see `__init__.py`). Every command and argument carries a one-line help.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from .. import Client, ConfigurationError, ProgressBar, __version__
from . import flags
from .render import EXIT_USAGE, Printer, exit_table
from .terminal import Diagnostics

__all__ = ["Command", "Commands", "Context", "Options", "build_parser"]


def _option(*names: str, help: str, default: object = None, **argparse_options: Any) -> Any:
    """A global option's field: its default is the field's, its flags and help ride in its metadata."""
    return field(default=default, metadata={"names": names, "help": help, **argparse_options})


def _switch(*names: str, help: str) -> Any:
    return _option(*names, help=help, default=False, action="store_true")


@dataclass(frozen=True)
class Options:
    """The global options: defined here once, taken before or after the command, read by `read`."""

    json: bool = _switch("--json", help="print JSON Lines: one JSON object per line")
    verbose: bool = _switch("-v", "--verbose", help="say what is being done: requests, retries, resumed work")
    debug: bool = _switch("--debug", help="debug logging and tracebacks (key scrubbed)")
    no_progress: bool = _switch("--no-progress", help="no progress output on stderr")
    base_url: str | None = _option(
        "--base-url",
        metavar="URL",
        help="service URL (default: $OPENAI_BASE_URL or https://api.openai.com/v1)",
    )
    api_key_file: str | None = _option(
        "--api-key-file", metavar="PATH", help="read the API key from this file (default: $OPENAI_API_KEY)"
    )
    timeout: float | None = _option(
        "--timeout", type=flags.seconds, metavar="SECONDS", help="network timeout per operation"
    )
    max_retries: int | None = _option(
        "--max-retries", type=flags.retries, metavar="N", help="retries per request (default 2)"
    )

    @classmethod
    def parser(cls) -> _Parser:
        """A parent parser of the options, for the root and every command. SUPPRESS: an option absent
        after the command must not reset one given before it."""
        parent = _Parser(add_help=False, argument_default=argparse.SUPPRESS)
        group = parent.add_argument_group("global options (before or after the command)")
        for option in dataclasses.fields(cls):
            given = dict(option.metadata)
            group.add_argument(*given.pop("names"), dest=option.name, **given)
        return parent

    @classmethod
    def read(cls, args: argparse.Namespace) -> Options:
        """The options given anywhere on the line; the others keep their defaults."""
        return cls(**{o.name: getattr(args, o.name) for o in dataclasses.fields(cls) if o.name in args})


@dataclass
class Context:
    """What a command works with: its arguments, the global options, a client made on first use, stdout
    and stderr."""

    args: argparse.Namespace
    options: Options
    out: Printer
    err: Diagnostics
    _client: Client | None = field(default=None, init=False, repr=False)

    @property
    def client(self) -> Client:
        """The client, made from the global options and the environment the first time it is needed."""
        if self._client is None:
            key = None
            if self.options.api_key_file is not None:
                key = _read_key(self.options.api_key_file)
            elif not os.environ.get("OPENAI_API_KEY"):
                raise ConfigurationError(
                    "no API key: set OPENAI_API_KEY, or pass --api-key-file PATH (a file holding the key)",
                    param="api_key",
                )
            self._client = Client(
                api_key=key,
                base_url=self.options.base_url,
                timeout=self.options.timeout,
                max_retries=self.options.max_retries,
            )
        return self._client

    @property
    def has_client(self) -> bool:
        """Whether a client was made (and so the settings were read)."""
        return self._client is not None

    def progress(self, label: str) -> ProgressBar | None:
        """The one progress type of the CLI: a bar on stderr starting with `label`, or None under
        `--no-progress`. `Diagnostics` redraws it in place on a terminal, and elsewhere keeps its final
        line only."""
        return None if self.options.no_progress else ProgressBar(label=label, stream=self.err)

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


class _Parser(argparse.ArgumentParser):
    """Usage errors as one line on stderr and exit 2, like every other error of the CLI."""

    def error(self, message: str) -> NoReturn:
        Diagnostics(sys.stderr).error(f"{message} (see: {self.prog} --help)")
        sys.exit(EXIT_USAGE)


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
    parents = [Options.parser()]
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
