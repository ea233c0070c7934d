"""`tonearm analyse` as a person runs it: the status, a backfill, one song again, a bad id,
and analysis turned off."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

from bench.analysis_corpus import generate_case, write_audio

from tests.cli.conftest import RunTonearm

ENV = {"TONEARM_RENDITIONS": "preview"}


def test_analyse_backfills_then_redoes_one_song(tonearm: RunTonearm, tmp_path: Path) -> None:
    (tmp_path / "music").mkdir()
    song = write_audio(generate_case(5, 0, duration=5.0), tmp_path / "music" / "one.wav")
    imported = tonearm("import", str(song), env=ENV)
    assert imported.returncode == 0, imported.stdout + imported.stderr

    status = tonearm("analyse", "--status", env=ENV)
    assert status.returncode == 0, status.stderr
    assert "analysis: 0 done, 0 failed, 1 pending" in status.stdout

    done = tonearm("analyse", env=ENV)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "analysed 1, failed 0" in done.stdout
    assert "analysis: 1 done, 0 failed, 0 pending" in done.stdout

    with sqlite3.connect(tmp_path / "data" / "tonearm.db") as db:
        (raw,) = db.execute("SELECT song_id FROM song_features").fetchone()
    song_id = str(uuid.UUID(hex=raw) if isinstance(raw, str) else uuid.UUID(bytes=raw))
    again = tonearm("analyse", "--song", song_id, "--again", env=ENV)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "analysed 1, failed 0" in again.stdout

    unknown = tonearm("analyse", "--song", str(uuid.uuid4()), env=ENV)
    assert unknown.returncode == 1 and "error:" in unknown.stderr
    bad = tonearm("analyse", "--song", "not-an-id", env=ENV)
    assert bad.returncode == 2 and "not a song id" in bad.stderr


def test_analysis_turned_off_says_so(tonearm: RunTonearm) -> None:
    result = tonearm("analyse", env={"TONEARM_ANALYSIS": "false"})
    assert result.returncode == 1
    assert "analysis is turned off (TONEARM_ANALYSIS=false)" in result.stderr
    assert "Traceback" not in result.stderr
