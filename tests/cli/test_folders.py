"""`tonearm folders add|list|remove` and `tonearm scan` with the music folders kept in the
database: a scanned folder is rescanned later and picks up new files (issue 15, defect 4)."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import RunTonearm
from tests.ingest.audio_factory import make_audio_file


def song(folder: Path, title: str, hz: float) -> Path:
    return make_audio_file(
        folder, "mp3", tags={"title": title, "artists": "Cli"}, name=f"{title}.mp3", frequency_hz=hz
    )


def test_folders_are_added_scanned_rescanned_and_removed(
    tonearm: RunTonearm, tmp_path: Path
) -> None:
    music = tmp_path / "music"
    song(music, "First", 300)

    outside = tonearm("scan", str(music))
    assert outside.returncode != 0
    assert f"tonearm folders add {music}" in outside.stderr

    added = tonearm("folders", "add", str(music))
    assert added.returncode == 0, added.stderr
    assert "added music folder 1" in added.stdout
    first = tonearm("scan")
    assert first.returncode == 0, first.stdout + first.stderr
    # A file dropped in later is found by a plain `tonearm scan`: the folder is remembered.
    song(music, "Second", 500)
    second = tonearm("scan")
    assert second.returncode == 0, second.stderr
    assert "imported" in second.stdout and "unchanged" in second.stdout

    listed = tonearm("folders", "list")
    row = next(line for line in listed.stdout.splitlines() if str(music) in line)
    assert "│ 1 " in row and "│ 2 " in row and "yes" in row

    again = tonearm("folders", "add", str(music / "."))
    assert again.returncode == 1 and "already music folder 1" in again.stderr
    removed = tonearm("folders", "remove", "1")
    assert removed.returncode == 0 and "2 songs tombstoned" in removed.stdout
    assert "no music folders yet" in tonearm("folders", "list").stdout
    assert "no music folders yet" in tonearm("scan").stderr


def test_scan_add_adds_and_scans_a_new_folder(tonearm: RunTonearm, tmp_path: Path) -> None:
    other = tmp_path / "other"
    song(other, "Third", 700)
    result = tonearm("scan", "--add", str(other))
    assert result.returncode == 0, result.stderr
    assert "added music folder 1" in result.stdout and "imported" in result.stdout
    missing = tonearm("scan", str(tmp_path / "nope"))
    assert missing.returncode != 0 and "no such folder" in missing.stderr


def test_the_setting_seeds_the_folders(tonearm: RunTonearm, tmp_path: Path) -> None:
    (tmp_path / "seeded").mkdir()
    env = {"TONEARM_MUSIC_FOLDERS": str(tmp_path / "seeded")}
    listed = tonearm("folders", "list", env=env)
    assert str(tmp_path / "seeded") in listed.stdout
    # Kept in the database: listed without the setting too.
    assert str(tmp_path / "seeded") in tonearm("folders", "list").stdout
