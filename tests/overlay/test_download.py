"""Downloads that survive cut streams (Range resume or restart) and fetch large files in parallel ranges."""

from __future__ import annotations

import gzip
import io
import json
import os
import random
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from openai_files import AsyncClient, Client, IncompleteDownloadError, InvalidInputError, Progress
from openai_files._download import _Probe, _Ranges, _Sink
from openai_files_emulator import EmulatorServer

from .conftest import open_client, resolve
from .stub_server import Seen, raw_response, serving, stored_file

CONTENT_PATH = "/v1/files/*/content"


def payload(size: int, seed: int = 1) -> bytes:
    return random.Random(seed).randbytes(size)


async def store(client: Client | AsyncClient, tmp_path: Path, data: bytes) -> str:
    source = tmp_path / "source.bin"
    source.write_bytes(data)
    stored = await resolve(client.files.create(source, purpose="batch"))
    return stored.id


def content_requests(emulator: EmulatorServer) -> list[dict[str, str]]:
    return [seen.headers for seen in emulator.emulator.requests.recent() if seen.path.endswith("/content")]


@pytest.mark.anyio
async def test_cut_stream_resumes_with_range(
    any_client: Client | AsyncClient, fresh_emulator: EmulatorServer, tmp_path: Path
) -> None:
    data = payload(300_000)
    file_id = await store(any_client, tmp_path, data)
    fresh_emulator.faults.set(script=("cut", "cut", "cut", "cut"), seed=4, paths=(CONTENT_PATH,))
    target = tmp_path / "out.bin"
    seen: list[Progress] = []
    size = await resolve(any_client.files.download(file_id, target, progress=seen.append))
    assert size == len(data) and target.read_bytes() == data
    assert fresh_emulator.faults.injected == 4
    ranges = [h.get("range") for h in content_requests(fresh_emulator)]
    assert ranges[0] is None and len(ranges) == 5
    starts = [int(r.removeprefix("bytes=").split("-")[0]) for r in ranges[1:] if r]
    assert len(starts) == 4 and starts == sorted(starts)  # each picks up where the last stopped
    assert seen[-1] == Progress(len(data), len(data), 1, 1)  # one stream, one part, however often cut
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.bin", "source.bin"]


@pytest.mark.anyio
async def test_cut_stream_to_a_writable_resumes_in_order(
    any_client: Client | AsyncClient, fresh_emulator: EmulatorServer, tmp_path: Path
) -> None:
    data = payload(200_000, seed=2)
    file_id = await store(any_client, tmp_path, data)
    fresh_emulator.faults.set(script=("cut", "cut"), seed=9, paths=(CONTENT_PATH,))
    sink = io.BytesIO()
    assert await resolve(any_client.files.download(file_id, sink)) == len(data)
    assert sink.getvalue() == data


@pytest.mark.anyio
async def test_parallel_ranges_with_cuts_are_exact(
    any_client: Client | AsyncClient, fresh_emulator: EmulatorServer, tmp_path: Path
) -> None:
    """On a slow link (the emulator caps each connection) the rest after the timed opening stream goes in
    parallel parts; cut streams resume, and the file is exact."""
    data = payload(1_000_000, seed=3)
    file_id = await store(any_client, tmp_path, data)
    # Seed 1 cuts the opening stream itself (its first draw is 0.13), so a cut happens however few
    # requests a slow machine ends up making.
    fresh_emulator.faults.set(cut_rate=0.3, bandwidth=4_000_000, seed=1, paths=(CONTENT_PATH,))
    target = tmp_path / "out.bin"
    seen: list[Progress] = []
    size = await resolve(
        any_client.files.download(file_id, target, part_size=64 * 1024, concurrency=4, progress=seen.append)
    )
    assert size == len(data) and target.read_bytes() == data
    assert fresh_emulator.faults.injected > 0
    assert seen[-1] == Progress(len(data), len(data), 16, 16)  # each range a part, as in uploads
    assert [e.parts_done for e in seen] == sorted(e.parts_done for e in seen)
    assert [e.finished for e in seen].count(True) == 1
    ranges = [h.get("range") for h in content_requests(fresh_emulator)]
    assert sum(r is not None for r in ranges) >= 15  # 16 parts, the first on the opening stream
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.bin", "source.bin"]


@pytest.mark.parametrize(("seconds", "fast"), [(0.0, True), (1.0, False)])
def test_the_opening_stream_decides_the_rest(tmp_path: Path, seconds: float, fast: bool) -> None:
    """The first part's worth as good as at once (a local link): read on to the end; in a second: stop
    there, and parts of `part_size` take the rest."""
    part, size = 64 << 10, 20 * (64 << 10) + 100
    with _Sink(tmp_path / "out.bin", None, "file-1") as sink:
        sink.total = size
        ranges = _Ranges(sink, 0, part_size=part, concurrency=4)
        probe = ranges.lead(
            httpx.Response(200, headers={"content-length": str(size), "accept-ranges": "bytes"})
        )
        assert isinstance(probe, _Probe) and probe.stop == part
        probe._started -= seconds
        assert probe.write(bytes(part)) is not fast
        assert probe.fast is fast and probe.stop == (size if fast else part)
        parts = ranges.rest()
        assert sink.tracker.total_parts == len(ranges.spans) == (1 if fast else 21)
        assert [(span.start, span.stop) for span in ranges.spans[1:]] == (
            [] if fast else [(at, min(at + part, size)) for at in range(part, size, part)]
        )
        assert len(list(parts.to_start())) == (0 if fast else 4)  # `concurrency` at a time
        if fast:  # read on to the file's end, where the answer ends too
            assert not probe.write(bytes(size - part)) and probe.done


def _ignores_ranges(data: bytes, cut_first: bool) -> Callable[[Seen], bytes]:
    """A server that advertises byte ranges but always answers 200 with the whole file, and cuts the first
    answer halfway when `cut_first`."""
    answered: list[Seen] = []

    def reply(seen: Seen) -> bytes:
        if not seen.path.endswith("/content"):
            return stored_file("file-1", len(data))
        answered.append(seen)
        if cut_first and len(answered) == 1:
            return raw_response(200, data[: len(data) // 2], length=len(data), accept_ranges="bytes")
        return raw_response(200, data, accept_ranges="bytes")

    return reply


@pytest.mark.anyio
@pytest.mark.parametrize("part_size", [1000, 1 << 20], ids=["parallel", "one-stream"])
async def test_server_ignoring_ranges_restarts_the_stream(kind: str, tmp_path: Path, part_size: int) -> None:
    data = payload(10_000, seed=5)
    target = tmp_path / "out.bin"
    with serving(_ignores_ranges(data, cut_first=part_size > len(data))) as stub:
        async with open_client(kind, api_key="sk-x", base_url=stub.base_url, max_retries=0) as client:
            seen: list[Progress] = []
            size = await resolve(
                client.files.download("file-1", target, part_size=part_size, progress=seen.append)
            )
    assert size == len(data) and target.read_bytes() == data
    assert seen[-1] == Progress(len(data), len(data), 1, 1)  # the parts forgotten: one stream
    assert any("range" in s.headers for s in stub.seen)  # it asked for a range and got the whole file
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]


@pytest.mark.anyio
async def test_download_settings_are_checked_before_any_request(kind: str, tmp_path: Path) -> None:
    async with open_client(kind, api_key="sk-x", base_url="http://127.0.0.1:9/v1") as client:
        for options in ({"part_size": 0}, {"concurrency": 0}, {"chunk_size": -1}):
            with pytest.raises(InvalidInputError) as caught:
                await resolve(client.files.download("file-1", tmp_path / "x", **options))  # type: ignore[arg-type]
            assert caught.value.param == next(iter(options))
    assert os.listdir(tmp_path) == []


@pytest.mark.anyio
async def test_stream_that_never_progresses_gives_up(
    any_client: Client | AsyncClient, fresh_emulator: EmulatorServer, tmp_path: Path
) -> None:
    data = payload(100_000, seed=6)
    file_id = await store(any_client, tmp_path, data)
    fresh_emulator.faults.set(script=("cut",) * 50, seed=1, paths=(CONTENT_PATH,))
    target = tmp_path / "out.bin"
    with pytest.raises(IncompleteDownloadError):
        await resolve(any_client.files.download(file_id, target, chunk_size=1 << 20))
    assert not target.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["source.bin"]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("size", "script"),
    [
        (5_000, ("drop_response",)),  # a stray head announcing 1,024 bytes, 8 of them sent
        (345, ("cut", "drop_response", "drop_response")),  # the stray head to a resume
        (40_000, ("cut", "drop_response", "cut", "cut")),
    ],
)
async def test_lost_answers_and_cuts_never_shape_the_file(
    any_client: Client | AsyncClient,
    fresh_emulator: EmulatorServer,
    tmp_path: Path,
    size: int,
    script: tuple[str, ...],
) -> None:
    """An answer lost on its way leaves a head that promises another size: it is asked for again, never
    written, and the file is exact however the answers were cut (to a path, a writable, in memory)."""
    data = payload(size, seed=size)
    file_id = await store(any_client, tmp_path, data)
    target = tmp_path / "out.bin"
    for destination in (target, io.BytesIO()):
        fresh_emulator.faults.set(script=script, seed=3, paths=(CONTENT_PATH,))
        assert await resolve(any_client.files.download(file_id, destination)) == size
        assert fresh_emulator.faults.injected == len(script)
    assert target.read_bytes() == data and destination.getvalue() == data
    fresh_emulator.faults.set(script=script, seed=3, paths=(CONTENT_PATH,))
    assert await resolve(any_client.files.content(file_id)) == data


def _close_framed(status: int, body: bytes, **headers: str) -> bytes:
    """An answer whose body ends where the connection closes: cut short, it still looks whole to HTTP."""
    lines = [f"HTTP/1.1 {status} Stub", *(f"{k.replace('_', '-')}: {v}" for k, v in headers.items())]
    return ("\r\n".join([*lines, "Connection: close", "", ""])).encode() + body


def _chunked(status: int, body: bytes) -> bytes:
    """An answer in chunked transfer encoding, its last chunk sent: whole to HTTP, however short."""
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in (body[:1000], body[1000:]) if piece)
    return _close_framed(status, chunks + b"0\r\n\r\n", transfer_encoding="chunked")


@pytest.mark.anyio
@pytest.mark.parametrize("framing", [_close_framed, _chunked], ids=["connection-close", "chunked"])
async def test_answers_not_fitting_the_file_are_asked_again(
    kind: str, tmp_path: Path, framing: Callable[[int, bytes], bytes]
) -> None:
    """A body that looks whole but is short resumes; a range naming another total, or starting elsewhere,
    is not written: the file ends exact, its size the File's."""
    data = payload(10_000, seed=7)
    answers = iter(
        [
            framing(200, data[:4000]),  # looks whole, is short
            raw_response(206, data[4000:], content_range="bytes 4000-9999/12000"),  # another file's total
            raw_response(206, data[3000:], content_range="bytes 3000-9999/10000"),  # a stale offset
            raw_response(206, data[4000:], content_range="bytes 4000-9999/10000"),
        ]
    )

    def reply(seen: Seen) -> bytes:
        return next(answers) if seen.path.endswith("/content") else stored_file("file-1", len(data))

    target = tmp_path / "out.bin"
    with serving(reply) as stub:
        async with open_client(kind, api_key="sk-x", base_url=stub.base_url, max_retries=0) as client:
            assert await resolve(client.files.download("file-1", target)) == len(data)
    assert target.read_bytes() == data
    assert [s.headers.get("range") for s in stub.seen[1:]] == [None, *["bytes=4000-9999"] * 3]


@pytest.mark.anyio
async def test_a_body_longer_than_the_file_is_never_kept(kind: str, tmp_path: Path) -> None:
    data = payload(3_000, seed=8)
    target = tmp_path / "out.bin"

    def reply(seen: Seen) -> bytes:
        return (
            _close_framed(200, data + b"extra") if seen.path.endswith("/content") else stored_file("f", 3000)
        )

    with serving(reply) as stub:
        async with open_client(kind, api_key="sk-x", base_url=stub.base_url, max_retries=0) as client:
            with pytest.raises(IncompleteDownloadError):
                await resolve(client.files.download("file-1", target))
            with pytest.raises(IncompleteDownloadError):
                await resolve(client.files.content("file-1"))
    assert list(tmp_path.iterdir()) == []
    assert sum(s.path.endswith("/content") for s in stub.seen) == 6  # three tries each, none kept


def _partial(target: Path, file_id: str) -> tuple[Path, Path]:
    """Where a download of `file_id` to `target` keeps its bytes, and its record, while it runs."""
    part = target.with_name(f".{target.name}.{file_id}.part")  # an id of letters, digits and -
    return part, part.with_name(part.name + ".json")


_KILLED_MIDWAY = """
import os, signal, sys
from openai_files import Client, _download
_download.CHECKPOINT_BYTES = 50_000
def die_late(progress):
    if progress.bytes_done >= 200_000:
        os.kill(os.getpid(), signal.SIGKILL)
with Client(api_key=sys.argv[1], base_url=sys.argv[2], timeout=10.0) as client:
    client.files.download(sys.argv[3], sys.argv[4], chunk_size=10_000, progress=die_late)
"""


def test_a_killed_download_resumes_from_what_it_recorded(
    client: Client, fresh_emulator: EmulatorServer, tmp_path: Path
) -> None:
    data = payload(300_000, seed=12)
    file_id = client.files.create(io.BytesIO(data), purpose="batch", filename="d.bin").id
    target = tmp_path / "out.bin"
    command = [sys.executable, "-c", _KILLED_MIDWAY, fresh_emulator.api_key, fresh_emulator.base_url]
    done = subprocess.run([*command, file_id, str(target)], timeout=60, check=False)
    assert done.returncode == -signal.SIGKILL and not target.exists()
    part, record = _partial(target, file_id)
    verified = json.loads(record.read_text())
    assert verified["file_id"] == file_id and verified["bytes"] == len(data)
    assert 150_000 <= verified["verified"] <= part.stat().st_size  # checkpoints every 50,000 bytes
    fresh_emulator.emulator.requests.clear()
    assert client.files.download(file_id, target) == len(data)
    assert target.read_bytes() == data
    assert content_requests(fresh_emulator)[0]["range"] == f"bytes={verified['verified']}-{len(data) - 1}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.bin"]


@pytest.mark.parametrize(
    ("record", "kept"),
    [
        ({"bytes": 300_000, "verified": 100_000}, 100_000),
        ({"bytes": 299_999, "verified": 100_000}, 0),  # another size: not this file
        ({"bytes": 300_000, "verified": 150_000}, 0),  # vouches for more than the partial holds
        (None, 0),  # no record: nothing says what the partial holds
    ],
)
def test_a_partial_is_used_only_when_its_record_names_this_file(
    client: Client, fresh_emulator: EmulatorServer, tmp_path: Path, record: dict[str, int] | None, kept: int
) -> None:
    data = payload(300_000, seed=13)
    file_id = client.files.create(io.BytesIO(data), purpose="batch", filename="d.bin").id
    target = tmp_path / "out.bin"
    part, beside = _partial(target, file_id)
    part.write_bytes(data[:100_000] if record and record["bytes"] == len(data) else bytes(100_000))
    if record is not None:
        beside.write_text(json.dumps({"file_id": file_id, **record}))
    fresh_emulator.emulator.requests.clear()
    assert client.files.download(file_id, target) == len(data)
    assert target.read_bytes() == data
    assert content_requests(fresh_emulator)[0].get("range") == (f"bytes={kept}-299999" if kept else None)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.bin"]


@pytest.mark.anyio
async def test_a_compressed_answer_cut_short_is_read_again_whole(kind: str, tmp_path: Path) -> None:
    """A server that compresses despite `Accept-Encoding: identity`: its offsets are not the file's, so a
    cut answer is followed by a request for the whole file, whose first bytes are skipped."""
    data = payload(200_000, seed=9)
    packed = gzip.compress(data)
    answers = iter(
        [
            _close_framed(200, packed[: len(packed) // 2], content_encoding="gzip"),
            raw_response(200, packed, content_encoding="gzip"),
        ]
    )

    def reply(seen: Seen) -> bytes:
        return next(answers) if seen.path.endswith("/content") else stored_file("file-1", len(data))

    target = tmp_path / "out.bin"
    with serving(reply) as stub:
        async with open_client(kind, api_key="sk-x", base_url=stub.base_url, max_retries=0) as client:
            assert await resolve(client.files.download("file-1", target)) == len(data)
    assert target.read_bytes() == data
    assert [s.headers.get("range") for s in stub.seen[1:]] == [None, None]


@pytest.mark.anyio
async def test_an_id_naming_a_path_stays_in_the_target_folder(kind: str, tmp_path: Path) -> None:
    data = payload(5_000, seed=10)

    def reply(seen: Seen) -> bytes:
        return raw_response(200, data) if seen.path.endswith("/content") else stored_file("x", len(data))

    folder = tmp_path / "inside"
    folder.mkdir()
    with serving(reply) as stub:
        async with open_client(kind, api_key="sk-x", base_url=stub.base_url, max_retries=0) as client:
            assert await resolve(client.files.download("file-a/../../b", folder / "out.bin")) == len(data)
    assert (folder / "out.bin").read_bytes() == data
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["inside", "out.bin"]
