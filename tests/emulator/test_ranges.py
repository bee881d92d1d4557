"""Downloads like an object store: Range requests, and a response cut mid-body by the fault."""

from __future__ import annotations

import itertools

import httpx
import pytest

from openai_files_emulator import EmulatorServer

from .conftest import assert_error, upload_file

CONTENT = bytes(range(256)) * 40  # 10,240 bytes


@pytest.fixture
def file_id(api: httpx.Client) -> str:
    return str(upload_file(api, CONTENT, purpose="user_data", name="c.bin")["id"])


def test_whole_file_says_ranges_are_accepted(api: httpx.Client, file_id: str) -> None:
    response = api.get(f"/files/{file_id}/content")
    assert response.status_code == 200 and response.content == CONTENT
    assert response.headers["accept-ranges"] == "bytes" and "content-range" not in response.headers


@pytest.mark.parametrize(
    ("header", "start", "stop"),
    [
        ("bytes=0-0", 0, 1),
        ("bytes=100-199", 100, 200),
        ("bytes=10000-", 10000, 10240),
        ("bytes=-240", 10000, 10240),
        ("bytes=-99999", 0, 10240),  # a suffix longer than the file: all of it
        ("bytes=10200-99999999999999999999999", 10200, 10240),  # past the end: clamped
        ("bytes = 5-9", 5, 10),
    ],
)
def test_partial_content(api: httpx.Client, file_id: str, header: str, start: int, stop: int) -> None:
    response = api.get(f"/files/{file_id}/content", headers={"Range": header})
    assert response.status_code == 206, response.text
    assert response.content == CONTENT[start:stop]
    assert response.headers["content-range"] == f"bytes {start}-{stop - 1}/{len(CONTENT)}"
    assert response.headers["content-length"] == str(stop - start)


@pytest.mark.parametrize(
    "header", ["bytes=10240-", "bytes=20000-20010", "bytes=-0", "bytes=99999999999999999999-"]
)
def test_unsatisfiable(api: httpx.Client, file_id: str, header: str) -> None:
    response = api.get(f"/files/{file_id}/content", headers={"Range": header})
    assert_error(response, 416, param="range", contains="not satisfiable")
    assert response.headers["content-range"] == f"bytes */{len(CONTENT)}"


@pytest.mark.parametrize("header", ["items=0-5", "bytes=5-1", "bytes=0-1,4-5", "bytes=-", "bytes=a-b"])
def test_ranges_not_used_send_the_whole_file(api: httpx.Client, file_id: str, header: str) -> None:
    response = api.get(f"/files/{file_id}/content", headers={"Range": header})
    assert response.status_code == 200 and response.content == CONTENT


def test_range_across_segments_of_a_completed_upload(api: httpx.Client) -> None:
    upload = api.post(
        "/uploads", json={"filename": "f", "purpose": "batch", "bytes": len(CONTENT), "mime_type": "t"}
    ).json()
    cuts = (0, 3000, 6000, len(CONTENT))
    ids = [
        api.post(f"/uploads/{upload['id']}/parts", files={"data": ("u", CONTENT[a:b])}).json()["id"]
        for a, b in itertools.pairwise(cuts)
    ]
    file = api.post(f"/uploads/{upload['id']}/complete", json={"part_ids": ids}).json()["file"]
    for start, stop in ((2990, 6010), (3000, 3001), (5999, 10240), (0, 10240)):
        response = api.get(f"/files/{file['id']}/content", headers={"Range": f"bytes={start}-{stop - 1}"})
        assert response.status_code == 206 and response.content == CONTENT[start:stop], (start, stop)


def cut_download(api: httpx.Client, url: str, headers: dict[str, str] | None = None) -> int:
    """How many body bytes arrived before the connection was cut (the head promised more)."""
    received = 0
    with pytest.raises(httpx.RemoteProtocolError), api.stream("GET", url, headers=headers) as response:
        assert response.status_code in (200, 206)
        for chunk in response.iter_raw():
            received += len(chunk)
    return received


def test_cut_response_at_a_seeded_offset_then_resume_with_a_range(
    api: httpx.Client, fresh_emulator: EmulatorServer, file_id: str
) -> None:
    url = f"/files/{file_id}/content"

    def run(seed: int) -> list[int]:
        fresh_emulator.faults.set(cut_rate=1.0, seed=seed, paths=("/v1/files/*/content",))
        return [cut_download(api, url) for _ in range(3)]

    first = run(7)
    assert run(7) == first  # the same seed cuts at the same bytes
    assert all(0 <= cut < len(CONTENT) for cut in first) and len(set(first)) > 1
    assert run(8) != first
    assert fresh_emulator.faults.injected == 3
    # A client resumes where the cut left it.
    fresh_emulator.faults.set(script=("cut",))
    got = b""
    with pytest.raises(httpx.RemoteProtocolError), api.stream("GET", url) as response:
        for chunk in response.iter_raw():
            got += chunk
    rest = api.get(url, headers={"Range": f"bytes={len(got)}-"})
    assert rest.status_code == 206 and got + rest.content == CONTENT
    assert api.get("/files").status_code == 200  # other paths and later requests are untouched


def test_cut_applies_to_ranged_responses_too(
    api: httpx.Client, fresh_emulator: EmulatorServer, file_id: str
) -> None:
    fresh_emulator.faults.set(script=("cut",), seed=3)
    received = cut_download(api, f"/files/{file_id}/content", headers={"Range": "bytes=1000-"})
    assert 0 <= received < len(CONTENT) - 1000
