"""Artists and albums found by name in one statement, on SQLite and PostgreSQL: each kind's
page side by side, and the typo variants song search read reused by the names."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from tests.factories import make_draft
from tonearm.adapters.db import Database, SqlCatalog, SqlSongRepository
from tonearm.adapters.db.song_search import SqlSongSearch
from tonearm.library.catalog_service import CatalogService
from tonearm.library.search import SearchQuery

pytestmark = pytest.mark.anyio
NOW = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture
async def catalog(database: Database) -> CatalogService:
    songs = SqlSongRepository(database.sessions)
    for artist, album, title in [
        ("Nina Vale", "Harbour Lights", "Low Tide"),
        ("Nina Simone", "Nina Live", "Feeling Good"),
        ("Nina Simone", "Nina Live", "Sinnerman"),
        ("Ninette", "Third Nina", "Morning"),
        ("Zed", "Plain", "Tide Song"),
    ]:
        draft = make_draft(artists=(artist,), album=album, album_artist=artist, title=title)
        await songs.add(uuid.uuid4(), draft, NOW)
    return CatalogService(SqlCatalog(database.sessions), b"test secret", ["/music"])


def names(found: tuple[list, list]) -> tuple[list[str], list[str]]:  # type: ignore[type-arg]
    artists, albums = found
    return [a.name for a in artists], [a.name for a in albums]


async def test_artists_and_albums_are_paged_side_by_side(catalog: CatalogService) -> None:
    everything = await catalog.find_artists_and_albums("nina", (0, 10), (0, 10))
    assert names(everything) == (
        ["Nina Simone", "Nina Vale"],
        ["Nina Live", "Third Nina"],
    )
    # More of one kind than of the other, pages of each on their own.
    assert names(await catalog.find_artists_and_albums("nina", (1, 5), (0, 1))) == (
        ["Nina Vale"],
        ["Nina Live"],
    )
    assert names(await catalog.find_artists_and_albums("nin", (0, 5), (2, 5))) == (
        ["Nina Simone", "Nina Vale", "Ninette"],
        [],
    )
    assert names(await catalog.find_artists_and_albums("harbour", (0, 5), (0, 5))) == (
        [],
        ["Harbour Lights"],
    )
    first_artist, first_album = everything[0][0], everything[1][0]
    assert (first_artist.album_count, first_artist.song_count) == (1, 2)
    assert (first_album.artist, first_album.song_count) == ("Nina Simone", 2)


async def test_names_match_the_typo_variants_song_search_read(
    catalog: CatalogService, database: Database
) -> None:
    page = await SqlSongSearch(database.sessions).search(SearchQuery.parse("nnia"), 10, 0)
    assert page.variants == {"nnia": ("nina",)}
    titles = sorted(m.title for m in page.items)
    assert titles == ["Feeling Good", "Low Tide", "Morning", "Sinnerman"]
    given = await catalog.find_artists_and_albums("nnia", (0, 10), (0, 10), variants=page.variants)
    looked_up = await catalog.find_artists_and_albums("nnia", (0, 10), (0, 10))
    assert (
        names(given)
        == names(looked_up)
        == (
            ["Nina Simone", "Nina Vale"],
            ["Nina Live", "Third Nina"],
        )
    )
