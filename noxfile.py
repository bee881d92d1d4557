"""The client's and the emulator's suites on the other supported Pythons: `make test-pythons`.

`make test` runs everything on Python 3.11 (drift check, lint, every test). Here each further Python gets
a fresh virtualenv with the package installed as a user would install it (a built wheel, not the source
tree) and the pinned `test` dependency group, then runs the suites that exercise that Python: the client,
the upload engine, the generated layer and the emulator. Left to 3.11, to keep CI within its budget: the
golden record of generated/, the spec vendoring tool and the wheel's contents (they check files, not the
interpreter), the schemathesis fuzzing of the emulator (slow, and it needs the `dev` group), and the two
longest end-to-end runs (the demo, a batch job killed and rerun), whose parts the other tests cover.
"""

from __future__ import annotations

import shutil

import nox

nox.options.error_on_missing_interpreters = True
# uv makes each fresh virtualenv in seconds where pip takes a minute; virtualenv where uv is missing.
nox.options.default_venv_backend = "uv|virtualenv"

PYPROJECT = nox.project.load_toml("pyproject.toml")
OTHER_PYTHONS = ["3.12", "3.13"]
SUITES = ["tests/overlay", "tests/transfer", "tests/generated", "tests/emulator"]
LEFT_TO_MAKE_TEST = [
    "tests/generated/test_generation.py",
    "tests/emulator/test_schemathesis.py",
    "tests/emulator/test_packaging.py",
    "tests/overlay/test_demo.py",
    "tests/overlay/test_batch_jobs_crash.py",
]


@nox.session(python=OTHER_PYTHONS)
def tests(session: nox.Session) -> None:
    """The suites on one Python; extra arguments go to pytest (`make test-pythons NOX_ARGS='-- -x'`)."""
    # setuptools packs whatever build/lib holds, modules deleted from the tree included: start clean.
    shutil.rmtree("build", ignore_errors=True)
    session.install(".[emulator]", *nox.project.dependency_groups(PYPROJECT, "test"))
    ignored = [f"--ignore={path}" for path in LEFT_TO_MAKE_TEST]
    session.run("pytest", "-q", "-p", "no:cacheprovider", *ignored, *SUITES, *session.posargs)
