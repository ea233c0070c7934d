"""`tonearm playlist import|export`, and `tonearm scan` reading a music folder's playlist
files, end to end with real audio files."""

from __future__ import annotations

import re
from pathlib import Path

from tests.cli.conftest import RunTonearm
from tests.ingest.audio_factory import make_audio_file


def test_scan_import_and_export(tonearm: RunTonearm, tmp_path: Path) -> None:
    music = tmp_path / "music"
    for title, hz in (("First", 300), ("Second", 500)):
        make_audio_file(
            music / "Album",
            "mp3",
            tags={"title": title, "artists": "Cli"},
            name=f"{title}.mp3",
            frequency_hz=hz,
        )
    (music / "Both.m3u").write_text("Album/Second.mp3\nAlbum/First.mp3\n")
    assert (
        tonearm("user", "add", "root", "--admin", "--password", "pw-long-enough-1").returncode == 0
    )
    assert tonearm("folders", "add", str(music)).returncode == 0
    scanned = tonearm("scan")
    assert scanned.returncode == 0, scanned.stdout + scanned.stderr

    elsewhere = tmp_path / "from another pc.m3u8"
    elsewhere.write_text(
        "#EXTM3U\n#EXTINF:1,Cli - First\nC:\\Users\\me\\Music\\Album\\First.mp3\nlost.mp3\n"
    )
    imported = tonearm("playlist", "import", str(elsewhere), "--user", "root")
    assert imported.returncode == 0, imported.stderr
    assert "imported 1 songs" in imported.stdout
    assert "line 4: lost.mp3" in imported.stdout and "1 entries not matched" in imported.stdout
    playlist_id = re.search(r"playlist ([0-9a-f-]{36})", imported.stdout)
    assert playlist_id is not None

    exported = tonearm(
        "playlist", "export", playlist_id.group(1), "--user", "root", "--format", "xspf"
    )
    assert exported.returncode == 0, exported.stderr
    assert "<location>Album/First.mp3</location>" in exported.stdout

    listed = tonearm("playlist", "export", playlist_id.group(1), "--user", "nobody")
    assert listed.returncode == 1 and "nobody" in listed.stderr
