"""Scratch copies of the project, where `make vendor` may rewrite openapi.yaml and generated/."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / ".venv"
# What `make vendor` and `make generate` read; the seam tells the tool what the overlay imports.
SPEC_FILES = ("Makefile", "pyproject.toml", "generator-config.yaml", "openapi.yaml", "templates", "tools")
SEAM = Path("overlay/openai_files/_generated.py")
# What the emulator serves, which the report's next steps name.
SERVED = Path("emulator/openai_files_emulator/operations.py")
IGNORED = shutil.ignore_patterns(".venv", ".git", "*cache*", "*.egg-info", ".bench-data", ".emulator-data")


def copy_project(target: Path, *, whole: bool = False, seam: bool = True) -> Path:
    """The files vendoring needs (or the whole tree) under `target`, sharing the project's venv."""
    target.mkdir(parents=True, exist_ok=True)
    names = [p.name for p in ROOT.iterdir()] if whole else list(SPEC_FILES)
    names = [name for name in names if name not in IGNORED(str(ROOT), names)]
    for name in names:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=IGNORED)
        elif source.is_file():
            shutil.copy2(source, target / name)
    for part in (SEAM, SERVED) if seam and not whole else ():
        (target / part).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / part, target / part)
    _share_venv(target / ".venv")
    return target


def _share_venv(venv: Path) -> None:
    """The project's venv, entry by entry, with a stamp of its own: make never reinstalls into it."""
    venv.mkdir()
    for entry in VENV.iterdir():
        if entry.name != ".installed-stamp":
            (venv / entry.name).symlink_to(entry)
    (venv / ".installed-stamp").touch()


def make(project: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )


def run_tests(project: Path, *paths: str, timeout: float = 280) -> subprocess.CompletedProcess[str]:
    """pytest on `paths` in a whole-project copy, importing the copy's packages rather than ours."""
    packages = os.pathsep.join(str(project / folder) for folder in ("generated", "overlay", "emulator"))
    scratch = project.parent / "tmp"  # tests that watch the temp folder see only their own files
    scratch.mkdir(exist_ok=True)
    env = {**os.environ, "PYTHONPATH": packages, "PYTHONDONTWRITEBYTECODE": "1", "TMPDIR": str(scratch)}
    where = subprocess.run(
        [sys.executable, "-c", "import openai_files_api, openai_files; print(openai_files_api.__file__)"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert where.stdout.startswith(str(project)), "the copy's regenerated package must be the one tested"
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-x",
            "-rs",
            "-p",
            "no:cacheprovider",
            "-m",
            "not slow",
            *paths,
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def spec_tool(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "openai_files_spec", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT / "tools")},
    )
