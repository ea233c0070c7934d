"""SqlSongSearch on SQLite (FTS5) and PostgreSQL (tsvector), kept by SqlSongRepository."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.factories import make_draft
from tonearm.adapters.db import Database, SqlSongRepository, SqlSongSearch
from tonearm.adapters.db.migrate import downgrade_database, upgrade_database
from tonearm.adapters.db.song_search.query import (
    RANK_ALL_UP_TO,
    Plan,
    first_pass,
    open_fulltext,
    with_typos,
)
from tonearm.library.search import TYPO_FALLBACK_BELOW, SearchPage, SearchQuery

pytestmark = pytest.mark.anyio
NOW = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture
def songs(database: Database) -> SqlSongRepository:
    return SqlSongRepository(database.sessions)


@pytest.fixture
def search(database: Database) -> SqlSongSearch:
    return SqlSongSearch(database.sessions)


@pytest.fixture(params=["ranked", "tiered"])
def any_search(request: pytest.FixtureRequest, database: Database) -> SqlSongSearch:
    """Both ways of ranking: every match (few matches), and by tiers (many matches)."""
    if request.param == "ranked":
        return SqlSongSearch(database.sessions)
    return SqlSongSearch(database.sessions, rank_all_up_to=0)


async def add(songs: SqlSongRepository, title: str, **tags: Any) -> uuid.UUID:
    song_id = uuid.uuid4()
    tags.setdefault("artists", ("Someone",))
    tags.setdefault("album", "Some Album")
    tags.setdefault("genres", ("Pop",))
    await songs.add(song_id, make_draft(title=title, **tags), NOW)
    return song_id


async def find(search: SqlSongSearch, q: str, limit: int = 20, offset: int = 0) -> SearchPage:
    return await search.search(SearchQuery.parse(q), limit, offset)


async def titles(search: SqlSongSearch, q: str) -> list[str]:
    return [match.title for match in (await find(search, q)).items]


@pytest.fixture
async def library(songs: SqlSongRepository) -> dict[str, uuid.UUID]:
    return {
        "yesterday": await add(
            songs, "Yesterday", artists=("The Beatles",), album="Help!", genres=("Rock",)
        ),
        "bohemian": await add(
            songs, "Bohemian Rhapsody", artists=("Queen",), album="A Night at the Opera"
        ),
        "joga": await add(
            songs, "Jóga", artists=("Björk",), album="Homogenic", genres=("Electronic",)
        ),
        "hoppipolla": await add(songs, "Hoppípolla", artists=("Sigur Rós",), album="Takk..."),
        "beat_it": await add(songs, "Beat It", artists=("Michael Jackson",), album="Thriller"),
    }


async def test_a_prefix_finds_longer_words(any_search: SqlSongSearch, library: Any) -> None:
    assert await titles(any_search, "beat") == ["Beat It", "Yesterday"]  # whole word first
    assert await titles(any_search, "bohem") == ["Bohemian Rhapsody"]
    assert await titles(any_search, "the beatl") == ["Yesterday"]


async def test_case_does_not_matter(search: SqlSongSearch, library: Any) -> None:
    assert await titles(search, "BEATLES") == await titles(search, "beatles") == ["Yesterday"]


@pytest.mark.parametrize("typed", ["beatels", "bohemain", "queeen", "thriler"])
async def test_a_typo_still_finds_the_song(search: SqlSongSearch, library: Any, typed: str) -> None:
    found = await find(search, typed)
    assert found.total == 1
    expected = {"beatels": "Yesterday", "queeen": "Bohemian Rhapsody", "thriler": "Beat It"}
    assert found.items[0].title == expected.get(typed, "Bohemian Rhapsody")


async def test_typos_in_several_words(any_search: SqlSongSearch, library: Any) -> None:
    assert await titles(any_search, "bohemain rhapsodey") == ["Bohemian Rhapsody"]
    assert await titles(any_search, "beatels yesterdya") == ["Yesterday"]


@pytest.mark.parametrize("typed", ["bjork", "björk", "BJÖRK", "Bjórk"])
async def test_accents_do_not_matter_in_the_query(
    search: SqlSongSearch, library: Any, typed: str
) -> None:
    assert await titles(search, typed) == ["Jóga"]


async def test_accents_do_not_matter_in_the_tags(
    search: SqlSongSearch, songs: SqlSongRepository
) -> None:
    await add(songs, "Army of Me", artists=("Bjork",))  # tagged without the accent
    assert await titles(search, "björk") == ["Army of Me"]
    assert await titles(search, "sigur ros hoppipolla") == []
    await add(songs, "Hoppípolla", artists=("Sigur Rós",))
    assert await titles(search, "sigur ros hoppipolla") == ["Hoppípolla"]


async def test_every_word_must_match_somewhere(any_search: SqlSongSearch, library: Any) -> None:
    assert await titles(any_search, "beatles yesterday") == ["Yesterday"]
    assert await titles(any_search, "queen opera") == ["Bohemian Rhapsody"]
    assert await titles(any_search, "queen thriller") == []


async def test_nothing_matches_an_unknown_word(search: SqlSongSearch, library: Any) -> None:
    page = await find(search, "xylophonic")
    assert (page.items, page.total) == ([], 0)


async def test_a_query_of_punctuation_matches_nothing(search: SqlSongSearch, library: Any) -> None:
    assert (await find(search, "?!")).total == 0


async def test_an_exact_title_ranks_above_a_partial_album_match(
    any_search: SqlSongSearch, songs: SqlSongRepository
) -> None:
    await add(songs, "Something", album="Yesterday and Today")
    await add(songs, "Yesterday")
    found = await find(any_search, "yesterday")
    assert [m.title for m in found.items] == ["Yesterday", "Something"]
    assert found.items[0].score > found.items[1].score


async def test_title_outranks_artist_outranks_album_outranks_genre(
    any_search: SqlSongSearch, songs: SqlSongRepository
) -> None:
    # Added worst first, so insertion order cannot explain the result.
    await add(songs, "In the Genre", genres=("Sunshine Pop",))
    await add(songs, "On the Album", album="Sunshine Days")
    await add(songs, "By the Artist", artists=("Sunshine Band",))
    await add(songs, "Sunshine Superman")
    found = await find(any_search, "sunshine")
    assert [m.title for m in found.items] == [
        "Sunshine Superman",
        "By the Artist",
        "On the Album",
        "In the Genre",
    ]
    scores = [m.score for m in found.items]
    assert scores == sorted(scores, reverse=True)
    assert len(set(scores)) == 4


async def test_a_whole_word_outranks_a_prefix_in_the_same_field(
    any_search: SqlSongSearch, songs: SqlSongRepository
) -> None:
    await add(songs, "Lovely Day")
    await add(songs, "Love Me Do")
    assert await titles(any_search, "love") == ["Love Me Do", "Lovely Day"]


async def test_typo_matches_rank_below_exact_ones(
    any_search: SqlSongSearch, songs: SqlSongRepository
) -> None:
    await add(songs, "Heat Wave")
    await add(songs, "Heart of Glass")
    # "heart" exists, so few exact matches: typo variants ("heat") join, below them.
    found = await find(any_search, "heart")
    assert [m.title for m in found.items] == ["Heart of Glass", "Heat Wave"]
    assert found.items[0].score >= 1 > found.items[1].score


async def test_a_typo_search_is_a_second_plan_and_the_first_is_left_as_it_was(
    database: Database, songs: SqlSongRepository
) -> None:
    heart = await add(songs, "Heart of Glass")
    await add(songs, "Heat Wave")
    async with database.sessions() as session:
        plan = Plan.of(await open_fulltext(session), SearchQuery.parse("heart"), 20, 0)
        first = await first_pass(plan, RANK_ALL_UP_TO)
        widened = await with_typos(plan, first)
        again = await first_pass(plan, RANK_ALL_UP_TO)
    assert first.total == again.total == 1
    assert [m.id for m in first.items] == [m.id for m in again.items] == [heart]
    assert plan.alternatives == (("heart", ()),)
    assert plan.strict_ids is None
    assert widened is not None
    assert widened.alternatives == (("heart", ("heat",)),)
    assert widened.strict_ids is not None and len(widened.strict_ids) == 1
    with pytest.raises(AttributeError):
        plan.strict_ids = ()  # type: ignore[misc]


async def test_typo_matching_waits_until_exact_matches_are_few(
    search: SqlSongSearch, songs: SqlSongRepository
) -> None:
    for n in range(TYPO_FALLBACK_BELOW):
        await add(songs, f"Heart {n}")
    await add(songs, "Heat Wave")
    found = await find(search, "heart")
    assert found.total == TYPO_FALLBACK_BELOW
    assert "Heat Wave" not in [m.title for m in found.items]


async def test_a_match_carries_what_a_result_list_shows(
    search: SqlSongSearch, songs: SqlSongRepository
) -> None:
    song_id = await add(
        songs,
        "Get Lucky",
        artists=("Daft Punk", "Pharrell Williams"),
        album="Random Access Memories",
        album_artist="Daft Punk",
        genres=("Disco", "Funk"),
        year=2013,
        track_number=8,
        disc_number=1,
        duration_ms=369_000,
    )
    [match] = (await find(search, "pharrell")).items
    assert match.id == song_id
    assert (match.title, match.artists, match.album, match.album_artist) == (
        "Get Lucky",
        ("Daft Punk", "Pharrell Williams"),
        "Random Access Memories",
        "Daft Punk",
    )
    assert (match.genres, match.year, match.track_number, match.disc_number) == (
        ("Disco", "Funk"),
        2013,
        8,
        1,
    )
    assert match.duration_ms == 369_000
    assert match.score > 0


async def test_the_album_artist_is_searchable(
    search: SqlSongSearch, songs: SqlSongRepository
) -> None:
    await add(songs, "Track", artists=("Guest Singer",), album_artist="Various Orchestra")
    assert await titles(search, "orchestra") == ["Track"]


async def test_tombstoned_songs_are_hidden_and_revived_ones_shown(
    any_search: SqlSongSearch, songs: SqlSongRepository, library: dict[str, uuid.UUID]
) -> None:
    song_id = library["yesterday"]
    await songs.tombstone(song_id, NOW)
    assert (await find(any_search, "yesterday")).total == 0
    assert (await find(any_search, "beatels")).total == 0  # not through typos either
    revived = await songs.get(song_id)
    await songs.replace_metadata(
        song_id,
        make_draft(
            title="Yesterday",
            artists=("The Beatles",),
            album="Help!",
            audio_hash=revived.audio_hash,
        ),
        NOW,
    )
    assert await titles(any_search, "yesterday") == ["Yesterday"]


async def test_a_moved_file_revives_its_song_in_search(
    search: SqlSongSearch, songs: SqlSongRepository
) -> None:
    song_id = await add(songs, "Wandering Star", original_path="/music/a.flac", original_key=None)
    await songs.tombstone(song_id, NOW)
    assert await titles(search, "wandering") == []
    await songs.move_original(song_id, "/music/b.flac", "/music", 1, 2, NOW)
    assert await titles(search, "wandering") == ["Wandering Star"]


async def test_a_retag_updates_the_index(
    search: SqlSongSearch, songs: SqlSongRepository, library: dict[str, uuid.UUID]
) -> None:
    song_id = library["bohemian"]
    old = await songs.get(song_id)
    await songs.replace_metadata(
        song_id,
        make_draft(
            title="Radio Ga Ga",
            artists=("Queen",),
            album="The Works",
            genres=("Synthpop",),
            audio_hash=old.audio_hash,
        ),
        NOW,
    )
    assert await titles(search, "bohemian") == []
    assert await titles(search, "opera") == []
    assert await titles(search, "radio works synthpop") == ["Radio Ga Ga"]
    assert await titles(search, "raido") == ["Radio Ga Ga"]  # new words are in the vocabulary


async def test_pages_cover_every_match_once_in_rank_order(
    any_search: SqlSongSearch, songs: SqlSongRepository
) -> None:
    for n in range(7):
        await add(songs, f"Morning {n}")
    for n in range(3):
        await add(songs, f"Track {n}", album="Morning Glory")
    first, second, third = [await find(any_search, "morning", 4, offset) for offset in (0, 4, 8)]
    assert (first.total, second.total, third.total) == (10, 10, 10)
    assert (len(first.items), len(second.items), len(third.items)) == (4, 4, 2)
    assert (second.limit, second.offset) == (4, 4)
    every = [*first.items, *second.items, *third.items]
    assert len({m.id for m in every}) == 10
    assert [m.title for m in every[:7]] == [f"Morning {n}" for n in range(7)]  # titles first
    assert [m.score for m in every] == sorted((m.score for m in every), reverse=True)
    past_the_end = await find(any_search, "morning", 4, 40)
    assert (past_the_end.items, past_the_end.total) == ([], 10)


async def test_typo_fallback_pages_keep_exact_matches_first(
    any_search: SqlSongSearch, songs: SqlSongRepository
) -> None:
    await add(songs, "Heart of Gold")
    await add(songs, "Heart of Glass")
    for n in range(4):
        await add(songs, f"Heat {n}")
    first = await find(any_search, "heart", 2, 0)
    second = await find(any_search, "heart", 2, 2)
    assert first.total == second.total == 6
    assert sorted(m.title for m in first.items) == ["Heart of Glass", "Heart of Gold"]
    assert all(m.title.startswith("Heat") for m in second.items)


async def test_songs_indexed_before_the_migration_are_backfilled(
    database: Database, search: SqlSongSearch, songs: SqlSongRepository
) -> None:
    await add(songs, "Clair de Lune", artists=("Claude Débussy",), genres=("Classical",))
    gone = await add(songs, "Gymnopédie No. 1", artists=("Erik Satie",))
    await songs.tombstone(gone, NOW)
    await downgrade_database(database.engine, "0004")
    await upgrade_database(database.engine)
    assert await titles(search, "debussy") == ["Clair de Lune"]
    assert await titles(search, "debusy lune") == ["Clair de Lune"]  # vocabulary too
    assert await titles(search, "satie") == []


async def test_only_the_last_word_may_be_unfinished(
    any_search: SqlSongSearch, library: Any
) -> None:
    assert await titles(any_search, "rhapsody bohem") == ["Bohemian Rhapsody"]
    assert await titles(any_search, "bohem rhapsody") == []


async def test_a_misspelt_word_among_good_ones(any_search: SqlSongSearch, library: Any) -> None:
    assert await titles(any_search, "beatles yesterdya") == ["Yesterday"]
    assert await titles(any_search, "queen rhapsdoy") == ["Bohemian Rhapsody"]


async def test_pages_walk_every_tier_in_order(
    any_search: SqlSongSearch, songs: SqlSongRepository
) -> None:
    expected = {
        "title word": [await add(songs, f"Sun {n}") for n in range(5)],
        "title prefix": [await add(songs, f"Sunny {n}") for n in range(3)],
        "artist": [await add(songs, f"A{n}", artists=("Sun Ra",)) for n in range(4)],
        "album prefix": [await add(songs, f"B{n}", album="Sunset Boulevard") for n in range(2)],
        "genre": [await add(songs, f"C{n}", genres=("Sunshine Pop",)) for n in range(3)],
    }
    pages = [await find(any_search, "sun", 3, offset) for offset in range(0, 21, 3)]
    assert {page.total for page in pages} == {17}
    found = [m for page in pages for m in page.items]
    assert [m.id for m in found] == [i for ids in expected.values() for i in ids]
    assert [m.score for m in found] == sorted((m.score for m in found), reverse=True)
