"""One set of rules: the choices follow the generated layer, and the same mistake gives the same error
(class, `.param` and message) at every entry point, the command line included, before any byte is sent."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Any, get_args

import pytest

from openai_files import AsyncClient, Client, InvalidInputError
from openai_files import _rules as rules
from openai_files._cli import main
from openai_files._generated import (
    CreateBatchRequestCompletionWindow,
    CreateBatchRequestEndpoint,
    CreateFileRequestPurpose,
    CreateUploadRequestPurpose,
    ListFilesOrder,
)
from openai_files_emulator import EmulatorServer

from .conftest import collect, resolve, write_requests


@pytest.mark.parametrize(
    ("alias", "enum"),
    [
        (rules.FilePurpose, CreateFileRequestPurpose),
        (rules.UploadPurpose, CreateUploadRequestPurpose),
        (rules.FileOrder, ListFilesOrder),
        (rules.BatchEndpoint, CreateBatchRequestEndpoint),
        (rules.CompletionWindow, CreateBatchRequestCompletionWindow),
    ],
)
def test_literal_aliases_list_exactly_the_generated_choices(alias: object, enum: type[StrEnum]) -> None:
    """After `make vendor` adds a value, this fails until the alias that IDEs show has it too."""
    assert list(get_args(alias)) == [member.value for member in enum]


def test_unknown_values_the_enums_would_parse_are_still_refused() -> None:
    """The generated enums keep unknown values (forward compatibility); a request must not send one."""
    assert CreateUploadRequestPurpose("user_data") == "user_data"
    with pytest.raises(InvalidInputError) as refused:
        rules.choice("user_data", CreateUploadRequestPurpose, param="purpose")
    assert refused.value.param == "purpose"
    assert (
        str(refused.value) == "purpose must be one of assistants, batch, fine-tune, vision; got 'user_data'"
    )


async def _refusal(call: Callable[[], Any]) -> tuple[str | None, str]:
    """(`.param`, message) of the InvalidInputError that a sync or async call raises."""
    with pytest.raises(InvalidInputError) as refused:
        await resolve(call())
    return refused.value.param, str(refused.value)


def _cli_refusal(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """The one-line message the command line prints for bad input (exit code 2)."""
    assert main(["--timeout", "10", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("openai-files: error: ") and "\n" not in err
    return err.removeprefix("openai-files: error: ")


@pytest.fixture
def cli_env(fresh_emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", fresh_emulator.api_key)
    monkeypatch.setenv("OPENAI_BASE_URL", fresh_emulator.base_url)


async def _nothing_stored(c: Client | AsyncClient) -> None:
    assert await collect(c.files.list()) == []
    assert await collect(c.batches.list()) == []


@pytest.mark.anyio
@pytest.mark.usefixtures("cli_env")
async def test_a_bad_upload_purpose_reads_the_same_everywhere(
    any_client: Client | AsyncClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text('{"a": 1}\n')
    bad: Any = "user_data"
    uploads = any_client.uploads
    seen = {
        await _refusal(lambda: uploads.upload_file(path, purpose=bad)),
        await _refusal(
            lambda: uploads.create(filename="in.jsonl", purpose=bad, bytes=9, mime_type="text/plain")
        ),
    }
    cli = _cli_refusal(capsys, "upload", str(path), "--purpose", bad)
    assert seen == {("purpose", cli)}
    await _nothing_stored(any_client)


@pytest.mark.anyio
async def test_a_bad_expiry_reads_the_same_everywhere(
    any_client: Client | AsyncClient, tmp_path: Path
) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text('{"a": 1}\n')
    c = any_client
    seen = {
        await _refusal(lambda: c.files.create(path, purpose="batch", expires_after_seconds=60)),
        await _refusal(lambda: c.uploads.upload_file(path, purpose="batch", expires_after_seconds=60)),
        await _refusal(
            lambda: c.uploads.create(
                filename="a", purpose="batch", bytes=9, mime_type="text/plain", expires_after_seconds=60
            )
        ),
    }
    rule = "must be between 3600 and 2592000 seconds, got 60"
    assert seen == {("expires_after_seconds", f"expires_after_seconds {rule}")}
    batch = await _refusal(
        lambda: c.batches.create("file-x", endpoint="/v1/embeddings", output_expires_after_seconds=60)
    )
    assert batch == ("output_expires_after_seconds", f"output_expires_after_seconds {rule}")
    await _nothing_stored(c)


@pytest.mark.anyio
@pytest.mark.usefixtures("cli_env")
async def test_a_bad_batch_endpoint_reads_the_same_everywhere(
    any_client: Client | AsyncClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_requests(tmp_path / "in.jsonl", 2)
    bad: Any = "/v1/unknown"
    batches = any_client.batches
    seen = {
        await _refusal(lambda: batches.create("file-x", endpoint=bad)),
        await _refusal(lambda: batches.create_from_file(source, endpoint=bad)),
    }
    cli = _cli_refusal(capsys, "batches", "create", str(source), "--endpoint", bad)
    state = ["--state-dir", str(tmp_path / "jobs")]
    for command in (
        ["batches", "check"],
        ["jobs", "plan"],
        ["jobs", "submit", *state],
        ["jobs", "run", *state],
    ):
        assert _cli_refusal(capsys, *command, str(source), "--endpoint", bad) == cli, command
    assert seen == {("endpoint", cli)}
    assert cli.startswith("endpoint must be one of /v1/chat/completions, ")
    await _nothing_stored(any_client)


@pytest.mark.anyio
async def test_list_order_and_page_size_are_checked_at_the_call(any_client: Client | AsyncClient) -> None:
    bad: Any = "newest"
    files, batches = any_client.files, any_client.batches
    assert await _refusal(lambda: files.list(order=bad)) == (
        "order",
        "order must be one of asc, desc; got 'newest'",
    )
    assert await _refusal(lambda: files.list(limit=10_001)) == (
        "limit",
        "limit must be between 1 and 10000, got 10001",
    )
    assert await _refusal(lambda: batches.list(limit=101)) == (
        "limit",
        "limit must be between 1 and 100, got 101",
    )
