"""POST /api/events through HTTP: idempotency, partial rejection, limits, play counts, cache."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest

from tests.api.accounts import SignedIn, add_song, sign_in
from tonearm.app import Runtime

pytestmark = pytest.mark.anyio


@pytest.fixture
async def alice(client: httpx.AsyncClient, services: Runtime) -> SignedIn:
    return await sign_in(client, services, "alice")


def event(
    kind: str, song_id: UUID, *, ago_seconds: float = 600, session: str = "s1", **extra: Any
) -> dict[str, Any]:
    """An event body, timestamped `ago_seconds` before now, with a fresh client id."""
    return {
        "id": uuid.uuid4().hex,
        "type": kind,
        "song_id": str(song_id),
        "timestamp": (datetime.now(UTC) - timedelta(seconds=ago_seconds)).isoformat(),
        "session_id": session,
        **extra,
    }


async def post(client: httpx.AsyncClient, who: SignedIn, events: list[dict[str, Any]]) -> Any:
    response = await client.post("/api/events", json={"events": events}, headers=who.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def play_count(services: Runtime, song_id: UUID) -> int:
    return (await services.songs.get(song_id)).play_count


async def test_a_retried_batch_counts_once(
    client: httpx.AsyncClient, services: Runtime, alice: SignedIn
) -> None:
    song = await add_song(services)
    batch = [event("play", song, ago_seconds=300, position_ms=0), event("complete", song)]
    batch[1]["timestamp"] = batch[0]["timestamp"]  # complete right after the play
    assert await post(client, alice, batch) == {"accepted": 2, "duplicates": 0, "rejected": []}
    assert await post(client, alice, batch) == {"accepted": 0, "duplicates": 2, "rejected": []}
    overlapping = [batch[1], event("like", song)]
    assert await post(client, alice, overlapping) == {
        "accepted": 1,
        "duplicates": 1,
        "rejected": [],
    }
    assert await play_count(services, song) == 1


async def test_bad_events_are_rejected_one_by_one(
    client: httpx.AsyncClient, services: Runtime, alice: SignedIn
) -> None:
    song = await add_song(services)
    good = event("complete", song)
    unknown = event("play", uuid.uuid4())
    future = event("play", song, ago_seconds=-10 * 60)
    body = await post(client, alice, [unknown, good, future])
    assert body["accepted"] == 1
    assert body["duplicates"] == 0
    reasons = {item["id"]: item["reason"] for item in body["rejected"]}
    assert set(reasons) == {unknown["id"], future["id"]}
    assert "no song" in reasons[unknown["id"]]
    assert "future" in reasons[future["id"]]
    assert await play_count(services, song) == 1


async def test_an_event_a_minute_ahead_is_accepted(
    client: httpx.AsyncClient, services: Runtime, alice: SignedIn
) -> None:
    # Phones' clocks drift: up to 5 minutes ahead is fine.
    song = await add_song(services)
    body = await post(client, alice, [event("dislike", song, ago_seconds=-60)])
    assert body == {"accepted": 1, "duplicates": 0, "rejected": []}


async def test_an_oversized_context_rejects_only_that_event(
    client: httpx.AsyncClient, services: Runtime, alice: SignedIn
) -> None:
    song = await add_song(services)
    small = event("play", song, context={"time_of_day": "evening", "previous": [str(song)]})
    big = event("play", song, context={"previous": ["x" * 100] * 50})
    body = await post(client, alice, [small, big])
    assert body["accepted"] == 1
    assert [item["id"] for item in body["rejected"]] == [big["id"]]


@pytest.mark.parametrize("count", [0, 101])
async def test_a_batch_must_have_1_to_100_events(
    client: httpx.AsyncClient, services: Runtime, alice: SignedIn, count: int
) -> None:
    song = await add_song(services)
    events = [event("play", song) for _ in range(count)]
    response = await client.post("/api/events", json={"events": events}, headers=alice.headers)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_input"
    assert response.json()["error"]["message"].startswith("body.events")
    assert await play_count(services, song) == 0


@pytest.mark.parametrize(
    "change",
    [
        {"timestamp": "2026-11-01T20:00:00"},  # no time zone
        {"type": "shuffle"},
        {"song_id": "not-a-uuid"},
        {"id": ""},
        {"session_id": None},
    ],
)
async def test_malformed_events_fail_the_batch(
    client: httpx.AsyncClient, services: Runtime, alice: SignedIn, change: dict[str, Any]
) -> None:
    song = await add_song(services)
    response = await client.post(
        "/api/events", json={"events": [{**event("play", song), **change}]}, headers=alice.headers
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_input"


async def test_events_need_a_signed_in_user(client: httpx.AsyncClient, services: Runtime) -> None:
    song = await add_song(services)
    response = await client.post("/api/events", json={"events": [event("complete", song)]})
    assert response.status_code == 401
    assert await play_count(services, song) == 0


async def test_counted_plays_go_to_the_recent_plays_cache(
    client: httpx.AsyncClient, services: Runtime, alice: SignedIn
) -> None:
    first, second, skipped = [await add_song(services) for _ in range(3)]
    await post(
        client,
        alice,
        [
            event("play", first, ago_seconds=500),
            event("skip", first, ago_seconds=450),  # 50 s later: still counts
            event("complete", second, ago_seconds=400),
            event("play", skipped, ago_seconds=300),
            event("skip", skipped, ago_seconds=290),
        ],
    )
    key = f"user:recent:{alice.id}"
    cached = await services.cache.get(key)
    assert cached is not None
    assert [item["song_id"] for item in json.loads(cached)] == [str(second), str(first)]
    ttl = await services.cache.ttl(key)
    assert ttl is not None and 7 * 24 * 3600 - 60 < ttl <= 7 * 24 * 3600


async def test_concurrent_batches_lose_no_play_count(
    client: httpx.AsyncClient, services: Runtime, alice: SignedIn
) -> None:
    bob = await sign_in(client, services, "bob")
    song = await add_song(services)
    requests = [
        client.post(
            "/api/events",
            json={"events": [event("complete", song, session=f"s{n}") for n in range(k, k + 3)]},
            headers=who.headers,
        )
        for k in range(0, 30, 3)
        for who in (alice, bob)
    ]
    responses = await asyncio.gather(*requests)
    assert [r.status_code for r in responses] == [200] * 20
    assert await play_count(services, song) == 60
