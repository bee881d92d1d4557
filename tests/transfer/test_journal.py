"""The resume journal: atomic writes, distrust of stale or unreadable state."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from openai_files import UploadJournal, upload_journals
from openai_files._transfer.journal import FileFingerprint, Journal, journal_path
from openai_files._transfer.source import Source


def _journal(path: Path, fingerprint: FileFingerprint) -> Journal:
    return Journal(path=path, upload_id="upload_1", expires_at=10_000, part_size=4, fingerprint=fingerprint)


def test_round_trip_and_atomic_replace(tmp_path: Path) -> None:
    fp = FileFingerprint(size=10, mtime_ns=5, content="abc")
    journal = _journal(tmp_path / "j.json", fp)
    journal.record(2, "part_b")
    journal.record(0, "part_a")
    loaded = Journal.load(tmp_path / "j.json")
    assert loaded is not None
    assert loaded.parts == {0: "part_a", 2: "part_b"}
    assert loaded.fingerprint == fp
    assert [p.name for p in tmp_path.iterdir()] == ["j.json"]  # no temporary left behind


def test_unreadable_journal_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "j.json"
    path.write_text('{"upload_id": "upload_1", "parts": ')
    assert Journal.load(path) is None
    path.write_text(json.dumps({"upload_id": "x"}))
    assert Journal.load(path) is None
    assert Journal.load(tmp_path / "absent.json") is None


def test_fingerprint_sees_a_change_in_a_sampled_block(make_file: Callable[[int], Path]) -> None:
    path = make_file(300)
    source = Source.open_path(path)
    before = FileFingerprint.take(source)
    source.close()
    data = bytearray(path.read_bytes())
    data[150] ^= 1
    path.write_bytes(bytes(data))
    source = Source.open_path(path)
    after = FileFingerprint.take(source)
    source.close()
    assert before.content != after.content


def test_journal_path_depends_on_endpoint_file_and_purpose(tmp_path: Path) -> None:
    a = journal_path(tmp_path, "http://h/v1", Path("/f"), "batch")
    assert a == journal_path(tmp_path, "http://h/v1", Path("/f"), "batch")
    assert a != journal_path(tmp_path, "http://other/v1", Path("/f"), "batch")
    assert a != journal_path(tmp_path, "http://h/v1", Path("/f"), "vision")


def test_upload_journals_lists_each_readable_journal(tmp_path: Path) -> None:
    """The public read of the journals (`openai-files uploads journals ls`): 3 of 10 bytes' parts of 4."""
    journal = _journal(tmp_path / "b.json", FileFingerprint(size=10, mtime_ns=5, content="abc"))
    journal.record(1, "part_b")
    (tmp_path / "a.json").write_text("{")  # unreadable: skipped
    assert upload_journals(tmp_path) == [UploadJournal("upload_1", 10, 4, 1, 10_000, tmp_path / "b.json")]
    assert upload_journals(tmp_path)[0].parts == 3
    assert upload_journals(tmp_path / "absent") == []
