"""SqlMusicFolderRepository on SQLite and PostgreSQL: ids never reused, paths unique and
lossless, song counts by prefix, last scan kept; and the migration's folders from the roots
of earlier scans."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Uuid, bindparam, text

from tests.factories import make_draft
from tonearm.adapters.db import Database, SqlSongRepository
from tonearm.adapters.db.engine import open_engine
from tonearm.adapters.db.migrate import downgrade_database, upgrade_database
from tonearm.adapters.db.music_folders import SqlMusicFolderRepository
from tonearm.adapters.db.tables import UTCDateTime
from tonearm.errors import AlreadyExists
from tonearm.library.music_folders import MusicFolderNotFound
from tonearm.library.paths import path_to_text
from tonearm.settings import Settings

pytestmark = pytest.mark.anyio
NOW = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)
_OLD_SONG = text(
    "INSERT INTO songs (id, title, sort_title, duration_ms, source, original_path, folder_path,"
    " audio_hash, play_count, popularity_score, added_at, last_updated, deleted_at)"
    " VALUES (:id, 'song', 'song', 1000, 'library', :path, :folder, :hash, 0, 0, :now, :now,"
    " :gone)"
).bindparams(
    bindparam("id", type_=Uuid()),
    bindparam("now", type_=UTCDateTime()),
    bindparam("gone", type_=UTCDateTime()),
)


@pytest.fixture
def folders(database: Database) -> SqlMusicFolderRepository:
    return SqlMusicFolderRepository(database.sessions)


async def test_ids_are_never_reused_and_paths_are_unique(
    folders: SqlMusicFolderRepository,
) -> None:
    first = await folders.add("/music/a", "a", NOW)
    second = await folders.add("/music/b", "b", NOW)
    assert second.id > first.id
    with pytest.raises(AlreadyExists):
        await folders.add("/music/a", "a", NOW)
    await folders.remove(second.id)
    # The highest id was freed: a plain rowid table would hand it out again.
    third = await folders.add("/music/c", "c", NOW)
    assert third.id > second.id
    assert [f.id for f in await folders.list_folders()] == [first.id, third.id]
    with pytest.raises(MusicFolderNotFound):
        await folders.get(second.id)
    with pytest.raises(MusicFolderNotFound):
        await folders.remove(second.id)


async def test_a_non_utf8_path_is_stored_and_read_back_exactly(
    folders: SqlMusicFolderRepository,
) -> None:
    raw = os.fsdecode(b"/music/caf\xe9")
    added = await folders.add(path_to_text(raw), "café", NOW)
    found = await folders.get(added.id)
    assert bytes(found.fs_path) == b"/music/caf\xe9"
    assert found.display == "/music/café" and found.name == "café"


async def test_last_scan_and_song_counts(
    folders: SqlMusicFolderRepository, database: Database
) -> None:
    music = await folders.add("/music", "music", NOW)
    similar = await folders.add("/music2", "music2", NOW)
    songs = SqlSongRepository(database.sessions)
    for path in ["/music/x/1.flac", "/music/2.flac", "/music2/3.flac"]:
        await songs.add(uuid.uuid4(), make_draft(original_path=path, original_key=None), NOW)
    gone = uuid.uuid4()
    await songs.add(gone, make_draft(original_path="/music/4.flac", original_key=None), NOW)
    await songs.tombstone(gone, NOW)
    await songs.add(uuid.uuid4(), make_draft(), NOW)  # imported: in no folder
    assert await folders.song_counts() == {music.id: 2, similar.id: 1}

    await folders.record_scan(music.id, NOW, {"imported": 2, "failures": []})
    scanned = await folders.get(music.id)
    assert scanned.last_scan_at == NOW and scanned.last_scan == {"imported": 2, "failures": []}
    assert (await folders.get(similar.id)).last_scan_at is None


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_the_migration_turns_earlier_scan_roots_into_folders(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    settings = Settings(data_dir=tmp_path)
    if backend == "postgresql":
        settings = Settings(data_dir=tmp_path, database_url=request.getfixturevalue("postgres_url"))
    engine = open_engine(settings.resolved_database_url)
    try:
        await upgrade_database(engine)
        await downgrade_database(engine, "0007")  # the revision before music folders
        # Rows as that revision's schema holds them (today's models have more columns).
        layout = {
            "/a/music/x/1.flac": "/a/music/x",
            "/a/music/x/y/2.flac": "/a/music/x/y",
            "/a/music/z/3.flac": "/a/music/z",
            "/b/other/4.flac": "/b/other",
            "/c/gone/5.flac": "/c/gone",
            None: None,  # imported
        }
        async with engine.begin() as conn:
            for path, folder in layout.items():
                await conn.execute(
                    _OLD_SONG,
                    {
                        "id": uuid.uuid4(),
                        "path": path,
                        "folder": folder,
                        "hash": uuid.uuid4().hex,
                        "now": NOW,
                        "gone": NOW if path == "/c/gone/5.flac" else None,
                    },
                )

        await upgrade_database(engine)
        async with engine.connect() as conn:
            rows = (await conn.execute(text("SELECT path FROM music_folders ORDER BY id"))).all()
        assert sorted(row[0] for row in rows) == ["/a/music/x", "/a/music/z", "/b/other"]
    finally:
        await engine.dispose()
