"""A new upstream operation is usable through the overlay's public seam the moment it is generated.

`make vendor` brings `archiveFile` (POST /files/{file_id}/archive, the `add_operation.yaml` patch) into a
scratch copy of the project; a child process imports that copy's generated package in place of ours and
calls the new module with `client.call` while the emulator refuses the first two attempts with 503. The
overlay is the project's own, unchanged. The emulator serves only the service's 13 operations, so the test
gives its server one more route, answering like retrieveFile, before it starts.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount

from openai_files_emulator import EmulatorServer
from openai_files_emulator.wire import resource
from openai_files_spec import load

from .project_copy import ROOT, copy_project, make
from .upstream_shape import patched, upstream_shaped, write

CALLER = """
import json, sys
from openai_files import Client
from openai_files_api.api.files import archive_file

base_url, api_key, file_id = sys.argv[1:]
with Client(base_url=base_url, api_key=api_key, timeout=10, max_retries=3) as client:
    archived = client.call(archive_file, file_id)
print(json.dumps({"id": archived.id, "module": archive_file.__file__}))
"""


def _with_archive_route(server: EmulatorServer) -> EmulatorServer:
    async def archive(request: Request) -> Response:
        return JSONResponse(server.emulator.files.get(request.path_params["file_id"]).to_json())

    v1 = next(route for route in server.app.routes if isinstance(route, Mount) and route.path == "/v1")
    v1.routes.append(resource("/files/{file_id}/archive", POST=archive))
    return server


def test_a_vendored_operation_is_called_through_the_seam_under_503s(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    upstream = write(
        patched(upstream_shaped(load(ROOT / "openapi.yaml")), "add_operation.yaml"), tmp_path / "up.yaml"
    )
    run = make(project, "vendor", f"UPSTREAM={upstream}")
    assert run.returncode == 0, run.stdout + run.stderr
    generated = project / "generated"
    assert (generated / "openai_files_api" / "api" / "files" / "archive_file.py").is_file()

    with _with_archive_route(EmulatorServer()) as server:
        stored = server.emulator.files.create(
            _one_line(tmp_path), size=3, filename="a.jsonl", purpose="batch", expires_after=None
        )
        server.faults.set(script=("503", "503"), retry_after=0.01, paths=("/v1/files/*/archive",))
        child = subprocess.run(
            [sys.executable, "-c", CALLER, server.base_url, server.api_key, stored.id],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env={**os.environ, "PYTHONPATH": str(generated)},
        )
        assert child.returncode == 0, child.stderr
        answer = json.loads(child.stdout)
        assert answer["id"] == stored.id
        assert Path(answer["module"]).is_relative_to(generated)  # the scratch copy's package, not ours
        assert server.faults.injected == 2
        sent = [
            r for r in server.emulator.requests.recent() if r.method == "POST" and r.path.endswith("/archive")
        ]
        assert len(sent) == 3 and len({r.headers["idempotency-key"] for r in sent}) == 1


def _one_line(tmp_path: Path) -> Path:
    path = tmp_path / "stored.jsonl"
    path.write_bytes(b"{}\n")
    return path
