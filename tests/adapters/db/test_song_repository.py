"""SqlSongRepository on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from tests.factories import make_draft
from tonearm.adapters.db import Database, SqlSongRepository
from tonearm.adapters.db.changes import ChangeOp, changes_after
from tonearm.library.models import SongNotFound, StoredRendition

pytestmark = pytest.mark.anyio
NOW = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture
def songs(database: Database) -> SqlSongRepository:
    return SqlSongRepository(database.sessions)


async def test_add_links_artists_album_and_genres_in_order(songs: SqlSongRepository) -> None:
    song_id = uuid.uuid4()
    draft = make_draft(
        artists=("Daft Punk", "Pharrell Williams"),
        album="Random Access Memories",
        album_artist="Daft Punk",
        genres=("Disco", "Funk"),
    )
    song = await songs.add(song_id, draft, NOW)
    assert song.id == song_id
    assert song.artists == ("Daft Punk", "Pharrell Williams")
    assert song.album == "Random Access Memories"
    assert song.album_artist == "Daft Punk"
    assert song.genres == ("Disco", "Funk")
    assert await songs.find_by_audio_hash(draft.audio_hash) == song


async def test_artists_and_albums_are_shared_between_songs(
    songs: SqlSongRepository, database: Database
) -> None:
    first = await songs.add(uuid.uuid4(), make_draft(artists=("Nina",), album="One"), NOW)
    second = await songs.add(uuid.uuid4(), make_draft(artists=("Nina",), album="One"), NOW)
    assert first.album == second.album == "One"
    async with database.sessions() as session:
        changes = await changes_after(session, 0, 100)
    # Two songs, one artist, one album.
    assert sorted(change.entity.value for change in changes) == [
        "album",
        "artist",
        "song",
        "song",
    ]


async def test_replace_metadata_keeps_the_id_and_logs_an_update(
    songs: SqlSongRepository, database: Database
) -> None:
    song_id = uuid.uuid4()
    draft = make_draft(title="Old", genres=("Rock",))
    await songs.add(song_id, draft, NOW)
    renamed = await songs.replace_metadata(
        song_id, make_draft(title="New", genres=("Jazz", "Soul"), audio_hash=draft.audio_hash), NOW
    )
    assert renamed.id == song_id
    assert renamed.title == "New"
    assert renamed.genres == ("Jazz", "Soul")
    async with database.sessions() as session:
        song_changes = [c for c in await changes_after(session, 0, 100) if c.entity_id == song_id]
    assert len(song_changes) == 2


async def test_tombstone_hides_and_logs_a_delete(
    songs: SqlSongRepository, database: Database
) -> None:
    song_id = uuid.uuid4()
    await songs.add(song_id, make_draft(original_path="/music/a.flac", original_key=None), NOW)
    await songs.tombstone(song_id, NOW)
    song = await songs.get(song_id)
    assert song.deleted_at == NOW
    assert song.original_path is None
    async with database.sessions() as session:
        last = (await changes_after(session, 0, 100))[-1]
    assert (last.entity_id, last.op) == (song_id, ChangeOp.DELETE)


async def test_get_of_an_unknown_song_raises(songs: SqlSongRepository) -> None:
    with pytest.raises(SongNotFound):
        await songs.get(uuid.uuid4())


async def test_renditions_are_upserted_and_dropped(songs: SqlSongRepository) -> None:
    song_id = uuid.uuid4()
    await songs.add(song_id, make_draft(), NOW)
    low = StoredRendition("low", "mp3", 64, 100, f"low/{song_id}.mp3", NOW)
    await songs.add_rendition(song_id, low)
    await songs.add_rendition(song_id, StoredRendition("low", "mp3", 64, 120, low.storage_key, NOW))
    assert [r.size_bytes for r in await songs.renditions(song_id)] == [120]
    dropped = await songs.drop_renditions(song_id)
    assert [r.kind for r in dropped] == ["low"]
    assert await songs.renditions(song_id) == []


async def test_scanned_files_come_in_bytewise_path_order_across_pages(
    songs: SqlSongRepository,
) -> None:
    names = ["b.flac", "a b/x.mp3", "a/x.mp3", "a.b.mp3", "Z.mp3", "é.mp3", "a/y/z.mp3"]
    for name in names:
        await songs.add(
            uuid.uuid4(),
            make_draft(
                original_path=f"/music/{name}",
                original_key=None,
                original_size_bytes=1,
                original_mtime_ns=2,
            ),
            NOW,
        )
    await songs.add(uuid.uuid4(), make_draft(original_path="/other/q.mp3", original_key=None), NOW)
    listed = [f.original_path async for f in songs.scanned_files("/music", batch=2)]
    expected = sorted((f"/music/{n}" for n in names), key=lambda p: p.encode())
    assert listed == expected


async def test_known_storage_keys_finds_originals_and_renditions(songs: SqlSongRepository) -> None:
    song_id = uuid.uuid4()
    draft = make_draft()
    await songs.add(song_id, draft, NOW)
    await songs.add_rendition(song_id, StoredRendition("low", "mp3", 64, 1, "low/x.mp3", NOW))
    known = await songs.known_storage_keys([draft.original_key or "", "low/x.mp3", "high/y.mp3"])
    assert known == {draft.original_key, "low/x.mp3"}


async def test_failures_are_recorded_replaced_and_cleared(songs: SqlSongRepository) -> None:
    await songs.record_failure("/m/bad.mp3", "not audio", "scan", 10, 20, NOW)
    await songs.record_failure("/m/bad.mp3", "still not audio", "scan", 11, 21, NOW)
    assert await songs.failure_for("/m/bad.mp3") == (11, 21)
    await songs.clear_failure("/m/bad.mp3")
    assert await songs.failure_for("/m/bad.mp3") is None


async def test_songs_of_one_new_album_added_at_once_share_one_artist_and_album(
    database: Database,
) -> None:
    # A scan imports several files at once; each looks the album up by name, then makes it.
    # Two repositories stand for two processes (no shared in-process lock between them).
    import asyncio

    from sqlalchemy import func, select

    from tonearm.adapters.db.tables import AlbumRow, ArtistRow

    first, second = SqlSongRepository(database.sessions), SqlSongRepository(database.sessions)
    now = datetime.now(UTC)
    drafts = [
        make_draft(artists=["Twin Engines"], album="Split Second", title=f"Track {n}")
        for n in range(6)
    ]
    await asyncio.gather(
        *(
            (first if n % 2 else second).add(uuid.uuid4(), draft, now)
            for n, draft in enumerate(drafts)
        )
    )
    async with database.sessions() as session:
        artists = await session.scalar(
            select(func.count()).select_from(ArtistRow).where(ArtistRow.name == "Twin Engines")
        )
        albums = await session.scalar(
            select(func.count()).select_from(AlbumRow).where(AlbumRow.name == "Split Second")
        )
    assert (artists, albums) == (1, 1)
