"""`tonearm scan` and `tonearm import` as a person runs them: a failing scan exits non-zero
with one line, progress has a total, odd file names print (issue 15, defects 1 and 5)."""

from __future__ import annotations

import os
from pathlib import Path

from tests.cli.conftest import RunTonearm
from tests.ingest.conftest import make_track


def test_a_scan_of_a_missing_folder_fails_with_one_line(
    tonearm: RunTonearm, tmp_path: Path
) -> None:
    done = tonearm("scan", str(tmp_path / "nonexistent"))
    assert done.returncode == 1
    assert done.stderr.strip() == f"error: no such folder: {tmp_path / 'nonexistent'}"

    song = make_track(tmp_path / "song.mp3", seconds=1.0)
    not_a_folder = tonearm("scan", str(song))
    assert not_a_folder.returncode == 1
    assert not_a_folder.stderr.startswith(f"error: not a folder: {song}")


def test_scan_and_import_print_latin1_names_and_count_first(
    tonearm: RunTonearm, tmp_path: Path
) -> None:
    root = tmp_path / os.fsdecode(b"Musique fran\xe7aise")
    make_track(root / os.fsdecode(b"caf\xe9.mp3"), seconds=1.0, frequency_hz=330)
    make_track(root / "good.mp3", seconds=1.0, frequency_hz=440)
    (root / os.fsdecode(b"d\xe9j\xe0 vu.mp3")).write_text("not music")

    scanned = tonearm("scan", os.fsdecode(os.fsencode(root)), timeout=300)

    assert "Traceback" not in scanned.stderr, scanned.stderr
    assert scanned.returncode == 1  # one file failed
    assert "3/3" in scanned.stdout  # counted first: a total, not "3/?"
    assert "Musique française/déjà vu.mp3: not audio" in scanned.stdout
    assert "imported" in scanned.stdout and "│ 2 " in scanned.stdout

    imported = tonearm("import", str(root), timeout=300)
    assert "Traceback" not in imported.stderr, imported.stderr
    assert imported.returncode == 1
    assert "déjà vu.mp3: not audio" in imported.stdout
