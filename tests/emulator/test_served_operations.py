"""The emulator serves what it declares, and every operation of openapi.yaml is served or named.

`make vendor` may bring in operations the emulator does not serve yet; they are reported by name (a
skip, listed in the summary) rather than failing the suite, unless the overlay builds on one of them.
"""

import httpx
import pytest

from openai_files_emulator import EmulatorServer
from openai_files_emulator.operations import SERVED_OPERATIONS

from .served import BUILT_ON, spec_operations

TIMEOUT = httpx.Timeout(10.0)
OPERATIONS = spec_operations()


def _served_over_http(server: EmulatorServer, method: str, path: str) -> bool:
    """Whether a request reaches a handler: neither 405 nor the unknown-path 404 comes back."""
    url = server.base_url + path.replace("{", "").replace("}", "")  # {file_id} -> file_id, any id will do
    with httpx.Client(headers={"Authorization": f"Bearer {server.api_key}"}, timeout=TIMEOUT) as client:
        response = client.request(method, url, json={} if method in ("POST", "PUT", "PATCH") else None)
    unknown_path = response.status_code == 404 and response.json()["error"]["code"] == "unknown_url"
    return response.status_code != 405 and not unknown_path


@pytest.mark.parametrize(("method", "path"), sorted(SERVED_OPERATIONS))
def test_a_declared_operation_is_served(emulator: EmulatorServer, method: str, path: str) -> None:
    assert _served_over_http(emulator, method, path)


def test_the_declaration_names_operations_of_openapi_yaml() -> None:
    assert {(method, path) for _, method, path in OPERATIONS} >= SERVED_OPERATIONS


@pytest.mark.parametrize(("module", "method", "path"), OPERATIONS, ids=[module for module, *_ in OPERATIONS])
def test_every_operation_is_served_or_named(
    emulator: EmulatorServer, module: str, method: str, path: str
) -> None:
    served = (method, path) in SERVED_OPERATIONS
    assert served == _served_over_http(emulator, method, path)
    if served:
        return
    assert module not in BUILT_ON, (
        f"the overlay builds on {module} ({method} {path}), which the emulator does not serve"
    )
    pytest.skip(
        f"the emulator does not serve {module} ({method} {path}) yet:"
        " see emulator/openai_files_emulator/README.md, 'Serving a new operation'"
    )
