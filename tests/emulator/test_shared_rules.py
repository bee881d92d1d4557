"""One source for the service's rules (issue 21, item 5): each rule list runs through the client's local
check and the emulator's HTTP answer, and both agree with each other and with openapi.yaml.

The expected lists are read from openapi.yaml here, with PyYAML; the candidates are the spec's values
plus values near them (another purpose the service knows, a path that is no batch endpoint, bounds
plus or minus one).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import yaml

from openai_files import InvalidInputError
from openai_files import _rules as client_rules
from openai_files._generated import SERVICE_RULES
from openai_files_emulator import Limits
from openai_files_emulator import rules as emulator_rules
from openai_files_spec._rules import rules_json, service_rules
from openai_files_spec._yamlio import load

SPEC_PATH = Path(__file__).parents[2] / "openapi.yaml"
SPEC: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text())
SCHEMAS = SPEC["components"]["schemas"]


def _enum(schema: str, field: str) -> list[str]:
    return list(SCHEMAS[schema]["properties"][field]["enum"])


KNOWN_PURPOSES = sorted({*_enum("OpenAIFile", "purpose"), *_enum("CreateFileRequest", "purpose"), "bogus"})


def _accepted_by_client(check: Callable[[Any], object], candidates: list[Any]) -> list[Any]:
    accepted = []
    for value in candidates:
        try:
            check(value)
        except InvalidInputError:
            continue
        accepted.append(value)
    return accepted


def _accepted_by_emulator(
    send: Callable[[Any], httpx.Response], candidates: list[Any], param: str
) -> list[Any]:
    accepted = []
    for value in candidates:
        response = send(value)
        if response.status_code == 200:
            accepted.append(value)
        else:
            assert response.status_code == 400, response.text
            assert response.json()["error"]["param"].startswith(param), response.text
    return accepted


def test_file_purposes(api: httpx.Client) -> None:
    expected = [p for p in KNOWN_PURPOSES if p in _enum("CreateFileRequest", "purpose")]
    client = _accepted_by_client(
        lambda p: client_rules.choice(p, client_rules.CreateFileRequestPurpose, param="purpose"),
        KNOWN_PURPOSES,
    )
    emulator = _accepted_by_emulator(
        lambda p: api.post("/files", data={"purpose": p}, files={"file": ("a.txt", b"x")}),
        KNOWN_PURPOSES,
        "purpose",
    )
    assert client == emulator == expected and "user_data" in expected


def test_upload_purposes_are_their_own_list(api: httpx.Client) -> None:
    """The emulator used to take Files' purposes for Uploads, `user_data` among them; the spec does not."""
    expected = [p for p in KNOWN_PURPOSES if p in _enum("CreateUploadRequest", "purpose")]
    client = _accepted_by_client(
        lambda p: client_rules.choice(p, client_rules.CreateUploadRequestPurpose, param="purpose"),
        KNOWN_PURPOSES,
    )

    def create(purpose: str) -> httpx.Response:
        body = {"filename": "a.txt", "purpose": purpose, "bytes": 1, "mime_type": "text/plain"}
        return api.post("/uploads", json=body)

    emulator = _accepted_by_emulator(create, KNOWN_PURPOSES, "purpose")
    assert client == emulator == expected
    assert [p for p in KNOWN_PURPOSES if client_rules.is_upload_purpose(p)] == expected
    assert "user_data" not in expected and "evals" not in expected


def test_batch_endpoints_and_completion_windows(api: httpx.Client) -> None:
    stored = api.post("/files", data={"purpose": "batch"}, files={"file": ("in.jsonl", b"{}\n")}).json()
    endpoints = [*_enum("CreateBatchRequest", "endpoint"), "/v1/files", "/v1/audio/speech", "/v1/chat"]
    client = _accepted_by_client(client_rules.batch_endpoint, endpoints)

    def create(endpoint: str, window: str = "24h") -> httpx.Response:
        body = {"input_file_id": stored["id"], "endpoint": endpoint, "completion_window": window}
        return api.post("/batches", json=body)

    assert (
        client
        == _accepted_by_emulator(create, endpoints, "endpoint")
        == _enum("CreateBatchRequest", "endpoint")
    )
    windows = [*_enum("CreateBatchRequest", "completion_window"), "48h", "1h", "24"]
    client_windows = _accepted_by_client(
        lambda w: client_rules.choice(
            w, client_rules.CreateBatchRequestCompletionWindow, param="completion_window"
        ),
        windows,
    )
    emulator_windows = _accepted_by_emulator(
        lambda w: create("/v1/embeddings", w), windows, "completion_window"
    )
    assert client_windows == emulator_windows == _enum("CreateBatchRequest", "completion_window")


def test_expiry_range(api: httpx.Client) -> None:
    bounds = SCHEMAS["FileExpirationAfter"]["properties"]["seconds"]
    low, high = bounds["minimum"], bounds["maximum"]
    candidates = [low - 1, low, high, high + 1]
    client = _accepted_by_client(lambda s: client_rules.expiry_seconds(s, param="seconds"), candidates)

    def create(seconds: int) -> httpx.Response:
        form = {
            "purpose": "batch",
            "expires_after[anchor]": "created_at",
            "expires_after[seconds]": str(seconds),
        }
        return api.post("/files", data=form, files={"file": ("a.txt", b"x")})

    assert client == _accepted_by_emulator(create, candidates, "expires_after") == [low, high]


def test_size_limits_are_the_specs_on_both_sides() -> None:
    """Too big to send in a test: the values themselves, from the one file both read."""
    rules, missing = service_rules(load(SPEC_PATH))
    assert missing == [] and json.loads(rules_json(rules)) == SERVICE_RULES
    assert (
        Limits().max_file_bytes,
        Limits().max_upload_bytes,
        Limits().max_part_bytes,
    ) == (client_rules.MAX_FILE_BYTES, client_rules.MAX_UPLOAD_BYTES, client_rules.MAX_PART_BYTES)
    assert (client_rules.MAX_FILE_BYTES, client_rules.MAX_UPLOAD_BYTES, client_rules.MAX_PART_BYTES) == (
        512 * 2**20,
        8 * 2**30,
        64 * 2**20,
    )
    shared = ("MAX_BATCH_REQUESTS", "MAX_BATCH_BYTES", "MAX_EMBEDDING_INPUTS", "MIN_EXPIRY_SECONDS")
    for name in shared:
        assert getattr(client_rules, name) == getattr(emulator_rules, name), name
    assert (client_rules.MAX_BATCH_REQUESTS, client_rules.MAX_BATCH_BYTES) == (50_000, 200_000_000)
