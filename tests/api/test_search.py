"""GET /api/songs/search through HTTP, on the embedded defaults and on PG + Redis + S3."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
import pytest

from tests.factories import make_draft
from tonearm.app import Runtime
from tonearm.library.search import MAX_QUERY_CHARS
from tonearm.users import Role

pytestmark = pytest.mark.anyio
NOW = datetime(2026, 11, 1, tzinfo=UTC)
PASSWORD = "correct horse battery"


@pytest.fixture
async def auth(services: Runtime, client: httpx.AsyncClient) -> dict[str, str]:
    await services.domains.users.add_user("alice", PASSWORD, Role.USER)
    tokens = await client.post("/api/auth/login", json={"username": "alice", "password": PASSWORD})
    return {"Authorization": f"Bearer {tokens.json()['access_token']}"}


@pytest.fixture
async def library(services: Runtime) -> dict[str, uuid.UUID]:
    songs = {
        "joga": make_draft(
            title="Jóga",
            artists=("Björk",),
            album="Homogenic",
            album_artist="Björk",
            genres=("Electronic", "Art Pop"),
            year=1997,
            track_number=2,
            disc_number=1,
            duration_ms=305_000,
        ),
        "bohemian": make_draft(title="Bohemian Rhapsody", artists=("Queen",)),
        "yesterday": make_draft(title="Yesterday", artists=("The Beatles",)),
        "album_only": make_draft(title="Something", album="Yesterday and Today"),
    }
    ids = {}
    for name, draft in songs.items():
        ids[name] = uuid.uuid4()
        await services.songs.add(ids[name], draft, NOW)
    return ids


async def test_search_finds_songs_by_accent_free_prefix_and_typo(
    client: httpx.AsyncClient, auth: dict[str, str], library: dict[str, uuid.UUID]
) -> None:
    response = await client.get("/api/songs/search", params={"q": "bjork"}, headers=auth)
    assert response.status_code == 200
    body = response.json()
    assert (body["total"], body["limit"], body["offset"]) == (1, 20, 0)
    [item] = body["items"]
    assert item == {
        "id": str(library["joga"]),
        "title": "Jóga",
        "artists": ["Björk"],
        "album": "Homogenic",
        "album_artist": "Björk",
        "genres": ["Electronic", "Art Pop"],
        "year": 1997,
        "track_number": 2,
        "disc_number": 1,
        "duration_ms": 305_000,
        "score": item["score"],
    }
    assert item["score"] > 0
    for q, title in [("björk", "Jóga"), ("bohem", "Bohemian Rhapsody"), ("bohemain", None)]:
        found = await client.get("/api/songs/search", params={"q": q}, headers=auth)
        assert [i["title"] for i in found.json()["items"]] == [title or "Bohemian Rhapsody"]


async def test_results_are_ranked_and_paged(
    client: httpx.AsyncClient, auth: dict[str, str], library: dict[str, uuid.UUID]
) -> None:
    url = "/api/songs/search"
    both = (await client.get(url, params={"q": "yesterday"}, headers=auth)).json()
    assert [i["title"] for i in both["items"]] == ["Yesterday", "Something"]
    assert both["items"][0]["score"] > both["items"][1]["score"]
    second = await client.get(url, params={"q": "yesterday", "limit": 1, "offset": 1}, headers=auth)
    assert second.json()["total"] == 2
    assert [i["title"] for i in second.json()["items"]] == ["Something"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "empty"),
        ({"q": ""}, "empty"),
        ({"q": "   "}, "empty"),
        ({"q": "a" * (MAX_QUERY_CHARS + 1)}, "too long"),
        ({"q": "x", "limit": 0}, "limit"),
        ({"q": "x", "limit": 101}, "limit"),
        ({"q": "x", "offset": -1}, "offset"),
    ],
)
async def test_bad_queries_are_refused(
    client: httpx.AsyncClient, auth: dict[str, str], params: dict[str, object], message: str
) -> None:
    response = await client.get("/api/songs/search", params=params, headers=auth)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_input"
    assert message in response.json()["error"]["message"]


async def test_search_needs_a_signed_in_user(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/songs/search", params={"q": "bjork"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "bad_credentials"


async def test_the_song_id_route_does_not_take_search_for_an_id(
    client: httpx.AsyncClient, auth: dict[str, str]
) -> None:
    response = await client.get("/api/songs/search", params={"q": "x"}, headers=auth)
    assert response.status_code == 200
    assert "items" in response.json()
    # The library's /songs/{song_id} still answers for ids (400 for a malformed one).
    assert (await client.get("/api/songs/abc", headers=auth)).status_code == 400


async def test_search_everything_finds_artists_albums_and_songs(
    client: httpx.AsyncClient, auth: dict[str, str], library: dict[str, uuid.UUID]
) -> None:
    found = await client.get("/api/search", params={"q": "bjork"}, headers=auth)
    assert found.status_code == 200
    body = found.json()
    assert [a["name"] for a in body["artists"]] == ["Björk"]
    assert body["albums"] == []  # "Homogenic" holds no word starting with "bjork"
    assert [s["title"] for s in body["songs"]["items"]] == ["Jóga"]
    # An unfinished word and a typo find the album by its own name.
    for q in ("homog", "homogenik"):
        albums = (await client.get("/api/search", params={"q": q}, headers=auth)).json()["albums"]
        assert [a["name"] for a in albums] == ["Homogenic"], q
    # "The" is part of the name, and a sort article: "beatles" finds "The Beatles".
    beatles = (await client.get("/api/search", params={"q": "beatles"}, headers=auth)).json()
    assert [a["name"] for a in beatles["artists"]] == ["The Beatles"]
    none = await client.get(
        "/api/search", params={"q": "bjork", "artist_limit": 0, "album_limit": 0}, headers=auth
    )
    assert none.json()["artists"] == [] and len(none.json()["songs"]["items"]) == 1
    too_long = await client.get("/api/search", params={"q": "x" * 201}, headers=auth)
    assert too_long.status_code == 400
    assert (await client.get("/api/search", params={"q": "bjork"})).status_code == 401
