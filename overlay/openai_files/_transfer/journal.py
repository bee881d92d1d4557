"""The resume journal: the service cannot list an Upload's parts, so the client remembers them.

One JSON file per (endpoint, file, purpose), rewritten atomically (temporary file, fsync, rename) after
every part, so a crash at any instant leaves either the previous or the next journal, never half of one.

Before the complete request goes out, its Idempotency-Key, body and time are journaled (`Completion`):
a run killed after the service completed the Upload but before the answer arrived leaves a journal
from which the rerun repeats that very request, and gets the File instead of storing the file twice.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .._service import ServiceIdentity
from .config import TransferConfig
from .source import Source

log = logging.getLogger("openai_files.transfer")

_SAMPLE = 64 * 1024
_SAMPLES = 128


@dataclass(frozen=True)
class FileFingerprint:
    """Size, mtime and a hash of sampled blocks: cheap to take; a changed file rarely keeps all three."""

    size: int
    mtime_ns: int
    content: str

    @classmethod
    def take(cls, source: Source) -> FileFingerprint:
        """At most `_SAMPLES` blocks, spread evenly: the same for any part size the file is sent in."""
        stat = source.stat()
        h = hashlib.blake2b(str(source.size).encode(), digest_size=16)
        step = max(_SAMPLE, -(-source.size // _SAMPLES))
        offsets = [*range(0, source.size, step), max(0, source.size - _SAMPLE)]
        for offset in offsets:
            h.update(source.pread(offset, _SAMPLE))
        return cls(size=source.size, mtime_ns=stat.mtime_ns if stat else 0, content=h.hexdigest())


@dataclass(frozen=True)
class Completion:
    """A complete request as it was sent: a rerun repeats it exactly."""

    key: str
    """Its Idempotency-Key."""
    md5: str | None
    sent_at: float
    """Wall-clock seconds when it was sent: a File the service made for it was created after this."""


@dataclass
class Journal:
    path: Path
    upload_id: str
    expires_at: int
    part_size: int
    fingerprint: FileFingerprint
    parts: dict[int, str] = field(default_factory=dict)
    created_at: int = 0
    completion: Completion | None = None
    service: ServiceIdentity | None = None
    """The service the Upload lives on; None in journals written before it was recorded."""

    def record(self, index: int, part_id: str) -> None:
        self.parts[index] = part_id
        self.save()

    def completing(self, completion: Completion) -> None:
        """Record the complete request about to be sent; raises when it cannot be written."""
        self.completion = completion
        self.save()

    def save(self) -> None:
        data = {
            "upload_id": self.upload_id,
            "expires_at": self.expires_at,
            "created_at": self.created_at,
            "part_size": self.part_size,
            "fingerprint": asdict(self.fingerprint),
            "parts": {str(i): p for i, p in sorted(self.parts.items())},
            "completion": None if self.completion is None else asdict(self.completion),
            "service": None if self.service is None else self.service.to_json(),
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=self.path.name, suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w") as f:
                json.dump(data, f)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def delete(self) -> None:
        """Forget the journal; a failure is logged, never raised: it runs inside cleanups that must go on."""
        try:
            self.path.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("could not delete upload journal %s: %s", self.path, exc)

    @classmethod
    def load(cls, path: Path) -> Journal | None:
        """The journal at `path`, or None when there is none or it cannot be read (then it is ignored)."""
        try:
            data: dict[str, Any] = json.loads(path.read_text())
            return cls(
                path=path,
                upload_id=str(data["upload_id"]),
                expires_at=int(data["expires_at"]),
                part_size=int(data["part_size"]),
                fingerprint=FileFingerprint(**data["fingerprint"]),
                parts={int(i): str(p) for i, p in data["parts"].items()},
                created_at=int(data.get("created_at", 0)),
                completion=None if data.get("completion") is None else Completion(**data["completion"]),
                service=ServiceIdentity.from_json(data.get("service")),
            )
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("ignoring unreadable upload journal %s: %s", path, exc)
            return None


def journal_path(directory: Path, endpoint: str, source_path: Path, purpose: str) -> Path:
    key = hashlib.sha256(f"{endpoint}\0{source_path}\0{purpose}".encode()).hexdigest()[:32]
    return directory / f"{key}.json"


@dataclass(frozen=True)
class UploadJournal:
    """An Upload that `upload_file(..., resume=True)` kept for a rerun, as its journal file tells it."""

    upload_id: str
    bytes: int
    """The file's size."""
    part_size: int
    parts_sent: int
    expires_at: int
    """Unix seconds when the service forgets the Upload."""
    path: Path
    """The journal file; deleting it forgets the Upload here (cancel it on the service to free it there)."""

    @property
    def parts(self) -> int:
        """Parts the file is cut into."""
        return -(-self.bytes // self.part_size)


def upload_journals(directory: Path | None = None) -> list[UploadJournal]:
    """The resume journals in `directory` (default: `TransferConfig().journal_dir`), by file name; an
    unreadable one is skipped with a warning. Reads files only: no network call, no API key."""
    folder = TransferConfig().journal_dir if directory is None else directory
    found = (Journal.load(path) for path in sorted(folder.glob("*.json")))
    return [
        UploadJournal(j.upload_id, j.fingerprint.size, j.part_size, len(j.parts), j.expires_at, j.path)
        for j in found
        if j is not None
    ]
