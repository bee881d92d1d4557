"""`openai-files completion SHELL`: a completion script written from the parser itself by shtab.

    openai-files completion bash > ~/.local/share/bash-completion/completions/openai-files
    openai-files completion zsh > "${fpath[1]}/_openai-files"

shtab writes bash, zsh and tcsh scripts; it has no fish writer.
"""

from __future__ import annotations

import shtab

from .parser import Commands, Context
from .render import EXIT_OK

__all__ = ["register"]


def register(commands: Commands) -> None:
    completion = commands.command(
        "completion",
        help="print a shell completion script (source it, or save it where the shell looks)",
        run=run,
    )
    completion.add_argument("shell", choices=shtab.SUPPORTED_SHELLS, help="the shell to complete in")
    completion.set_defaults(root=commands.root)


def run(ctx: Context) -> int:
    ctx.out.line(shtab.complete(ctx.args.root, shell=ctx.args.shell).rstrip("\n"))
    return EXIT_OK
