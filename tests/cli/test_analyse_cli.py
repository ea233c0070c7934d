"""`tonearm analyse` as a person runs it: the status, a backfill, one song again, a bad id,
and analysis turned off."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import uuid
from pathlib import Path

from bench.analysis_corpus import generate_case, write_audio

from tests.cli.conftest import TONEARM, RunTonearm, clean_environment
from tests.polling import wait_for

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


def test_a_killed_backfill_goes_on_where_it_stopped(tonearm: RunTonearm, tmp_path: Path) -> None:
    music = tmp_path / "music"
    music.mkdir()
    for index in range(8):
        write_audio(generate_case(7, index, duration=30.0), music / f"{index}.wav")
    imported = tonearm("import", str(music), env=ENV)
    assert imported.returncode == 0, imported.stdout + imported.stderr
    database = tmp_path / "data" / "tonearm.db"

    def analysed() -> dict[object, object]:
        with sqlite3.connect(database) as db:
            return dict(db.execute("SELECT song_id, analyzed_at FROM song_features").fetchall())

    run = subprocess.Popen(
        [str(TONEARM), "analyse"],
        env=clean_environment(TONEARM_DATA_DIR=str(tmp_path / "data"), **ENV),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=tmp_path,
    )
    try:
        wait_for(analysed, "the first song to be analysed", interval=0.01)
    finally:
        run.send_signal(signal.SIGKILL)
        run.wait(30)
    before = analysed()
    assert 1 <= len(before) < 8, "the kill came after the last song: nothing left to resume"

    resumed = tonearm("analyse", env=ENV)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert f"analysed {8 - len(before)}, failed 0" in resumed.stdout
    after = analysed()
    assert len(after) == 8
    assert {song: after[song] for song in before} == before  # done once, not again
