"""Docstrings written once: an async method's help is its sync twin's, not a pointer to it.

The async classes' methods say `See \\`Files.create\\`; <what differs>` in the source, where a reader has
the twin beside them; `docs_from` puts the twin's whole docstring in their place at import, followed by
what differs, so `help(AsyncClient().files.create)` and an IDE show everything.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

__all__ = ["docs_from"]

C = TypeVar("C", bound=type)
SEE = re.compile(r"See `(\w+)\.(\w+)`(?:[;:.,]\s*(.*))?", re.DOTALL)


def docs_from(sync: type) -> Callable[[C], C]:
    """A class decorator: each method of the class whose docstring is `See \\`<sync>.<name>\\`...` gets
    the docstring of `sync.<name>`, then the rest of its own line as a note."""

    def decorate(cls: C) -> C:
        for name, member in vars(cls).items():
            match = SEE.fullmatch((getattr(member, "__doc__", None) or "").strip())
            if name.startswith("_") or match is None or match[1] != sync.__name__:
                continue
            source = getattr(sync, match[2]).__doc__
            if source is None:
                continue
            note = " ".join((match[3] or "").split())
            member.__doc__ = f"{source.rstrip()}\n\n        Async: {note}" if note else source
        return cls

    return decorate
