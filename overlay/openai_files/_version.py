"""The package's version, read from the installed distribution: `pyproject.toml` is its one source."""

from importlib import metadata

__all__ = ["__version__"]

try:
    __version__ = metadata.version("openai-files")
except metadata.PackageNotFoundError:  # pragma: no cover - imported from a checkout that is not installed
    __version__ = "0+unknown"
