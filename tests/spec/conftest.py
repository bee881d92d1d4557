"""Fixtures the spec tool's tests share: our spec as data, and what the overlay imports."""

import pytest

from openai_files_spec import Usage, load
from openai_files_spec._seam import overlay_usage
from openai_files_spec._tree import Node

from .project_copy import ROOT, SEAM


@pytest.fixture(scope="module")
def ours() -> Node:
    """The committed openapi.yaml (tests copy it before changing it)."""
    return load(ROOT / "openapi.yaml")


@pytest.fixture(scope="module")
def usage() -> Usage:
    """The classes and endpoint modules overlay/openai_files/_generated.py imports."""
    return overlay_usage(ROOT / SEAM)
