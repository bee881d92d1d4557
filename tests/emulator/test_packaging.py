"""What ships: the wheel holds the client, the generated package and the emulator (not the spec tool), and
without the `emulator` extra the emulator's command says in one line which extra to install."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# What a build reads, copied so that the build's scratch folders never land in the working tree; tools/
# goes along to show it stays out.
SOURCES = ("pyproject.toml", "README.md", "LICENSE", "overlay", "generated", "emulator", "tools")
WITHOUT = """
import sys
sys.modules[{package!r}] = None  # as if the extra were not installed
sys.argv = ["openai-files-emulator", "--port", "0"]
{code}
"""


def _run(package: str, code: str) -> subprocess.CompletedProcess[str]:
    source = WITHOUT.format(package=package, code=code)
    return subprocess.run(
        [sys.executable, "-c", source], capture_output=True, text=True, timeout=60, check=False
    )


def test_the_wheel_holds_the_client_the_generated_package_and_the_emulator_only(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            ignored = shutil.ignore_patterns("__pycache__", "*.egg-info")
            shutil.copytree(ROOT / name, source / name, ignore=ignored)
        elif (ROOT / name).is_file():
            shutil.copy2(ROOT / name, source / name)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("openai_files-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert top == {"openai_files", "openai_files_api", "openai_files_console", "openai_files_emulator"}
    assert "openai_files/py.typed" in names and "openai_files_api/py.typed" in names
    assert not [
        name for name in names if "openai_files_spec" in name or name.startswith(("tests/", "tools/"))
    ]
    entry_points = next(name for name in names if name.endswith(".dist-info/entry_points.txt"))
    declared = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "openai-files-emulator = openai_files_emulator._entry:main" in declared
    assert "openai-files = openai_files_console:main" in declared


def test_the_sdist_holds_what_a_packager_needs_to_run_the_tests(tmp_path: Path) -> None:
    source = tmp_path / "source"
    ignored = shutil.ignore_patterns("__pycache__", "*.egg-info", ".venv", ".pytest_cache")
    shutil.copytree(ROOT, source, ignore=ignored)
    built = subprocess.run(
        [sys.executable, "-c", "import sys, setuptools.build_meta as b; print(b.build_sdist(sys.argv[1]))",
         str(tmp_path)],
        cwd=source, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    with tarfile.open(tmp_path / built.stdout.split()[-1]) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    for needed in (
        "openapi.yaml",
        "generator-config.yaml",
        "Makefile",
        "templates/model.py.jinja",
        "tests/overlay/test_cli_user.py",
        "tests/conftest.py",
        "tools/openai_files_spec/__init__.py",
        "examples/demo.py",
        "overlay/openai_files/_cli/render.py",
    ):
        assert needed in names, needed
    assert not [name for name in names if "__pycache__" in name or name.startswith(".venv")]


def test_without_the_extra_the_command_names_it_in_one_line() -> None:
    for package in ("starlette", "uvicorn"):
        run = _run(package, "from openai_files_emulator._entry import main\nmain()")
        assert run.returncode == 1
        assert run.stdout == "" and run.stderr.count("\n") == 1, run.stderr
        assert run.stderr.startswith("openai-files-emulator: the emulator needs the `emulator` extra")
        assert f"({package} missing)" in run.stderr and "pip install 'openai-files[emulator]'" in run.stderr


def test_without_the_extra_the_package_imports_and_says_what_to_install() -> None:
    run = _run(
        "starlette",
        "import openai_files_emulator\n"
        "try:\n    openai_files_emulator.EmulatorServer\n"
        "except ModuleNotFoundError as error:\n    print(error)",
    )
    assert run.returncode == 0, run.stderr
    hint = "pip install 'openai-files[emulator]'"
    assert (
        run.stdout.strip() == f"openai_files_emulator needs the `emulator` extra (starlette missing): {hint}"
    )
