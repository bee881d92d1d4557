"""Keys, optional organization/project headers, request ids, unknown routes and methods."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from openai_files_emulator import EmulatorConfig, EmulatorServer

from .conftest import TIMEOUT, assert_error


@pytest.fixture(scope="module")
def keyed() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorConfig(api_keys=frozenset({"sk-one", "sk-two"}))) as server:
        yield server


@pytest.mark.parametrize("header", [None, "", "Bearer", "Basic abc", "sk-no-scheme"])
def test_missing_key(emulator: EmulatorServer, header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header}
    response = httpx.get(f"{emulator.base_url}/files", headers=headers, timeout=TIMEOUT)
    assert assert_error(response, 401)["code"] == "missing_api_key"


def test_any_key_accepted_without_configured_keys(emulator: EmulatorServer) -> None:
    response = httpx.get(
        f"{emulator.base_url}/files", headers={"Authorization": "Bearer whatever"}, timeout=TIMEOUT
    )
    assert response.status_code == 200


def test_configured_keys(keyed: EmulatorServer) -> None:
    for key in ("sk-one", "sk-two"):
        ok = httpx.get(f"{keyed.base_url}/files", headers={"Authorization": f"Bearer {key}"}, timeout=TIMEOUT)
        assert ok.status_code == 200
    refused = httpx.get(
        f"{keyed.base_url}/files", headers={"Authorization": "Bearer sk-three-x"}, timeout=TIMEOUT
    )
    error = assert_error(refused, 401, contains="incorrect")
    assert error["code"] == "invalid_api_key" and "sk-three-x" not in error["message"]


def test_organization_and_project_headers_accepted(api: httpx.Client) -> None:
    headers = {"OpenAI-Organization": "org-1", "OpenAI-Project": "proj-1"}
    assert api.get("/files", headers=headers).status_code == 200


def test_request_ids_everywhere(api: httpx.Client, emulator: EmulatorServer) -> None:
    ids = {api.get("/files").headers["x-request-id"], api.get("/files/file-x").headers["x-request-id"]}
    ids.add(httpx.get(f"{emulator.root_url}/__emulator__/health", timeout=TIMEOUT).headers["x-request-id"])
    assert len(ids) == 3 and all(i.startswith("req_") for i in ids)


def test_unknown_path_and_method(api: httpx.Client) -> None:
    assert_error(api.get("/models"), 404, contains="unknown path")
    response = api.put("/files")
    assert_error(response, 405)
    assert set(response.headers["allow"].split(", ")) == {"GET", "HEAD", "POST"}
