"""`make demo`: a whole batch job against a local emulator, start to finish.

Starts the emulator in a child process on a free loopback port, writes a JSONL batch input of
`--size-mb` megabytes, checks it locally, sends it with the parallel upload helper (progress bar),
starts a batch on it, waits for it, downloads the output and prints a summary. Everything it writes
goes into one temporary folder that is deleted at the end, whatever happens.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from openai_files import Batch, Client, ProgressBar, check_batch_input
from openai_files_emulator.child import child_emulator

ENDPOINT = "/v1/chat/completions"
MB = 1_000_000


def write_input(path: Path, size: int) -> int:
    """Chat requests padded to about 5 KB each, as many as fit in `size` bytes (at least one): the default
    200 MB is exactly the most a batch input may hold. Returns the count."""
    filler = "lorem ipsum dolor sit amet " * 180
    count = written = 0
    with path.open("w") as out:
        while True:
            body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": f"{count}: {filler}"}]}
            line = json.dumps(
                {"custom_id": f"request-{count}", "method": "POST", "url": ENDPOINT, "body": body}
            )
            if count and written + len(line) + 1 > size:
                return count
            written += out.write(line + "\n")
            count += 1


def _status(batch: Batch) -> None:
    counts = batch.request_counts
    done = f" ({counts.completed + counts.failed}/{counts.total})" if counts and counts.total else ""
    print(f"  batch {batch.id}: {batch.status}{done}", flush=True)


def run(base_url: str, work: Path, size: int) -> None:
    source = work / "requests.jsonl"
    print(f"writing {size / MB:,.0f} MB of batch requests to {source}", flush=True)
    requests = write_input(source, size)
    started = time.monotonic()
    check_batch_input(source, endpoint=ENDPOINT)
    print(f"checked {requests:,} requests locally in {time.monotonic() - started:.1f}s", flush=True)

    with Client(api_key="sk-demo", base_url=base_url) as client:
        started = time.monotonic()
        upload = client.uploads.upload_file(source, purpose="batch", progress=ProgressBar("upload"))
        upload_seconds = time.monotonic() - started
        if not upload.file:
            raise SystemExit(f"upload {upload.id} ended {upload.status} without a file")
        print(f"uploaded as {upload.file.id} in {upload_seconds:.1f}s", flush=True)

        batch = client.batches.create(upload.file.id, endpoint=ENDPOINT, metadata={"source": "make demo"})
        batch = client.batches.wait(batch.id, poll_interval=0.5, timeout=600, on_progress=_status)
        if batch.status != "completed" or batch.output_file_id is None:
            raise SystemExit(f"the batch ended {batch.status}: {batch.errors}")

        output = work / "output.jsonl"
        downloaded = client.files.download(batch.output_file_id, output, progress=ProgressBar("download"))
        ok = failed = 0
        for result in client.batches.results(batch):
            ok += result.ok
            failed += not result.ok

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print()
    print("summary")
    print(f"  input       {size / MB:,.0f} MB, {requests:,} requests")
    print(f"  upload      {upload_seconds:.1f}s, {size / MB / upload_seconds:,.0f} MB/s, parallel parts")
    print(f"  batch       {batch.id} {batch.status}: {ok:,} succeeded, {failed:,} failed")
    print(f"  output      {downloaded / MB:,.1f} MB downloaded to a temporary file")
    print(f"  client RSS  {peak_mb:,.0f} MB peak")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python examples/demo.py", description=__doc__)
    parser.add_argument("--size-mb", type=float, default=200.0, help="batch input size in MB (default 200)")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="openai-files-demo-"))
    try:
        (work / "emulator").mkdir()
        with child_emulator(work / "emulator") as emulator:
            print(f"emulator on {emulator.base_url}", flush=True)
            run(emulator.base_url, work, int(args.size_mb * MB))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
