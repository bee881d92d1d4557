"""Every bad input raises `InvalidInputError` naming its argument before any byte is sent, and leaves no
open file behind."""

from __future__ import annotations

import io
import os
import resource
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from openai_files import (
    InvalidInputError,
)
from openai_files._transfer import infer_mime_type, prepare_job

GiB = 1024**3


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="no such file"):
        prepare_job(tmp_path / "nope.jsonl", purpose="batch")


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="not a regular file"):
        prepare_job(tmp_path, purpose="batch")


def test_fifo(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(InvalidInputError, match="not a regular file"):
        prepare_job(tmp_path / "pipe", purpose="batch")


def test_a_path_that_cannot_be_resolved(tmp_path: Path) -> None:
    """The stat fails for a reason other than absence, for root too."""
    (tmp_path / "loop.jsonl").symlink_to(tmp_path / "loop.jsonl")
    with pytest.raises(InvalidInputError, match="symbolic links"):
        prepare_job(tmp_path / "loop.jsonl", purpose="batch")


def test_a_file_that_cannot_be_opened(make_file: Callable[[int], Path]) -> None:
    """The stat succeeds, the open fails: not for want of permission (root in CI has it), for want of fds."""
    path = make_file(10)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    lowest_free = os.open(os.devnull, os.O_RDONLY)
    os.close(lowest_free)
    resource.setrlimit(resource.RLIMIT_NOFILE, (lowest_free, hard))
    try:
        with pytest.raises(InvalidInputError, match="open files"):
            prepare_job(path, purpose="batch")
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_empty(make_file: Callable[[int], Path]) -> None:
    with pytest.raises(InvalidInputError, match="the file is empty"):
        prepare_job(make_file(0), purpose="batch")


def test_over_eight_gib_with_a_sparse_file(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    with path.open("wb") as f:
        f.truncate(8 * GiB + 1)
    with pytest.raises(InvalidInputError, match="more than an Upload may hold"):
        prepare_job(path, purpose="batch")
    # exactly 8 GiB is accepted (and only a few sampled blocks are read)
    with path.open("r+b") as f:
        f.truncate(8 * GiB)
    job = prepare_job(path, purpose="batch", resume=tmp_path / "j.json")
    assert job.plan.part_count == 128
    job.source.close()


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"part_size": 0}, "part_size"),
        ({"part_size": 64 * 1024 * 1024 + 1}, "part_size"),
        ({"concurrency": 0}, "concurrency"),
        ({"purpose": "user_data"}, "purpose"),
        ({"expires_after_seconds": 60}, "expires_after_seconds"),
        ({"filename": "blob.unknownext"}, "mime_type"),
    ],
)
def test_bad_arguments(make_file: Callable[[int], Path], kwargs: dict[str, Any], param: str) -> None:
    args: dict[str, Any] = {"purpose": "batch", **kwargs}
    with pytest.raises(InvalidInputError, match=param) as info:
        prepare_job(make_file(10), **args)
    assert info.value.param == param
    assert isinstance(info.value, ValueError)


def test_resume_true_needs_a_path() -> None:
    with pytest.raises(InvalidInputError, match="resume=True needs a path"):
        prepare_job(io.BytesIO(b"x"), purpose="batch", mime_type="text/plain", resume=True)


def test_text_mode_and_unseekable_objects(make_file: Callable[[int], Path]) -> None:
    with make_file(10).open("r") as text, pytest.raises(InvalidInputError, match="text mode"):
        prepare_job(text, purpose="batch")  # type: ignore[arg-type]
    r, w = os.pipe()
    with os.fdopen(r, "rb") as pipe, pytest.raises(InvalidInputError, match="seekable"):
        os.close(w)
        prepare_job(pipe, purpose="batch", mime_type="text/plain")


def test_mime_types_are_inferred() -> None:
    assert infer_mime_type("requests.JSONL") == "application/jsonl"
    assert infer_mime_type("a.png") == "image/png"
    assert infer_mime_type("noext") is None
