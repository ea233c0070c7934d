"""star, unstar, setRating, getStarred, getStarred2: the same stars as the REST API's likes.

Marked both_stacks: the annotation repository's SQL (upserts, the union of item kinds) runs
on SQLite and PostgreSQL.
"""

from __future__ import annotations

from uuid import UUID, uuid4

import httpx
import pytest

from tests.api.accounts import add_song
from tests.api.subsonic.client import SubsonicClient
from tests.api.subsonic.snapshots import assert_matches_snapshot, format_json, format_xml, normalize
from tonearm.app import Runtime
from tonearm.users import User

pytestmark = [pytest.mark.anyio, pytest.mark.both_stacks]


async def _library(services: Runtime) -> tuple[UUID, UUID, UUID, UUID]:
    """Two songs; the first one's album and artist."""
    first = await add_song(
        services, title="Harbour Lights", artists=("Nina Vale",), album="Harbour", year=2021
    )
    second = await add_song(services, title="Low Tide", artists=("Nina Vale",), album="Harbour")
    song = await services.domains.catalog.song(first)
    assert song.album_id is not None
    return first, second, song.album_id, song.artist_ids[0]


async def test_star_and_unstar_songs_albums_and_artists(
    subsonic: SubsonicClient, services: Runtime, alice: User
) -> None:
    first, second, album_id, artist_id = await _library(services)
    await subsonic.call(
        "star",
        {"id": [str(first), str(second)], "albumId": str(album_id), "artistId": str(artist_id)},
    )
    starred = (await subsonic.call("getStarred2"))["starred2"]
    assert [a["id"] for a in starred["artist"]] == [str(artist_id)]
    assert [a["id"] for a in starred["album"]] == [str(album_id)]
    assert {s["id"] for s in starred["song"]} == {str(first), str(second)}
    assert all("starred" in item for kind in starred.values() for item in kind)
    # The same stars as the REST API's likes.
    likes = await services.domains.stars.likes(alice.id)
    assert {like.song.id for like in likes.items} == {first, second}

    # `id` may name an album or an artist too (folder-based apps star directories).
    await subsonic.call("unstar", {"id": [str(second), str(album_id)]}, http_method="POST")
    starred = (await subsonic.call("getStarred", fmt="json"))["starred"]
    assert [s["id"] for s in starred["song"]] == [str(first)]
    assert "album" not in starred or starred["album"] == []
    assert [a["id"] for a in starred["artist"]] == [str(artist_id)]
    # Starring twice keeps one star; unstarring what is not starred is fine.
    await subsonic.call("star", {"artistId": str(artist_id)})
    await subsonic.call("unstar", {"albumId": str(album_id)})
    assert len((await subsonic.call("getStarred2"))["starred2"]["artist"]) == 1


async def test_star_errors(subsonic: SubsonicClient, services: Runtime) -> None:
    first, *_ = await _library(services)
    assert (await subsonic.fail("star", {"id": str(uuid4())}))["code"] == 70
    # An album id must name an album.
    assert (await subsonic.fail("star", {"albumId": str(first)}))["code"] == 70
    assert (await subsonic.fail("setRating", {"id": str(first)}))["code"] == 10
    assert (await subsonic.fail("setRating", {"id": str(first), "rating": 6}))["code"] == 10


async def test_set_rating_rates_and_zero_removes(
    subsonic: SubsonicClient, services: Runtime
) -> None:
    first, _, album_id, artist_id = await _library(services)
    for item_id, rating in ((first, 4), (album_id, 5), (artist_id, 2)):
        await subsonic.call("setRating", {"id": str(item_id), "rating": rating})
    await subsonic.call("star", {"id": str(first)})
    song = (await subsonic.call("getStarred2"))["starred2"]["song"][0]
    assert song["userRating"] == 4
    await subsonic.call("setRating", {"id": str(first), "rating": 3}, http_method="POST")
    assert (await subsonic.call("getStarred2"))["starred2"]["song"][0]["userRating"] == 3
    await subsonic.call("setRating", {"id": str(first), "rating": 0})
    assert "userRating" not in (await subsonic.call("getStarred2"))["starred2"]["song"][0]
    await subsonic.call("star", {"albumId": str(album_id), "artistId": str(artist_id)})
    starred = (await subsonic.call("getStarred2"))["starred2"]
    assert starred["album"][0]["userRating"] == 5
    assert starred["artist"][0]["userRating"] == 2


async def test_starred_snapshots(
    subsonic: SubsonicClient, services: Runtime, client: httpx.AsyncClient
) -> None:
    first, _, album_id, artist_id = await _library(services)
    await subsonic.call(
        "star", {"id": str(first), "albumId": str(album_id), "artistId": str(artist_id)}
    )
    await subsonic.call("setRating", {"id": str(first), "rating": 5})
    for method in ("getStarred", "getStarred2"):
        xml = await subsonic.request(method, fmt="xml")
        assert_matches_snapshot(f"play_{method}.xml", normalize(format_xml(xml.content)))
        document = await subsonic.request(method, fmt="json", http_method="POST")
        assert_matches_snapshot(f"play_{method}.json", normalize(format_json(document.json())))
