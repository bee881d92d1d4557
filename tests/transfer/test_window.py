"""Part windows: what httpx's multipart encoder needs from a file object that is only part of a file."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import pytest

from openai_files._errors import FileChangedError, TransferAborted
from openai_files._transfer.abort import AbortSignal
from openai_files._transfer.progress import Progress, ProgressTracker
from openai_files._transfer.source import Source
from openai_files._transfer.window import PartWindow


def _window(source: Source, offset: int, length: int, events: list[Progress] | None = None) -> PartWindow:
    tracker = ProgressTracker(source.size, 1, events.append if events is not None else None)
    return PartWindow(source, 0, offset, length, abort=AbortSignal(), tracker=tracker, progress_step=10)


def test_httpx_multipart_sends_exactly_the_window(tmp_path: Path) -> None:
    path = tmp_path / "f.bin"
    path.write_bytes(bytes(range(256)) * 1000)
    source = Source.open_path(path)
    window = _window(source, 1000, 70_000)
    window.read(5)  # a retried part is positioned mid-way; the encoder must start it over
    assert not hasattr(window, "fileno")
    files = {"data": ("f.bin", window, "application/octet-stream")}
    request = httpx.Request("POST", "http://x/", files=files)
    body = b"".join(request.stream)  # type: ignore[arg-type]
    assert int(request.headers["Content-Length"]) == len(body)
    assert (bytes(range(256)) * 1000)[1000:71_000] in body
    assert len(body) < 70_000 + 400
    source.close()


def test_read_is_clamped_and_seek_is_relative(tmp_path: Path) -> None:
    path = tmp_path / "f.bin"
    path.write_bytes(b"0123456789")
    source = Source.open_path(path)
    window = _window(source, 3, 4)
    assert len(window) == 4
    assert window.read(100) == b"3456"
    assert window.read(1) == b""
    assert window.seek(0, io.SEEK_END) == 4
    assert window.seek(-2, io.SEEK_CUR) == 2
    assert window.read() == b"56"
    source.close()


def test_seek_back_rewinds_progress(tmp_path: Path) -> None:
    path = tmp_path / "f.bin"
    path.write_bytes(b"x" * 100)
    source = Source.open_path(path)
    events: list[Progress] = []
    window = _window(source, 0, 100, events)
    window.read(30)
    window.seek(0)
    window.read(100)
    assert [e.bytes_done for e in events] == [30, 0, 100]
    source.close()


def test_file_object_without_descriptor(tmp_path: Path) -> None:
    data = io.BytesIO(b"ab" + bytes(range(100)))
    data.seek(2)  # the upload covers the object from its current position
    source = Source.from_file(data)
    assert source.size == 100
    assert _window(source, 10, 5).read() == bytes(range(10, 15))


def test_read_fails_when_the_file_shrank(tmp_path: Path) -> None:
    path = tmp_path / "f.bin"
    path.write_bytes(b"x" * 100)
    source = Source.open_path(path)
    window = _window(source, 50, 50)
    path.write_bytes(b"x" * 60)
    with pytest.raises(FileChangedError):
        window.read()
    source.close()


def test_read_stops_once_the_upload_failed(tmp_path: Path) -> None:
    path = tmp_path / "f.bin"
    path.write_bytes(b"x" * 100)
    source = Source.open_path(path)
    abort = AbortSignal()
    window = PartWindow(source, 0, 0, 100, abort=abort, tracker=ProgressTracker(100, 1, None))
    assert window.read(10) == b"x" * 10
    assert abort.abort(RuntimeError("part 3 failed"))
    assert not abort.abort(RuntimeError("later error loses"))
    with pytest.raises(TransferAborted, match="part 3 failed"):
        window.read(10)
    source.close()


def test_read_size_hands_out_larger_chunks_within_the_part(tmp_path: Path) -> None:
    path = tmp_path / "f.bin"
    path.write_bytes(bytes(range(100)))
    source = Source.open_path(path)
    window = PartWindow(
        source, 0, 10, 50, abort=AbortSignal(), tracker=ProgressTracker(50, 1, None), read_size=32
    )
    assert window.read(8) == bytes(range(10, 42))  # 32 bytes for an 8-byte ask
    assert window.read(8) == bytes(range(42, 60))  # clamped to the part's end
    assert window.read(8) == b""
    source.close()
