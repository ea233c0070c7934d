"""Smart-playlist rules: validation, .nsp import, and one engine giving the same songs on
SQLite and PostgreSQL (the same library built in both, every rule shape run on each)."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from tests.factories import make_draft
from tonearm.adapters.db import Database, SqlSongRepository, SqlUserRepository
from tonearm.adapters.db.smart_playlists import SqlSmartPlaylistRepository
from tonearm.adapters.db.tables import (
    RatingRow,
    SongFeatureRow,
    StarredItemRow,
    UserInteractionRow,
)
from tonearm.playlists.smart import InvalidRules, parse_nsp, parse_rules
from tonearm.settings import Settings
from tonearm.users import Role, User

pytestmark = pytest.mark.anyio
NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
ALICE = UUID(int=1)
BOB = UUID(int=2)
ARTISTS = ["Abba", "Beck", "Cher", "Dido", "Eels"]
GENRES = ["Rock", "Pop", "Jazz", "Folk"]
ALBUMS = ["Blue", "Red Album", "Green_50%", None]


async def build_library(db: Database) -> list[UUID]:
    """30 songs, alice's and bob's plays, likes and ratings, analysis for half the songs;
    every random choice seeded, so both databases get the very same rows."""
    rng = random.Random(20)
    users = SqlUserRepository(db.sessions)
    for user_id, name in ((ALICE, "alice"), (BOB, "bob")):
        await users.add(User(user_id, name, Role.USER, True, NOW), "not-a-real-hash")
    songs = SqlSongRepository(db.sessions)
    ids = [UUID(int=1000 + n) for n in range(30)]
    for n, song_id in enumerate(ids):
        artists = tuple(rng.sample(ARTISTS, rng.choice([1, 1, 2])))
        draft = make_draft(
            title=f"{rng.choice(['Love', 'Night', 'Day'])} song {n:02d}",
            artists=artists,
            album=rng.choice(ALBUMS),
            album_artist=rng.choice([None, artists[0]]),
            year=rng.choice([None, 1975, 1984, 1999, 2010, 2024]),
            genres=tuple(rng.sample(GENRES, rng.choice([0, 1, 2]))),
            duration_ms=rng.randrange(60, 600) * 1000,
            bpm=rng.choice([None, 90.0, 128.0]),
        )
        await songs.add(song_id, draft, NOW - timedelta(days=rng.randrange(0, 400)))
    async with db.sessions.begin() as session:
        for user_id in (ALICE, BOB):
            for song_id in rng.sample(ids, 15):
                for _ in range(rng.randrange(1, 4)):
                    when = NOW - timedelta(days=rng.randrange(0, 200), minutes=rng.randrange(60))
                    session.add(
                        UserInteractionRow(
                            user_id=user_id,
                            song_id=song_id,
                            action="play",
                            occurred_at=when,
                            play_state="counted",
                            counted_at=when,
                        )
                    )
            for song_id in rng.sample(ids, 8):
                session.add(
                    StarredItemRow(
                        user_id=user_id, item_kind="song", item_id=song_id, starred_at=NOW
                    )
                )
            for song_id in rng.sample(ids, 10):
                session.add(
                    RatingRow(
                        user_id=user_id,
                        item_kind="song",
                        item_id=song_id,
                        rating=rng.randrange(1, 6),
                        rated_at=NOW,
                    )
                )
        for song_id in ids[::2]:
            session.add(
                SongFeatureRow(
                    song_id=song_id,
                    features={},
                    analyzer_version="test",
                    analyzed_at=NOW,
                    status="done",
                    tempo_bpm=rng.choice([100.0, 120.0, 174.0]),
                    key_pitch=rng.choice([0, 9]),
                    key_mode=rng.choice(["major", "minor"]),
                    energy=round(rng.random(), 2),
                    danceability=round(rng.random(), 2),
                    valence=round(rng.random(), 2),
                )
            )
    return ids


def rule(field: str, operator: str, value: Any = None) -> dict[str, Any]:
    out: dict[str, Any] = {"field": field, "operator": operator}
    if value is not None:
        out["value"] = value
    return out


def every(*rules: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"match": "all", "rules": list(rules), **extra}


def some(*rules: dict[str, Any]) -> dict[str, Any]:
    return {"match": "any", "rules": list(rules)}


RULE_SETS: dict[str, dict[str, Any]] = {
    "title contains": every(rule("title", "contains", "LOVE")),
    "title starts/ends": some(
        rule("title", "starts_with", "day"), rule("title", "ends_with", "07")
    ),
    "title is not": every(
        *(rule("title", "is_not", f"{w} SONG 01") for w in ("love", "night", "day"))
    ),
    "album with wildcard chars": every(rule("album", "contains", "_50%")),
    "album not contains": every(rule("album", "not_contains", "album")),
    "album not set": every(rule("album", "is_not_set")),
    "album artist is": every(rule("album_artist", "is", "beck")),
    "artist is / is not": every(rule("artist", "is", "Abba"), rule("artist", "is_not", "Cher")),
    "artist not contains": every(rule("artist", "not_contains", "e")),
    "genre any of": some(rule("genre", "is", "rock"), rule("genre", "is", "jazz")),
    "genre not set": every(rule("genre", "is_not_set")),
    "year between": every(rule("year", "between", [1980, 2000]), sort="year", order="desc"),
    "year ne / set": every(rule("year", "ne", 1999), rule("year", "is_set")),
    "duration gt": every(rule("duration", "gt", 300), sort="duration"),
    "added in last": every(rule("added", "in_last", 90), sort="added", order="desc"),
    "added before/after": some(
        rule("added", "before", "2026-01-01"), rule("added", "after", "2026-11-20")
    ),
    "added between": every(rule("added", "between", ["2026-03-01", "2026-06-30"])),
    "played in last": every(rule("last_played", "in_last", 30), sort="last_played"),
    "not played lately": every(rule("last_played", "not_in_last", 60)),
    "never played": every(rule("last_played", "is_not_set")),
    "play count": every(rule("play_count", "gt", 1), sort="play_count", order="desc", limit=5),
    "liked": every(rule("liked", "is_true"), sort="artist"),
    "not liked, rated": every(rule("liked", "is_false"), rule("rating", "gt", 2)),
    "rating eq / unrated": some(rule("rating", "eq", 5), rule("rating", "is_not_set")),
    "bpm": every(rule("bpm", "between", [95, 130]), sort="bpm"),
    "key": some(rule("key", "is", "8B"), rule("key", "is", "8A")),
    "key not / unanalysed": every(rule("key", "is_not", "8B")),
    "energy": every(rule("energy", "gt", 0.5), rule("valence", "lt", 0.7), sort="energy"),
    "danceability set": every(rule("danceability", "is_set"), sort="danceability"),
    "nested": every(
        some(rule("genre", "is", "Pop"), every(rule("year", "lt", 1990), rule("liked", "is_true"))),
        rule("duration", "lt", 500),
        sort="album",
    ),
    "sort album artist": every(rule("year", "is_set"), sort="album_artist", order="desc"),
    "sort genre limit": every(rule("title", "contains", "song"), sort="genre", limit=7),
    "empty group": every(sort="title"),
}


@pytest.fixture
async def both(tmp_path: Path, postgres_url: str) -> AsyncIterator[tuple[Database, Database]]:
    """The same library in a SQLite and a PostgreSQL database."""
    sqlite = Database(Settings(data_dir=tmp_path).resolved_database_url)
    postgres = Database(
        Settings(data_dir=tmp_path, database_url=postgres_url).resolved_database_url
    )
    for db in (sqlite, postgres):
        await db.upgrade()
        await build_library(db)
    yield sqlite, postgres
    for db in (sqlite, postgres):
        await db.close()


async def test_every_rule_shape_picks_the_same_songs_on_sqlite_and_postgresql(
    both: tuple[Database, Database],
) -> None:
    sqlite, postgres = both
    differing = {}
    trivial = []
    for name, data in RULE_SETS.items():
        rules = parse_rules(data)
        on_sqlite = await SqlSmartPlaylistRepository(sqlite.sessions).evaluate(rules, ALICE, NOW)
        on_postgres = await SqlSmartPlaylistRepository(postgres.sessions).evaluate(
            rules, ALICE, NOW
        )
        if on_sqlite != on_postgres:
            differing[name] = (on_sqlite, on_postgres)
        if name != "empty group" and len(on_sqlite) in (0, 30):
            trivial.append(name)
    assert differing == {}
    # Each rule set must actually filter this library, or the comparison proves little.
    assert trivial == []
    random_rules = parse_rules(every(rule("liked", "is_true"), sort="random"))
    shuffled = [
        await SqlSmartPlaylistRepository(db.sessions).evaluate(random_rules, ALICE, NOW)
        for db in both
    ]
    assert sorted(shuffled[0]) == sorted(shuffled[1]) and shuffled[0]


async def test_plays_likes_and_ratings_are_the_owners(database: Database) -> None:
    await build_library(database)
    repo = SqlSmartPlaylistRepository(database.sessions)
    liked = parse_rules(every(rule("liked", "is_true")))
    played = parse_rules(every(rule("play_count", "gt", 0)))
    assert len(await repo.evaluate(liked, ALICE, NOW)) == 8
    assert len(await repo.evaluate(played, ALICE, NOW)) == 15
    assert await repo.evaluate(liked, ALICE, NOW) != await repo.evaluate(liked, BOB, NOW)
    stranger = UUID(int=99)
    assert await repo.evaluate(liked, stranger, NOW) == []


async def test_text_matches_ignore_case_and_treat_wildcards_literally(database: Database) -> None:
    await build_library(database)
    repo = SqlSmartPlaylistRepository(database.sessions)
    odd = await repo.preview(parse_rules(every(rule("album", "contains", "_50%"))), ALICE, NOW, 50)
    similar = await repo.preview(parse_rules(every(rule("album", "contains", "n"))), ALICE, NOW, 50)
    assert odd.count > 0 and {s.album for s in odd.songs} == {"Green_50%"}
    assert {s.album for s in similar.songs} >= {"Green_50%"}
    limited = parse_rules(every(rule("title", "contains", "SONG"), limit=4))
    preview = await repo.preview(limited, ALICE, NOW, 20)
    assert preview.count == 4 and len(preview.songs) == 4


@pytest.mark.parametrize(
    ("data", "path", "words"),
    [
        ({"rules": [rule("mood", "is", "x")]}, "rules[0].field", "unknown field 'mood'"),
        ({"rules": [rule("year", "contains", "9")]}, "rules[0].operator", "'contains' for year"),
        ({"rules": [some(rule("year", "gt", 99999))]}, "rules[0].rules[0].value", "outside"),
        ({"rules": [rule("key", "is", "13C")]}, "rules[0].value", "Camelot"),
        ({"rules": [rule("added", "before", "soon")]}, "rules[0].value", "not a date"),
        ({"rules": [], "sort": "colour"}, "sort", "unknown field 'colour'"),
        ({"rules": [], "limit": 0}, "limit", "1 to"),
        ({"rules": [], "colour": 1}, "colour", "unknown key"),
        ({"rules": [rule("title", "is", "a")] * 51}, "rules[50]", "more than 50"),
        (
            {"rules": [some(some(some(some(rule("year", "eq", 1)))))]},
            "rules[0].rules[0].rules[0].rules[0]",
            "deeper than 4",
        ),
    ],
)
def test_bad_rules_are_refused_by_name_with_their_path(
    data: dict[str, Any], path: str, words: str
) -> None:
    with pytest.raises(InvalidRules) as caught:
        parse_rules(data)
    assert caught.value.path == path
    assert words in str(caught.value)


def test_an_nsp_file_with_every_operator_converts() -> None:
    playlist_id = str(uuid.uuid4())
    nsp = parse_nsp(
        """{
          "name": "Everything", "comment": "from Navidrome",
          "all": [
            {"is": {"loved": true}}, {"isNot": {"genre": "Pop"}}, {"gt": {"rating": 3}},
            {"lt": {"playCount": 10}}, {"contains": {"title": "love"}},
            {"notContains": {"album": "live"}}, {"startsWith": {"artist": "a"}},
            {"endsWith": {"albumartist": "s"}}, {"inTheRange": {"year": [1980, 1989]}},
            {"before": {"dateAdded": "2026-01-01"}}, {"after": {"lastPlayed": "2025-01-01"}},
            {"any": [{"inTheLast": {"lastPlayed": 30}}, {"notInTheLast": {"dateAdded": 90}}]},
            {"inPlaylist": {"id": "PID"}}, {"notInPlaylist": {"id": "PID"}}
          ],
          "sort": "-playCount,title", "order": "asc", "limit": 100
        }""".replace("PID", playlist_id)
    )
    assert nsp.name == "Everything" and nsp.comment == "from Navidrome"
    assert nsp.rules.sort == "play_count" and nsp.rules.order.value == "desc"
    assert nsp.rules.limit == 100
    operators = [getattr(r, "operator", None) for r in nsp.rules.root.rules]
    assert [op.value if op else None for op in operators] == [
        "is_true", "is_not", "gt", "lt", "contains", "not_contains", "starts_with",
        "ends_with", "between", "before", "after", None, "in_playlist", "not_in_playlist",
    ]  # fmt: skip


def test_an_nsp_field_tonearm_lacks_is_refused_by_name() -> None:
    with pytest.raises(InvalidRules, match="'filepath' is not supported"):
        parse_nsp('{"all": [{"contains": {"filepath": "/music"}}]}')
    with pytest.raises(InvalidRules, match="unknown operator 'matches'"):
        parse_nsp('{"any": [{"matches": {"title": "x"}}]}')
