"""/api/user (history, likes, preferences) and /api/songs/{id}/like through HTTP."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest

from tests.api.accounts import SignedIn, add_song, sign_in
from tonearm.app import Runtime
from tonearm.listening import NetworkType, QualityCap

pytestmark = pytest.mark.anyio


@pytest.fixture
async def alice(client: httpx.AsyncClient, services: Runtime) -> SignedIn:
    return await sign_in(client, services, "alice")


@pytest.fixture
async def bob(client: httpx.AsyncClient, services: Runtime) -> SignedIn:
    return await sign_in(client, services, "bob")


def event(kind: str, song_id: UUID, ago_seconds: float = 600) -> dict[str, Any]:
    return {
        "id": uuid.uuid4().hex,
        "type": kind,
        "song_id": str(song_id),
        "timestamp": (datetime.now(UTC) - timedelta(seconds=ago_seconds)).isoformat(),
        "session_id": "s1",
    }


async def send(client: httpx.AsyncClient, who: SignedIn, *events: dict[str, Any]) -> None:
    response = await client.post("/api/events", json={"events": list(events)}, headers=who.headers)
    assert response.status_code == 200, response.text
    assert response.json()["rejected"] == []


async def get(client: httpx.AsyncClient, who: SignedIn, path: str, **params: Any) -> Any:
    response = await client.get(path, params=params, headers=who.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_history_shows_only_ones_own_counted_plays_newest_first(
    client: httpx.AsyncClient, services: Runtime, alice: SignedIn, bob: SignedIn
) -> None:
    old, new = await add_song(services, title="Old"), await add_song(services, title="New")
    theirs = await add_song(services, title="Bob's")
    await send(client, alice, event("complete", old, 900), event("complete", new, 300))
    await send(client, bob, event("complete", theirs, 100))
    history = await get(client, alice, "/api/user/history")
    assert [item["song"]["title"] for item in history["items"]] == ["New", "Old"]
    assert history["next_before"] is None
    first = history["items"][0]
    assert first["song"]["id"] == str(new)
    assert first["song"]["artists"] and first["song"]["duration_ms"] == 180_000
    bobs = await get(client, bob, "/api/user/history")
    assert [item["song"]["title"] for item in bobs["items"]] == ["Bob's"]


async def test_history_pages_with_a_cursor(
    client: httpx.AsyncClient, services: Runtime, alice: SignedIn
) -> None:
    songs = [await add_song(services) for _ in range(3)]
    await send(client, alice, *(event("complete", s, 100 * (3 - n)) for n, s in enumerate(songs)))
    seen: list[str] = []
    before = None
    for _ in range(3):
        params = {"limit": 2} | ({"before": before} if before else {})
        page = await get(client, alice, "/api/user/history", **params)
        seen += [item["song"]["id"] for item in page["items"]]
        before = page["next_before"]
        if before is None:
            break
    assert seen == [str(s) for s in reversed(songs)]


async def test_a_skipped_play_is_not_in_the_history(
    client: httpx.AsyncClient, services: Runtime, alice: SignedIn
) -> None:
    song = await add_song(services)
    await send(client, alice, event("play", song, 600), event("skip", song, 590))
    assert (await get(client, alice, "/api/user/history"))["items"] == []
    assert (await services.songs.get(song)).play_count == 0


async def test_a_forged_cursor_is_refused(client: httpx.AsyncClient, alice: SignedIn) -> None:
    for path in ("/api/user/history", "/api/user/likes"):
        response = await client.get(path, params={"before": "bm9wZQ"}, headers=alice.headers)
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_input"


async def test_likes_by_event_and_by_put_are_the_same_likes(
    client: httpx.AsyncClient, services: Runtime, alice: SignedIn, bob: SignedIn
) -> None:
    by_event, by_put = await add_song(services), await add_song(services)
    await send(client, alice, event("like", by_event, 60))
    response = await client.put(f"/api/songs/{by_put}/like", headers=alice.headers)
    assert response.status_code == 204
    again = await client.put(f"/api/songs/{by_put}/like", headers=alice.headers)
    assert again.status_code == 204
    likes = await get(client, alice, "/api/user/likes")
    assert [item["song"]["id"] for item in likes["items"]] == [str(by_put), str(by_event)]
    assert (await get(client, bob, "/api/user/likes"))["items"] == []

    await send(client, alice, event("unlike", by_put, 1))
    response = await client.delete(f"/api/songs/{by_event}/like", headers=alice.headers)
    assert response.status_code == 204
    assert (await get(client, alice, "/api/user/likes"))["items"] == []


async def test_like_then_unlike_in_one_batch_follows_the_timestamps(
    client: httpx.AsyncClient, services: Runtime, alice: SignedIn
) -> None:
    song = await add_song(services)
    # Listed out of order: the unlike happened last.
    await send(client, alice, event("unlike", song, 10), event("like", song, 20))
    assert (await get(client, alice, "/api/user/likes"))["items"] == []


async def test_liking_an_unknown_song_is_404(client: httpx.AsyncClient, alice: SignedIn) -> None:
    response = await client.put(f"/api/songs/{uuid.uuid4()}/like", headers=alice.headers)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


async def test_preferences_have_defaults_until_set(
    client: httpx.AsyncClient, alice: SignedIn
) -> None:
    prefs = await get(client, alice, "/api/user/preferences")
    assert prefs["offline_cache_mb"] == 500
    assert prefs["data_saver"] is False
    assert prefs["max_quality"] is None
    assert prefs["favourite_genres"] == []
    assert prefs["replaygain"] == "track"
    assert prefs["theme"] == "system"
    assert prefs["quality"]["wifi"] == "auto"
    assert set(prefs["quality"]) >= {"wifi", "cellular", "4g", "3g"}


async def test_preferences_round_trip_and_put_replaces(
    client: httpx.AsyncClient, services: Runtime, alice: SignedIn, bob: SignedIn
) -> None:
    chosen = {
        "quality": {"wifi": "high", "cellular": "efficient"},
        "max_quality": "medium",
        "data_saver": True,
        "favourite_genres": ["Jazz", "Soul"],
        "offline_cache_mb": 2000,
        "replaygain": "album",
        "theme": "dark",
    }
    response = await client.put("/api/user/preferences", json=chosen, headers=alice.headers)
    assert response.status_code == 200
    stored = await get(client, alice, "/api/user/preferences")
    assert stored == response.json()
    assert stored["quality"]["wifi"] == "high"
    assert stored["quality"]["cellular"] == "efficient"
    assert stored["quality"]["3g"] == "auto"
    assert {k: stored[k] for k in chosen if k != "quality"} == {
        k: v for k, v in chosen.items() if k != "quality"
    }
    # The streaming code reads them through the domain.
    domain = await services.domains.listening.preferences_for(alice.id)
    assert domain.cap_for(NetworkType.FOUR_G) is QualityCap.LOW  # data saver
    assert domain.cap_for(NetworkType.WIFI) is QualityCap.MEDIUM
    # PUT replaces the whole document: what is left out goes back to its default.
    await client.put("/api/user/preferences", json={"data_saver": True}, headers=alice.headers)
    replaced = await get(client, alice, "/api/user/preferences")
    assert replaced["offline_cache_mb"] == 500
    assert replaced["quality"]["wifi"] == "auto"
    assert (await get(client, bob, "/api/user/preferences"))["data_saver"] is False


@pytest.mark.parametrize(
    "body",
    [
        {"offline_cache_mb": 49},
        {"offline_cache_mb": 100_001},
        {"quality": {"wifi": "ultra"}},
        {"quality": {"satellite": "high"}},
        {"max_quality": "auto"},
        {"replaygain": "loud"},
        {"theme": "purple"},
        {"colour": "dark"},
        {"favourite_genres": [""]},
        {"favourite_genres": ["Rock"] * 51},
    ],
)
async def test_invalid_preferences_are_refused(
    client: httpx.AsyncClient, alice: SignedIn, body: dict[str, Any]
) -> None:
    response = await client.put("/api/user/preferences", json=body, headers=alice.headers)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_input"
    assert (await get(client, alice, "/api/user/preferences"))["offline_cache_mb"] == 500


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/user/history"),
        ("GET", "/api/user/likes"),
        ("GET", "/api/user/preferences"),
        ("PUT", "/api/user/preferences"),
        ("PUT", "/api/songs/00000000-0000-4000-8000-000000000001/like"),
        ("DELETE", "/api/songs/00000000-0000-4000-8000-000000000001/like"),
    ],
)
async def test_users_data_needs_a_signed_in_user(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await client.request(method, path, json={})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "bad_credentials"
