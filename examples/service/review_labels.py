"""A tiny service: label customer reviews positive or negative, in one batch job a night.

It is what a user of `openai-files` writes, and its suite (`tests/`) is how they test it: against the
emulator, through the plugin's fixtures only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from openai_files import Client, JobConfig, JobResult

MODEL = "gpt-4o-mini"
PROMPT = "Answer with one word, positive or negative: is this review positive or negative?"
LABELS = ("positive", "negative")


def label_reviews(
    client: Client, reviews: Mapping[str, str], *, workdir: Path, job_id: str = "nightly"
) -> dict[str, str]:
    """Each review's label by its id: `positive`, `negative`, or `unknown` when the model's answer was
    neither or its request failed for good. The job keeps its state where `openai-files` keeps jobs.
    """
    source = workdir / "reviews.jsonl"
    with source.open("w") as out:
        for review_id, text in reviews.items():
            messages = [{"role": "system", "content": PROMPT}, {"role": "user", "content": text}]
            request = {"model": MODEL, "messages": messages}
            line = {"custom_id": review_id, "method": "POST", "url": "/v1/chat/completions", "body": request}
            out.write(json.dumps(line) + "\n")
    client.batch_jobs.run(source, job_id=job_id, config=JobConfig(poll_interval=0.05), timeout=600)
    return {result.custom_id: _label(result) for result in client.batch_jobs.results(job_id)}


def _label(result: JobResult) -> str:
    if not result.ok:
        return "unknown"
    try:
        answer = str(result.body["choices"][0]["message"]["content"]).strip().lower()
    except (KeyError, IndexError, TypeError):
        return "unknown"
    return answer if answer in LABELS else "unknown"
