"""Run by the SIGKILL test in its own process: upload one file with a resume journal, then exit."""

from __future__ import annotations

import sys

from openai_files import Client

if __name__ == "__main__":
    base_url, api_key, path, journal, part_size = sys.argv[1:6]
    with Client(api_key=api_key, base_url=base_url, timeout=30) as client:
        upload = client.uploads.upload_file(
            path, purpose="batch", part_size=int(part_size), concurrency=2, resume=journal
        )
    print(upload.id)
