"""/api/playlists through HTTP: lifecycle, ordering, isolation between users, errors."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.factories import make_draft
from tonearm.app import Runtime
from tonearm.users import Role

pytestmark = pytest.mark.anyio
PASSWORD = "correct horse battery"
NOW = datetime(2026, 11, 1, tzinfo=UTC)


async def sign_in(client: httpx.AsyncClient, services: Runtime, name: str, role: Role) -> Any:
    await services.domains.users.add_user(name, PASSWORD, role)
    tokens = await client.post("/api/auth/login", json={"username": name, "password": PASSWORD})
    return {"Authorization": f"Bearer {tokens.json()['access_token']}"}


@pytest.fixture
async def alice(client: httpx.AsyncClient, services: Runtime) -> dict[str, str]:
    """Headers of a plain user."""
    headers: dict[str, str] = await sign_in(client, services, "alice", Role.USER)
    return headers


@pytest.fixture
async def bob(client: httpx.AsyncClient, services: Runtime) -> dict[str, str]:
    """Headers of an admin: admins get no special access to others' playlists."""
    headers: dict[str, str] = await sign_in(client, services, "bob", Role.ADMIN)
    return headers


@pytest.fixture
async def songs(services: Runtime) -> list[str]:
    """Four songs in the library, 1, 2, 3 and 4 seconds long."""
    ids = []
    for n in range(1, 5):
        song = await services.songs.add(
            uuid.uuid4(), make_draft(title=f"T{n}", duration_ms=n * 1000), NOW
        )
        ids.append(str(song.id))
    return ids


def order(body: dict[str, Any]) -> list[str]:
    """The song ids of a playlist, checking that positions are exactly 0..n-1."""
    entries = body["entries"]
    assert [entry["position"] for entry in entries] == list(range(len(entries)))
    return [entry["song"]["id"] for entry in entries]


async def create(
    client: httpx.AsyncClient, headers: dict[str, str], name: str = "Mix", **body: Any
) -> dict[str, Any]:
    response = await client.post("/api/playlists", json={"name": name, **body}, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_full_lifecycle(
    client: httpx.AsyncClient, alice: dict[str, str], songs: list[str]
) -> None:
    a, b, *_ = songs
    created = await create(client, alice, " Road trip ", comment="car", song_ids=[a, b])
    assert created["name"] == "Road trip"
    assert created["comment"] == "car"
    assert (created["song_count"], created["duration_ms"]) == (2, 3000)
    assert order(created) == [a, b]
    assert created["entries"][0] == {
        "position": 0,
        "available": True,
        "song": {
            "id": a,
            "title": "T1",
            "artists": created["entries"][0]["song"]["artists"],
            "album": created["entries"][0]["song"]["album"],
            "duration_ms": 1000,
        },
    }
    assert created["entries"][0]["song"]["artists"]
    url = f"/api/playlists/{created['id']}"

    listed = (await client.get("/api/playlists", headers=alice)).json()["playlists"]
    assert [(p["id"], p["song_count"], p["duration_ms"]) for p in listed] == [
        (created["id"], 2, 3000)
    ]
    assert "entries" not in listed[0]
    got = await client.get(url, headers=alice)
    assert got.status_code == 200
    assert got.json() == created

    renamed = await client.patch(url, json={"name": "Holiday"}, headers=alice)
    assert renamed.status_code == 200
    assert (renamed.json()["name"], renamed.json()["comment"]) == ("Holiday", "car")
    assert datetime.fromisoformat(renamed.json()["updated_at"]) > datetime.fromisoformat(
        created["updated_at"]
    )
    cleared = await client.patch(url, json={"comment": None}, headers=alice)
    assert (cleared.json()["name"], cleared.json()["comment"]) == ("Holiday", None)

    deleted = await client.delete(url, headers=alice)
    assert deleted.status_code == 204
    assert (await client.get(url, headers=alice)).status_code == 404
    assert (await client.get("/api/playlists", headers=alice)).json() == {"playlists": []}


async def test_insert_remove_move_and_reorder_keep_positions_dense(
    client: httpx.AsyncClient, alice: dict[str, str], songs: list[str]
) -> None:
    a, b, c, d = songs
    url = f"/api/playlists/{(await create(client, alice, song_ids=[a, b]))['id']}"

    appended = await client.post(f"{url}/songs", json={"song_ids": [c, a]}, headers=alice)
    assert appended.status_code == 200
    assert order(appended.json()) == [a, b, c, a]
    inserted = await client.post(
        f"{url}/songs", json={"song_ids": [d, d], "position": 1}, headers=alice
    )
    assert order(inserted.json()) == [a, d, d, b, c, a]

    removed = await client.delete(f"{url}/songs/2", headers=alice)
    assert removed.status_code == 200
    assert order(removed.json()) == [a, d, b, c, a]

    moved = await client.post(f"{url}/move", json={"from": 0, "to": 3}, headers=alice)
    assert moved.status_code == 200
    assert order(moved.json()) == [d, b, c, a, a]

    reordered = await client.put(f"{url}/songs", json={"song_ids": [a, b, a, d]}, headers=alice)
    assert reordered.status_code == 200
    assert order(reordered.json()) == [a, b, a, d]
    assert order((await client.get(url, headers=alice)).json()) == [a, b, a, d]
    assert reordered.json()["song_count"] == 4
    assert reordered.json()["duration_ms"] == 1000 + 2000 + 1000 + 4000


async def test_a_removed_song_is_flagged_and_not_counted(
    client: httpx.AsyncClient, alice: dict[str, str], songs: list[str], services: Runtime
) -> None:
    a, b, *_ = songs
    created = await create(client, alice, song_ids=[a, b])
    await services.songs.tombstone(uuid.UUID(b), NOW)
    body = (await client.get(f"/api/playlists/{created['id']}", headers=alice)).json()
    assert order(body) == [a, b]
    assert [entry["available"] for entry in body["entries"]] == [True, False]
    assert (body["song_count"], body["duration_ms"]) == (1, 1000)


async def test_bad_song_ids_are_named_and_leave_the_playlist_unchanged(
    client: httpx.AsyncClient, alice: dict[str, str], songs: list[str], services: Runtime
) -> None:
    a, b, removed, _ = songs
    await services.songs.tombstone(uuid.UUID(removed), NOW)
    created = await create(client, alice, song_ids=[a])
    url = f"/api/playlists/{created['id']}"
    unknown = str(uuid.uuid4())

    for method, path, body in [
        ("POST", f"{url}/songs", {"song_ids": [b, unknown]}),
        ("POST", f"{url}/songs", {"song_ids": [removed], "position": 0}),
        ("PUT", f"{url}/songs", {"song_ids": [b, a, unknown]}),
    ]:
        response = await client.request(method, path, json=body, headers=alice)
        assert response.status_code == 400, (method, body)
        error = response.json()["error"]
        assert error["code"] == "invalid_input"
        assert (unknown if unknown in body["song_ids"] else removed) in error["message"]
        assert b not in error["message"]
    assert (await client.get(url, headers=alice)).json() == created

    refused = await client.post(
        "/api/playlists", json={"name": "New", "song_ids": [unknown]}, headers=alice
    )
    assert refused.status_code == 400
    assert unknown in refused.json()["error"]["message"]
    assert len((await client.get("/api/playlists", headers=alice)).json()["playlists"]) == 1


async def test_positions_outside_the_playlist_are_refused(
    client: httpx.AsyncClient, alice: dict[str, str], songs: list[str]
) -> None:
    a, b, *_ = songs
    created = await create(client, alice, song_ids=[a, b])
    url = f"/api/playlists/{created['id']}"
    missing_entry = await client.delete(f"{url}/songs/2", headers=alice)
    assert missing_entry.status_code == 404
    assert missing_entry.json()["error"]["code"] == "not_found"
    insert_past_end = await client.post(
        f"{url}/songs", json={"song_ids": [a], "position": 3}, headers=alice
    )
    assert insert_past_end.status_code == 400
    move_past_end = await client.post(f"{url}/move", json={"from": 0, "to": 2}, headers=alice)
    assert move_past_end.status_code == 400
    assert (await client.get(url, headers=alice)).json() == created


async def test_another_users_playlist_answers_as_if_absent(
    client: httpx.AsyncClient,
    alice: dict[str, str],
    bob: dict[str, str],
    songs: list[str],
) -> None:
    a, b, *_ = songs
    created = await create(client, alice, "Alice's", song_ids=[a, b])
    await create(client, bob, "Bob's")
    url = f"/api/playlists/{created['id']}"
    absent = f"/api/playlists/{uuid.uuid4()}"

    bobs = (await client.get("/api/playlists", headers=bob)).json()["playlists"]
    assert [p["name"] for p in bobs] == ["Bob's"]
    attempts = [
        ("GET", "", None),
        ("PATCH", "", {"name": "Mine now"}),
        ("DELETE", "", None),
        ("POST", "/songs", {"song_ids": [a]}),
        ("PUT", "/songs", {"song_ids": [b]}),
        ("DELETE", "/songs/0", None),
        ("POST", "/move", {"from": 0, "to": 1}),
    ]
    for method, suffix, body in attempts:
        theirs = await client.request(method, url + suffix, json=body, headers=bob)
        nobodys = await client.request(method, absent + suffix, json=body, headers=bob)
        assert theirs.status_code == nobodys.status_code == 404, (method, suffix)
        assert theirs.json()["error"]["code"] == nobodys.json()["error"]["code"] == "not_found"
    assert (await client.get(url, headers=alice)).json() == created


INVALID_REQUESTS: list[tuple[str, str, dict[str, Any] | None, str]] = [
    ("POST", "", {"name": ""}, "name"),
    ("POST", "", {"name": "   "}, "name"),
    ("POST", "", {"name": "x" * 201}, "name"),
    ("POST", "", {"comment": "no name"}, "name"),
    ("POST", "", {"name": "ok", "song_ids": ["not-a-uuid"]}, "song_ids"),
    ("PATCH", "/{id}", {"name": " "}, "name"),
    ("POST", "/{id}/songs", {"song_ids": []}, "song_ids"),
    ("POST", "/{id}/songs", {"song_ids": ["{song}"], "position": -1}, "position"),
    ("PUT", "/{id}/songs", {}, "song_ids"),
    ("POST", "/{id}/move", {"from": 0}, "to"),
    ("DELETE", "/{id}/songs/-1", None, "position"),
    ("GET", "?sort=random", None, "sort"),
    ("GET", "/not-a-uuid", None, "playlist_id"),
]


async def test_invalid_requests_get_the_error_shape_and_change_nothing(
    client: httpx.AsyncClient, alice: dict[str, str], songs: list[str]
) -> None:
    created = await create(client, alice, song_ids=[songs[0]])
    for method, path, body, where in INVALID_REQUESTS:
        if body and body.get("song_ids") == ["{song}"]:
            body = {**body, "song_ids": [songs[0]]}
        response = await client.request(
            method, "/api/playlists" + path.replace("{id}", created["id"]), json=body, headers=alice
        )
        assert response.status_code == 400, (method, path, response.text)
        error = response.json()["error"]
        assert error["code"] == "invalid_input"
        assert where in error["message"], (method, path, error)
    playlists = (await client.get("/api/playlists", headers=alice)).json()["playlists"]
    assert [p["id"] for p in playlists] == [created["id"]]
    assert (await client.get(f"/api/playlists/{created['id']}", headers=alice)).json() == created


async def test_a_name_of_200_characters_is_accepted(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    assert (await create(client, alice, "n" * 200))["name"] == "n" * 200


async def test_list_sorts_by_name_on_request(
    client: httpx.AsyncClient, alice: dict[str, str]
) -> None:
    for name in ["beta", "Alpha", "gamma"]:
        await create(client, alice, name)
    newest = (await client.get("/api/playlists", headers=alice)).json()["playlists"]
    assert [p["name"] for p in newest] == ["gamma", "Alpha", "beta"]
    by_name = (await client.get("/api/playlists?sort=name", headers=alice)).json()["playlists"]
    assert [p["name"] for p in by_name] == ["Alpha", "beta", "gamma"]


ROUTES = [
    ("GET", ""),
    ("POST", ""),
    ("GET", "/{id}"),
    ("PATCH", "/{id}"),
    ("DELETE", "/{id}"),
    ("POST", "/{id}/songs"),
    ("PUT", "/{id}/songs"),
    ("DELETE", "/{id}/songs/0"),
    ("POST", "/{id}/move"),
]


async def test_every_route_needs_sign_in(client: httpx.AsyncClient, alice: dict[str, str]) -> None:
    created = await create(client, alice)
    for method, path in ROUTES:
        response = await client.request(
            method, "/api/playlists" + path.replace("{id}", created["id"]), json={"name": "x"}
        )
        assert response.status_code == 401, (method, path)
        assert response.json()["error"]["code"] == "bad_credentials"
    assert (await client.get(f"/api/playlists/{created['id']}", headers=alice)).json() == created
