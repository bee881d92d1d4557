"""`openai_files.__all__` is the public surface: every name in it exists, every public name is in it."""

from __future__ import annotations

import types

import openai_files


def test_all_matches_public_names() -> None:
    """Submodules count only when listed: pytest imports `openai_files.pytest_plugin` (its fixtures, not
    names to import), which sets it on the package."""
    public = {
        name
        for name in dir(openai_files)
        if not name.startswith("_")
        and (name in openai_files.__all__ or not isinstance(getattr(openai_files, name), types.ModuleType))
    }
    assert set(openai_files.__all__) == public
    assert openai_files.__all__ == sorted(openai_files.__all__)
