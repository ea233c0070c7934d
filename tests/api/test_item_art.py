"""/api/albums/{id}/art and /api/artists/{id}/art, and the `has_art` flags that say when a
page may ask for them."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx
import pytest

from tests.api.test_streaming import store_object
from tests.factories import make_draft
from tests.statements import count_statements
from tonearm.app import Runtime
from tonearm.users import Role

pytestmark = pytest.mark.anyio
PASSWORD = "correct horse battery"


async def login(services: Runtime, client: httpx.AsyncClient) -> dict[str, str]:
    await services.domains.users.add_user("alice", PASSWORD, Role.USER)
    tokens = (
        await client.post("/api/auth/login", json={"username": "alice", "password": PASSWORD})
    ).json()
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def add_song(services: Runtime, artist: str, album: str, *, art: bool) -> bytes | None:
    song_id = uuid.uuid4()
    await services.songs.add(song_id, make_draft(artists=(artist,), album=album), datetime.now(UTC))
    if not art:
        return None
    data = os.urandom(1300)
    await store_object(
        services, song_id, "art-300-jpg", f"art/{song_id}-300.jpg", data, "jpeg", None
    )
    return data


def media_path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


async def by_name(client: httpx.AsyncClient, path: str, headers: dict[str, str]) -> dict:
    response = await client.get(path, params={"limit": 100}, headers=headers)
    assert response.status_code == 200, response.text
    return {item["name"]: item for item in response.json()["items"]}


async def test_album_and_artist_art_redirect_to_the_stored_cover(
    services: Runtime, client: httpx.AsyncClient
) -> None:
    headers = await login(services, client)
    cover = await add_song(services, "Sigrún", "Norðurljós", art=True)
    await add_song(services, "Plain Band", "No Cover", art=False)
    albums = await by_name(client, "/api/albums", headers)
    artists = await by_name(client, "/api/artists", headers)
    assert albums["Norðurljós"]["has_art"] is True
    assert albums["No Cover"]["has_art"] is False
    assert artists["Sigrún"]["has_art"] is True
    assert artists["Plain Band"]["has_art"] is False

    for path in (
        f"/api/albums/{albums['Norðurljós']['id']}/art?size=96",
        f"/api/artists/{artists['Sigrún']['id']}/art?size=96",
    ):
        art = await client.get(path, headers=headers)
        assert art.status_code == 307, art.text
        assert art.headers["cache-control"] == "private, max-age=3600"
        image = await client.get(media_path(art.headers["location"]))
        assert image.status_code == 200 and image.content == cover

    for path in (
        f"/api/albums/{albums['No Cover']['id']}/art",
        f"/api/artists/{artists['Plain Band']['id']}/art",
        f"/api/albums/{uuid.uuid4()}/art",
        f"/api/artists/{uuid.uuid4()}/art",
    ):
        assert (await client.get(path, headers=headers)).status_code == 404, path
    album_id = albums["Norðurljós"]["id"]
    assert (await client.get(f"/api/albums/{album_id}/art")).status_code == 401
    too_big = await client.get(f"/api/albums/{album_id}/art?size=99999", headers=headers)
    assert too_big.status_code == 400


async def test_songs_album_details_and_search_carry_has_art(
    services: Runtime, client: httpx.AsyncClient
) -> None:
    headers = await login(services, client)
    await add_song(services, "Sigrún", "Norðurljós", art=True)
    await add_song(services, "Plain Band", "No Cover", art=False)
    songs = (await client.get("/api/songs", headers=headers)).json()["items"]
    assert sorted(song["has_art"] for song in songs) == [False, True]
    albums = await by_name(client, "/api/albums", headers)
    detail = (await client.get(f"/api/albums/{albums['Norðurljós']['id']}", headers=headers)).json()
    assert detail["has_art"] is True and detail["tracks"][0]["has_art"] is True
    artist = (await client.get(f"/api/artists/{detail['artist_id']}", headers=headers)).json()
    assert artist["has_art"] is True and artist["albums"][0]["has_art"] is True
    found = (await client.get("/api/search", params={"q": "nordurljos"}, headers=headers)).json()
    assert [album["has_art"] for album in found["albums"]] == [True]
    found = (await client.get("/api/search", params={"q": "plain"}, headers=headers)).json()
    assert [artist["has_art"] for artist in found["artists"]] == [False]


async def test_has_art_costs_no_statement_per_album(
    services: Runtime, client: httpx.AsyncClient
) -> None:
    headers = await login(services, client)
    await add_song(services, "One", "First", art=True)
    await client.get("/api/albums", headers=headers)  # warm-up: first-use statements
    with count_statements(services.database) as one:
        await by_name(client, "/api/albums", headers)
        await by_name(client, "/api/artists", headers)
    for n in range(5):
        await add_song(services, f"More {n}", f"Album {n}", art=n % 2 == 0)
    with count_statements(services.database) as six:
        albums = await by_name(client, "/api/albums", headers)
        await by_name(client, "/api/artists", headers)
    assert len(albums) == 6
    assert six.count == one.count, six.described()
