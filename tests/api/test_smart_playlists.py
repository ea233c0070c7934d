"""/api/smart-playlists through HTTP: create, preview, read as a playlist, update, import
an .nsp file, refuse bad rules by name and hand edits, delete; one user's never another's."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.api.test_playlists import order, sign_in
from tests.factories import make_draft
from tonearm.app import Runtime
from tonearm.users import Role

pytestmark = pytest.mark.anyio
NOW = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture
async def library(services: Runtime) -> dict[str, str]:
    """Title → id of five songs: three rock (one from the 80s), two jazz."""
    ids = {}
    for title, genre, year in [
        ("Alpha", "Rock", 1984),
        ("Bravo", "Rock", 1999),
        ("Charlie", "Rock", 2005),
        ("Delta", "Jazz", 1959),
        ("Echo", "Jazz", 1961),
    ]:
        song = await services.songs.add(
            uuid.uuid4(), make_draft(title=title, genres=(genre,), year=year), NOW
        )
        ids[title] = str(song.id)
    return ids


@pytest.fixture
async def alice(client: httpx.AsyncClient, services: Runtime) -> dict[str, str]:
    headers: dict[str, str] = await sign_in(client, services, "alice", Role.USER)
    return headers


@pytest.fixture
async def bob(client: httpx.AsyncClient, services: Runtime) -> dict[str, str]:
    headers: dict[str, str] = await sign_in(client, services, "bob", Role.ADMIN)
    return headers


ROCK = {"match": "all", "rules": [{"field": "genre", "operator": "is", "value": "rock"}]}


async def test_create_read_update_and_delete(
    client: httpx.AsyncClient,
    alice: dict[str, str],
    library: dict[str, str],
) -> None:
    preview = await client.post("/api/smart-playlists/preview", json=ROCK, headers=alice)
    assert preview.status_code == 200, preview.text
    assert preview.json()["count"] == 3
    assert [s["title"] for s in preview.json()["songs"]] == ["Alpha", "Bravo", "Charlie"]

    created = await client.post(
        "/api/smart-playlists",
        json={"name": "Rock", "rules": {**ROCK, "sort": "year", "order": "desc"}},
        headers=alice,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    playlist_id = body["playlist"]["id"]
    assert body["playlist"]["smart"] and body["playlist"]["read_only"]
    assert body["playlist"]["song_count"] == 3 and body["valid_until"] > body["refreshed_at"]
    assert body["rules"]["rules"][0]["value"] == "rock"

    as_playlist = await client.get(f"/api/playlists/{playlist_id}", headers=alice)
    assert order(as_playlist.json()) == [library[t] for t in ("Charlie", "Bravo", "Alpha")]
    listed = await client.get("/api/playlists", headers=alice)
    assert [p["smart"] for p in listed.json()["playlists"]] == [True]

    eighties = {
        "match": "all",
        "rules": [
            ROCK["rules"][0],
            {"field": "year", "operator": "between", "value": [1980, 1989]},
        ],
    }
    updated = await client.put(
        f"/api/smart-playlists/{playlist_id}",
        json={"name": "80s rock", "rules": eighties},
        headers=alice,
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["playlist"]["name"] == "80s rock"
    as_playlist = await client.get(f"/api/playlists/{playlist_id}", headers=alice)
    assert order(as_playlist.json()) == [library["Alpha"]]

    # Its songs follow its rules: hand edits are refused with a message saying so.
    added = await client.post(
        f"/api/playlists/{playlist_id}/songs", json={"song_ids": [library["Echo"]]}, headers=alice
    )
    assert added.status_code == 403 and "smart playlist" in added.json()["error"]["message"]

    gone = await client.delete(f"/api/smart-playlists/{playlist_id}", headers=alice)
    assert gone.status_code == 204
    assert (await client.get(f"/api/playlists/{playlist_id}", headers=alice)).status_code == 404


async def test_bad_rules_answer_400_naming_the_field_and_its_path(
    client: httpx.AsyncClient,
    alice: dict[str, str],
) -> None:
    bad = {
        "match": "any",
        "rules": [
            {"field": "year", "operator": "gt", "value": 2000},
            {"match": "all", "rules": [{"field": "mood", "operator": "is", "value": "sad"}]},
        ],
    }
    response = await client.post("/api/smart-playlists/preview", json=bad, headers=alice)
    assert response.status_code == 400
    message = response.json()["error"]["message"]
    assert "rules[1].rules[0].field" in message and "'mood'" in message
    too_many = {"rules": [{"field": "year", "operator": "gt", "value": 1}] * 51}
    assert (
        await client.post("/api/smart-playlists/preview", json=too_many, headers=alice)
    ).status_code == 400
    limit = {"rules": [], "limit": 0}
    assert (
        await client.post("/api/smart-playlists/preview", json=limit, headers=alice)
    ).status_code == 400


async def test_an_nsp_file_imports_and_stays_its_owners(
    client: httpx.AsyncClient,
    alice: dict[str, str],
    bob: dict[str, str],
    library: dict[str, str],
) -> None:
    nsp: dict[str, Any] = {
        "name": "Old jazz",
        "comment": "from Navidrome",
        "all": [{"is": {"genre": "Jazz"}}, {"lt": {"year": 1960}}],
        "sort": "title",
        "limit": 10,
    }
    response = await client.post("/api/smart-playlists/import-nsp", json=nsp, headers=alice)
    assert response.status_code == 201, response.text
    playlist = response.json()["playlist"]
    assert playlist["name"] == "Old jazz" and playlist["comment"] == "from Navidrome"
    songs = await client.get(f"/api/playlists/{playlist['id']}", headers=alice)
    assert order(songs.json()) == [library["Delta"]]
    assert (
        await client.get(f"/api/smart-playlists/{playlist['id']}", headers=bob)
    ).status_code == 404
    refused = await client.post(
        "/api/smart-playlists/import-nsp",
        json={"all": [{"contains": {"filepath": "/x"}}]},
        headers=alice,
    )
    assert refused.status_code == 400 and "'filepath'" in refused.json()["error"]["message"]


async def test_the_fields_catalogue_lists_types_and_operators(
    client: httpx.AsyncClient,
    alice: dict[str, str],
) -> None:
    body = (await client.get("/api/smart-playlists/fields", headers=alice)).json()
    by_name = {f["name"]: f for f in body["fields"]}
    assert by_name["year"]["type"] == "number" and "between" in by_name["year"]["operators"]
    assert by_name["liked"]["operators"] == ["is_true", "is_false"]
    assert body["max_rules"] == 50
