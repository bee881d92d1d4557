"""The resume journal: the service cannot list an Upload's parts, so the client remembers them.

One JSON file per (endpoint, file, purpose), rewritten atomically (temporary file, fsync, rename) after
every part, so a crash at any instant leaves either the previous or the next journal, never half of one.
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

from .source import Source

log = logging.getLogger("openai_files.transfer")

_SAMPLE = 64 * 1024


@dataclass(frozen=True)
class FileFingerprint:
    """Size, mtime and a hash of sampled blocks: cheap to take; a changed file rarely keeps all three."""

    size: int
    mtime_ns: int
    content: str

    @classmethod
    def take(cls, source: Source, part_size: int) -> FileFingerprint:
        identity = source.identity()
        h = hashlib.blake2b(str(source.size).encode(), digest_size=16)
        offsets = [*range(0, source.size, part_size), max(0, source.size - _SAMPLE)]
        for offset in offsets:
            h.update(source.pread(offset, _SAMPLE))
        return cls(size=source.size, mtime_ns=identity.mtime_ns if identity else 0, content=h.hexdigest())


@dataclass
class Journal:
    path: Path
    upload_id: str
    expires_at: int
    part_size: int
    fingerprint: FileFingerprint
    parts: dict[int, str] = field(default_factory=dict)

    def record(self, index: int, part_id: str) -> None:
        self.parts[index] = part_id
        self.save()

    def save(self) -> None:
        data = {
            "upload_id": self.upload_id,
            "expires_at": self.expires_at,
            "part_size": self.part_size,
            "fingerprint": asdict(self.fingerprint),
            "parts": {str(i): p for i, p in sorted(self.parts.items())},
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
        self.path.unlink(missing_ok=True)

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
            )
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("ignoring unreadable upload journal %s: %s", path, exc)
            return None

    def stale_reason(
        self, fingerprint: FileFingerprint, part_size: int, now: float, margin: float
    ) -> str | None:
        """Why this journal cannot be resumed for the given file, or None when it can."""
        if self.expires_at - margin <= now:
            return f"Upload {self.upload_id} has expired or expires too soon to finish"
        if fingerprint != self.fingerprint:
            return "the file changed since the interrupted upload"
        if part_size != self.part_size:
            return f"the part size changed from {self.part_size} to {part_size}"
        return None


def journal_path(directory: Path, endpoint: str, source_path: Path, purpose: str) -> Path:
    key = hashlib.sha256(f"{endpoint}\0{source_path}\0{purpose}".encode()).hexdigest()[:32]
    return directory / f"{key}.json"
