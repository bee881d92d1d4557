"""Peak client memory while downloading a 512 MiB file: must stay under 80 MB.

Run: `.venv/bin/python bench/download_rss.py [--size-mib 512] [--limit-mb 80]`.
The emulator runs in its own process; the file is stored once through the upload helper, then a fresh
child process downloads it to disk with `client.files.download` and reports its own peak RSS
(VmHWM, `bench/_machine.py`), so neither the server nor the upload is counted. Exits 1 when the limit
is exceeded.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _machine import peak_rss_mib

from openai_files import Client
from openai_files_emulator.child import child_emulator

MiB = 1024 * 1024
KEY = "sk-bench"


def download_child(base_url: str, file_id: str, target: Path) -> None:
    """The measured process: import, download, report."""
    with Client(api_key=KEY, base_url=base_url, timeout=120.0) as client:
        started = time.monotonic()
        size = client.files.download(file_id, target)
        seconds = time.monotonic() - started
    print(json.dumps({"bytes": size, "seconds": seconds, "peak_rss": peak_rss_mib() * MiB}))


def write_source(path: Path, size: int) -> str:
    """Distinct 1 MiB blocks, written once; returns their md5 to check the download against."""
    digest = hashlib.md5()
    block = hashlib.sha256(b"seed").digest() * (MiB // 32)
    with path.open("wb") as out:
        for n in range(size // MiB):
            chunk = n.to_bytes(8, "big") + block[8:]
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=512)
    parser.add_argument("--limit-mb", type=float, default=80.0)
    parser.add_argument("--child", nargs=3, metavar=("BASE_URL", "FILE_ID", "TARGET"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        download_child(args.child[0], args.child[1], Path(args.child[2]))
        return 0

    work = Path(tempfile.mkdtemp(prefix="openai-files-bench-"))
    try:
        (work / "emulator").mkdir()
        source = work / "source.bin"
        expected_md5 = write_source(source, args.size_mib * MiB)
        with child_emulator(work / "emulator") as emulator:
            base_url = emulator.base_url
            with Client(api_key=KEY, base_url=base_url) as client:
                upload = client.uploads.upload_file(
                    source, purpose="assistants", mime_type="application/octet-stream"
                )
            if not upload.file:
                raise SystemExit(f"upload ended {upload.status}")
            source.unlink()  # only one copy on disk at a time
            target = work / "download.bin"
            child = subprocess.run(
                [sys.executable, __file__, "--child", base_url, upload.file.id, str(target)],
                check=True,
                capture_output=True,
                text=True,
                timeout=600,
            )
        report = json.loads(child.stdout)
        digest = hashlib.md5()
        with target.open("rb") as downloaded:
            while chunk := downloaded.read(MiB):
                digest.update(chunk)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    peak_mb = report["peak_rss"] / 1e6
    ok = peak_mb < args.limit_mb and digest.hexdigest() == expected_md5
    print(f"download of {report['bytes'] / MiB:,.0f} MiB to disk via client.files.download")
    print(f"  wall        {report['seconds']:.2f} s ({report['bytes'] / 1e6 / report['seconds']:,.0f} MB/s)")
    print(f"  peak RSS    {peak_mb:,.1f} MB (limit {args.limit_mb:g} MB), whole child process incl. imports")
    print(f"  content     {'md5 matches' if digest.hexdigest() == expected_md5 else 'MD5 MISMATCH'}")
    print(f"  result      {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
