"""Maintainer tool: vendor OpenAI's OpenAPI spec into this project's `openapi.yaml`.

`make vendor UPSTREAM=<path or URL>` runs `python -m openai_files_spec vendor`, then regenerates and
checks the generated package. The steps: keep the Files, Uploads and Batch operations and what they
reach (`_slice`), fix the known upstream defects (`_fixes.FIXES`, among them `stable-names`: each
schema keeps the name our spec gives it, wherever upstream put it), keep our own text wherever our
current spec already has the item (`_merge`), and report what changed, wire changes apart from
naming-only ones, flagging what breaks the overlay's imports (`_changes`); the report ends with the
next steps, each new operation and what serves it: an overlay method, the emulator (`_next_steps`).
It reads YAML 1.2 (`_yamlio`) with PyYAML, a dev dependency: the client never imports it.
"""

from openai_files_spec._changes import Change, Usage, compare
from openai_files_spec._fixes import FIXES, Fix
from openai_files_spec._vendor import Vendored, vendor
from openai_files_spec._yamlio import SpecError, dump, load

__all__ = ["FIXES", "Change", "Fix", "SpecError", "Usage", "Vendored", "compare", "dump", "load", "vendor"]
