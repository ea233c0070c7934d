"""MusicFolderService's rules on a real database: what may be added (from the CLI and from
the web), seeding from TONEARM_MUSIC_FOLDERS, and finding a file's folder by exact bytes."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tonearm.adapters.db import Database, SqlSongRepository
from tonearm.adapters.db.music_folders import SqlMusicFolderRepository
from tonearm.errors import AlreadyExists, InvalidInput, PermissionDenied
from tonearm.library.folder_service import MusicFolderService
from tonearm.library.paths import path_to_text

pytestmark = pytest.mark.anyio
NOW = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)


@pytest.fixture
def disk(tmp_path: Path) -> Path:
    for folder in ["music/rock", "allowed/music", "data/objects", "elsewhere"]:
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "music" / "file.mp3").write_bytes(b"x")
    return tmp_path


def service(database: Database, disk: Path, roots: list[Path] | None = None) -> MusicFolderService:
    return MusicFolderService(
        SqlMusicFolderRepository(database.sessions),
        SqlSongRepository(database.sessions),
        protected=[disk / "data", disk / "store"],
        allowed_roots=roots or [],
        clock=lambda: NOW,
    )


async def test_what_the_cli_may_add(database: Database, disk: Path) -> None:
    folders = service(database, disk)
    music = await folders.add(disk / "music")
    assert music.fs_path == (disk / "music").resolve() and music.name == "music"
    for refused, reason in [
        (disk / "nothing", "no such folder"),
        (disk / "music" / "file.mp3", "no such folder"),
        (disk / "music" / "rock", "inside music folder"),
        (disk, "holds or lies inside tonearm's own data"),
        (disk / "data", "tonearm's own data"),
        (disk / "data" / "objects", "tonearm's own data"),
    ]:
        with pytest.raises(InvalidInput, match=reason):
            await folders.add(refused)
    (disk / "store").mkdir()
    with pytest.raises(InvalidInput, match="own data"):
        await folders.add(disk / "store")
    (disk / "alias").symlink_to(disk / "music")
    with pytest.raises(AlreadyExists):
        await folders.add(disk / "alias")  # the same folder under another name
    # Containing a music folder is refused too (it would nest).
    (disk / "outer" / "inner").mkdir(parents=True)
    await folders.add(disk / "outer" / "inner")
    with pytest.raises(InvalidInput, match="contains music folder"):
        await folders.add(disk / "outer")
    # The CLI may add anywhere, even with no allowed roots.
    assert (await folders.add(disk / "elsewhere")).id > music.id


async def test_what_the_web_may_add(database: Database, disk: Path) -> None:
    closed = service(database, disk)
    with pytest.raises(PermissionDenied, match="set TONEARM_FOLDER_ROOTS"):
        await closed.add(disk / "allowed" / "music", from_web=True)
    folders = service(database, disk, roots=[disk / "allowed"])
    with pytest.raises(PermissionDenied, match="not under TONEARM_FOLDER_ROOTS"):
        await folders.add(disk / "elsewhere", from_web=True)
    # `..` cannot climb out, and a missing folder outside the roots is not even looked at.
    with pytest.raises(PermissionDenied):
        await folders.add(disk / "allowed" / ".." / "elsewhere", from_web=True)
    with pytest.raises(PermissionDenied):
        await folders.add(disk / "secret-that-does-not-exist", from_web=True)
    added = await folders.add(disk / "allowed" / "music", from_web=True)
    assert added.fs_path == (disk / "allowed" / "music").resolve()


async def test_the_setting_seeds_folders_once_and_takes_over_narrower_ones(
    database: Database, disk: Path
) -> None:
    folders = service(database, disk)
    inner = await folders.add(disk / "music" / "rock")  # e.g. from the migration
    added = await folders.seed([disk / "music", disk / "missing", disk / "data" / "objects"])
    # A missing folder is kept (its scan says it is missing); tonearm's own data is not.
    assert [f.fs_path for f in added] == [(disk / "music").resolve(), (disk / "missing").resolve()]
    listed = await folders.list_folders()
    assert inner.id not in [f.id for f in listed]
    assert await folders.seed([disk / "music", disk / "music" / "rock"]) == []
    assert len(await folders.list_folders()) == 2


async def test_a_file_is_located_by_its_exact_bytes(database: Database, disk: Path) -> None:
    folders = service(database, disk)
    cafe = Path(os.fsdecode(bytes(disk) + b"/caf\xe9"))
    cafe.mkdir()
    music = await folders.add(cafe)
    song = Path(os.fsdecode(bytes(cafe) + b"/sub/d\xe9j\xe0 100%.mp3"))
    for form in (path_to_text(song), str(song)):  # stored text, or as Python names it
        found = await folders.locate(form)
        assert found is not None and found[0].id == music.id
        assert found[1] == b"sub/d\xe9j\xe0 100%.mp3"
    assert await folders.locate(str(disk / "elsewhere" / "x.mp3")) is None
    assert await folders.containing(song.parent) == music
    assert await folders.find(str(music.id)) == music
    assert await folders.find(str(cafe)) == music
