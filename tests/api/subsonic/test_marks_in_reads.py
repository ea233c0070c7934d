"""Listings read the caller's stars, ratings and plays with the items, in the same
statements (issue 17): no handler runs a query of its own for them.

Marked both_stacks: the LEFT JOINs run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from tests.api.accounts import add_song
from tests.api.subsonic.client import SubsonicClient
from tonearm.app import Runtime
from tonearm.users import User

pytestmark = [pytest.mark.anyio, pytest.mark.both_stacks]

# A statement reading stars or ratings on their own, rather than joined to the items.
_SEPARATE_MARKS = re.compile(r"\bFROM (starred_items|ratings)\b", re.IGNORECASE)


@contextmanager
def recorded_statements(services: Runtime) -> Iterator[list[str]]:
    """Every SQL statement the app's engine runs inside the block."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(str(args[2]))

    engine = services.database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def test_listings_carry_the_callers_marks_without_a_query_of_their_own(
    subsonic: SubsonicClient, services: Runtime, alice: User
) -> None:
    first = await add_song(
        services, title="Harbour Lights", artists=("Nina Vale",), album="Harbour", track_number=1
    )
    second = await add_song(
        services, title="Low Tide", artists=("Nina Vale",), album="Harbour", track_number=2
    )
    song = await services.domains.catalog.song(first)
    assert song.album_id is not None
    album_id, artist_id = str(song.album_id), str(song.artist_ids[0])
    await subsonic.call("star", {"id": str(first), "artistId": artist_id})
    await subsonic.call("setRating", {"id": album_id, "rating": "4"})
    await subsonic.call("setRating", {"id": str(second), "rating": "2"})
    await subsonic.call("scrobble", {"id": str(second), "submission": "true"})
    await subsonic.call("ping")

    calls: dict[str, tuple[str, dict[str, str]]] = {
        "getAlbum": ("getAlbum", {"id": album_id}),
        "search3": ("search3", {"query": "harbour"}),
        "getSong": ("getSong", {"id": str(first)}),
        "getArtist": ("getArtist", {"id": artist_id}),
        "getArtists": ("getArtists", {}),
        "getAlbumList2": ("getAlbumList2", {"type": "highest"}),
        "getRandomSongs": ("getRandomSongs", {}),
        "getMusicDirectory": ("getMusicDirectory", {"id": album_id}),
        "search2": ("search2", {"query": "harbour"}),
        "getTopSongs": ("getTopSongs", {"artist": "Nina Vale"}),
        "getNowPlaying": ("getNowPlaying", {}),
    }
    documents: dict[str, dict[str, Any]] = {}
    counts: dict[str, int] = {}
    for name, (method, params) in calls.items():
        with recorded_statements(services) as seen:
            documents[name] = await subsonic.call(method, params)
        counts[name] = len(seen)
        assert [s for s in seen if _SEPARATE_MARKS.search(s)] == [], name
    print("statements per call:", counts)

    album = documents["getAlbum"]["album"]
    assert album["userRating"] == 4
    by_id = {s["id"]: s for s in album["song"]}
    assert "starred" in by_id[str(first)] and "userRating" not in by_id[str(first)]
    assert by_id[str(second)]["userRating"] == 2 and by_id[str(second)]["playCount"] >= 1
    found = documents["search3"]["searchResult3"]
    assert found["album"][0]["userRating"] == 4
    assert {s["id"] for s in found["song"] if "starred" in s} == {str(first)}
    assert "starred" in documents["getSong"]["song"]
    assert "starred" in documents["getArtist"]["artist"]
    (index,) = documents["getArtists"]["artists"]["index"]
    assert "starred" in index["artist"][0]
    assert documents["getAlbumList2"]["albumList2"]["album"][0]["userRating"] == 4
