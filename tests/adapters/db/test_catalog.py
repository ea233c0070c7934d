"""SqlCatalog behind CatalogService on SQLite and PostgreSQL: listings, keyset paging,
filters, artists, albums, genres, folders and the song delta."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import make_draft
from tonearm.adapters.db import Database, SqlCatalog, SqlSongRepository
from tonearm.errors import InvalidInput
from tonearm.library.catalog import (
    AlbumFilter,
    AlbumNotFound,
    AlbumSort,
    ArtistNotFound,
    InvalidCursor,
    InvalidSort,
    SongFilter,
    SongSort,
)
from tonearm.library.catalog_service import CatalogService
from tonearm.library.folders import IMPORTED_FOLDER, FolderNotFound
from tonearm.library.models import SongNotFound, StoredRendition

pytestmark = pytest.mark.anyio
NOW = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture
def songs(database: Database) -> SqlSongRepository:
    return SqlSongRepository(database.sessions)


@pytest.fixture
def catalog(database: Database) -> CatalogService:
    return CatalogService(SqlCatalog(database.sessions), b"test secret", ["/music"])


async def walk(catalog: CatalogService, sort: str, limit: int, **where: object) -> list[uuid.UUID]:
    """Every song id of a listing, page after page."""
    seen: list[uuid.UUID] = []
    cursor = None
    while True:
        page = await catalog.songs(SongFilter(**where), sort, cursor, limit)  # type: ignore[arg-type]
        seen.extend(song.id for song in page.items)
        if page.next_cursor is None:
            return seen
        cursor = page.next_cursor


async def test_a_song_shows_its_links_lyrics_and_audio_renditions(
    songs: SqlSongRepository, catalog: CatalogService
) -> None:
    song_id = uuid.uuid4()
    await songs.add(
        song_id,
        make_draft(
            artists=("Daft Punk", "Pharrell Williams"),
            album="Random Access Memories",
            album_artist="Daft Punk",
            genres=("Disco", "Funk"),
            synced_lyrics=[{"time_ms": 0, "text": "like the legend"}],
            folder_path="/music/Daft Punk",
        ),
        NOW,
    )
    for kind in ("high", "waveform", "art-96-jpg", "efficient"):
        await songs.add_rendition(song_id, StoredRendition(kind, "x", None, 1, f"k/{kind}", NOW))
    song = await catalog.song(song_id)
    assert song.artists == ("Daft Punk", "Pharrell Williams")
    assert len(song.artist_ids) == 2
    assert song.album == "Random Access Memories"
    assert song.album_id is not None
    assert song.album_artist == "Daft Punk"
    assert song.album_artist_id == song.artist_ids[0]
    assert song.genres == ("Disco", "Funk")
    assert song.has_lyrics is True
    assert song.renditions == ("efficient", "high")
    assert song.folder_path == "/music/Daft Punk"
    assert song.original_format == "flac"


async def test_a_song_without_lyrics_says_so(
    songs: SqlSongRepository, catalog: CatalogService
) -> None:
    song_id = uuid.uuid4()
    await songs.add(song_id, make_draft(), NOW)
    assert (await catalog.song(song_id)).has_lyrics is False


async def test_a_tombstoned_song_is_neither_found_nor_listed(
    songs: SqlSongRepository, catalog: CatalogService
) -> None:
    kept, gone = uuid.uuid4(), uuid.uuid4()
    await songs.add(kept, make_draft(), NOW)
    await songs.add(gone, make_draft(), NOW)
    await songs.tombstone(gone, NOW)
    with pytest.raises(SongNotFound):
        await catalog.song(gone)
    with pytest.raises(SongNotFound):
        await catalog.song(uuid.uuid4())
    assert await walk(catalog, "title", 10) == [kept]


@pytest.mark.parametrize("sort", [s.value for s in SongSort] + [f"-{s.value}" for s in SongSort])
async def test_keyset_paging_lists_every_song_once_under_equal_keys(
    songs: SqlSongRepository, catalog: CatalogService, sort: str
) -> None:
    # 23 songs in three groups that tie on every sort key: only the id tells them apart.
    ids = []
    for n in range(23):
        group = n % 3
        song_id = uuid.uuid4()
        draft = make_draft(
            title=f"Same {group}",
            artists=(f"Artist {group}",),
            album="Same Album",
            album_artist="Same",
            track_number=1,
            disc_number=1,
            year=2000 + group,
        )
        await songs.add(song_id, draft, NOW + timedelta(seconds=group))
        ids.append(song_id)
    for limit in (1, 4, 23, 100):
        listed = await walk(catalog, sort, limit)
        assert sorted(listed) == sorted(ids)  # each exactly once
    full = (await catalog.songs(SongFilter(), sort, None, 500)).items
    assert [s.id for s in full] == await walk(catalog, sort, 4)  # pages keep the order


async def test_sorts_order_by_title_artist_added_and_play_count(
    songs: SqlSongRepository, catalog: CatalogService
) -> None:
    beatles, abba, zappa = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await songs.add(beatles, make_draft(title="b", artists=("The Beatles",)), NOW)
    await songs.add(abba, make_draft(title="C", artists=("ABBA",)), NOW + timedelta(1))
    await songs.add(zappa, make_draft(title="a", artists=("Zappa",)), NOW + timedelta(2))
    assert await walk(catalog, "title", 2) == [zappa, beatles, abba]
    assert await walk(catalog, "-title", 2) == [abba, beatles, zappa]
    assert await walk(catalog, "artist", 2) == [abba, beatles, zappa]  # "The" ignored
    assert await walk(catalog, "-added", 2) == [zappa, abba, beatles]


async def test_sort_by_album_keeps_disc_and_track_order(
    songs: SqlSongRepository, catalog: CatalogService
) -> None:
    order = [(1, 1), (1, 2), (1, 10), (2, 1)]
    ids = {}
    for disc, track in reversed(order):
        ids[(disc, track)] = uuid.uuid4()
        draft = make_draft(album="Double", album_artist="X", disc_number=disc, track_number=track)
        await songs.add(ids[(disc, track)], draft, NOW)
    assert await walk(catalog, "album", 3) == [ids[key] for key in order]


async def test_filters_by_artist_album_genre_and_year(
    songs: SqlSongRepository, catalog: CatalogService
) -> None:
    a = await songs.add(
        uuid.uuid4(), make_draft(artists=("Nina", "Ray"), genres=("Jazz",), year=1965), NOW
    )
    b = await songs.add(uuid.uuid4(), make_draft(artists=("Ray",), genres=("Soul",)), NOW)
    ray = (await catalog.song(b.id)).artist_ids[0]
    album_a = (await catalog.song(a.id)).album_id
    assert sorted(await walk(catalog, "title", 10, artist_id=ray)) == sorted([a.id, b.id])
    assert await walk(catalog, "title", 10, album_id=album_a) == [a.id]
    assert await walk(catalog, "title", 10, genre="jAZZ") == [a.id]
    assert await walk(catalog, "title", 10, year=1965) == [a.id]
    assert await walk(catalog, "title", 10, genre="Jazz", year=2020) == []


async def test_bad_cursors_sorts_and_limits_are_refused(
    songs: SqlSongRepository, catalog: CatalogService, database: Database
) -> None:
    for _ in range(3):
        await songs.add(uuid.uuid4(), make_draft(), NOW)
    cursor = (await catalog.songs(SongFilter(), "title", None, 1)).next_cursor
    assert cursor is not None
    tampered = cursor[:-3] + ("AAA" if cursor[-3:] != "AAA" else "BBB")
    for bad in (tampered, "not-a-cursor", "", "%%%", cursor[:10]):
        with pytest.raises(InvalidCursor):
            await catalog.songs(SongFilter(), "title", bad or "x", 1)
    with pytest.raises(InvalidCursor):  # made for another sort
        await catalog.songs(SongFilter(), "-title", cursor, 1)
    with pytest.raises(InvalidCursor):  # made by a server with another key
        other = CatalogService(SqlCatalog(database.sessions), b"another secret")
        await other.songs(SongFilter(), "title", cursor, 1)
    with pytest.raises(InvalidSort):
        await catalog.songs(SongFilter(), "loudness", None, 1)
    for limit in (0, 501):
        with pytest.raises(InvalidInput):
            await catalog.songs(SongFilter(), "title", None, limit)


async def test_artists_are_counted_and_paged_by_sort_name(
    songs: SqlSongRepository, catalog: CatalogService
) -> None:
    await songs.add(uuid.uuid4(), make_draft(artists=("The Cure",), album="One"), NOW)
    await songs.add(uuid.uuid4(), make_draft(artists=("The Cure",), album="Two"), NOW)
    await songs.add(
        uuid.uuid4(),
        make_draft(artists=("Björk", "The Cure"), album="Mix", album_artist="Various"),
        NOW,
    )
    gone = uuid.uuid4()
    await songs.add(gone, make_draft(artists=("Ghost",), album="Gone"), NOW)
    await songs.tombstone(gone, NOW)
    listed = []
    cursor = None
    while True:
        page = await catalog.artists(cursor, 2)
        listed.extend(page.items)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert [(a.name, a.album_count, a.song_count) for a in listed] == [
        ("Björk", 0, 1),
        ("The Cure", 2, 3),
        ("Various", 1, 1),
    ]


async def test_an_artist_shows_its_albums_newest_first(
    songs: SqlSongRepository, catalog: CatalogService
) -> None:
    for album, year in (("Old", 1990), ("New", 2020), ("Mid", 2005)):
        await songs.add(uuid.uuid4(), make_draft(artists=("Nina",), album=album, year=year), NOW)
    nina = (await catalog.artists(None, 10)).items[0]
    detail = await catalog.artist(nina.id)
    assert detail.artist.name == "Nina"
    assert [(a.name, a.year) for a in detail.albums] == [
        ("New", 2020),
        ("Mid", 2005),
        ("Old", 1990),
    ]
    with pytest.raises(ArtistNotFound):
        await catalog.artist(uuid.uuid4())


async def test_an_album_lists_its_tracks_in_order_with_the_total_duration(
    songs: SqlSongRepository, catalog: CatalogService
) -> None:
    ids = {}
    for disc, track in ((2, 1), (1, 2), (1, 1)):
        ids[(disc, track)] = uuid.uuid4()
        draft = make_draft(
            album="Box", album_artist="Nina", disc_number=disc, track_number=track, duration_ms=1000
        )
        await songs.add(ids[(disc, track)], draft, NOW)
    await songs.tombstone(ids[(2, 1)], NOW)
    album = (await catalog.albums(AlbumFilter(), "name", None, 10)).items[0]
    detail = await catalog.album(album.id)
    assert [t.id for t in detail.tracks] == [ids[(1, 1)], ids[(1, 2)]]
    assert detail.album.duration_ms == 2000
    assert detail.album.song_count == 2
    with pytest.raises(AlbumNotFound):
        await catalog.album(uuid.uuid4())


async def test_albums_filter_sort_and_page(
    songs: SqlSongRepository, catalog: CatalogService
) -> None:
    specs = [
        ("The Wall", "Pink", 1979, "Rock"),
        ("Abbey", "Beat", 1969, "Pop"),
        ("Kid", "Rad", 2000, "Rock"),
    ]
    for name, artist, year, genre in specs:
        await songs.add(
            uuid.uuid4(), make_draft(album=name, artists=(artist,), year=year, genres=(genre,)), NOW
        )

    async def names(sort: str, **where: object) -> list[str]:
        out: list[str] = []
        cursor = None
        while True:
            page = await catalog.albums(AlbumFilter(**where), sort, cursor, 1)  # type: ignore[arg-type]
            out.extend(a.name for a in page.items)
            if page.next_cursor is None:
                return out
            cursor = page.next_cursor

    assert await names("name") == ["Abbey", "Kid", "The Wall"]
    assert await names("-year") == ["Kid", "The Wall", "Abbey"]
    assert await names("year", genre="rock") == ["The Wall", "Kid"]
    assert await names("name", year=1969) == ["Abbey"]
    pink = next(a for a in (await catalog.artists(None, 10)).items if a.name == "Pink")
    assert await names("added", artist_id=pink.id) == ["The Wall"]
    assert {s.value for s in AlbumSort} == {"name", "year", "added"}


async def test_genres_count_live_songs(songs: SqlSongRepository, catalog: CatalogService) -> None:
    await songs.add(uuid.uuid4(), make_draft(genres=("rock", "Jazz")), NOW)
    await songs.add(uuid.uuid4(), make_draft(genres=("Jazz",)), NOW)
    gone = uuid.uuid4()
    await songs.add(gone, make_draft(genres=("Polka",)), NOW)
    await songs.tombstone(gone, NOW)
    genres = await catalog.genres()
    assert [(g.name, g.song_count) for g in genres] == [("Jazz", 2), ("rock", 1)]


async def test_folders_browse_from_the_roots_down(
    songs: SqlSongRepository, catalog: CatalogService
) -> None:
    def scanned(folder: str, track: int) -> object:
        return make_draft(folder_path=folder, original_key=None, track_number=track)

    first, second = uuid.uuid4(), uuid.uuid4()
    await songs.add(second, scanned("/music/A/One", 2), NOW)  # type: ignore[arg-type]
    await songs.add(first, scanned("/music/A/One", 1), NOW)  # type: ignore[arg-type]
    await songs.add(uuid.uuid4(), scanned("/music/A/Two/CD1", 1), NOW)  # type: ignore[arg-type]
    await songs.add(uuid.uuid4(), scanned("/music/B", 1), NOW)  # type: ignore[arg-type]
    await songs.add(uuid.uuid4(), scanned("/elsewhere/x/y", 1), NOW)  # type: ignore[arg-type]
    imported = uuid.uuid4()
    await songs.add(imported, make_draft(), NOW)

    roots = await catalog.folder(None)
    assert [(f.path, f.name, f.song_count) for f in roots.folders] == [
        ("/music", "music", 4),
        ("/elsewhere/x/y", "y", 1),
        (IMPORTED_FOLDER, "Imported", 1),
    ]
    music = await catalog.folder("/music/")
    assert music.parent is None
    assert [(f.path, f.song_count) for f in music.folders] == [("/music/A", 3), ("/music/B", 1)]
    a = await catalog.folder("/music/A")
    assert a.parent == "/music"
    assert [(f.name, f.song_count) for f in a.folders] == [("One", 2), ("Two", 1)]
    assert a.songs == ()
    one = await catalog.folder("/music/A/One")
    assert [s.id for s in one.songs] == [first, second]
    # Imported songs: a virtual folder per artist, in it one per album (library/folders.py).
    [artist] = (await catalog.folder(IMPORTED_FOLDER)).folders
    [album] = (await catalog.folder(artist.path)).folders
    assert [s.id for s in (await catalog.folder(album.path)).songs] == [imported]


@pytest.mark.parametrize(
    "path",
    [
        "/music/../etc",
        "/music/A/../../etc",
        "/etc",
        "/",
        "/musicx",
        "/music/./A",
        "//music/A",
        "music/A",
        "/music/Nothing",
        "/music/A\x00",
    ],
)
async def test_folders_outside_the_roots_are_not_found(
    songs: SqlSongRepository, catalog: CatalogService, path: str
) -> None:
    await songs.add(uuid.uuid4(), make_draft(folder_path="/music/A", original_key=None), NOW)
    with pytest.raises(FolderNotFound):
        await catalog.folder(path)


async def test_delta_reports_each_song_once_in_its_current_state(
    songs: SqlSongRepository, catalog: CatalogService
) -> None:
    kept, retagged, removed = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    for song_id in (kept, retagged, removed):
        await songs.add(song_id, make_draft(title="old"), NOW)
    first = await catalog.song_delta(0, 100)
    assert {s.id for s in first.added} == {kept, retagged, removed}
    assert first.updated == first.removed == ()
    assert not first.has_more

    draft = make_draft(title="new", audio_hash=(await songs.get(retagged)).audio_hash)
    await songs.replace_metadata(retagged, draft, NOW)
    await songs.replace_metadata(retagged, draft, NOW)
    await songs.tombstone(removed, NOW)
    added = uuid.uuid4()
    await songs.add(added, make_draft(), NOW)
    second = await catalog.song_delta(first.cursor, 100)
    assert [s.id for s in second.added] == [added]
    assert [(s.id, s.title) for s in second.updated] == [(retagged, "new")]
    assert second.removed == (removed,)
    assert second.cursor > first.cursor

    again = await catalog.song_delta(second.cursor, 100)
    assert (again.added, again.updated, again.removed) == ((), (), ())
    assert again.cursor == second.cursor
    beyond = await catalog.song_delta(second.cursor + 1000, 100)
    assert beyond.cursor == second.cursor + 1000
    assert beyond.added == beyond.updated == beyond.removed == ()


async def test_delta_pages_cover_every_song(
    songs: SqlSongRepository, catalog: CatalogService
) -> None:
    ids = {uuid.uuid4() for _ in range(12)}
    for song_id in ids:
        await songs.add(song_id, make_draft(), NOW)
    seen: set[uuid.UUID] = set()
    cursor, pages = 0, 0
    while True:
        delta = await catalog.song_delta(cursor, 5)
        seen |= {s.id for s in delta.added}
        cursor, pages = delta.cursor, pages + 1
        if not delta.has_more:
            break
    assert seen == ids
    assert pages == 3
    with pytest.raises(InvalidInput):
        await catalog.song_delta(-1, 5)
