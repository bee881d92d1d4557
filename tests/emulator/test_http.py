"""HTTP on the wire: bodies split across reads, keep-alive and pipelining after a body."""

from __future__ import annotations

import os
import socket

from openai_files_emulator import EmulatorServer

from .conftest import TIMEOUT


def read_responses(sock: socket.socket, count: int) -> list[bytes]:
    """Read `count` responses with Content-Length bodies; returns the status lines."""
    data, statuses = b"", []
    for _ in range(200):
        while len(statuses) < count and b"\r\n\r\n" in data:
            head, _, rest = data.partition(b"\r\n\r\n")
            length = next(
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length")
            )
            if len(rest) < length:
                break
            statuses.append(head.split(b"\r\n")[0])
            data = rest[length:]
        if len(statuses) == count:
            return statuses
        data += sock.recv(65536)
    raise AssertionError(f"only {statuses} received")


def part_request(server: EmulatorServer, upload_id: str, content: bytes) -> bytes:
    body = (
        b'--b\r\nContent-Disposition: form-data; name="data"; filename="u"\r\n\r\n'
        + content
        + b"\r\n--b--\r\n"
    )
    head = (
        f"POST /v1/uploads/{upload_id}/parts HTTP/1.1\r\nHost: x\r\n"
        f"Authorization: Bearer {server.api_key}\r\n"
        f"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def test_bodies_in_odd_reads_then_pipelined_requests(fresh_emulator: EmulatorServer) -> None:
    upload = fresh_emulator.emulator.uploads.create(filename="f", purpose="batch", size=10, mime_type="t")
    first, second = (
        part_request(fresh_emulator, upload.id, b"x" * 300_000),
        part_request(fresh_emulator, upload.id, b"y"),
    )
    get = f"GET /v1/files HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {fresh_emulator.api_key}\r\n\r\n"
    with socket.create_connection(("127.0.0.1", fresh_emulator.port), timeout=TIMEOUT.read) as sock:
        sock.sendall(first[:100])  # the head alone, cut mid-way
        sock.sendall(first[100:5000])
        sock.sendall(
            first[5000:] + second + get.encode()
        )  # the end of a body, then two more requests in one write
        assert read_responses(sock, 3) == [b"HTTP/1.1 200 OK"] * 3
    sizes = sorted(p.size for p in upload.parts.values())
    assert sizes == [1, 300_000]


def test_bodies_larger_than_a_read_back_to_back_keep_their_bytes(fresh_emulator: EmulatorServer) -> None:
    """Several full read buffers per body, bodies pipelined: each part holds exactly its bytes."""
    contents = [os.urandom(3 * 1024 * 1024 + 17), os.urandom(2 * 1024 * 1024 + 5), os.urandom(4097)]
    upload = fresh_emulator.emulator.uploads.create(
        filename="f", purpose="batch", size=sum(map(len, contents)), mime_type="t"
    )
    with socket.create_connection(("127.0.0.1", fresh_emulator.port), timeout=TIMEOUT.read) as sock:
        sock.sendall(b"".join(part_request(fresh_emulator, upload.id, content) for content in contents))
        assert read_responses(sock, 3) == [b"HTTP/1.1 200 OK"] * 3
    stored = sorted((part.path.read_bytes() for part in upload.parts.values()), key=len, reverse=True)
    assert stored == contents
